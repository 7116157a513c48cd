package main

import (
	"bytes"
	"context"
	stdcsv "encoding/csv"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// The ticket-level fields end to end: ticket number, custom fields,
// assignee, CC and contacts, imported from CSV into the sandbox, then
// changed at the source and followed by sync, edits applied.

// fieldsTicket is one tickets.csv row of this test.
type fieldsTicket struct {
	ID, Number, Subject, Email, Name, Status, Assignee, CC, Plan, Server, Created, Updated string
}

type fieldsEnv struct {
	srv    *whmcstest.Server
	dir    string
	config string
}

func fieldsSeed() *whmcstest.Seed {
	s := whmcstest.DefaultSeed()
	s.Contacts = []whmcstest.Contact{{ID: 7, ClientID: 1, FirstName: "Ravi", LastName: "Patel", Email: "ravi@reilly.example"}}
	return s
}

func newFieldsEnv(t *testing.T, applyEdits, sanitize bool) *fieldsEnv {
	t.Helper()
	srv := whmcstest.NewServer(whmcstest.Options{TimeZone: syncDstZone, Seed: fieldsSeed(), Sanitize: sanitize, ThreeByte: sanitize})
	t.Cleanup(srv.Close)
	e := &fieldsEnv{srv: srv, dir: t.TempDir()}
	work := t.TempDir()
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
  departments: {Sales: 1}
  statuses: {resolved: Closed}
  staff: {"jane@old.example": admin, "Sam Support": support}
  clients: match_email
  ticket_number_field: 11
  custom_fields: {Plan: 12, server: 13}
checkpoint: migration.db
sync:
  apply_edits: ` + strconv.FormatBool(applyEdits) + `
`
	e.config = filepath.Join(work, "config.yaml")
	if err := os.WriteFile(e.config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *fieldsEnv) write(t *testing.T, tickets []fieldsTicket, msgs [][]string) {
	t.Helper()
	var tb, mb bytes.Buffer
	tw, mw := stdcsv.NewWriter(&tb), stdcsv.NewWriter(&mb)
	tw.Write([]string{"id", "number", "subject", "department", "status", "email", "name", "assignee", "cc", "Plan", "Server", "created", "updated"})
	for _, tk := range tickets {
		tw.Write([]string{tk.ID, tk.Number, tk.Subject, "Sales", tk.Status, tk.Email, tk.Name, tk.Assignee, tk.CC, tk.Plan, tk.Server, tk.Created, tk.Updated})
	}
	mw.Write([]string{"ticket_id", "id", "type", "author", "name", "email", "created", "body"})
	for _, m := range msgs {
		mw.Write(m)
	}
	tw.Flush()
	mw.Flush()
	for name, b := range map[string][]byte{"tickets.csv": tb.Bytes(), "messages.csv": mb.Bytes()} {
		if err := os.WriteFile(filepath.Join(e.dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func (e *fieldsEnv) run(t *testing.T) {
	t.Helper()
	var out, errb bytes.Buffer
	code := execute(context.Background(), []string{"run", "--config", e.config, "--no-progress", "--log-level", "warn"}, &out, &errb)
	if code != exitOK {
		t.Fatalf("run: exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	if strings.Contains(out.String()+errb.String(), e.srv.Secret) {
		t.Errorf("the API secret is in the output")
	}
}

// ticketBySubject finds a sandbox ticket.
func ticketBySubject(t *testing.T, st whmcstest.State, subject string) whmcstest.TicketState {
	t.Helper()
	for _, tk := range st.Tickets {
		if tk.Subject == subject {
			return tk
		}
	}
	t.Fatalf("no WHMCS ticket %q", subject)
	return whmcstest.TicketState{}
}

// checkFields asserts that WHMCS holds each source ticket's number, custom
// fields, assignee (admin ids: admin 1, support 2) and CC.
func checkFields(t *testing.T, st whmcstest.State, tickets []fieldsTicket) {
	t.Helper()
	admins := map[string]int64{"": 0, "jane@old.example": 1, "Sam Support": 2}
	for _, src := range tickets {
		tk := ticketBySubject(t, st, src.Subject)
		want := map[int]string{11: src.Number}
		if src.Plan != "" {
			want[12] = src.Plan
		}
		if src.Server != "" {
			want[13] = src.Server
		}
		if src.Server == "" && tk.CustomFields[13] == "" {
			delete(tk.CustomFields, 13) // cleared: WHMCS keeps the field, empty
		}
		if !reflect.DeepEqual(tk.CustomFields, want) {
			t.Errorf("ticket %s custom fields %v, want %v", src.ID, tk.CustomFields, want)
		}
		if tk.Flag != admins[src.Assignee] {
			t.Errorf("ticket %s flag %d, want %d (assignee %q)", src.ID, tk.Flag, admins[src.Assignee], src.Assignee)
		}
		if tk.CC != src.CC {
			t.Errorf("ticket %s cc %q, want %q", src.ID, tk.CC, src.CC)
		}
	}
	if len(st.Emails) != 0 {
		t.Errorf("customers were emailed: %+v", st.Emails)
	}
}

func TestRunTicketFieldsAndSync(t *testing.T) {
	t.Run("plain", func(t *testing.T) { testTicketFieldsAndSync(t, false) })
	// A WHMCS that stores <>&"' as entities and emoji as "?": an edit must
	// still find its reply, and land once.
	t.Run("sanitising 3-byte", func(t *testing.T) { testTicketFieldsAndSync(t, true) })
}

func testTicketFieldsAndSync(t *testing.T, sanitize bool) {
	e := newFieldsEnv(t, true, sanitize)
	stored := e.srv.Storage().StoredText
	tickets := []fieldsTicket{
		// Closed after a staff reply: the status rides on that reply without
		// an assignee, so the assignee costs an UpdateTicket.
		{"T1", "483920", "Invoice question", "cynthia@example.com", "Cynthia Reilly", "resolved", "jane@old.example", "boss@example.com,ops@example.com", "Pro", "web-3", "2024-03-01 09:00:00", "2024-03-01 11:00:00"},
		// Closed with only a note after the opening: it needs an
		// UpdateTicket anyway, which carries the assignee.
		{"T2", "483921", "Printer setup", "bob@example.org", "Bob Martin", "resolved", "Sam Support", "", "Basic", "", "2024-03-02 10:00:00", "2024-03-02 11:00:00"},
		// Opened by a client's contact; no assignee: no UpdateTicket.
		{"T3", "483922", "Contact here", "ravi@reilly.example", "Ravi Patel", "", "", "", "", "", "2024-03-03 10:00:00", "2024-03-03 10:00:00"},
	}
	msgs := [][]string{
		{"T1", "m1", "reply", "customer", "Cynthia Reilly", "cynthia@example.com", "2024-03-01 09:00:00", "Why is my invoice wrong?"},
		{"T1", "m2", "reply", "customer", "Ravi Patel", "ravi@reilly.example", "2024-03-01 09:30:00", "Same question from accounting."},
		{"T1", "m3", "reply", "staff", "Jane Staff", "jane@old.example", "2024-03-01 10:00:00", "It is fixed now."},
		{"T2", "m4", "reply", "customer", "Bob Martin", "bob@example.org", "2024-03-02 10:00:00", "The printer does not print."},
		{"T2", "m5", "note", "staff", "Jane Staff", "jane@old.example", "2024-03-02 11:00:00", "Driver issue."},
		{"T3", "m6", "reply", "customer", "Ravi Patel", "ravi@reilly.example", "2024-03-03 10:00:00", "Hello from a contact."},
	}
	e.write(t, tickets, msgs)
	e.run(t)
	st := e.srv.State()
	checkFields(t, st, tickets)
	// Calls per ticket: T1 open + 2 replies + UpdateTicket (assignee; the
	// status moved onto it from the last reply), T2 open + note +
	// UpdateTicket (status and assignee in one), T3 open only.
	wantCalls := map[string]int{"OpenTicket": 3, "AddTicketReply": 2, "AddTicketNote": 1, "UpdateTicket": 2}
	for a, n := range wantCalls {
		if st.Calls[a] != n {
			t.Errorf("%s calls %d, want %d (all: %v)", a, st.Calls[a], n, st.Calls)
		}
	}
	t1 := ticketBySubject(t, st, "Invoice question")
	if t1.Status != "Closed" || t1.UserID != 1 || t1.ContactID != 0 {
		t.Errorf("T1: status %s user %d contact %d", t1.Status, t1.UserID, t1.ContactID)
	}
	if r := t1.Replies[0]; r.ClientID != 1 || r.ContactID != 7 {
		t.Errorf("T1's contact reply: client %d contact %d, want 1 and 7", r.ClientID, r.ContactID)
	}
	if t3 := ticketBySubject(t, st, "Contact here"); t3.UserID != 1 || t3.ContactID != 7 {
		t.Errorf("T3 opened by a contact: user %d contact %d, want 1 and 7", t3.UserID, t3.ContactID)
	}

	// The helpdesk changes T1's assignee, a custom field and its CC, and
	// edits T1's staff reply and T2's opening message.
	tickets[0].Assignee, tickets[0].Plan, tickets[0].CC, tickets[0].Updated = "Sam Support", "Enterprise", "ops@example.com", "2024-03-05 09:00:00"
	tickets[1].Server, tickets[1].Updated = "print-1", "2024-03-05 09:00:00"
	msgs[2][7] = "It is fixed now <for real> & \"for good\"."
	msgs[3][7] = "The printer does not print at all."
	e.write(t, tickets, msgs)
	before := e.srv.State().Calls
	e.run(t)
	st = e.srv.State()
	checkFields(t, st, tickets)
	delta := writeCallDelta(before, st.Calls)
	delta["UpdateTicketReply"] = st.Calls["UpdateTicketReply"] - before["UpdateTicketReply"]
	if want := map[string]int{"UpdateTicket": 2, "UpdateTicketReply": 1}; !reflect.DeepEqual(delta, want) {
		t.Errorf("sync writes %v, want %v (one UpdateTicket per changed ticket, one UpdateTicketReply)", delta, want)
	}
	t1 = ticketBySubject(t, st, "Invoice question")
	if got := t1.Replies[1].Message; got != stored(msgs[2][7]) {
		t.Errorf("edited reply is %q in WHMCS, want %q", got, stored(msgs[2][7]))
	}
	if t2 := ticketBySubject(t, st, "Printer setup"); t2.Message != stored(msgs[3][7]) {
		t.Errorf("edited opening message is %q in WHMCS, want %q", t2.Message, msgs[3][7])
	}

	// The next run makes zero writes.
	writes := e.srv.WriteCalls()
	e.run(t)
	if n := e.srv.WriteCalls() - writes; n != 0 {
		t.Errorf("a run after the sync wrote %d times, want 0 (calls %v)", n, e.srv.State().Calls)
	}

	// The same reply edited again: found by the text WHMCS stored of the
	// first edit, changed once; then nothing more to do.
	msgs[2][7], tickets[0].Updated = "Fixed 🚀 & closed.", "2024-03-06 09:00:00"
	e.write(t, tickets, msgs)
	writes = e.srv.WriteCalls()
	e.run(t)
	st = e.srv.State()
	if n := e.srv.WriteCalls() - writes; n != 1 {
		t.Errorf("second edit: %d writes, want 1", n)
	}
	if got := ticketBySubject(t, st, "Invoice question").Replies[1].Message; got != stored(msgs[2][7]) {
		t.Errorf("reply edited twice is %q, want %q", got, stored(msgs[2][7]))
	}
	writes = e.srv.WriteCalls()
	e.run(t)
	if n := e.srv.WriteCalls() - writes; n != 0 {
		t.Errorf("a run after the second edit wrote %d times, want 0", n)
	}
}
