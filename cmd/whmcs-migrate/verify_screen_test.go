package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// vfManyConfig writes n one-message tickets (M001...) and a config for
// them against s.
func vfManyConfig(t *testing.T, s *whmcstest.Server, n int) string {
	t.Helper()
	dir := t.TempDir()
	var tk, ms strings.Builder
	tk.WriteString("id,subject,department,email,name\n")
	ms.WriteString("ticket_id,id,created,body\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&tk, "M%03d,Question %d,Sales,guest%d@example.org,Guest %d\n", i, i, i, i)
		fmt.Fprintf(&ms, "M%03d,1,2024-03-01 09:%02d:%02d,Hello %d\n", i, i/60, i%60, i)
	}
	must(t, os.WriteFile(filepath.Join(dir, "tickets.csv"), []byte(tk.String()), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "messages.csv"), []byte(ms.String()), 0o600))
	cfg := `source:
  type: csv
  path: ` + dir + `
  timezone: UTC
target:
  url: ` + s.APIURL() + `
  identifier: ` + s.Identifier + `
  secret: ` + s.Secret + `
  timezone: America/Chicago
  rate: 0
  concurrency: 3
mapping:
  departments: {Sales: 1}
  clients: guest
checkpoint: ` + filepath.Join(dir, "migration.db") + `
`
	p := filepath.Join(dir, "config.yaml")
	must(t, os.WriteFile(p, []byte(cfg), 0o600))
	return p
}

type verifyJSONReport struct {
	Tickets     map[string]int `json:"tickets"`
	Interrupted bool           `json:"interrupted"`
	Differences []struct {
		Ticket string `json:"ticket"`
		Field  string `json:"field"`
	} `json:"differences"`
}

func readVerifyJSON(t *testing.T, path string) verifyJSONReport {
	t.Helper()
	b, err := os.ReadFile(path)
	must(t, err)
	var j verifyJSONReport
	must(t, json.Unmarshal(b, &j))
	return j
}

// verify fits a screen: after importing 20 of 200 tickets, it prints a
// summary of at most 60 lines and exits 3, and its JSON names all 180
// tickets not imported; it says where it wrote the report.
func TestVerifyFitsAScreen(t *testing.T) {
	s := vfSandbox(t)
	cfg := vfManyConfig(t, s, 200)
	if code, out, errOut := cli(t, "run", "--config", cfg, "--no-progress", "--limit", "20"); code != exitOK ||
		!strings.Contains(out, "remaining  180 of the source's 200 tickets are not imported yet (--limit 20)") {
		t.Fatalf("run --limit 20: exit %d\n%s\n%s", code, out, errOut)
	}
	// Tamper with more tickets than the screen shows.
	h, err := whmcs.NewHTTP(whmcs.Options{URL: s.APIURL(), Identifier: s.Identifier, Secret: s.Secret})
	must(t, err)
	for _, tk := range s.State().Tickets {
		must(t, whmcs.NewClient(h, nil).UpdateTicket(context.Background(), &whmcs.UpdateTicketRequest{TicketID: tk.ID, Status: "On Hold"}))
	}
	rj := filepath.Join(t.TempDir(), "verify.json")
	code, out, errOut := cli(t, "verify", "--config", cfg, "--report", rj)
	lines := strings.Count(out, "\n") + strings.Count(errOut, "\n")
	if code != exitIncomplete || lines > 60 {
		t.Fatalf("verify: exit %d, %d lines\n%s\n%s", code, lines, out, errOut)
	}
	for _, want := range []string{"Verified 20 tickets: 0 matching, 20 differing. 180 source tickets not imported.",
		"Not imported: M021, M022", "and 170 more", "Report (JSON): " + rj} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	j := readVerifyJSON(t, rj)
	notImported := map[string]bool{}
	for _, d := range j.Differences {
		if d.Field == "not_imported" {
			notImported[d.Ticket] = true
		}
	}
	if len(notImported) != 180 || !notImported["M021"] || !notImported["M200"] || j.Tickets["missing"] != 180 || j.Tickets["differing"] != 20 {
		t.Errorf("JSON: %d not imported, tickets %v", len(notImported), j.Tickets)
	}

	// Without --report, the summary says how to get the rest.
	if _, out, _ := cli(t, "verify", "--config", cfg); !strings.Contains(out, "--report FILE.json") {
		t.Errorf("no hint at --report:\n%s", out)
	}
}

// Ctrl-C during verify writes what was checked so far, marked interrupted,
// and exits 130.
func TestVerifyInterruptedWritesWhatWasChecked(t *testing.T) {
	s := vfSandbox(t)
	cfg := vfManyConfig(t, s, 40)
	if code, out, errOut := cli(t, "run", "--config", cfg, "--no-progress"); code != exitOK {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errOut)
	}
	s.SetFaults(whmcstest.Faults{Latency: 100 * time.Millisecond})
	rj := filepath.Join(t.TempDir(), "verify.json")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Ctrl-C once verify has read a few tickets back (the preflight's
	// calls come first).
	before := s.Calls()["GetTicket"]
	go func() {
		for ctx.Err() == nil && s.Calls()["GetTicket"] < before+3 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	var out, errb strings.Builder
	code := execute(ctx, []string{"verify", "--config", cfg, "--report", rj}, &out, &errb)
	if code != exitInterrupted || !strings.Contains(out.String(), "Interrupted") || !strings.Contains(out.String(), "Report (JSON): "+rj) {
		t.Fatalf("verify interrupted: exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	j := readVerifyJSON(t, rj)
	if !j.Interrupted || j.Tickets["checked"] >= 40 || j.Tickets["checked"] != j.Tickets["matching"]+j.Tickets["differing"] {
		t.Errorf("interrupted report: %+v", j)
	}
}
