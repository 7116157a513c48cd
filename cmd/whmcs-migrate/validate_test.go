package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// vtFixture is importer's validation fixture: G1 and G2 are good; D1 maps
// to a deptid WHMCS lacks, S1's staff to an unknown admin, ST1's status to
// an unknown status (errors online only); X1 and L1 have attachment
// warnings.
func vtFixture(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "importer", "validate", "testdata", "validate"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// vtConfig writes a config for the fixture against s and returns its path.
func vtConfig(t *testing.T, s *whmcstest.Server, extra string) string {
	t.Helper()
	dir := t.TempDir()
	cfg := `source:
  type: csv
  path: ` + vtFixture(t) + `
  timezone: UTC
target:
  url: ` + s.APIURL() + `
  identifier: ` + s.Identifier + `
  secret: ` + s.Secret + `
  timezone: UTC
  rate: 0
mapping:
  departments: {Sales: 1, "Technical Support": 2, "Old Billing": 9}
  statuses: {resolved: Closed, vendor: "Awaiting Vendor"}
  staff: {"jane@old.example": admin, "ghost@old.example": ghost}
  default_staff: support
  clients: match_email
checkpoint: ` + filepath.Join(dir, "migration.db") + `
validate:
  max_attachment_size: 8KB
` + extra
	p := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// cli runs the command line args in process and returns its exit code,
// stdout and stderr.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := execute(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestValidateCommandOnline(t *testing.T) {
	s := whmcstest.NewServer(whmcstest.Options{})
	defer s.Close()
	cfg := vtConfig(t, s, "")
	dir := t.TempDir()
	rj, rh := filepath.Join(dir, "report.json"), filepath.Join(dir, "report.html")
	code, out, errOut := cli(t, "validate", "--config", cfg, "--report", rj, "--html", rh)
	if code != exitIncomplete {
		t.Fatalf("exit %d, want %d; stdout:\n%s\nstderr:\n%s", code, exitIncomplete, out, errOut)
	}
	if w := s.WriteCalls(); w != 0 {
		t.Errorf("sandbox saw %d write calls", w)
	}
	for _, want := range []string{"unknown_department_id", "ticket D1 (tickets.csv:4) field department", "ticket S1 entry S1-2",
		"unmapped_status", "OpenTicket", "estimated duration", "invalid 3"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	for _, p := range []string{rj, rh} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", p, st.Mode().Perm())
		}
		b, _ := os.ReadFile(p)
		if bytes.Contains(b, []byte(s.Secret)) || strings.Contains(out+errOut, s.Secret) {
			t.Errorf("the API secret leaked into %s or the output", p)
		}
	}
	var rep struct {
		Tickets  struct{ Total, Valid, Invalid int }
		Problems []struct{ Ticket, Entry, Severity, Code string }
		Plan     struct {
			Calls map[string]int
		}
		Reads map[string]int
	}
	b, _ := os.ReadFile(rj)
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Tickets.Total != 8 || rep.Tickets.Invalid != 3 {
		t.Errorf("tickets %+v", rep.Tickets)
	}
	errs := map[string]string{}
	for _, p := range rep.Problems {
		if p.Severity == "error" {
			errs[p.Ticket] = p.Code
		}
	}
	want := map[string]string{"D1": "unknown_department_id", "S1": "unmapped_staff", "ST1": "unmapped_status"}
	if len(errs) != len(want) {
		t.Errorf("errors %v, want %v", errs, want)
	}
	for k, v := range want {
		if errs[k] != v {
			t.Errorf("ticket %s: error %q, want %q", k, errs[k], v)
		}
	}
	if rep.Reads["GetSupportDepartments"] != 1 || rep.Plan.Calls["OpenTicket"] != 5 {
		t.Errorf("reads %v, plan calls %v", rep.Reads, rep.Plan.Calls)
	}
	h, _ := os.ReadFile(rh)
	if !bytes.Contains(h, []byte(`id="problems"`)) || !bytes.Contains(h, []byte("unknown_department_id")) {
		t.Error("HTML report lacks its problems table")
	}
}

func TestValidateCommandOffline(t *testing.T) {
	s := whmcstest.NewServer(whmcstest.Options{})
	defer s.Close()
	cfg := vtConfig(t, s, "")
	code, out, errOut := cli(t, "validate", "--config", cfg, "--offline")
	if code != exitOK {
		t.Fatalf("exit %d, want 0; stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if n := len(s.Calls()); n != 0 {
		t.Errorf("offline validation made calls: %v", s.Calls())
	}
	if !strings.Contains(out, "offline") || !strings.Contains(out, "attachment_extension") {
		t.Errorf("summary:\n%s", out)
	}
}

// validate --offline needs no WHMCS credentials: their unset variables
// are no error; online, they are (exit 2, naming them).
func TestValidateOfflineWithoutCredentials(t *testing.T) {
	s := whmcstest.NewServer(whmcstest.Options{})
	defer s.Close()
	cfg := vtConfig(t, s, "")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(strings.Replace(string(b), "identifier: "+s.Identifier, "identifier: ${TEST_WM_NO_SUCH_ID}", 1),
		"secret: "+s.Secret, "secret: ${TEST_WM_NO_SUCH_SECRET}", 1)
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := cli(t, "validate", "--config", cfg, "--offline"); code != exitOK || !strings.Contains(out, "offline") {
		t.Fatalf("validate --offline without credentials: exit %d\n%s\n%s", code, out, errOut)
	}
	code, _, errOut := cli(t, "validate", "--config", cfg)
	if code != exitUsage || !strings.Contains(errOut, "TEST_WM_NO_SUCH_ID is not set") {
		t.Errorf("validate online without credentials: exit %d\n%s", code, errOut)
	}
	if n := len(s.Calls()); n != 0 {
		t.Errorf("calls made: %v", s.Calls())
	}
}

func TestValidateCommandConfigErrors(t *testing.T) {
	s := whmcstest.NewServer(whmcstest.Options{})
	defer s.Close()
	for name, extra := range map[string]string{
		"unknown key":     "bogus: 1\n",
		"bad size":        "", // replaced below
		"bad staff value": "",
	} {
		t.Run(name, func(t *testing.T) {
			cfg := vtConfig(t, s, extra)
			b, _ := os.ReadFile(cfg)
			switch name {
			case "bad size":
				b = bytes.Replace(b, []byte("max_attachment_size: 8KB"), []byte("max_attachment_size: lots"), 1)
			case "bad staff value":
				b = bytes.Replace(b, []byte("ghost}"), []byte(`""}`), 1)
			}
			os.WriteFile(cfg, b, 0o600)
			code, out, errOut := cli(t, "validate", "--config", cfg, "--offline")
			if code != exitUsage {
				t.Errorf("exit %d, want %d; stdout:\n%s\nstderr:\n%s", code, exitUsage, out, errOut)
			}
		})
	}
	if len(s.Calls()) != 0 {
		t.Errorf("config errors made calls: %v", s.Calls())
	}
}

func TestValidateCommandAuthFailureIsFatal(t *testing.T) {
	s := whmcstest.NewServer(whmcstest.Options{})
	defer s.Close()
	cfg := vtConfig(t, s, "")
	b, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, bytes.Replace(b, []byte("secret: "+s.Secret), []byte("secret: wrong-secret-value"), 1), 0o600)
	code, out, errOut := cli(t, "validate", "--config", cfg)
	if code != exitFatal {
		t.Errorf("exit %d, want %d; stderr %s", code, exitFatal, errOut)
	}
	if strings.Contains(out+errOut, "wrong-secret-value") {
		t.Error("the secret is in the output")
	}
	if s.WriteCalls() != 0 {
		t.Errorf("%d write calls", s.WriteCalls())
	}
}

// The terminal summary says what the source left out, by kind, even when
// no problem list is printed.
func TestPrintValidationLeftOut(t *testing.T) {
	r := &report.Validation{Offline: true, Problems: []report.Problem{
		{Severity: "info", Code: "left_out_draft", Origin: "threads", Message: "3 draft replies and notes, never sent (state 1)"},
		{Severity: "info", Code: "left_out_line_item", Origin: "threads", Message: "12 line items: status, assignee, mailbox and customer changes, merges (type 4)"},
	}}
	r.Summary.Infos, r.Summary.LeftOut = 2, 15
	var b strings.Builder
	printValidation(&b, r, 0, validateFlags{})
	for _, want := range []string{
		"15 rows left out by design (info), by kind:",
		"    threads: 3 draft replies and notes, never sent (state 1) [left_out_draft]",
		"    threads: 12 line items: status, assignee, mailbox and customer changes, merges (type 4) [left_out_line_item]",
	} {
		if !strings.Contains(b.String(), want+"\n") {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
}

// A FreeScout source without source.timezone is a config error (exit 2)
// that says where the zone is, without the DSN's password, before any
// connection.
func TestValidateFreeScoutWithoutTimezone(t *testing.T) {
	dir := t.TempDir()
	cfg := `source:
  type: mysql
  preset: freescout
  dsn: "ro:s3cr3t-pw@tcp(127.0.0.1:1)/freescout"
target:
  url: http://127.0.0.1:1/includes/api.php
  identifier: x
  secret: y
  timezone: UTC
mapping:
  default_department: 1
  default_staff: admin
checkpoint: ` + filepath.Join(dir, "migration.db") + "\n"
	p := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := cli(t, "validate", "--config", p, "--offline")
	if code != exitUsage || !strings.Contains(errOut, "source.timezone") || !strings.Contains(errOut, "APP_TIMEZONE") ||
		strings.Contains(errOut+out, "s3cr3t-pw") {
		t.Errorf("exit %d, want %d; stdout:\n%s\nstderr:\n%s", code, exitUsage, out, errOut)
	}
}
