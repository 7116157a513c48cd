package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/internal/zonetest"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// vfConfig writes a small CSV data set (four tickets: a client's, guests',
// staff replies, notes, an attachment) and a config for it against s, and
// returns the config's path.
func vfConfig(t *testing.T, s *whmcstest.Server) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"tickets.csv": `id,subject,department,status,priority,email,name,created
A1,Invoice question,Sales,resolved,High,cynthia@example.com,Cynthia Reilly,2024-03-01 09:00:00
A2,Printer setup,Technical Support,Closed,Low,guest@nowhere.example,Guest Person,2024-03-02 10:00:00
A3,Refund,Sales,,,bob@example.org,Bob Martin,2024-03-03 10:00:00
A4,Question,Technical Support,pending,,ann@else.example,Ann Else,2024-03-04 10:00:00
`,
		"messages.csv": `ticket_id,id,type,author,name,email,created,body,format,attachments
A1,A1-1,reply,customer,Cynthia Reilly,cynthia@example.com,2024-03-01 09:00:00,Why is my invoice wrong?,text,
A1,A1-2,reply,staff,Jane Staff,jane@old.example,2024-03-01 10:00:00,It is fixed now.,text,
A1,A1-3,note,staff,Jane Staff,jane@old.example,2024-03-01 10:05:00,Refunded 5 EUR.,text,
A2,A2-1,reply,customer,Guest Person,guest@nowhere.example,2024-03-02 10:00:00,My printer <b>fails</b>.,html,files/manual.txt
A2,A2-2,reply,staff,Jane Staff,jane@old.example,2024-03-02 11:00:00,Try turning it off and on.,text,
A3,A3-1,reply,customer,Bob Martin,bob@example.org,2024-03-03 10:00:00,I want a refund.,text,
A3,A3-2,reply,customer,Bob Martin,bob@example.org,2024-03-03 12:30:00,Any news?,text,
A4,A4-1,reply,customer,Ann Else,ann@else.example,2024-03-04 10:00:00,Hello?,text,
A4,A4-2,note,staff,Mike Staff,mike@old.example,2024-03-04 10:30:00,Call her back.,text,
`,
		"files/manual.txt": "read the manual",
	}
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg := `source:
  type: csv
  path: ` + dir + `
  timezone: Europe/Paris
target:
  url: ` + s.APIURL() + `
  identifier: ` + s.Identifier + `
  secret: ` + s.Secret + `
  timezone: America/Chicago
  rate: 0
  concurrency: 3
mapping:
  departments: {Sales: 1, "Technical Support": 2}
  statuses: {resolved: Closed, pending: "On Hold"}
  staff: {"jane@old.example": support}
  default_staff: admin
  clients: match_email
checkpoint: ` + filepath.Join(dir, "migration.db") + `
`
	p := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func vfSandbox(t *testing.T) *whmcstest.Server {
	t.Helper()
	s := whmcstest.NewServer(whmcstest.Options{TimeZone: zonetest.Load(t, "America/Chicago")})
	t.Cleanup(s.Close)
	return s
}

func TestVerifyCommand(t *testing.T) {
	s := vfSandbox(t)
	cfg := vfConfig(t, s)
	dir := t.TempDir()
	rj, rh := filepath.Join(dir, "verify.json"), filepath.Join(dir, "verify.html")

	// Before any import there is no checkpoint: verify says so (exit 1)
	// and creates none (TestMissingCheckpoint).
	code, out, errOut := cli(t, "verify", "--config", cfg)
	if code != exitFatal || !strings.Contains(errOut, "does not exist") {
		t.Fatalf("verify before import: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, out, errOut := cli(t, "run", "--config", cfg, "--no-progress"); code != exitOK {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errOut)
	}
	writes := s.WriteCalls()
	code, out, errOut = cli(t, "verify", "--config", cfg, "--report", rj, "--html", rh)
	if code != exitOK || !strings.Contains(out, "Verified 4 tickets: 4 matching, 0 differing.") {
		t.Fatalf("verify after import: exit %d\n%s\n%s", code, out, errOut)
	}
	if s.WriteCalls() != writes {
		t.Errorf("verify wrote to WHMCS")
	}
	for _, p := range []string{rj, rh} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s is %v, want 0600", p, st.Mode().Perm())
		}
	}

	// A status changed in WHMCS: exit 3, named in the summary and the JSON.
	var a3 int64
	for _, tk := range s.State().Tickets {
		if tk.Subject == "Refund" {
			a3 = tk.ID
		}
	}
	h, err := whmcs.NewHTTP(whmcs.Options{URL: s.APIURL(), Identifier: s.Identifier, Secret: s.Secret})
	if err != nil {
		t.Fatal(err)
	}
	if err := whmcs.NewClient(h, nil).UpdateTicket(context.Background(), &whmcs.UpdateTicketRequest{TicketID: a3, Status: "Closed"}); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = cli(t, "verify", "--config", cfg, "--report", rj)
	if code != exitIncomplete || !strings.Contains(out, "ticket A3 (WHMCS") || !strings.Contains(out, "status: expected Customer-Reply; WHMCS has Closed") {
		t.Fatalf("verify after tampering: exit %d\n%s\n%s", code, out, errOut)
	}
	b, err := os.ReadFile(rj)
	if err != nil {
		t.Fatal(err)
	}
	var j struct {
		Tickets     map[string]int `json:"tickets"`
		Differences []struct {
			Ticket  string `json:"ticket"`
			WHMCSID int64  `json:"whmcs_id"`
			Field   string `json:"field"`
		} `json:"differences"`
	}
	if err := json.Unmarshal(b, &j); err != nil {
		t.Fatal(err)
	}
	if j.Tickets["checked"] != 4 || j.Tickets["differing"] != 1 || len(j.Differences) != 1 ||
		j.Differences[0].Ticket != "A3" || j.Differences[0].WHMCSID != a3 || j.Differences[0].Field != "status" {
		t.Errorf("report: %s", b)
	}
	if strings.Contains(out+errOut+string(b), s.Secret) {
		t.Errorf("the API secret leaked")
	}

	// --only A1 passes; --sample with --only is a usage error.
	if code, out, _ := cli(t, "verify", "--config", cfg, "--only", "A1,A2"); code != exitOK || !strings.Contains(out, "Verified 2 tickets") {
		t.Errorf("--only: exit %d\n%s", code, out)
	}
	if code, _, _ := cli(t, "verify", "--config", cfg, "--only", "A1", "--sample", "1"); code != exitUsage {
		t.Errorf("--only with --sample: exit %d", code)
	}
}
