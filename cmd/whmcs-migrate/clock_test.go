package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// A WHMCS whose clock is two days behind this machine's: a message dated
// one day ago is in the future for it. Validate online and run judge dates
// against WHMCS's clock, learnt from its answers' Date header, and refuse
// that ticket themselves (future_date) instead of sending it and meeting
// WHMCS's "Ticket creation date cannot be in the future"; validate offline
// can only use the local clock.
func TestDatesJudgedAgainstWHMCSClock(t *testing.T) {
	skew := -48 * time.Hour
	srv := whmcstest.NewServer(whmcstest.Options{Now: func() time.Time { return time.Now().Add(skew) }})
	defer srv.Close()
	data, work := t.TempDir(), t.TempDir()
	day := func(d int) string { return time.Now().UTC().AddDate(0, 0, d).Format("2006-01-02 15:04:05") }
	files := map[string]string{
		"tickets.csv": "id,subject,department,email,name,created\n" +
			"NEW,Written yesterday,Sales,amy@example.com,Amy,\n" +
			"OLD,Written three days ago,Sales,bob@example.com,Bob,\n",
		"messages.csv": "ticket_id,id,type,author,name,email,created,body\n" +
			"NEW,NEW-1,reply,customer,Amy,amy@example.com," + day(-1) + ",hello from yesterday\n" +
			"OLD,OLD-1,reply,customer,Bob,bob@example.com," + day(-3) + ",hello from three days ago\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(data, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg := filepath.Join(work, "config.yaml")
	if err := os.WriteFile(cfg, []byte(`source:
  type: csv
  path: `+data+`
  timezone: UTC
target:
  url: `+srv.APIURL()+`
  identifier: `+srv.Identifier+`
  secret: `+srv.Secret+`
  timezone: UTC
  rate: 0
mapping:
  departments: {Sales: 1}
checkpoint: migration.db
`), 0o600); err != nil {
		t.Fatal(err)
	}

	type validation struct {
		Clock       time.Time `json:"clock"`
		ClockSource string    `json:"clock_source"`
		Problems    []struct{ Ticket, Severity, Code string }
	}
	validate := func(offline bool) (validation, string) {
		t.Helper()
		rp := filepath.Join(work, "validate.json")
		args := []string{"validate", "--config", cfg, "--report", rp}
		if offline {
			args = append(args, "--offline")
		}
		code, out, errOut := cli(t, args...)
		var v validation
		b, err := os.ReadFile(rp)
		if err != nil {
			t.Fatalf("exit %d, no report: %v\n%s%s", code, err, out, errOut)
		}
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		return v, out
	}
	futureDates := func(v validation) []string {
		var ts []string
		for _, p := range v.Problems {
			if p.Code == "future_date" {
				ts = append(ts, p.Ticket+":"+p.Severity)
			}
		}
		return ts
	}

	on, out := validate(false)
	if got := futureDates(on); len(got) != 1 || got[0] != "NEW:error" {
		t.Errorf("online: future_date on %v, want NEW only (an error)", got)
	}
	if d := time.Since(on.Clock); on.ClockSource != clockWHMCS || d < 47*time.Hour || d > 49*time.Hour {
		t.Errorf("online: clock %s (%s), %v behind now; want WHMCS's, 48h behind", on.Clock, on.ClockSource, d)
	}
	if !strings.Contains(out, "the WHMCS server's clock") {
		t.Errorf("the summary does not say whose clock:\n%s", out)
	}

	off, out := validate(true)
	if got := futureDates(off); len(got) != 0 {
		t.Errorf("offline: future_date on %v, want none (the local clock)", got)
	}
	if d := time.Since(off.Clock); off.ClockSource != clockLocal || d < 0 || d > time.Hour {
		t.Errorf("offline: clock %s (%s); want the local one", off.Clock, off.ClockSource)
	}
	if !strings.Contains(out, "this machine's clock") {
		t.Errorf("the summary does not say whose clock:\n%s", out)
	}

	rp := filepath.Join(work, "run.json")
	code, out, errOut := cli(t, "run", "--config", cfg, "--no-progress", "--report", rp)
	if code != exitIncomplete {
		t.Fatalf("run: exit %d, want %d (one ticket failed)\n%s%s", code, exitIncomplete, out, errOut)
	}
	var rep struct {
		Tickets  struct{ Imported, Failed int }
		Failures []struct{ Ticket, Step, Error string }
	}
	b, err := os.ReadFile(rp)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Tickets.Imported != 1 || rep.Tickets.Failed != 1 || len(rep.Failures) != 1 {
		t.Fatalf("run report %s", b)
	}
	if f := rep.Failures[0]; f.Ticket != "NEW" || f.Step != "plan" || !strings.Contains(f.Error, "future_date") ||
		strings.Contains(f.Error, "cannot be in the future") {
		t.Errorf("failure %+v; want NEW refused by the plan with future_date, not by WHMCS", f)
	}
	if n := srv.WriteCalls(); n != 1 {
		t.Errorf("WHMCS got %d write calls, want 1 (the ticket in its future never sent)", n)
	}
	if st := srv.State(); len(st.Tickets) != 1 || st.Tickets[0].Subject != "Written three days ago" {
		t.Errorf("WHMCS holds %+v", st.Tickets)
	}
}
