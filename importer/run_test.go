package importer

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/internal/policytest"
	"github.com/whmcs-migrate/whmcs-migrate/internal/zonetest"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/sources/sourcetest"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

var chicago = zonetest.Must("America/Chicago")

// genTickets makes n tickets with 1-6 entries each: customer and staff
// replies, notes (some older than the first reply), various statuses.
func genTickets(n int, seed uint64) []*sources.Ticket {
	rng := rand.New(rand.NewPCG(seed, 1))
	statuses := []string{"", "resolved", "Open", "Answered", "Customer-Reply", "On Hold", "In Progress"}
	base := time.Date(2023, 3, 1, 8, 0, 0, 0, time.UTC)
	var out []*sources.Ticket
	for i := range n {
		t := &sources.Ticket{
			ID: fmt.Sprintf("T%04d", i), Origin: fmt.Sprintf("mem:%d", i),
			Subject:    fmt.Sprintf("Problem %d with ümlaut, <b> & \"quotes\" it's 🚀", i),
			Department: []string{"Sales", "Technical Support", "Billing"}[i%3],
			Status:     statuses[rng.IntN(len(statuses))],
			Priority:   []string{"", "urgent", "low"}[rng.IntN(3)],
			Requester:  sources.Person{Name: fmt.Sprintf("Customer %d", i), Email: fmt.Sprintf("c%d@example.com", i)},
		}
		if i%5 == 0 {
			t.Requester = sources.Person{Name: "Cynthia", Email: "cynthia@example.com"} // a seeded client
		}
		at := base.Add(time.Duration(i) * 7 * time.Hour)
		ne := 1 + rng.IntN(6)
		for j := range ne {
			e := sources.Entry{ID: fmt.Sprint(j + 1), Created: at.Add(time.Duration(j) * 37 * time.Minute),
				Body: fmt.Sprintf("Message %d of ticket %d: 5 < 6 & \"q\" it's 🚀 👩‍💻.\nSecond line.", j, i)}
			switch {
			case j == 0:
				e.Kind, e.Author = sources.CustomerReply, t.Requester
			case rng.IntN(3) == 0:
				e.Kind, e.Author = sources.Note, sources.Person{Name: "Jane Staff", Email: "jane@old.example"}
			case rng.IntN(2) == 0:
				e.Kind, e.Author = sources.StaffReply, sources.Person{Name: "Jane Staff", Email: "jane@old.example"}
			default:
				e.Kind, e.Author = sources.CustomerReply, t.Requester
			}
			if j == 1 && i%7 == 0 {
				e.Kind, e.Author = sources.Note, sources.Person{Name: "Mike", Email: "mike@old.example"}
				e.Created = at.Add(-time.Hour) // a note older than the first reply
			}
			if j == 2 && i%4 == 0 {
				e.Format, e.Body = sources.HTML, "<p>Hello <b>there</b></p><ul><li>one</li><li>two</li></ul>"
			}
			t.Entries = append(t.Entries, e)
		}
		out = append(out, t)
	}
	return out
}

func testConfig() mapping.Config {
	return mapping.Config{
		Departments:  map[string]mapping.Department{"Sales": {ID: 1}, "Technical Support": {ID: 2}, "Billing": {ID: 3}},
		Statuses:     map[string]string{"resolved": "Closed"},
		Priorities:   map[string]string{"urgent": "High", "low": "Low"},
		Staff:        map[string]string{"jane@old.example": "admin"},
		DefaultStaff: "admin",
		Clients:      mapping.ClientsMatchEmail,
	}
}

type env struct {
	srv   *whmcstest.Server
	opts  whmcstest.Options // how the sandbox stores text
	store *checkpoints.Store
	path  string
}

// Storage modes of the sandbox: a WHMCS that stores text as sent, and one
// that stores it as real installs do (sanitised, 3-byte utf8).
var (
	literal   = whmcstest.Options{}
	realistic = whmcstest.Options{Sanitize: true, ThreeByte: true}
	modes     = map[string]whmcstest.Options{"literal": literal, "realistic": realistic}
)

// forModes runs f as a subtest in each storage mode.
func forModes(t *testing.T, f func(t *testing.T, mode whmcstest.Options)) {
	for _, name := range []string{"literal", "realistic"} {
		t.Run(name, func(t *testing.T) { f(t, modes[name]) })
	}
}

func newEnv(t *testing.T, faults whmcstest.Faults) *env { return newEnvMode(t, literal, faults) }

func newEnvMode(t *testing.T, mode whmcstest.Options, faults whmcstest.Faults) *env {
	t.Helper()
	o := mode
	o.TimeZone, o.Faults = chicago, faults
	srv := whmcstest.NewServer(o)
	t.Cleanup(srv.Close)
	path := filepath.Join(t.TempDir(), "cp.db")
	store, err := checkpoints.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return &env{srv: srv, opts: o, store: store, path: path}
}

func (e *env) run(t *testing.T, ctx context.Context, src sources.Source, conc int, pol policytest.Options) (*report.Import, error) {
	t.Helper()
	h, err := whmcs.NewHTTP(whmcs.Options{URL: e.srv.APIURL(), Identifier: e.srv.Identifier, Secret: e.srv.Secret,
		Location: chicago, Timeout: 5 * time.Second, MaxConns: conc})
	if err != nil {
		t.Fatal(err)
	}
	if pol.Max == 0 {
		pol.Max = conc // as the command does: rate: auto up to the workers
	}
	client := whmcs.NewClient(policytest.Wrap(h, pol), chicago)
	cfg := testConfig()
	planner, err := mapping.NewPlanner(mapping.Options{Config: cfg, Clients: mapping.NewClientResolver(client)})
	if err != nil {
		t.Fatal(err)
	}
	return Import(ctx, Config{Source: src, Client: client, Planner: planner, Store: e.store, Concurrency: conc})
}

// checkExact asserts that WHMCS holds every source ticket exactly once,
// with every entry once, in order, with its date to the second, author
// and final status; and that nobody was emailed.
func checkExact(t *testing.T, e *env, tickets []*sources.Ticket) {
	t.Helper()
	ctx := context.Background()
	state := e.srv.State()
	if len(state.Emails) != 0 {
		t.Errorf("customers were emailed: %+v", state.Emails)
	}
	byID := map[int64]whmcstest.TicketState{}
	for _, tk := range state.Tickets {
		byID[tk.ID] = tk
	}
	if len(state.Tickets) != len(tickets) {
		t.Errorf("WHMCS has %d tickets, source %d (duplicates or missing)", len(state.Tickets), len(tickets))
	}
	for _, src := range tickets {
		cp, err := e.store.Ticket(ctx, src.ID)
		if err != nil || cp == nil {
			t.Errorf("ticket %s not in checkpoint (%v)", src.ID, err)
			continue
		}
		if cp.State != checkpoints.StateImported {
			t.Errorf("ticket %s state %s (%s)", src.ID, cp.State, cp.Error)
		}
		got, ok := byID[cp.WHMCSID]
		if !ok {
			t.Errorf("ticket %s: WHMCS ticket %d missing", src.ID, cp.WHMCSID)
			continue
		}
		entries := append([]sources.Entry(nil), src.Entries...)
		sort.SliceStable(entries, func(i, j int) bool { return entries[i].Created.Before(entries[j].Created) })
		var replies, notes []sources.Entry
		for _, en := range entries {
			if en.Kind == sources.Note {
				notes = append(notes, en)
			} else {
				replies = append(replies, en)
			}
		}
		if got.Subject != e.opts.StoredText(src.Subject) {
			t.Errorf("ticket %s subject %q", src.ID, got.Subject)
		}
		if !got.Date.Equal(replies[0].Created) {
			t.Errorf("ticket %s opened %v, want %v", src.ID, got.Date, replies[0].Created)
		}
		if !strings.Contains(got.Message, e.opts.StoredText(firstLine(replies[0].Body))) && replies[0].Format != sources.HTML {
			t.Errorf("ticket %s opening message %q", src.ID, got.Message)
		}
		if len(got.Replies) != len(replies)-1 {
			t.Errorf("ticket %s has %d replies, want %d", src.ID, len(got.Replies), len(replies)-1)
		} else {
			for i, rp := range got.Replies {
				want := replies[i+1]
				if !rp.Date.Equal(want.Created) {
					t.Errorf("ticket %s reply %d date %v, want %v", src.ID, i, rp.Date, want.Created)
				}
				if want.Kind == sources.StaffReply && rp.AdminUsername != "admin" {
					t.Errorf("ticket %s reply %d by %q, want admin", src.ID, i, rp.AdminUsername)
				}
				if want.Format != sources.HTML && !strings.Contains(rp.Message, e.opts.StoredText(firstLine(want.Body))) {
					t.Errorf("ticket %s reply %d message %q", src.ID, i, rp.Message)
				}
			}
		}
		if len(got.Notes) != len(notes) {
			t.Errorf("ticket %s has %d notes, want %d", src.ID, len(got.Notes), len(notes))
		} else {
			for i, n := range got.Notes {
				if !n.Date.Equal(notes[i].Created) || !strings.Contains(n.Message, notes[i].Author.Name) {
					t.Errorf("ticket %s note %d = %v %q", src.ID, i, n.Date, n.Message)
				}
			}
		}
		if want := expectedStatus(src, replies); got.Status != want {
			t.Errorf("ticket %s status %q, want %q", src.ID, got.Status, want)
		}
	}
}

func firstLine(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }

func expectedStatus(t *sources.Ticket, replies []sources.Entry) string {
	switch t.Status {
	case "resolved":
		return "Closed"
	case "":
		if len(replies) == 1 {
			return "Open"
		}
		if replies[len(replies)-1].Kind == sources.StaffReply {
			return "Answered"
		}
		return "Customer-Reply"
	}
	return t.Status
}

func TestImportExact(t *testing.T) { forModes(t, testImportExact) }

func testImportExact(t *testing.T, mode whmcstest.Options) {
	e := newEnvMode(t, mode, whmcstest.Faults{})
	tickets := genTickets(60, 1)
	rep, err := e.run(t, context.Background(), sourcetest.NewMemory(tickets), 4, policytest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Tickets.Imported != 60 || rep.Tickets.Total != 60 || rep.Tickets.Failed != 0 {
		t.Fatalf("report tickets = %+v, failures %+v", rep.Tickets, rep.Failures)
	}
	checkExact(t, e, tickets)

	// Re-running a finished import makes zero write calls.
	before := e.srv.WriteCalls()
	rep, err = e.run(t, context.Background(), sourcetest.NewMemory(tickets), 4, policytest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if w := e.srv.WriteCalls() - before; w != 0 {
		t.Fatalf("re-run made %d write calls", w)
	}
	if rep.Tickets.Unchanged != 60 {
		t.Fatalf("re-run tickets = %+v", rep.Tickets)
	}
}

// With answers dropped after commit, 429s and 500s, every ticket, reply
// and note still lands exactly once.
func TestImportExactlyOnceUnderFaults(t *testing.T) { forModes(t, testImportExactlyOnceUnderFaults) }

func testImportExactlyOnceUnderFaults(t *testing.T, mode whmcstest.Options) {
	e := newEnvMode(t, mode, whmcstest.Faults{Seed: 7, DropRate: 0.1, ThrottleRate: 0.05, FailRate: 0.05})
	tickets := genTickets(80, 2)
	var rep *report.Import
	var err error
	for range 5 { // failed tickets are retried by the next run
		rep, err = e.run(t, context.Background(), sourcetest.NewMemory(tickets), 8, policytest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Tickets.Failed == 0 {
			break
		}
	}
	if rep.Tickets.Failed != 0 {
		t.Fatalf("failures remain: %+v", rep.Failures)
	}
	e.srv.SetFaults(whmcstest.Faults{})
	checkExact(t, e, tickets)
}

// Cancelling mid-run stops promptly, leaves the checkpoint consistent, and
// the next run completes with no duplicates.
func TestInterruptAndResume(t *testing.T) {
	e := newEnv(t, whmcstest.Faults{Latency: 2 * time.Millisecond})
	tickets := genTickets(60, 3)
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	src := sourcetest.NewMemory(tickets)
	go func() {
		for e.srv.WriteCalls() < 40 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	rep, err := e.run(t, ctx, src, 4, policytest.Options{})
	if err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("interrupted run: err = %v", err)
	}
	if rep == nil || !rep.Interrupted {
		t.Fatalf("report = %+v", rep)
	}
	_ = n
	rep, err = e.run(t, context.Background(), src, 4, policytest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Tickets.Failed != 0 {
		t.Fatalf("failures: %+v", rep.Failures)
	}
	checkExact(t, e, tickets)
}

// An intent left without outcome (a kill between the WHMCS call and the
// journal's settle) is reconciled by reading WHMCS, not sent again.
func TestCrashBetweenCallAndJournal(t *testing.T) {
	e := newEnv(t, whmcstest.Faults{})
	tickets := genTickets(30, 4)
	ctx := context.Background()
	if _, err := e.run(t, ctx, sourcetest.NewMemory(tickets), 2, policytest.Options{}); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", e.path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var opened, replied int
	for _, src := range tickets {
		cp, _ := e.store.Ticket(ctx, src.ID)
		if len(cp.Entries) == 1 && opened < 3 {
			// Undo the settle of OpenTicket: no WHMCS id, an intent instead.
			en := cp.Entries[firstKey(cp.Entries)]
			mustExec(t, db, "DELETE FROM entries WHERE source_id = ?", src.ID)
			mustExec(t, db, "UPDATE tickets SET whmcs_id = 0, tid = '', c = '', state = 'pending' WHERE source_id = ?", src.ID)
			email := src.Requester.Email
			var client int64
			if email == "cynthia@example.com" {
				client, email = 1, ""
			}
			mustExec(t, db, `INSERT INTO intents (run_id, source_id, step, action, created, message_hash, subject, client_id, email,
				entry_key, entry_hash, kind, began) VALUES (1, ?, 'open', 'OpenTicket', ?, ?, ?, ?, ?, ?, ?, 'open', 0)`,
				src.ID, en.Created.Unix(), en.MessageHash, src.Subject, client, email, en.Key, en.Hash)
			opened++
		} else if len(cp.Entries) > 2 && replied < 3 {
			// Undo the settle of the latest reply or note.
			var last checkpoints.Entry
			for _, en := range cp.Entries {
				if en.Kind != "open" && en.Created.After(last.Created) {
					last = en
				}
			}
			action := "AddTicketReply"
			if last.Kind == "note" {
				action = "AddTicketNote"
			}
			mustExec(t, db, "DELETE FROM entries WHERE source_id = ? AND entry_key = ?", src.ID, last.Key)
			mustExec(t, db, "UPDATE tickets SET state = 'pending' WHERE source_id = ?", src.ID)
			mustExec(t, db, `INSERT INTO intents (run_id, source_id, step, action, whmcs_id, created, message_hash,
				entry_key, entry_hash, kind, began) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
				src.ID, "entry:"+last.Key, action, cp.WHMCSID, last.Created.Unix(), last.MessageHash, last.Key, last.Hash, last.Kind)
			replied++
		}
	}
	if opened == 0 || replied == 0 {
		t.Fatalf("fixture: opened %d, replied %d", opened, replied)
	}
	before := e.srv.WriteCalls()
	rep, err := e.run(t, ctx, sourcetest.NewMemory(tickets), 2, policytest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Reconciled != int64(opened+replied) {
		t.Fatalf("reconciled = %d, want %d", rep.Reconciled, opened+replied)
	}
	checkExact(t, e, tickets)
	// Nothing was missing, so nothing is sent.
	if w := e.srv.WriteCalls() - before; w != 0 {
		t.Fatalf("resume after lost journal made %d writes, want 0", w)
	}
}

func firstKey(m map[string]checkpoints.Entry) string {
	for k := range m {
		return k
	}
	return ""
}

func mustExec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatal(err)
	}
}

// A ticket whose WHMCS calls keep failing is a failure with code
// whmcs_call and the ticket's origin, beside the error.
func TestFailedCallNamesCodeAndOrigin(t *testing.T) {
	e := newEnv(t, whmcstest.Faults{Seed: 3, FailRate: 1})
	tickets := genTickets(2, 1)
	rep, err := e.run(t, context.Background(), sourcetest.NewMemory(tickets), 2, policytest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Failures) != 2 {
		t.Fatalf("failures %+v", rep.Failures)
	}
	for i, f := range rep.Failures {
		if f.Code != string(sources.CodeWHMCSCall) || f.Origin == "" || f.Origin != tickets[i].Origin || f.Error == "" {
			t.Errorf("failure %+v, want code whmcs_call and origin %q", f, tickets[i].Origin)
		}
	}
}
