package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// Cut-over: people work in WHMCS while the old helpdesk is still in use.
// Over random WHMCS-side actions (customer and admin replies, notes,
// status, department and priority changes, deletes) interleaved with
// random evolutions of a CSV source (new replies and notes, status and
// priority changes, new tickets), each synced by the real command, after
// every sync:
//   - every WHMCS-side change is intact: its replies and notes are there
//     once; a status or priority set in WHMCS is still WHMCS's (the
//     values people set here are ones the source never wants, so the
//     sides never agree); a ticket a customer replied in last is not
//     closed nor answered over that reply; a deleted ticket is not
//     created again;
//   - each conflict is reported exactly once across runs: every open
//     conflict was reported, and none is reported again while open;
//   - every source message is in WHMCS exactly once (but in deleted
//     tickets);
//   - the next run writes nothing and reports nothing; every run exits 0.
func TestCutoverProperty(t *testing.T) {
	seeds := 10
	if testing.Short() {
		seeds = 2
	}
	for seed := range seeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { testCutover(t, uint64(seed)) })
	}
}

// whmcsSide is what people did to one WHMCS ticket.
type whmcsSide struct {
	bodies   []string // replies and notes made in WHMCS
	status   string   // the status last set explicitly in WHMCS, "" when none
	custLast bool     // the last status-changing act in WHMCS was a customer's reply
	priority string   // the priority last set in WHMCS
	deleted  bool
}

func testCutover(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 20))
	clock := time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
	tick := func() string {
		clock = clock.Add(time.Duration(1+rng.IntN(90)) * time.Minute)
		return clock.Format(time.DateTime)
	}
	// The source's statuses and priorities; WHMCS's side uses others.
	srcStatuses := []string{"", "resolved", "Open", "Answered", "Customer-Reply"}
	srcPriorities := []string{"", "Low", "Medium"}
	people := []struct{ name, email string }{
		{"Cynthia Reilly", "cynthia@example.com"}, {"Bob Martin", "bob@example.org"}, {"Gina Guest", "guest@nowhere.example"},
	}
	src := &syncSource{withIDs: true}
	nmsg := 0
	addMsg := func(tk *syncTicket) {
		nmsg++
		m := syncMsg{Ticket: tk.ID, ID: fmt.Sprintf("m%d", nmsg), Type: "reply", Author: "customer", Name: tk.Name, Email: tk.Email,
			Created: tick(), Body: fmt.Sprintf("source message %d: <b> & \"q\" it's 🚀.", nmsg)}
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
			Status: srcStatuses[rng.IntN(len(srcStatuses))], Priority: srcPriorities[rng.IntN(len(srcPriorities))], Email: p.email, Name: p.name})
		tk := &src.tickets[len(src.tickets)-1]
		nmsg++
		src.msgs = append(src.msgs, syncMsg{Ticket: id, ID: fmt.Sprintf("m%d", nmsg), Type: "reply", Author: "customer", Name: p.name, Email: p.email,
			Created: tick(), Body: fmt.Sprintf("source message %d: <b> & \"q\" it's 🚀.", nmsg)})
		tk.Created, tk.Updated = src.msgs[len(src.msgs)-1].Created, src.msgs[len(src.msgs)-1].Created
		for range rng.IntN(3) {
			addMsg(tk)
		}
	}
	for range 5 {
		addTicket()
	}

	// WHMCS stores text as real installs do (sanitised, 3-byte): the
	// replies the import wrote must be told from those people wrote.
	env := newSyncEnvWith(t, whmcstest.Options{Sanitize: true, ThreeByte: true})
	side := map[string]*whmcsSide{}
	reported := map[string]bool{} // ticket|field|whmcs|source of every conflict reported
	nact, deletes := 0, 0
	what := "the first import"
	defer func() {
		t.Logf("%d WHMCS acts, %d conflicts reported, %d tickets deleted in WHMCS", nact, len(reported), deletes)
	}()
	for step := range 8 {
		src.write(t, env.dir)
		openBefore := cutoverOpen(t, env)
		rep := cutoverRun(t, env, step, what)
		for _, c := range rep.Conflicts {
			k := conflictKey(c.Ticket, c.Field, c.WHMCS, c.Source)
			if openBefore[k] {
				t.Errorf("step %d: conflict %s reported again while open", step, k)
			}
			if c.Kept != "whmcs" {
				t.Errorf("step %d: conflict %+v not kept by WHMCS", step, c)
			}
			if side[c.Ticket] == nil {
				t.Errorf("step %d: conflict %+v on a ticket nobody touched in WHMCS", step, c)
			}
			reported[k] = true
		}
		for k := range cutoverOpen(t, env) {
			if !reported[k] {
				t.Errorf("step %d: open conflict %s was never reported", step, k)
			}
		}
		checkCutover(t, env, src, side, step)

		// The next run writes nothing and reports nothing.
		writes := env.srv.WriteCalls()
		again := cutoverRun(t, env, step, "the run after "+what)
		deletes += rep.Tickets.DeletedInWHMCS
		if env.srv.WriteCalls() != writes || len(again.Conflicts) != 0 || len(again.DeletedInWHMCS) != 0 {
			t.Errorf("step %d: the next run wrote %d times, reported %+v and %+v", step, env.srv.WriteCalls()-writes, again.Conflicts, again.DeletedInWHMCS)
		}
		if t.Failed() {
			return
		}

		// People act in WHMCS: one to three acts.
		ids := cutoverIDs(t, env)
		what = ""
		for range 1 + rng.IntN(3) {
			tk := src.tickets[rng.IntN(len(src.tickets))]
			wid, ok := ids[tk.ID]
			s := side[tk.ID]
			if s == nil {
				s = &whmcsSide{}
				side[tk.ID] = s
			}
			if !ok || s.deleted {
				continue
			}
			nact++
			body := fmt.Sprintf("WHMCS act %d.", nact) // plain: found as stored
			ch := whmcstest.Change{TicketID: wid}
			switch k := rng.IntN(12); {
			case k < 3:
				ch.Action, ch.Message = whmcstest.ChangeCustomerReply, body
				s.bodies, s.status, s.custLast = append(s.bodies, body), "", true
			case k < 5:
				ch.Action, ch.Message = whmcstest.ChangeAdminReply, body
				s.bodies, s.status, s.custLast = append(s.bodies, body), "", false
			case k < 6:
				ch.Action, ch.Message = whmcstest.ChangeNote, body
				s.bodies = append(s.bodies, body)
			case k < 8:
				ch.Action, ch.Status = whmcstest.ChangeStatus, []string{"On Hold", "In Progress"}[rng.IntN(2)]
				s.status, s.custLast = ch.Status, false
			case k < 9:
				ch.Action, ch.Priority = whmcstest.ChangePriority, "High"
				s.priority = "High"
			case k < 11:
				ch.Action, ch.DeptID = whmcstest.ChangeDepartment, 2+int64(rng.IntN(2))
			default:
				ch.Action = whmcstest.ChangeDelete
				s.deleted = true
			}
			if err := env.srv.Apply(ch); err != nil {
				t.Fatal(err)
			}
			what += fmt.Sprintf("WHMCS %s on %s; ", ch.Action, tk.ID)
		}
		// The source evolves: one to three changes.
		for range 1 + rng.IntN(3) {
			switch k := rng.IntN(6); {
			case k == 0:
				addTicket()
				what += "new source ticket; "
			case k <= 2:
				tk := &src.tickets[rng.IntN(len(src.tickets))]
				addMsg(tk)
				what += "new source entry on " + tk.ID + "; "
			case k <= 4:
				tk := &src.tickets[rng.IntN(len(src.tickets))]
				tk.Status = srcStatuses[1+rng.IntN(len(srcStatuses)-1)]
				tk.Updated = tick()
				what += "source status of " + tk.ID + " set to " + tk.Status + "; "
			default:
				tk := &src.tickets[rng.IntN(len(src.tickets))]
				tk.Priority = srcPriorities[1+rng.IntN(len(srcPriorities)-1)]
				tk.Updated = tick()
				what += "source priority of " + tk.ID + " set; "
			}
		}
	}
}

func conflictKey(ticket, field, whmcs, source string) string {
	return ticket + "|" + field + "|" + whmcs + "|" + source
}

// cutoverRun runs a sync with a report and returns the report; the run
// must exit 0.
func cutoverRun(t *testing.T, env *syncEnv, step int, what string) *report.Import {
	t.Helper()
	path := filepath.Join(env.work, "report.json")
	code, out, errb := env.run(t, "--report", path)
	if code != exitOK {
		t.Fatalf("step %d (%s): exit %d\n%s%s", step, what, code, out, errb)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep report.Import
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	return &rep
}

func cutoverStore(t *testing.T, env *syncEnv) *checkpoints.Store {
	t.Helper()
	st, err := checkpoints.Open(filepath.Join(env.work, "migration.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// cutoverOpen is the checkpoint's open conflicts, by conflictKey.
func cutoverOpen(t *testing.T, env *syncEnv) map[string]bool {
	t.Helper()
	st := cutoverStore(t, env)
	defer st.Close()
	open, err := st.OpenConflicts(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, c := range open {
		out[conflictKey(c.SourceID, c.Field, c.WHMCS, c.Source)] = true
	}
	return out
}

// cutoverIDs maps source ticket ids to WHMCS ids, deleted ones included.
func cutoverIDs(t *testing.T, env *syncEnv) map[string]int64 {
	t.Helper()
	st := cutoverStore(t, env)
	defer st.Close()
	ts, err := st.Tickets(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, tk := range ts {
		out[tk.SourceID] = tk.WHMCSID
	}
	return out
}

func checkCutover(t *testing.T, env *syncEnv, src *syncSource, side map[string]*whmcsSide, step int) {
	t.Helper()
	ids := cutoverIDs(t, env)
	state := env.srv.State()
	byID := map[int64]whmcstest.TicketState{}
	for _, tk := range state.Tickets {
		byID[tk.ID] = tk
	}
	count := func(tk whmcstest.TicketState, body string) int {
		n := strings.Count(tk.Message, body)
		for _, r := range tk.Replies {
			n += strings.Count(r.Message, body)
		}
		for _, nt := range tk.Notes {
			n += strings.Count(nt.Message, body)
		}
		return n
	}
	everywhere := func(body string) int {
		n := 0
		for _, tk := range state.Tickets {
			n += count(tk, body)
		}
		return n
	}
	for _, stk := range src.tickets {
		s := side[stk.ID]
		if s == nil {
			s = &whmcsSide{}
		}
		var msgs []string // each message's marker, "source message N:", which every stored form keeps
		for _, m := range src.msgs {
			if m.Ticket == stk.ID {
				msgs = append(msgs, m.Body[:strings.Index(m.Body, ":")+1])
			}
		}
		if s.deleted {
			// Not created again: none of its messages is anywhere.
			for _, b := range msgs {
				if n := everywhere(b); n != 0 {
					t.Errorf("step %d: ticket %s deleted in WHMCS, but %q is in WHMCS %d times", step, stk.ID, b, n)
				}
			}
			continue
		}
		tk, ok := byID[ids[stk.ID]]
		if !ok {
			t.Errorf("step %d: source ticket %s is not in WHMCS (id %d)", step, stk.ID, ids[stk.ID])
			continue
		}
		for _, b := range msgs {
			if n, all := count(tk, b), everywhere(b); n != 1 || all != 1 {
				t.Errorf("step %d: ticket %s: source message %q is in its WHMCS ticket %d times, in WHMCS %d times", step, stk.ID, b, n, all)
			}
		}
		for _, b := range s.bodies {
			if n := count(tk, b); n != 1 {
				t.Errorf("step %d: ticket %s: %q made in WHMCS is there %d times", step, stk.ID, b, n)
			}
		}
		switch {
		case s.status != "" && tk.Status != s.status:
			t.Errorf("step %d: ticket %s: status set to %q in WHMCS, now %q", step, stk.ID, s.status, tk.Status)
		case s.custLast && (tk.Status == "Closed" || tk.Status == "Answered"):
			t.Errorf("step %d: ticket %s: a customer replied in WHMCS, and the sync set %q over it", step, stk.ID, tk.Status)
		}
		if s.priority != "" && tk.Priority != s.priority {
			t.Errorf("step %d: ticket %s: priority set to %q in WHMCS, now %q", step, stk.ID, s.priority, tk.Priority)
		}
	}
}
