package importer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/internal/policytest"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/sources/sourcetest"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// newCheckpoint replaces e's checkpoint with a new, empty one (a lost
// checkpoint, a second machine); the old one stays on disk at the path
// returned.
func (e *env) newCheckpoint(t *testing.T) string {
	t.Helper()
	old := e.path
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}
	e.path = filepath.Join(t.TempDir(), "cp.db")
	store, err := checkpoints.Open(e.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	e.store = store
	return old
}

// truncated returns tickets with only their first entries, as an import
// killed part way leaves them in WHMCS (the opening message, some of the
// replies and notes).
func truncated(tickets []*sources.Ticket) []*sources.Ticket {
	out := clone(tickets)
	for i, t := range out {
		t.Entries = t.Entries[:1+i%len(t.Entries)]
	}
	return out
}

// twin returns a copy of t under another id: a ticket identical to it in
// everything adoption matches on.
func twin(t *sources.Ticket, id string) *sources.Ticket {
	c := *clone([]*sources.Ticket{t})[0]
	c.ID, c.Origin = id, "mem:"+id
	return &c
}

// A lost checkpoint after a part of the import: the next run adopts what
// WHMCS holds (half-built tickets included), sends only what is missing,
// and reads WHMCS's ticket list once.
func TestAdoptLostCheckpoint(t *testing.T) { forModes(t, testAdoptLostCheckpoint) }

func testAdoptLostCheckpoint(t *testing.T, mode whmcstest.Options) {
	e := newEnvMode(t, mode, whmcstest.Faults{})
	ctx := context.Background()
	tickets := genTickets(50, 11)
	part := truncated(tickets[:30]) // 30 tickets in WHMCS, most of them half-built
	if rep, err := e.run(t, ctx, sourcetest.NewMemory(part), 4, policytest.Options{}); err != nil || rep.Tickets.Imported != 30 {
		t.Fatalf("first import: %v %+v", err, rep)
	}
	e.newCheckpoint(t)
	rep, err := e.run(t, ctx, sourcetest.NewMemory(tickets), 4, policytest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Tickets.Adopted != 30 || rep.Tickets.Imported != 20 || rep.Tickets.Failed != 0 {
		t.Fatalf("tickets = %+v, failures %+v", rep.Tickets, rep.Failures)
	}
	if rep.Calls[whmcs.ActionGetTickets] != 1 || rep.AdoptListPages != 1 || rep.AdoptListed != 30 {
		t.Errorf("GetTickets calls %d, pages %d, listed %d; want the list read once (1 page of 30)",
			rep.Calls[whmcs.ActionGetTickets], rep.AdoptListPages, rep.AdoptListed)
	}
	if rep.Calls[whmcs.ActionOpenTicket] != 20 {
		t.Errorf("OpenTicket calls %d, want 20 (the tickets not in WHMCS)", rep.Calls[whmcs.ActionOpenTicket])
	}
	checkExact(t, e, tickets)
	if n, err := e.store.Adopted(ctx, 0); err != nil || n != 30 {
		t.Errorf("checkpoint counts %d adopted (%v), want 30", n, err)
	}

	// The rebuilt checkpoint knows every ticket: the next run reads and
	// writes nothing.
	before := e.srv.WriteCalls()
	rep, err = e.run(t, ctx, sourcetest.NewMemory(tickets), 4, policytest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if w := e.srv.WriteCalls() - before; w != 0 || rep.Calls[whmcs.ActionGetTickets] != 0 || rep.AdoptListPages != 0 {
		t.Errorf("run after adoption: %d writes, %d GetTickets, want none", w, rep.Calls[whmcs.ActionGetTickets])
	}
}

// A stale copy of the checkpoint, from before a part of the import: the
// tickets it does not know are adopted, the half-built ones it knows are
// settled against WHMCS before they are resumed.
func TestAdoptStaleCheckpoint(t *testing.T) { forModes(t, testAdoptStaleCheckpoint) }

func testAdoptStaleCheckpoint(t *testing.T, mode whmcstest.Options) {
	e := newEnvMode(t, mode, whmcstest.Faults{})
	ctx := context.Background()
	tickets := genTickets(40, 12)
	first := truncated(tickets[:20])
	if _, err := e.run(t, ctx, sourcetest.NewMemory(first), 4, policytest.Options{}); err != nil {
		t.Fatal(err)
	}
	// The copy: it knows the first 20 tickets, half-built.
	stale := filepath.Join(t.TempDir(), "stale.db")
	if err := copyCheckpoint(e, stale); err != nil {
		t.Fatal(err)
	}
	// A copy made mid-import holds the tickets as begun, not finished.
	if db, err := sql.Open("sqlite", stale); err != nil {
		t.Fatal(err)
	} else {
		mustExec(t, db, "UPDATE tickets SET state = 'pending'")
		db.Close()
	}
	// The import goes on with the real checkpoint, then the real one is
	// lost and the stale copy is used.
	if _, err := e.run(t, ctx, sourcetest.NewMemory(truncated(tickets[:35])), 4, policytest.Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.run(t, ctx, sourcetest.NewMemory(tickets[:35]), 4, policytest.Options{}); err != nil {
		t.Fatal(err)
	}
	e.store.Close()
	store, err := checkpoints.Open(stale)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	e.store, e.path = store, stale
	rep, err := e.run(t, ctx, sourcetest.NewMemory(tickets), 4, policytest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Tickets.Adopted != 15 || rep.Tickets.Imported != 5 || rep.Tickets.Failed != 0 {
		t.Fatalf("tickets = %+v, failures %+v", rep.Tickets, rep.Failures)
	}
	checkExact(t, e, tickets)
}

// copyCheckpoint copies e's checkpoint, consistently (VACUUM INTO), to path.
func copyCheckpoint(e *env, path string) error {
	db, err := sql.Open("sqlite", e.path)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec("VACUUM INTO ?", path)
	return err
}

// Two checkpoints used in turn on one source and one WHMCS (two machines):
// each adopts what the other imported.
func TestAdoptTwoCheckpointsInTurn(t *testing.T) {
	e := newEnvMode(t, realistic, whmcstest.Faults{})
	ctx := context.Background()
	tickets := genTickets(40, 13)
	a := e.path
	if _, err := e.run(t, ctx, sourcetest.NewMemory(truncated(tickets[:15])), 4, policytest.Options{}); err != nil {
		t.Fatal(err)
	}
	e.newCheckpoint(t) // b
	if _, err := e.run(t, ctx, sourcetest.NewMemory(truncated(tickets[:30])), 4, policytest.Options{}); err != nil {
		t.Fatal(err)
	}
	// Back to a, which knows 15 of the 30 tickets.
	e.store.Close()
	store, err := checkpoints.Open(a)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	e.store, e.path = store, a
	rep, err := e.run(t, ctx, sourcetest.NewMemory(tickets), 4, policytest.Options{})
	if err != nil || rep.Tickets.Adopted != 15 || rep.Tickets.Failed != 0 {
		t.Fatalf("run on a: %v %+v %+v", err, rep.Tickets, rep.Failures)
	}
	checkExact(t, e, tickets)
}

// Two WHMCS tickets that match one source ticket alike: it fails with
// adopt_ambiguous naming both, nothing is written for it, and the other
// tickets go on.
func TestAdoptAmbiguousTwoInWHMCS(t *testing.T) {
	e := newEnvMode(t, realistic, whmcstest.Faults{})
	ctx := context.Background()
	tickets := genTickets(6, 14)
	x := tickets[0]
	// The same checkpoint imports x, then a twin of x: the twin's WHMCS
	// ticket is the second one alike.
	if _, err := e.run(t, ctx, sourcetest.NewMemory(tickets[:1]), 1, policytest.Options{}); err != nil {
		t.Fatal(err)
	}
	if rep, err := e.run(t, ctx, sourcetest.NewMemory([]*sources.Ticket{twin(x, "X-TWIN")}), 1, policytest.Options{}); err != nil || rep.Tickets.Imported != 1 {
		t.Fatalf("twin import: %v %+v", err, rep)
	}
	wx, _ := e.store.Ticket(ctx, x.ID)
	wt, _ := e.store.Ticket(ctx, "X-TWIN")
	e.newCheckpoint(t)
	before := len(e.srv.State().Tickets)
	rep, err := e.run(t, ctx, sourcetest.NewMemory(tickets), 2, policytest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Tickets.Failed != 1 || rep.Tickets.Imported != 5 {
		t.Fatalf("tickets = %+v, failures %+v", rep.Tickets, rep.Failures)
	}
	f := rep.Failures[0]
	if f.Ticket != x.ID || f.Code != string(sources.CodeAdoptAmbiguous) || f.Step != "adopt" ||
		!strings.Contains(f.Error, fmt.Sprint(wx.WHMCSID)) || !strings.Contains(f.Error, fmt.Sprint(wt.WHMCSID)) {
		t.Errorf("failure = %+v, want adopt_ambiguous naming WHMCS tickets %d and %d", f, wx.WHMCSID, wt.WHMCSID)
	}
	if got := len(e.srv.State().Tickets); got != before+5 {
		t.Errorf("WHMCS has %d tickets, want %d: the ambiguous ticket must not be opened again", got, before+5)
	}
	// And again on the next run: never guessed.
	rep, err = e.run(t, ctx, sourcetest.NewMemory(tickets), 2, policytest.Options{})
	if err != nil || rep.Tickets.Failed != 1 || rep.Failures[0].Code != string(sources.CodeAdoptAmbiguous) {
		t.Fatalf("second run: %v %+v %+v", err, rep.Tickets, rep.Failures)
	}
}

// One WHMCS ticket that matches two source tickets alike (identical twins
// in the source): it is not adopted twice, the second twin fails with
// adopt_ambiguous naming it, and the other tickets go on.
func TestAdoptAmbiguousTwinsInSource(t *testing.T) {
	e := newEnvMode(t, realistic, whmcstest.Faults{})
	ctx := context.Background()
	tickets := genTickets(6, 15)
	if _, err := e.run(t, ctx, sourcetest.NewMemory(tickets[:1]), 1, policytest.Options{}); err != nil {
		t.Fatal(err)
	}
	w, _ := e.store.Ticket(ctx, tickets[0].ID)
	e.newCheckpoint(t)
	src := append([]*sources.Ticket{twin(tickets[0], "A-TWIN")}, tickets...)
	rep, err := e.run(t, ctx, sourcetest.NewMemory(src), 1, policytest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Tickets.Failed != 1 || rep.Tickets.Adopted != 1 || rep.Tickets.Imported != 5 {
		t.Fatalf("tickets = %+v, failures %+v", rep.Tickets, rep.Failures)
	}
	f := rep.Failures[0]
	if f.Code != string(sources.CodeAdoptAmbiguous) || !strings.Contains(f.Error, fmt.Sprint(w.WHMCSID)) ||
		!strings.Contains(f.Error, "A-TWIN") || !strings.Contains(f.Error, tickets[0].ID) {
		t.Errorf("failure = %+v, want adopt_ambiguous naming WHMCS ticket %d and both twins", f, w.WHMCSID)
	}
	if got := len(e.srv.State().Tickets); got != 6 {
		t.Errorf("WHMCS has %d tickets, want 6", got)
	}
	// The next run does not guess either: the WHMCS ticket was adopted,
	// it may be either twin's.
	rep, err = e.run(t, ctx, sourcetest.NewMemory(src), 1, policytest.Options{})
	if err != nil || rep.Tickets.Failed != 1 || rep.Failures[0].Code != string(sources.CodeAdoptAmbiguous) {
		t.Fatalf("second run: %v %+v %+v", err, rep.Tickets, rep.Failures)
	}
	if got := len(e.srv.State().Tickets); got != 6 {
		t.Errorf("WHMCS has %d tickets after the second run, want 6", got)
	}
}

// The adopt pass previews without writing anything, then records what it
// found; the run after it sends only what WHMCS is missing.
func TestAdoptPassPreviewApply(t *testing.T) { forModes(t, testAdoptPass) }

func testAdoptPass(t *testing.T, mode whmcstest.Options) {
	e := newEnvMode(t, mode, whmcstest.Faults{})
	ctx := context.Background()
	tickets := genTickets(30, 16)
	part := truncated(tickets[:20])
	for i := 10; i < 20; i++ {
		part[i] = tickets[i] // whole in WHMCS
	}
	if _, err := e.run(t, ctx, sourcetest.NewMemory(part), 4, policytest.Options{}); err != nil {
		t.Fatal(err)
	}
	e.newCheckpoint(t)
	adopt := func(apply bool) *report.Adoption {
		t.Helper()
		h, err := whmcs.NewHTTP(whmcs.Options{URL: e.srv.APIURL(), Identifier: e.srv.Identifier, Secret: e.srv.Secret, Location: chicago})
		if err != nil {
			t.Fatal(err)
		}
		client := whmcs.NewClient(policytest.Wrap(whmcs.ReadOnly(h), policytest.Options{}), chicago)
		planner, err := mapping.NewPlanner(mapping.Options{Config: testConfig(), Clients: mapping.NewClientResolver(client)})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := Adopt(ctx, AdoptConfig{Source: sourcetest.NewMemory(tickets), Client: client, Planner: planner, Store: e.store, Apply: apply})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	writes := e.srv.WriteCalls()
	pre := adopt(false)
	if pre.Found != 20 || pre.NotFound != 10 || pre.Ambiguous != 0 || pre.Complete < 10 || pre.ListPages != 1 {
		t.Fatalf("preview = %+v", pre)
	}
	if n, _ := e.store.Adopted(ctx, 0); n != 0 {
		t.Fatalf("the preview recorded %d adoptions", n)
	}
	app := adopt(true)
	if app.Found != 20 || app.NotFound != 10 || app.Complete < 10 || app.Calls[whmcs.ActionGetTicket] != 20 || app.Calls[whmcs.ActionGetTickets] != 1 {
		t.Fatalf("apply = %+v", app)
	}
	if w := e.srv.WriteCalls() - writes; w != 0 {
		t.Fatalf("adopt wrote %d times to WHMCS", w)
	}
	if n, _ := e.store.Adopted(ctx, 0); n != 20 {
		t.Fatalf("checkpoint counts %d adopted, want 20", n)
	}
	rep, err := e.run(t, ctx, sourcetest.NewMemory(tickets), 4, policytest.Options{})
	// The 10 tickets adopt did not find are looked for again (one page).
	if err != nil || rep.Tickets.Failed != 0 || rep.Tickets.Imported != 10 || rep.Tickets.Updated+rep.Tickets.Unchanged != 20 ||
		rep.Calls[whmcs.ActionGetTickets] != 1 {
		t.Fatalf("run after adopt: %v %+v calls %v", err, rep.Tickets, rep.Calls)
	}
	checkExact(t, e, tickets)
}

func TestAmbiguousErrorIs(t *testing.T) {
	err := fmt.Errorf("x: %w", &AmbiguousError{Source: "T1", WHMCS: []int64{3, 4}})
	if !errors.Is(err, ErrAmbiguous) || !strings.Contains(err.Error(), "3, 4") {
		t.Fatal(err)
	}
}

// An import interrupted part way under faults (dropped answers, throttling,
// failures), its checkpoint lost; the next runs, under faults too, end with
// WHMCS equal to the source.
func TestAdoptLostCheckpointUnderFaults(t *testing.T) { forModes(t, testAdoptUnderFaults) }

func testAdoptUnderFaults(t *testing.T, mode whmcstest.Options) {
	faults := whmcstest.Faults{Seed: 9, DropRate: 0.1, ThrottleRate: 0.05, FailRate: 0.05}
	e := newEnvMode(t, mode, faults)
	tickets := genTickets(60, 17)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for e.srv.WriteCalls() < 90 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	if _, err := e.run(t, ctx, sourcetest.NewMemory(tickets), 8, policytest.Options{}); err == nil {
		t.Fatal("the first run was not interrupted")
	}
	e.newCheckpoint(t)
	var rep *report.Import
	var err error
	adopted := 0
	for range 6 { // failed tickets are retried by the next run
		if rep, err = e.run(t, context.Background(), sourcetest.NewMemory(tickets), 8, policytest.Options{}); err != nil {
			t.Fatal(err)
		}
		adopted += rep.Tickets.Adopted
		if rep.Tickets.Failed == 0 {
			break
		}
	}
	if rep.Tickets.Failed != 0 {
		t.Fatalf("failures remain: %+v", rep.Failures)
	}
	if adopted == 0 {
		t.Fatal("nothing adopted: the interrupted run left nothing in WHMCS?")
	}
	e.srv.SetFaults(whmcstest.Faults{})
	checkExact(t, e, tickets)
}

// The index keeps 32 bytes a WHMCS ticket, no text: 32 MB at a million.
func TestAdoptIndexIsCompact(t *testing.T) {
	if n := unsafe.Sizeof(indexed{}); n != 32 {
		t.Fatalf("an indexed ticket is %d bytes, want 32", n)
	}
}

// The adopt pass reads the source twice: identical twins that one WHMCS
// ticket matches are both ambiguous, and neither is recorded.
func TestAdoptPassTwinsBothAmbiguous(t *testing.T) {
	e := newEnvMode(t, realistic, whmcstest.Faults{})
	ctx := context.Background()
	tickets := genTickets(5, 18)
	if _, err := e.run(t, ctx, sourcetest.NewMemory(tickets), 2, policytest.Options{}); err != nil {
		t.Fatal(err)
	}
	w, _ := e.store.Ticket(ctx, tickets[2].ID)
	e.newCheckpoint(t)
	src := append(clone(tickets), twin(tickets[2], "Z-TWIN"))
	h, err := whmcs.NewHTTP(whmcs.Options{URL: e.srv.APIURL(), Identifier: e.srv.Identifier, Secret: e.srv.Secret, Location: chicago})
	if err != nil {
		t.Fatal(err)
	}
	client := whmcs.NewClient(policytest.Wrap(whmcs.ReadOnly(h), policytest.Options{}), chicago)
	planner, err := mapping.NewPlanner(mapping.Options{Config: testConfig(), Clients: mapping.NewClientResolver(client)})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Adopt(ctx, AdoptConfig{Source: sourcetest.NewMemory(src), Client: client, Planner: planner, Store: e.store, Apply: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Found != 4 || rep.Ambiguous != 2 || rep.NotFound != 0 {
		t.Fatalf("adopt = %+v", rep)
	}
	for _, it := range rep.Items {
		if it.Outcome == "ambiguous" && (it.Ticket != tickets[2].ID && it.Ticket != "Z-TWIN" || !slices.Equal(it.WHMCS, []int64{w.WHMCSID})) {
			t.Errorf("ambiguous item %+v, want the twins naming WHMCS ticket %d", it, w.WHMCSID)
		}
	}
	for _, id := range []string{tickets[2].ID, "Z-TWIN"} {
		if st, _ := e.store.Ticket(ctx, id); st != nil && st.WHMCSID != 0 {
			t.Errorf("twin %s was adopted as WHMCS ticket %d", id, st.WHMCSID)
		}
	}
}
