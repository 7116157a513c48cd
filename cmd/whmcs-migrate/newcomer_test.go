package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// reDate rewrites every date of the samples (tickets.csv created and
// updated, messages.csv created) with layout, as the same instant's wall
// clock in loc. A value ParseTime cannot read (the samples' bad dates) is
// left as it is; so is a wall-clock time the layout cannot tell from
// another (the hour repeated when clocks go back), which would change
// instant: the count of both is returned.
func reDate(t *testing.T, recs [][]string, cols []string, loc *time.Location, layout string) (kept int) {
	t.Helper()
	var idx []int
	for i, h := range recs[0] {
		for _, c := range cols {
			if h == c {
				idx = append(idx, i)
			}
		}
	}
	if len(idx) != len(cols) {
		t.Fatalf("header %v lacks %v", recs[0], cols)
	}
	for _, r := range recs[1:] {
		for _, i := range idx {
			if i >= len(r) || r[i] == "" {
				continue
			}
			at, _, err := sources.ParseTime(r[i], loc)
			if err != nil {
				kept++
				continue
			}
			v := at.In(loc).Format(layout)
			back, err := time.ParseInLocation(layout, v, loc)
			if err != nil || !back.Equal(at) {
				kept++
				continue
			}
			r[i] = v
		}
	}
	return kept
}

// An export whose dates are all day-first, with source.date_format,
// imports exactly as the same export in ISO form does.
func TestDayFirstDatesImportExactly(t *testing.T) {
	samples := filepath.Join("..", "..", "samples")
	tickets := readCSVFile(t, filepath.Join(samples, "csv", "tickets.csv"))
	messages := readCSVFile(t, filepath.Join(samples, "csv", "messages.csv"))
	ref := dialectSamples(t, samples, tickets, messages, "", ',', false, nil)

	berlin, err := time.LoadLocation("Europe/Berlin")
	must(t, err)
	tk := readCSVFile(t, filepath.Join(samples, "csv", "tickets.csv"))
	ms := readCSVFile(t, filepath.Join(samples, "csv", "messages.csv"))
	kept := reDate(t, tk, []string{"created", "updated"}, berlin, "02/01/2006 15:04:05")
	kept += reDate(t, ms, []string{"created"}, berlin, "02/01/2006 15:04:05")
	if kept > 3 {
		t.Fatalf("%d dates left in their own form: the test needs nearly all day-first", kept)
	}
	if !strings.Contains(tk[1][9]+ms[1][6], "/") {
		t.Fatalf("not rewritten: %q %q", tk[1][9], ms[1][6])
	}
	dayFirst := dialectSamples(t, samples, tk, ms, "  date_format: \"%d/%m/%Y %H:%M:%S\"\n", ',', false, nil)

	want := importedState(t, ref)
	got := importedState(t, dayFirst)
	if len(want) < 40 {
		t.Fatalf("reference import: %d tickets", len(want))
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("ticket %s differs:\n got %s\nwant %s", id, got[id], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d tickets imported, want %d", len(got), len(want))
	}
}

// A config mapping departments by their WHMCS names imports exactly as
// the same config with deptids does.
func TestDepartmentsByNameImportExactly(t *testing.T) {
	samples := filepath.Join("..", "..", "samples")
	tickets := readCSVFile(t, filepath.Join(samples, "csv", "tickets.csv"))
	messages := readCSVFile(t, filepath.Join(samples, "csv", "messages.csv"))
	ref := dialectSamples(t, samples, tickets, messages, "", ',', false, nil)
	named := dialectSamples(t, samples, tickets, messages, "", ',', false, nil)
	p := filepath.Join(named, "csv.yaml")
	b, err := os.ReadFile(p)
	must(t, err)
	text := string(b)
	for old, repl := range map[string]string{
		"    Sales: 1\n":             "    Sales: Sales\n",
		"    Technical Support: 2\n": "    Technical Support: Technical Support\n",
		"    support: 2 ":            "    support: \"technical support\" ",
		"    Billing: 3\n":           "    Billing: \"Billing\"\n",
	} {
		if !strings.Contains(text, old) {
			t.Fatalf("csv.yaml lacks %q", old)
		}
		text = strings.Replace(text, old, repl, 1)
	}
	must(t, os.WriteFile(p, []byte(text), 0o600))

	want := importedState(t, ref)
	got := importedState(t, named)
	if len(want) < 40 {
		t.Fatalf("reference import: %d tickets", len(want))
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("ticket %s differs:\n got %s\nwant %s", id, got[id], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d tickets imported, want %d", len(got), len(want))
	}
}

// nameConfig writes a small CSV export and a config against s whose
// mapping is departments (a YAML map's body), and returns its path.
func nameConfig(t *testing.T, s *whmcstest.Server, departments, tickets, messages string) string {
	t.Helper()
	dir := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(dir, "csv"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "csv", "tickets.csv"), []byte(tickets), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "csv", "messages.csv"), []byte(messages), 0o600))
	cfg := `source:
  type: csv
  path: csv
  timezone: UTC
target:
  url: ` + s.APIURL() + `
  identifier: ` + s.Identifier + `
  secret: ` + s.Secret + `
  timezone: UTC
  rate: 0
mapping:
  departments: ` + departments + `
checkpoint: ` + filepath.Join(dir, "migration.db") + "\n"
	p := filepath.Join(dir, "config.yaml")
	must(t, os.WriteFile(p, []byte(cfg), 0o600))
	return p
}

const (
	smallTickets  = "id,subject,department,email,name\nT1,Hello,Billing,a@example.com,A\n"
	smallMessages = "ticket_id,created,body\nT1,2024-02-03 22:15,hi\n"
)

// validate shows how names resolved; an unknown name is exit 2 listing
// WHMCS's names, with no write; offline, names need WHMCS.
func TestDepartmentNamesValidate(t *testing.T) {
	s := whmcstest.NewServer(whmcstest.Options{})
	defer s.Close()
	depts, err := s.Client().GetSupportDepartments(t.Context())
	must(t, err)
	if len(depts) == 0 {
		t.Fatal("the sandbox has no department")
	}
	name := depts[0].Name

	before := s.Calls()["GetSupportDepartments"]
	cfg := nameConfig(t, s, `{Billing: "`+strings.ToUpper(name)+`"}`, smallTickets, smallMessages)
	code, out, errOut := cli(t, "validate", "--config", cfg)
	if code != exitOK || !strings.Contains(out, "department names resolved with WHMCS") ||
		!strings.Contains(out, "is deptid "+strconv.FormatInt(depts[0].ID, 10)) {
		t.Errorf("validate: exit %d\n%s\n%s", code, out, errOut)
	}
	if strings.Contains(out, "bad_date") {
		t.Errorf("a minute-precision date is a bad_date:\n%s", out)
	}
	if n := s.Calls()["GetSupportDepartments"] - before; n != 1 {
		t.Errorf("GetSupportDepartments called %d times, want once", n)
	}

	// run and verify resolve the same name.
	code, out, errOut = cli(t, "run", "--config", cfg, "--no-progress")
	if code != exitOK {
		t.Fatalf("run by name: exit %d\n%s\n%s", code, out, errOut)
	}
	if st := s.State(); len(st.Tickets) != 1 || st.Tickets[0].DeptID != depts[0].ID {
		t.Errorf("imported %+v, want one ticket in deptid %d", st.Tickets, depts[0].ID)
	}
	if code, out, errOut = cli(t, "verify", "--config", cfg); code != exitOK {
		t.Errorf("verify by name: exit %d\n%s\n%s", code, out, errOut)
	}

	writes := s.WriteCalls()
	cfg = nameConfig(t, s, `{Billing: "No Such Department"}`, smallTickets, smallMessages)
	for _, cmd := range [][]string{{"validate"}, {"run", "--no-progress"}} {
		code, out, errOut = cli(t, append(cmd, "--config", cfg)...)
		if code != exitUsage || !strings.Contains(errOut, `WHMCS has no department named "No Such Department"`) ||
			!strings.Contains(errOut, `"`+name+`"`) {
			t.Errorf("%s with an unknown name: exit %d, want %d listing WHMCS's names\n%s\n%s", cmd, code, exitUsage, out, errOut)
		}
	}
	if w := s.WriteCalls() - writes; w != 0 {
		t.Errorf("%d write calls with an unknown department name", w)
	}

	code, out, errOut = cli(t, "validate", "--config", cfg, "--offline")
	if code != exitUsage || !strings.Contains(errOut, "names need WHMCS") {
		t.Errorf("validate --offline with names: exit %d\n%s\n%s", code, out, errOut)
	}
}

// A missing required column is one header error naming the file and the
// column, exit 2.
func TestMissingColumnExit2(t *testing.T) {
	s := whmcstest.NewServer(whmcstest.Options{})
	defer s.Close()
	cfg := nameConfig(t, s, `{Billing: 1}`, "id,title,department,email\nT1,a,Billing,a@example.com\nT2,b,Billing,b@example.com\n", smallMessages)
	total := func() (n int) {
		for _, c := range s.Calls() {
			n += c
		}
		return n
	}
	calls := total()
	for _, args := range [][]string{{"validate"}, {"validate", "--offline"}, {"run", "--no-progress"}} {
		code, out, errOut := cli(t, append(args, "--config", cfg)...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want %d\n%s\n%s", args, code, exitUsage, out, errOut)
		}
		if n := strings.Count(errOut+out, "missing required column subject"); n != 1 || !strings.Contains(errOut, "tickets.csv:1") {
			t.Errorf("%v: want one header error naming tickets.csv and subject:\n%s\n%s", args, out, errOut)
		}
	}
	if n := total() - calls; n != 0 {
		t.Errorf("a header error after %d calls to WHMCS: %v", n, s.Calls())
	}
}

// The samples with every date written to the minute (a spreadsheet's
// default, "2025-03-29 23:40") validate with no bad_date.
func TestMinuteDatesValidate(t *testing.T) {
	samples := filepath.Join("..", "..", "samples")
	berlin, err := time.LoadLocation("Europe/Berlin")
	must(t, err)
	tk := readCSVFile(t, filepath.Join(samples, "csv", "tickets.csv"))
	ms := readCSVFile(t, filepath.Join(samples, "csv", "messages.csv"))
	n := 0
	minutes := func(recs [][]string, cols ...int) {
		for _, r := range recs[1:] {
			for _, i := range cols {
				if at, _, err := sources.ParseTime(r[i], berlin); err == nil {
					r[i] = at.In(berlin).Format("2006-01-02 15:04")
					n++
				}
			}
		}
	}
	if tk[0][9] != "created" || tk[0][10] != "updated" || ms[0][6] != "created" {
		t.Fatalf("headers %v %v", tk[0], ms[0])
	}
	minutes(tk, 9, 10)
	minutes(ms, 6)
	if n < 200 {
		t.Fatalf("%d dates rewritten", n)
	}
	dir := dialectSamples(t, samples, tk, ms, "", ',', false, nil)
	code, out, errOut := cli(t, "validate", "--config", filepath.Join(dir, "csv.yaml"), "--offline")
	if code != exitOK || strings.Contains(out, "bad_date") || !strings.Contains(out, "valid 61, invalid 0") {
		t.Errorf("validate: exit %d\n%s\n%s", code, out, errOut)
	}
}
