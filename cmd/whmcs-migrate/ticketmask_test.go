package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// validate warns when target.ticket_mask's numbers do not suffice for the
// tickets WHMCS holds (counted with one GetTickets) and the import's.
func TestValidateTicketNumbers(t *testing.T) {
	s := whmcstest.NewServer(whmcstest.Options{})
	defer s.Close()
	existing := len(s.State().Tickets)
	check := func(extra string) (*report.TicketNumbers, string) {
		t.Helper()
		rj := filepath.Join(t.TempDir(), "report.json")
		_, out, errOut := cli(t, "validate", "--config", vtConfig(t, s, extra), "--report", rj)
		b, err := os.ReadFile(rj)
		if err != nil {
			t.Fatalf("%v\n%s", err, errOut)
		}
		var rep report.Validation
		if err := json.Unmarshal(b, &rep); err != nil || rep.TicketNumbers == nil {
			t.Fatalf("report: %v, %s", err, b)
		}
		return rep.TicketNumbers, out
	}
	tn, out := check("")
	if tn.Mask != "%n%n%n%n%n%n" || tn.Numbers != 900_000 || tn.Existing != existing || tn.New == 0 || tn.Warning != "" ||
		strings.Contains(out, "Ticket numbers") {
		t.Errorf("default mask: %+v\n%s", tn, out)
	}
	// A one-digit mask: 9 numbers.
	cfgText := func(mask string) string {
		p := vtConfig(t, s, "")
		b, _ := os.ReadFile(p)
		if err := os.WriteFile(p, []byte(strings.Replace(string(b), "target:\n", "target:\n  ticket_mask: \""+mask+"\"\n", 1)), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	rj := filepath.Join(t.TempDir(), "r.json")
	_, out, _ = cli(t, "validate", "--config", cfgText("%n"), "--report", rj)
	var rep report.Validation
	b, _ := os.ReadFile(rj)
	if err := json.Unmarshal(b, &rep); err != nil || rep.TicketNumbers == nil {
		t.Fatalf("report: %v %s", err, b)
	}
	if tn := rep.TicketNumbers; tn.Numbers != 9 || tn.Warning == "" || !strings.Contains(out, "Ticket numbers: warning") || !strings.Contains(out, "%i") {
		t.Errorf("%%n mask: %+v\n%s", tn, out)
	}
	// %i never runs out; a mask WHMCS would refuse is a config error.
	_, out, _ = cli(t, "validate", "--config", cfgText("%i"))
	if strings.Contains(out, "Ticket numbers") {
		t.Errorf("%%i mask warned:\n%s", out)
	}
	if code, _, errOut := cli(t, "validate", "--config", cfgText(strings.Repeat("%n", 8))); code != exitUsage || !strings.Contains(errOut, "ticket_mask") {
		t.Errorf("16-character mask: exit %d\n%s", code, errOut)
	}
}
