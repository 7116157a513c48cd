package main

import (
	"bufio"
	"bytes"
	"context"
	stdcsv "encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/internal/zonetest"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// The incremental sync tests drive the CLI end to end: a CSV export the
// test writes (and rewrites, maintaining its updated column as a helpdesk
// would), the run command with a config file, and the in-process sandbox.

// syncTicket is one tickets.csv row; syncMsg one messages.csv row.
type syncTicket struct {
	ID, Subject, Dept, Status, Priority, Email, Name, Created, Updated string
}

type syncMsg struct {
	Ticket, ID, Type, Author, Name, Email, Created, Body string
}

// syncSource is a CSV export in the making.
type syncSource struct {
	tickets []syncTicket
	msgs    []syncMsg
	withIDs bool // messages.csv has an id column
}

func (s *syncSource) ticket(id string) *syncTicket {
	for i := range s.tickets {
		if s.tickets[i].ID == id {
			return &s.tickets[i]
		}
	}
	panic("no ticket " + id)
}

func (s *syncSource) clone() *syncSource {
	return &syncSource{tickets: slices.Clone(s.tickets), msgs: slices.Clone(s.msgs), withIDs: s.withIDs}
}

// write (re)writes tickets.csv and messages.csv in dir.
func (s *syncSource) write(t *testing.T, dir string) {
	t.Helper()
	var tb, mb bytes.Buffer
	tw, mw := stdcsv.NewWriter(&tb), stdcsv.NewWriter(&mb)
	tw.Write([]string{"id", "subject", "department", "status", "priority", "email", "name", "created", "updated"})
	for _, tk := range s.tickets {
		tw.Write([]string{tk.ID, tk.Subject, tk.Dept, tk.Status, tk.Priority, tk.Email, tk.Name, tk.Created, tk.Updated})
	}
	if s.withIDs {
		mw.Write([]string{"ticket_id", "id", "type", "author", "name", "email", "created", "body"})
	} else {
		mw.Write([]string{"ticket_id", "type", "author", "name", "email", "created", "body"})
	}
	for _, m := range s.msgs {
		rec := []string{m.Ticket, m.ID, m.Type, m.Author, m.Name, m.Email, m.Created, m.Body}
		if !s.withIDs {
			rec = slices.Delete(rec, 1, 2)
		}
		mw.Write(rec)
	}
	tw.Flush()
	mw.Flush()
	if err := os.WriteFile(filepath.Join(dir, "tickets.csv"), tb.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "messages.csv"), mb.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// The source's zone differs from WHMCS's, so that a date sent in the wrong
// zone shows.
var (
	syncSrcZone = zonetest.Must("Europe/Berlin")
	syncDstZone = zonetest.Must("America/Chicago")
)

// syncEnv is a sandbox, a CSV directory and a config file for both.
type syncEnv struct {
	srv    *whmcstest.Server
	dir    string // the CSV export
	work   string // config, checkpoint, report, metrics
	config string
}

func newSyncEnv(t *testing.T) *syncEnv { t.Helper(); return newSyncEnvWith(t, whmcstest.Options{}) }

// newSyncEnvWith is newSyncEnv with a sandbox configured by so (its zone
// is always syncDstZone).
func newSyncEnvWith(t *testing.T, so whmcstest.Options) *syncEnv {
	t.Helper()
	so.TimeZone = syncDstZone
	srv := whmcstest.NewServer(so)
	t.Cleanup(srv.Close)
	e := &syncEnv{srv: srv, dir: t.TempDir(), work: t.TempDir()}
	cfg := `source:
  type: csv
  path: ` + e.dir + `
  timezone: Europe/Berlin
target:
  url: ` + srv.APIURL() + `
  identifier: ` + srv.Identifier + `
  secret: ` + srv.Secret + `
  timezone: America/Chicago
  rate: 0
mapping:
  departments: {Sales: 1, "Technical Support": 2, Billing: 3}
  statuses: {resolved: Closed}
  staff: {"jane@old.example": admin}
  clients: match_email
checkpoint: migration.db
`
	e.config = filepath.Join(e.work, "config.yaml")
	if err := os.WriteFile(e.config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return e
}

// run runs the run command with extra flags and returns its exit code and
// output.
func (e *syncEnv) run(t *testing.T, flags ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	args := append([]string{"run", "--config", e.config, "--no-progress", "--log-level", "warn"}, flags...)
	code := execute(context.Background(), args, &out, &errb)
	if strings.Contains(out.String()+errb.String(), e.srv.Secret) {
		t.Errorf("the API secret is in the output")
	}
	return code, out.String(), errb.String()
}

// whmcsIDs maps source ticket ids to WHMCS ids through the checkpoint.
func (e *syncEnv) whmcsIDs(t *testing.T) map[string]int64 {
	t.Helper()
	st, err := checkpoints.Open(filepath.Join(e.work, "migration.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ts, err := st.Tickets(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, tk := range ts {
		if tk.State != checkpoints.StateImported {
			t.Errorf("checkpoint: ticket %s is %s (%s)", tk.SourceID, tk.State, tk.Error)
		}
		out[tk.SourceID] = tk.WHMCSID
	}
	return out
}

// checkState asserts that WHMCS holds exactly the tickets of src, each
// exactly as the mapping renders it: subject, department, status,
// priority, requester, opening message and date, every reply (date,
// author, text) and note (date, prefixed text) once, in created order, and
// that nobody was emailed.
func (e *syncEnv) checkState(t *testing.T, src *syncSource) {
	t.Helper()
	state := e.srv.State()
	if len(state.Emails) != 0 {
		t.Errorf("customers were emailed: %+v", state.Emails)
	}
	ids := e.whmcsIDs(t)
	if len(state.Tickets) != len(src.tickets) || len(ids) != len(src.tickets) {
		t.Errorf("WHMCS has %d tickets, the checkpoint %d, the source %d", len(state.Tickets), len(ids), len(src.tickets))
	}
	got := map[int64]string{}
	for _, tk := range state.Tickets {
		got[tk.ID] = renderWHMCS(tk)
	}
	for _, tk := range src.tickets {
		want := renderSource(t, src, tk)
		if g := got[ids[tk.ID]]; g != want {
			t.Errorf("ticket %s (WHMCS %d) differs from the source\n got: %s\nwant: %s", tk.ID, ids[tk.ID], g, want)
		}
	}
}

func renderWHMCS(tk whmcstest.TicketState) string {
	var b strings.Builder
	fmt.Fprintf(&b, "subject=%q dept=%d status=%s priority=%s user=%d name=%q email=%q date=%s message=%q",
		tk.Subject, tk.DeptID, tk.Status, tk.Priority, tk.UserID, guest(tk.UserID, tk.Name), guest(tk.UserID, tk.Email),
		tk.Date.UTC().Format(time.RFC3339), tk.Message)
	for _, r := range tk.Replies {
		fmt.Fprintf(&b, "\n  reply %s admin=%q client=%d name=%q email=%q %q",
			r.Date.UTC().Format(time.RFC3339), r.AdminUsername, r.ClientID, guest(r.ClientID, r.Name), guest(r.ClientID, r.Email), r.Message)
	}
	for _, n := range tk.Notes {
		fmt.Fprintf(&b, "\n  note %s %q", n.Date.UTC().Format(time.RFC3339), n.Message)
	}
	return b.String()
}

// guest returns a guest's name or email; WHMCS fills them from the client
// record for clients, which is not what is compared.
func guest(client int64, v string) string {
	if client != 0 {
		return ""
	}
	return v
}

// renderSource renders tk as the mapping in newSyncEnv's config brings it
// to WHMCS.
func renderSource(t *testing.T, src *syncSource, tk syncTicket) string {
	t.Helper()
	clients := map[string]int64{"cynthia@example.com": 1, "bob@example.org": 2} // DefaultSeed's
	depts := map[string]int64{"Sales": 1, "Technical Support": 2, "Billing": 3}
	at := func(s string) string {
		tm, err := time.ParseInLocation(time.DateTime, s, syncSrcZone)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UTC().Format(time.RFC3339)
	}
	var replies, notes []syncMsg
	for _, m := range src.msgs {
		if m.Ticket != tk.ID {
			continue
		}
		if m.Type == "note" {
			notes = append(notes, m)
		} else {
			replies = append(replies, m)
		}
	}
	byDate := func(a, b syncMsg) int { return strings.Compare(a.Created, b.Created) }
	slices.SortStableFunc(replies, byDate)
	slices.SortStableFunc(notes, byDate)
	status := tk.Status
	if status == "resolved" {
		status = "Closed"
	}
	priority := tk.Priority
	if priority == "" {
		priority = "Medium"
	}
	user := clients[tk.Email]
	var b strings.Builder
	fmt.Fprintf(&b, "subject=%q dept=%d status=%s priority=%s user=%d name=%q email=%q date=%s message=%q",
		tk.Subject, depts[tk.Dept], status, priority, user, guest(user, tk.Name), guest(user, tk.Email),
		at(replies[0].Created), replies[0].Body)
	for _, r := range replies[1:] {
		admin, client, name, email := "", int64(0), "", ""
		switch {
		case r.Author == "staff":
			admin = "admin"
		case clients[r.Email] != 0:
			client = clients[r.Email]
		default:
			name, email = r.Name, r.Email
		}
		fmt.Fprintf(&b, "\n  reply %s admin=%q client=%d name=%q email=%q %q", at(r.Created), admin, client, name, email, r.Body)
	}
	for _, n := range notes {
		fmt.Fprintf(&b, "\n  note %s %q", at(n.Created), n.Name+":\n\n"+n.Body)
	}
	return b.String()
}

// syncSample is the export as first imported: four tickets, a client's, a
// guest's, with replies and notes, closed, answered and open.
func syncSample(withIDs bool) *syncSource {
	return &syncSource{withIDs: withIDs,
		tickets: []syncTicket{
			{"T1", "Invoice question", "Sales", "resolved", "High", "cynthia@example.com", "Cynthia Reilly", "2024-03-01 09:00:00", "2024-03-01 11:00:00"},
			{"T2", "Printer setup", "Technical Support", "Answered", "", "bob@example.org", "Bob Martin", "2024-03-02 10:00:00", "2024-03-02 11:00:00"},
			{"T3", "Where is my refund?", "Billing", "Answered", "Low", "guest@nowhere.example", "Gina Guest", "2024-03-03 10:00:00", "2024-03-03 12:00:00"},
			{"T4", "Hello", "Sales", "Open", "", "bob@example.org", "Bob Martin", "2024-03-04 10:00:00", "2024-03-04 10:00:00"},
		},
		msgs: []syncMsg{
			{"T1", "m1", "reply", "customer", "Cynthia Reilly", "cynthia@example.com", "2024-03-01 09:00:00", "Why is my invoice wrong?"},
			{"T1", "m2", "reply", "staff", "Jane Staff", "jane@old.example", "2024-03-01 10:00:00", "It is fixed now."},
			{"T1", "m3", "note", "staff", "Jane Staff", "jane@old.example", "2024-03-01 11:00:00", "Refunded 12 EUR."},
			{"T2", "m4", "reply", "customer", "Bob Martin", "bob@example.org", "2024-03-02 10:00:00", "The printer does not print."},
			{"T2", "m5", "reply", "staff", "Jane Staff", "jane@old.example", "2024-03-02 11:00:00", "Try turning it off and on."},
			{"T3", "m6", "reply", "customer", "Gina Guest", "guest@nowhere.example", "2024-03-03 10:00:00", "I am still waiting."},
			{"T3", "m7", "note", "staff", "Jane Staff", "jane@old.example", "2024-03-03 11:00:00", "Asked accounting."},
			{"T3", "m8", "reply", "staff", "Jane Staff", "jane@old.example", "2024-03-03 12:00:00", "It is on its way."},
			{"T4", "m9", "reply", "customer", "Bob Martin", "bob@example.org", "2024-03-04 10:00:00", "Hello, anyone there?"},
		},
	}
}

// writeCallDelta is the write calls the sandbox saw since before, by
// action (only actions that changed).
func writeCallDelta(before, after map[string]int) map[string]int {
	out := map[string]int{}
	for _, a := range []string{"OpenTicket", "AddTicketReply", "AddTicketNote", "UpdateTicket", "DeleteTicket"} {
		if d := after[a] - before[a]; d != 0 {
			out[a] = d
		}
	}
	return out
}

type runReport struct {
	Tickets struct{ Total, Imported, Updated, Unchanged, Failed int }
	Calls   map[string]int
	Drift   []struct{ Ticket, Entry, Code, Message string }
}

func readRunReport(t *testing.T, path string) runReport {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r runReport
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("report %s: %v", path, err)
	}
	return r
}

func TestRunIncrementalSync(t *testing.T) {
	e := newSyncEnv(t)
	src := syncSample(true)
	src.write(t, e.dir)
	metrics := filepath.Join(e.work, "metrics", "whmcs_migrate.prom")
	if err := os.Mkdir(filepath.Dir(metrics), 0o700); err != nil {
		t.Fatal(err)
	}
	reportPath := filepath.Join(e.work, "report.json")

	// 1. The first run imports everything.
	code, out, errOut := e.run(t, "--report", reportPath, "--metrics-file", metrics)
	if code != exitOK {
		t.Fatalf("first run: exit %d\n%s\n%s", code, out, errOut)
	}
	e.checkState(t, src)
	if r := readRunReport(t, reportPath); r.Tickets.Imported != 4 || r.Tickets.Total != 4 {
		t.Fatalf("first run tickets %+v", r.Tickets)
	}

	// 2. The helpdesk goes on; its export says so, updated column included.
	changed := src.clone()
	// A new ticket, closed by its staff reply.
	changed.tickets = append(changed.tickets, syncTicket{"T5", "Domain transfer", "Sales", "resolved", "High",
		"cynthia@example.com", "Cynthia Reilly", "2024-03-10 09:00:00", "2024-03-10 09:30:00"})
	changed.msgs = append(changed.msgs,
		syncMsg{"T5", "m10", "reply", "customer", "Cynthia Reilly", "cynthia@example.com", "2024-03-10 09:00:00", "Please transfer example.org."},
		syncMsg{"T5", "m11", "reply", "staff", "Jane Staff", "jane@old.example", "2024-03-10 09:30:00", "Done."})
	// New replies and a new note on T2 (messages.csv is not sorted: the
	// new rows come after T5's).
	changed.msgs = append(changed.msgs,
		syncMsg{"T2", "m12", "reply", "customer", "Bob Martin", "bob@example.org", "2024-03-11 08:00:00", "Still nothing."},
		syncMsg{"T2", "m13", "note", "staff", "Jane Staff", "jane@old.example", "2024-03-11 08:30:00", "Driver issue?"},
		syncMsg{"T2", "m14", "reply", "staff", "Jane Staff", "jane@old.example", "2024-03-11 09:00:00", "Please install driver 2.1."})
	changed.ticket("T2").Updated = "2024-03-11 09:00:00"
	// A status change alone on T3.
	changed.ticket("T3").Status, changed.ticket("T3").Updated = "On Hold", "2024-03-12 08:00:00"
	// An entry of T1 edited at the source.
	changed.msgs[1].Body = "It is fixed now (edited later)."
	changed.ticket("T1").Updated = "2024-03-12 09:00:00"
	changed.write(t, e.dir)

	before, writesBefore := e.srv.Calls(), e.srv.WriteCalls()
	code, out, errOut = e.run(t, "--report", reportPath, "--metrics-file", metrics)
	if code != exitOK {
		t.Fatalf("sync run: exit %d\n%s\n%s", code, out, errOut)
	}
	// Exactly the new writes: T5 opened and closed by its reply (the
	// status folded in), T2's two replies and note, T3's UpdateTicket.
	wantCalls := map[string]int{"OpenTicket": 1, "AddTicketReply": 3, "AddTicketNote": 1, "UpdateTicket": 1}
	if got := writeCallDelta(before, e.srv.Calls()); fmt.Sprint(got) != fmt.Sprint(wantCalls) {
		t.Errorf("sync run write calls %v, want %v", got, wantCalls)
	}
	if w := e.srv.WriteCalls() - writesBefore; w != 6 {
		t.Errorf("sync run reached WHMCS with %d write calls, want 6", w)
	}
	// WHMCS equals the source, but for the edited entry: WHMCS keeps it as
	// imported.
	expect := changed.clone()
	expect.msgs[1] = src.msgs[1]
	e.checkState(t, expect)
	r := readRunReport(t, reportPath)
	if r.Tickets.Total != 5 || r.Tickets.Imported != 1 || r.Tickets.Updated != 2 || r.Tickets.Unchanged != 2 || r.Tickets.Failed != 0 {
		t.Errorf("sync run tickets %+v", r.Tickets)
	}
	if len(r.Drift) != 1 || r.Drift[0].Ticket != "T1" || r.Drift[0].Entry != "m2" || r.Drift[0].Code != "drift_edited" {
		t.Errorf("sync run drift %+v, want one drift_edited on T1 entry m2", r.Drift)
	}
	if !strings.Contains(out, "DRIFT T1 drift_edited") {
		t.Errorf("the summary does not show the drift:\n%s", out)
	}
	m := parseMetrics(t, metrics)
	for k, v := range map[string]float64{
		`whmcs_migrate_last_run_tickets{outcome="imported"}`:  1,
		`whmcs_migrate_last_run_tickets{outcome="updated"}`:   2,
		`whmcs_migrate_last_run_tickets{outcome="unchanged"}`: 2,
		`whmcs_migrate_last_run_tickets{outcome="failed"}`:    0,
		`whmcs_migrate_last_run_entries_synced`:               5,
		`whmcs_migrate_last_run_failures`:                     0,
		`whmcs_migrate_last_run_success`:                      1,
	} {
		if got, ok := m[k]; !ok || got != v {
			t.Errorf("metric %s = %v (present %v), want %v", k, got, ok, v)
		}
	}
	now := float64(time.Now().Unix())
	if ls := m[report.LastSuccessMetric]; ls < now-600 || ls > now+1 {
		t.Errorf("%s = %v, want about %v", report.LastSuccessMetric, ls, now)
	}

	// 3. Nothing changed: nothing is written, and the run says so.
	writesBefore = e.srv.WriteCalls()
	code, out, errOut = e.run(t, "--report", reportPath, "--metrics-file", metrics)
	if code != exitOK {
		t.Fatalf("no-op run: exit %d\n%s\n%s", code, out, errOut)
	}
	if w := e.srv.WriteCalls() - writesBefore; w != 0 {
		t.Errorf("no-op run made %d write calls", w)
	}
	if !strings.HasPrefix(out, "Nothing to do: 5 tickets, all unchanged") || !strings.Contains(out, "  calls      none\n") {
		t.Errorf("no-op run output:\n%s", out)
	}
	if r := readRunReport(t, reportPath); r.Tickets.Unchanged != 5 || len(r.Drift) != 0 {
		t.Errorf("no-op run report %+v", r)
	}
	m = parseMetrics(t, metrics)
	if m[`whmcs_migrate_last_run_tickets{outcome="unchanged"}`] != 5 || m["whmcs_migrate_last_run_entries_synced"] != 0 ||
		m["whmcs_migrate_last_run_success"] != 1 {
		t.Errorf("no-op run metrics %v", m)
	}
	e.checkState(t, expect)

	// 4. A run with a failed ticket keeps the last success time. The file
	// is made to hold an older success first, so that "kept" cannot be
	// confused with "rewritten in the same second".
	old, err := os.ReadFile(metrics)
	if err != nil {
		t.Fatal(err)
	}
	old = regexp.MustCompile(`(?m)^`+report.LastSuccessMetric+` .*$`).ReplaceAll(old, []byte(report.LastSuccessMetric+" 1700000000"))
	if err := os.WriteFile(metrics, old, 0o600); err != nil {
		t.Fatal(err)
	}
	// A hard link keeps the old file: an atomic writer replaces the name,
	// it does not rewrite the file in place.
	keep := filepath.Join(e.work, "old.prom")
	if err := os.Link(metrics, keep); err != nil {
		t.Fatal(err)
	}
	broken := changed.clone()
	broken.tickets = append(broken.tickets, syncTicket{"T6", "Lost department", "Nowhere", "Open", "",
		"bob@example.org", "Bob Martin", "2024-03-13 09:00:00", "2024-03-13 09:00:00"})
	broken.msgs = append(broken.msgs, syncMsg{"T6", "m15", "reply", "customer", "Bob Martin", "bob@example.org", "2024-03-13 09:00:00", "Hi."})
	broken.write(t, e.dir)
	writesBefore = e.srv.WriteCalls()
	code, out, errOut = e.run(t, "--metrics-file", metrics)
	if code != exitIncomplete {
		t.Fatalf("failing run: exit %d, want %d\n%s\n%s", code, exitIncomplete, out, errOut)
	}
	if w := e.srv.WriteCalls() - writesBefore; w != 0 {
		t.Errorf("failing run made %d write calls", w)
	}
	m = parseMetrics(t, metrics)
	if m[report.LastSuccessMetric] != 1700000000 || m["whmcs_migrate_last_run_success"] != 0 ||
		m["whmcs_migrate_last_run_failures"] != 1 || m[`whmcs_migrate_last_run_tickets{outcome="failed"}`] != 1 {
		t.Errorf("failing run metrics %v", m)
	}
	if kept, err := os.ReadFile(keep); err != nil || !bytes.Equal(kept, old) {
		t.Errorf("the metrics file was rewritten in place, not replaced (%v)", err)
	}
	a, _ := os.Stat(metrics)
	b, _ := os.Stat(keep)
	if os.SameFile(a, b) {
		t.Error("the metrics file is still the old inode")
	}
	if a.Mode().Perm()&0o044 != 0o044 {
		t.Errorf("metrics file mode %v: node_exporter (another user) cannot read it", a.Mode().Perm())
	}
	files, _ := os.ReadDir(filepath.Dir(metrics))
	if len(files) != 1 {
		var names []string
		for _, f := range files {
			names = append(names, f.Name())
		}
		t.Errorf("the metrics directory holds %v, want only the metrics file (no temp file left)", names)
	}
}

// TestRunIncrementalSyncWithoutEntryIDs: a messages.csv without an id
// column identifies entries by a hash of (created, author, body), so a
// re-run after a message was added sends only that message.
func TestRunIncrementalSyncWithoutEntryIDs(t *testing.T) {
	e := newSyncEnv(t)
	src := syncSample(false)
	src.write(t, e.dir)
	reportPath := filepath.Join(e.work, "report.json")
	if code, out, errOut := e.run(t); code != exitOK {
		t.Fatalf("first run: exit %d\n%s\n%s", code, out, errOut)
	}
	e.checkState(t, src)

	changed := src.clone()
	// A reply, inserted among T1's rows (not appended): position in the
	// file is not identity either.
	changed.msgs = slices.Insert(changed.msgs, 2, syncMsg{"T1", "", "reply", "customer", "Cynthia Reilly", "cynthia@example.com",
		"2024-03-05 09:00:00", "Thanks, but the VAT is wrong too."})
	changed.ticket("T1").Updated = "2024-03-05 09:00:00"
	changed.write(t, e.dir)

	before, writesBefore := e.srv.Calls(), e.srv.WriteCalls()
	code, out, errOut := e.run(t, "--report", reportPath)
	if code != exitOK {
		t.Fatalf("sync run: exit %d\n%s\n%s", code, out, errOut)
	}
	// T1 is resolved (Closed): the new customer reply would leave it
	// Customer-Reply, so the status is folded into the reply.
	if got, want := writeCallDelta(before, e.srv.Calls()), map[string]int{"AddTicketReply": 1}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("sync run write calls %v, want %v", got, want)
	}
	if w := e.srv.WriteCalls() - writesBefore; w != 1 {
		t.Errorf("sync run reached WHMCS with %d write calls, want 1", w)
	}
	r := readRunReport(t, reportPath)
	if r.Tickets.Updated != 1 || r.Tickets.Unchanged != 3 || len(r.Drift) != 0 {
		t.Errorf("sync run report %+v", r)
	}
	e.checkState(t, changed)

	// Without ids an edit cannot be told from a new entry: the edited text
	// is sent as a new reply, and the old one is reported deleted.
	edited := changed.clone()
	edited.msgs[1].Body = "It is fixed now (edited later)."
	edited.ticket("T1").Updated = "2024-03-06 09:00:00"
	edited.write(t, e.dir)
	before = e.srv.Calls()
	if code, out, errOut := e.run(t, "--report", reportPath); code != exitOK {
		t.Fatalf("edit run: exit %d\n%s\n%s", code, out, errOut)
	}
	if got, want := writeCallDelta(before, e.srv.Calls()), map[string]int{"AddTicketReply": 1}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("edit run write calls %v, want %v", got, want)
	}
	r = readRunReport(t, reportPath)
	if len(r.Drift) != 1 || r.Drift[0].Ticket != "T1" || r.Drift[0].Code != "drift_deleted" || !strings.HasPrefix(r.Drift[0].Entry, "h:") {
		t.Errorf("edit run drift %+v, want one drift_deleted of a hash-keyed T1 entry", r.Drift)
	}
}

// promLine is a sample line of the Prometheus text format: name, optional
// labels, value, optional timestamp.
var (
	promName   = `[a-zA-Z_:][a-zA-Z0-9_:]*`
	promSample = regexp.MustCompile(`^(` + promName + `)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (\S+)( -?[0-9]+)?$`)
	promHelp   = regexp.MustCompile(`^# HELP (` + promName + `) .+$`)
	promType   = regexp.MustCompile(`^# TYPE (` + promName + `) (counter|gauge|histogram|summary|untyped)$`)
)

// parseMetrics checks that path is valid Prometheus text exposition
// format, line by line, and returns its samples keyed by name and labels.
// Each family has at most one HELP and one TYPE, before its samples; no
// sample repeats; the file ends with a newline.
func parseMetrics(t *testing.T, path string) map[string]float64 {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) == 0 || data[len(data)-1] != '\n' {
		t.Fatalf("%s does not end with a newline", path)
	}
	out := map[string]float64{}
	helped, typed, sampled := map[string]bool{}, map[string]bool{}, map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		bad := func(why string) { t.Errorf("%s:%d: %s: %q", path, n, why, line) }
		switch {
		case line == "":
			bad("empty line")
		case strings.HasPrefix(line, "# HELP "):
			m := promHelp.FindStringSubmatch(line)
			if m == nil {
				bad("malformed HELP")
			} else if helped[m[1]] || sampled[m[1]] {
				bad("HELP repeated or after the samples")
			} else {
				helped[m[1]] = true
			}
		case strings.HasPrefix(line, "# TYPE "):
			m := promType.FindStringSubmatch(line)
			if m == nil {
				bad("malformed TYPE")
			} else if typed[m[1]] || sampled[m[1]] {
				bad("TYPE repeated or after the samples")
			} else {
				typed[m[1]] = true
			}
		case strings.HasPrefix(line, "#"):
			// A comment.
		default:
			m := promSample.FindStringSubmatch(line)
			if m == nil {
				bad("malformed sample")
				continue
			}
			v, err := strconv.ParseFloat(m[3], 64)
			if err != nil {
				bad("value is not a float")
			}
			if !typed[m[1]] || !helped[m[1]] {
				bad("sample without HELP and TYPE")
			}
			key := m[1] + m[2]
			if _, dup := out[key]; dup {
				bad("sample repeated")
			}
			sampled[m[1]] = true
			out[key] = v
		}
	}
	return out
}
