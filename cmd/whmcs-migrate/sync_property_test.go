package main

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// Incremental sync equals a fresh import: over random evolutions of a
// source (new tickets, new entries, status changes, a status cleared to
// "leave what WHMCS arrives at"), WHMCS after syncing each version holds
// exactly what a fresh import of that version gives, ticket by ticket.
// Both go through the real importer, over HTTP, into the sandbox.
func TestSyncEqualsFreshImport(t *testing.T) {
	seeds := 8
	if testing.Short() {
		seeds = 2
	}
	for seed := range seeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { testSyncEqualsFresh(t, uint64(seed)) })
	}
}

func testSyncEqualsFresh(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 12))
	clock := time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
	tick := func() string {
		clock = clock.Add(time.Duration(1+rng.IntN(90)) * time.Minute)
		return clock.Format(time.DateTime)
	}
	statuses := []string{"", "", "resolved", "Open", "Answered", "Customer-Reply", "On Hold"}
	people := []struct{ name, email string }{
		{"Cynthia Reilly", "cynthia@example.com"}, {"Bob Martin", "bob@example.org"}, {"Gina Guest", "guest@nowhere.example"},
	}
	src := &syncSource{withIDs: true}
	nmsg := 0
	addMsg := func(tk *syncTicket) {
		nmsg++
		m := syncMsg{Ticket: tk.ID, ID: fmt.Sprintf("m%d", nmsg), Type: "reply", Author: "customer", Name: tk.Name, Email: tk.Email,
			Created: tick(), Body: fmt.Sprintf("message %d", nmsg)}
		switch rng.IntN(4) {
		case 0:
			m.Type, m.Author, m.Name, m.Email = "note", "staff", "Jane Staff", "jane@old.example"
		case 1:
			m.Author, m.Name, m.Email = "staff", "Jane Staff", "jane@old.example"
		}
		src.msgs = append(src.msgs, m)
		tk.Updated = m.Created
	}
	addTicket := func() {
		p := people[rng.IntN(len(people))]
		id := fmt.Sprintf("T%d", len(src.tickets)+1)
		src.tickets = append(src.tickets, syncTicket{ID: id, Subject: "Subject " + id, Dept: "Sales",
			Status: statuses[rng.IntN(len(statuses))], Email: p.email, Name: p.name})
		tk := &src.tickets[len(src.tickets)-1]
		nmsg++
		m := syncMsg{Ticket: id, ID: fmt.Sprintf("m%d", nmsg), Type: "reply", Author: "customer", Name: p.name, Email: p.email,
			Created: tick(), Body: fmt.Sprintf("message %d", nmsg)}
		src.msgs = append(src.msgs, m)
		tk.Created, tk.Updated = m.Created, m.Created
		for range rng.IntN(3) {
			addMsg(tk)
		}
	}
	for range 3 {
		addTicket()
	}

	sync := newSyncEnv(t)
	what := "the first import"
	for step := range 5 {
		src.write(t, sync.dir)
		if code, out, errb := sync.run(t); code != exitOK {
			t.Fatalf("step %d (%s): sync exit %d\n%s%s", step, what, code, out, errb)
		}
		fresh := newSyncEnv(t)
		src.write(t, fresh.dir)
		if code, out, errb := fresh.run(t); code != exitOK {
			t.Fatalf("step %d: fresh import exit %d\n%s%s", step, code, out, errb)
		}
		got, want := sync.renderAll(t), fresh.renderAll(t)
		for _, tk := range src.tickets {
			if got[tk.ID] != want[tk.ID] {
				t.Errorf("step %d (%s): ticket %s (source status %q) after sync:\n%s\nafter a fresh import:\n%s",
					step, what, tk.ID, tk.Status, got[tk.ID], want[tk.ID])
			}
		}
		if len(got) != len(want) || len(got) != len(src.tickets) {
			t.Errorf("step %d: %d tickets after sync, %d after a fresh import, %d in the source", step, len(got), len(want), len(src.tickets))
		}
		if t.Failed() {
			return
		}

		// Evolve the source: one to three changes.
		what = ""
		for range 1 + rng.IntN(3) {
			switch k := rng.IntN(5); {
			case k == 0:
				addTicket()
				what += "new ticket; "
			case k <= 2:
				tk := &src.tickets[rng.IntN(len(src.tickets))]
				addMsg(tk)
				what += "new entry on " + tk.ID + "; "
			case k == 3:
				tk := &src.tickets[rng.IntN(len(src.tickets))]
				tk.Status = statuses[2+rng.IntN(len(statuses)-2)]
				tk.Updated = tick()
				what += "status of " + tk.ID + " set; "
			default:
				tk := &src.tickets[rng.IntN(len(src.tickets))]
				tk.Status = ""
				tk.Updated = tick()
				what += "status of " + tk.ID + " cleared; "
			}
		}
	}
}

// renderAll renders every WHMCS ticket by its source id.
func (e *syncEnv) renderAll(t *testing.T) map[string]string {
	t.Helper()
	ids := e.whmcsIDs(t)
	byID := map[int64]string{}
	for _, tk := range e.srv.State().Tickets {
		byID[tk.ID] = renderWHMCS(tk)
	}
	out := map[string]string{}
	for src, id := range ids {
		out[src] = byID[id]
	}
	return out
}
