package main

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

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

// run --html: the run's page, rendered in headless Chromium, has no script
// error, shows the run's counts, and charts its calls per second, latency
// and throttling over its time.
func TestRunHTMLInBrowser(t *testing.T) {
	s := vfSandbox(t)
	cfg := vfManyConfig(t, s, 90)
	s.SetFaults(whmcstest.Faults{Seed: 5, Latency: 15 * time.Millisecond, ThrottleRate: 0.08})
	dir := t.TempDir()
	rh, rj := filepath.Join(dir, "run.html"), filepath.Join(dir, "run.json")
	if code, out, errOut := cli(t, "run", "--config", cfg, "--no-progress", "--html", rh, "--report", rj); code != exitOK {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errOut)
	}
	st, err := os.Stat(rh)
	must(t, err)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("run.html is %v, want 0600", st.Mode().Perm())
	}
	b, err := os.ReadFile(rj)
	must(t, err)
	var rep struct {
		Tickets   map[string]int `json:"tickets"`
		Throttled int64          `json:"throttled"`
		Calls     map[string]int64
	}
	must(t, json.Unmarshal(b, &rep))
	page := browsertest.Render(t, rh, "")
	noScriptErrors(t, "run report", page)
	for _, want := range []string{
		fmt.Sprintf(`<tr><th>Imported</th><td class="n">%d</td></tr>`, rep.Tickets["imported"]),
		fmt.Sprintf(`<tr><th>OpenTicket</th><td class="n">%d</td></tr>`, rep.Calls["OpenTicket"]),
		fmt.Sprintf(`<tr><th>Throttled (429)</th><td class="n">%d</td></tr>`, rep.Throttled),
	} {
		if !strings.Contains(page.DOM, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if rep.Tickets["imported"] != 90 || rep.Throttled == 0 {
		t.Errorf("the run exercised too little: %s", b)
	}
	charts := regexp.MustCompile(`<figure class="chart" data-max="([0-9.]+)" data-values="([0-9. ]*)">\s*<figcaption>([^<(]+)`).FindAllStringSubmatch(page.DOM, -1)
	if len(charts) != 3 {
		t.Fatalf("%d charts, want 3:\n%s", len(charts), page.DOM)
	}
	var throttled float64
	for _, c := range charts {
		vals := strings.Fields(c[2])
		if len(vals) < 3 {
			t.Errorf("chart %q has %d points", c[3], len(vals))
		}
		if c[1] == "0.0" && !strings.HasPrefix(c[3], "Throttled") {
			t.Errorf("chart %q is flat at 0", c[3])
		}
		if strings.HasPrefix(c[3], "Throttled") {
			for _, v := range vals {
				f, _ := strconv.ParseFloat(v, 64)
				throttled += f
			}
		}
	}
	if int64(throttled) != rep.Throttled {
		t.Errorf("the throttling chart adds up to %v, the run throttled %d times", throttled, rep.Throttled)
	}
	if strings.Contains(page.DOM, "http://") || strings.Contains(page.DOM, "https://") {
		t.Errorf("the run page refers to the network")
	}
}
