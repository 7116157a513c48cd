package main

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/internal/browsertest"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// noScriptErrors fails on any script error the page raised.
func noScriptErrors(t *testing.T, what string, p browsertest.Page) {
	t.Helper()
	if errs := p.Errors(); len(errs) > 0 {
		t.Errorf("%s: script errors in the browser: %q", what, errs)
	}
}

// The validation report, rendered in headless Chromium: no script error;
// its script counts every problem, and a search (from the URL, as a
// shared link has it) shows exactly the matching ones; each code has its
// explanation and fix.
func TestValidationHTMLInBrowser(t *testing.T) {
	s := whmcstest.NewServer(whmcstest.Options{})
	defer s.Close()
	cfg := vtConfig(t, s, "")
	dir := t.TempDir()
	rj, rh := filepath.Join(dir, "v.json"), filepath.Join(dir, "v.html")
	if code, out, errOut := cli(t, "validate", "--config", cfg, "--report", rj, "--html", rh); code != exitIncomplete {
		t.Fatalf("validate: exit %d\n%s\n%s", code, out, errOut)
	}
	b, err := os.ReadFile(rj)
	must(t, err)
	var rep struct {
		Problems []struct{ Ticket, Entry, Severity, Code, Origin, Field, Message string }
		Summary  struct {
			ByCode []struct{ Code string } `json:"by_code"`
		}
	}
	must(t, json.Unmarshal(b, &rep))
	n := len(rep.Problems)
	if n < 5 || len(rep.Summary.ByCode) < 3 {
		t.Fatalf("the fixture gives too few problems to check: %s", b)
	}

	page := browsertest.Render(t, rh, "")
	noScriptErrors(t, "validation report", page)
	if want := fmt.Sprintf(`<span id="shown" class="muted">%d of %d problems shown</span>`, n, n); !strings.Contains(page.DOM, want) {
		t.Errorf("the page's script did not count the problems: want %s", want)
	}
	for _, c := range rep.Summary.ByCode {
		h, ok := sources.Code(c.Code).Help()
		if !ok || !strings.Contains(page.DOM, html.EscapeString(h.Fix)) {
			t.Errorf("code %s is shown without its fix %q", c.Code, h.Fix)
		}
	}

	// A search: the first problem's ticket.
	q := rep.Problems[0].Ticket
	match := 0
	for _, p := range rep.Problems {
		if strings.Contains(strings.ToLower(p.Ticket+p.Entry+p.Severity+p.Code+p.Origin+p.Field+p.Message), strings.ToLower(q)) {
			match++
		}
	}
	page = browsertest.Render(t, rh, "q="+q)
	noScriptErrors(t, "validation report searched", page)
	if want := fmt.Sprintf("%d of %d problems shown", match, n); match == n || !strings.Contains(page.DOM, want) {
		t.Errorf("search %q: want %q (of the rows, %d match)", q, want, match)
	}
}

// The verification report, rendered in headless Chromium: no script
// error; every difference counted, a search narrows them, and each WHMCS
// ticket is its number (#tid) linked to the admin area.
func TestVerifyHTMLInBrowser(t *testing.T) {
	s := vfSandbox(t)
	cfg := vfManyConfig(t, s, 30)
	if code, out, errOut := cli(t, "run", "--config", cfg, "--no-progress", "--limit", "5"); code != exitOK {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errOut)
	}
	h, err := whmcs.NewHTTP(whmcs.Options{URL: s.APIURL(), Identifier: s.Identifier, Secret: s.Secret})
	must(t, err)
	var tampered whmcstest.TicketState
	for _, tk := range s.State().Tickets {
		if tk.Subject == "Question 3" {
			tampered = tk
			must(t, whmcs.NewClient(h, nil).UpdateTicket(context.Background(), &whmcs.UpdateTicketRequest{TicketID: tk.ID, Status: "On Hold"}))
		}
	}
	rh := filepath.Join(t.TempDir(), "verify.html")
	if code, out, errOut := cli(t, "verify", "--config", cfg, "--html", rh); code != exitIncomplete {
		t.Fatalf("verify: exit %d\n%s\n%s", code, out, errOut)
	}
	page := browsertest.Render(t, rh, "")
	noScriptErrors(t, "verify report", page)
	if want := "26 of 26 differences shown"; !strings.Contains(page.DOM, want) { // 25 not imported + 1 status
		t.Errorf("the page's script did not count the differences: want %q", want)
	}
	link := fmt.Sprintf(`<a href="%s/admin/supporttickets.php?action=view&amp;id=%d">#%s</a>`, s.URL, tampered.ID, tampered.TID)
	if tampered.TID == "" || !strings.Contains(page.DOM, link) {
		t.Errorf("no link %s in:\n%s", link, page.DOM)
	}
	page = browsertest.Render(t, rh, "q=M003")
	noScriptErrors(t, "verify report searched", page)
	if !strings.Contains(page.DOM, "1 of 26 differences shown") {
		t.Errorf("search M003: the page does not show exactly its difference")
	}
}
