package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// mcEnv is a CSV export of 30 tickets, each opened by its customer, then
// answered by staff, then answered by the customer again; every third
// ticket's staff reply is by ghost@old.example, whom the mapping sends to
// an admin username WHMCS lacks.
type mcEnv struct {
	sb  *whmcstest.Server
	dir string // the CSV export's
}

func newMCEnv(t *testing.T) *mcEnv {
	t.Helper()
	sb := whmcstest.NewServer(whmcstest.Options{Sanitize: true, ThreeByte: true})
	t.Cleanup(sb.Close)
	dir := t.TempDir()
	var tk, ms strings.Builder
	tk.WriteString("id,subject,department,status,email,name,created\n")
	ms.WriteString("ticket_id,id,type,author,name,email,created,body\n")
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&tk, "T%d,Ticket %d,Sales,Closed,person%d@example.org,Person %d,2024-03-%02d 09:00:00\n", i, i, i, i, i%28+1)
		staff := "jane@old.example"
		if i%3 == 0 {
			staff = "ghost@old.example"
		}
		fmt.Fprintf(&ms, "T%d,T%d-1,reply,customer,Person %d,person%d@example.org,2024-03-%02d 09:00:00,Question %d\n", i, i, i, i, i%28+1, i)
		fmt.Fprintf(&ms, "T%d,T%d-2,reply,staff,Staff,%s,2024-03-%02d 10:00:00,Answer %d\n", i, i, staff, i%28+1, i)
		fmt.Fprintf(&ms, "T%d,T%d-3,reply,customer,Person %d,person%d@example.org,2024-03-%02d 11:00:00,Thanks %d\n", i, i, i, i, i%28+1, i)
	}
	must(t, os.WriteFile(filepath.Join(dir, "tickets.csv"), []byte(tk.String()), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "messages.csv"), []byte(ms.String()), 0o600))
	return &mcEnv{sb: sb, dir: dir}
}

// config writes a config with mapping (YAML lines under mapping:).
func (e *mcEnv) config(t *testing.T, mapping string) string {
	t.Helper()
	dir := t.TempDir()
	cfg := `source:
  type: csv
  path: ` + e.dir + `
  timezone: UTC
target:
  url: ` + e.sb.APIURL() + `
  identifier: ` + e.sb.Identifier + `
  secret: ` + e.sb.Secret + `
  timezone: UTC
  rate: 0
mapping:
` + mapping + `checkpoint: ` + filepath.Join(dir, "migration.db") + "\n"
	p := filepath.Join(dir, "config.yaml")
	must(t, os.WriteFile(p, []byte(cfg), 0o600))
	return p
}

// A staff mapping to an admin username WHMCS lacks: the tickets that need
// that admin fail before any of their calls (no half-built ticket in
// WHMCS: before the check, each was opened and failed at its staff
// reply), naming the username with validate's code; the others are
// imported exactly; the exit status is 3; and the next run does the same
// without a write.
func TestRunStaffMappingToUnknownAdmin(t *testing.T) {
	e := newMCEnv(t)
	cfg := e.config(t, `  departments: {Sales: 1}
  staff: {"jane@old.example": admin, "ghost@old.example": ghost}
`)
	fj := filepath.Join(filepath.Dir(cfg), "failed.jsonl")
	code, out, errOut := cli(t, "run", "--config", cfg, "--no-progress", "--failures", fj)
	if code != exitIncomplete {
		t.Fatalf("run: exit %d, want %d\n%s\n%s", code, exitIncomplete, out, errOut)
	}
	if !strings.Contains(errOut, `mapping.staff: "ghost@old.example" -> "ghost": WHMCS has no admin user "ghost"`) {
		t.Errorf("the missing admin is not listed before the run:\n%s", errOut)
	}
	st := e.sb.State()
	// WHMCS refused no write but the preflight's four probes, refused by
	// design (before the check: "Invalid admin username" for each of ten
	// half-built tickets).
	refused := 0
	for _, n := range st.Refusals {
		refused += n
	}
	if refused != 4 {
		t.Errorf("WHMCS refused %d writes, want the 4 probes: %v", refused, st.Refusals)
	}
	bySubject := map[string]whmcstest.TicketState{}
	for _, tk := range st.Tickets {
		bySubject[tk.Subject] = tk
	}
	for i := 1; i <= 30; i++ {
		tk, ok := bySubject[fmt.Sprintf("Ticket %d", i)]
		if i%3 == 0 {
			if ok {
				t.Errorf("ticket T%d, whose staff reply maps to the unknown admin, is in WHMCS (id %d, %d replies)", i, tk.ID, len(tk.Replies))
			}
			continue
		}
		if !ok {
			t.Errorf("ticket T%d is not in WHMCS", i)
			continue
		}
		// The opening message, then the staff and customer replies.
		if tk.Message != fmt.Sprintf("Question %d", i) || len(tk.Replies) != 2 || tk.Status != "Closed" ||
			tk.Replies[0].Message != fmt.Sprintf("Answer %d", i) || tk.Replies[0].AdminUsername != "admin" ||
			tk.Replies[1].Message != fmt.Sprintf("Thanks %d", i) || tk.Replies[1].AdminUsername != "" {
			t.Errorf("ticket T%d in WHMCS: %+v", i, tk)
		}
	}
	if len(st.Tickets) != 20 {
		t.Errorf("%d tickets in WHMCS, want 20", len(st.Tickets))
	}
	data, err := os.ReadFile(fj)
	must(t, err)
	failed := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		var l struct{ Ticket, Step, Code, Error string }
		must(t, json.Unmarshal(sc.Bytes(), &l))
		failed++
		if l.Step != "plan" || l.Code != "unmapped_staff" || !strings.Contains(l.Error, `admin "ghost"`) {
			t.Errorf("failure of %s: %+v, want step plan, code unmapped_staff, naming admin \"ghost\"", l.Ticket, l)
		}
	}
	if failed != 10 {
		t.Errorf("%d failures, want 10:\n%s", failed, data)
	}

	// The next run: the same ten fail, again before any call.
	writes := e.sb.WriteCalls()
	if code, out, errOut := cli(t, "run", "--config", cfg, "--no-progress"); code != exitIncomplete || e.sb.WriteCalls() != writes {
		t.Errorf("second run: exit %d, %d new writes\n%s\n%s", code, e.sb.WriteCalls()-writes, out, errOut)
	}
}

// A mapping of which not one department exists in WHMCS: run stops before
// its first write, with a config error (exit 2) that lists every name
// WHMCS lacks (departments, status, staff).
func TestRunMappingWithoutDepartment(t *testing.T) {
	e := newMCEnv(t)
	cfg := e.config(t, `  departments: {Sales: 91, "Technical Support": 92}
  default_department: 93
  statuses: {vendor: "Awaiting Vendor"}
  staff: {"jane@old.example": admin, "ghost@old.example": ghost}
`)
	code, out, errOut := cli(t, "run", "--config", cfg, "--no-progress")
	if code != exitUsage {
		t.Fatalf("run: exit %d, want %d\n%s\n%s", code, exitUsage, out, errOut)
	}
	for _, want := range []string{
		`mapping.departments: "Sales" -> 91: WHMCS has no department 91`,
		`mapping.departments: "Technical Support" -> 92: WHMCS has no department 92`,
		`mapping.default_department: 93: WHMCS has no department 93`,
		`mapping.statuses: "vendor" -> "Awaiting Vendor": WHMCS has no status "Awaiting Vendor"`,
		`mapping.staff: "ghost@old.example" -> "ghost": WHMCS has no admin user "ghost"`,
		"nothing was written",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("the error does not say %q:\n%s", want, errOut)
		}
	}
	if st := e.sb.State(); st.WriteCalls != 0 || len(st.Tickets) != 0 {
		t.Errorf("%d write calls, %d tickets, want none", st.WriteCalls, len(st.Tickets))
	}
}
