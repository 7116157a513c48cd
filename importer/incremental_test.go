package importer

import (
	"context"
	"iter"
	"sync/atomic"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/internal/policytest"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/sources/sourcetest"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// countingSource counts the threads a pass reads.
type countingSource struct {
	*sourcetest.Memory
	threads atomic.Int64
}

func (c *countingSource) Tickets(ctx context.Context, o sources.ReadOptions) iter.Seq2[*sources.Ticket, error] {
	inner := c.Memory.Tickets(ctx, o)
	return func(yield func(*sources.Ticket, error) bool) {
		for t, err := range inner {
			if err == nil && !t.ThreadSkipped {
				c.threads.Add(1)
			}
			if !yield(t, err) {
				return
			}
		}
	}
}

func clone(ts []*sources.Ticket) []*sources.Ticket {
	out := make([]*sources.Ticket, len(ts))
	for i, t := range ts {
		c := *t
		c.Entries = append([]sources.Entry(nil), t.Entries...)
		out[i] = &c
	}
	return out
}

func TestIncrementalSync(t *testing.T) {
	e := newEnv(t, whmcstest.Faults{})
	ctx := context.Background()
	tickets := genTickets(20, 5)
	for _, tk := range tickets {
		tk.Updated = tk.Entries[len(tk.Entries)-1].Created
	}
	src := &countingSource{Memory: sourcetest.NewMemory(tickets)}
	if rep, err := e.run(t, ctx, src, 4, policytest.Options{}); err != nil || rep.Tickets.Imported != 20 {
		t.Fatalf("first run: %+v, %v", rep, err)
	}

	// A second run over an unchanged source reads no thread and writes
	// nothing.
	src.threads.Store(0)
	before := e.srv.WriteCalls()
	rep, err := e.run(t, ctx, src, 4, policytest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Tickets.Unchanged != 20 || e.srv.WriteCalls() != before || src.threads.Load() != 0 {
		t.Fatalf("no-op run: %+v, writes %d, threads read %d", rep.Tickets, e.srv.WriteCalls()-before, src.threads.Load())
	}

	// Change the source.
	now := time.Now().Add(-time.Minute)
	changed := clone(tickets)
	// A new ticket.
	nt := genTickets(21, 5)[20]
	nt.ID, nt.Updated = "NEW1", nt.Entries[len(nt.Entries)-1].Created
	changed = append(changed, nt)
	// New replies and a new note on ticket 3.
	t3 := changed[3]
	last := t3.Entries[len(t3.Entries)-1].Created
	t3.Entries = append(t3.Entries,
		sources.Entry{ID: "r100", Kind: sources.CustomerReply, Author: t3.Requester, Body: "Any news?", Created: last.Add(time.Hour)},
		sources.Entry{ID: "n100", Kind: sources.Note, Author: sources.Person{Name: "Jane Staff", Email: "jane@old.example"}, Body: "Checking logs", Created: last.Add(2 * time.Hour)},
		sources.Entry{ID: "r101", Kind: sources.StaffReply, Author: sources.Person{Name: "Jane Staff", Email: "jane@old.example"}, Body: "Fixed now.", Created: last.Add(3 * time.Hour)})
	t3.Status, t3.Updated = "resolved", now
	// A status change only, on ticket 5.
	t5 := changed[5]
	t5.Status, t5.Updated = "On Hold", now
	if tickets[5].Status == "On Hold" {
		t5.Status = "In Progress"
	}
	// An edited entry on ticket 7 (drift: WHMCS cannot edit it through
	// these calls).
	t7 := changed[7]
	t7.Entries[0].Body += " (edited)"
	t7.Updated = now

	callsBefore := e.srv.Calls()
	src = &countingSource{Memory: sourcetest.NewMemory(changed)}
	rep, err = e.run(t, ctx, src, 4, policytest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Tickets.Imported != 1 || rep.Tickets.Updated != 2 || rep.Tickets.Failed != 0 || rep.Tickets.Total != 21 {
		t.Fatalf("sync run tickets = %+v, failures %+v", rep.Tickets, rep.Failures)
	}
	if src.threads.Load() != 4 {
		t.Fatalf("sync run read %d threads, want 4 (the changed and new tickets)", src.threads.Load())
	}
	calls := e.srv.Calls()
	delta := func(a string) int { return calls[a] - callsBefore[a] }
	if delta("OpenTicket") != 1 {
		t.Errorf("OpenTicket calls = %d, want 1", delta("OpenTicket"))
	}
	newReplies, newNotes := 0, 0
	for _, en := range nt.Entries[1:] {
		if en.Kind == sources.Note {
			newNotes++
		} else {
			newReplies++
		}
	}
	if got, want := delta("AddTicketReply"), newReplies+2; got != want {
		t.Errorf("AddTicketReply calls = %d, want %d", got, want)
	}
	if got, want := delta("AddTicketNote"), newNotes+1; got != want {
		t.Errorf("AddTicketNote calls = %d, want %d", got, want)
	}
	// Ticket 3's "resolved" is folded into its last reply, ticket 5 needs
	// one UpdateTicket; the new ticket may need one.
	if got := delta("UpdateTicket"); got < 1 || got > 2 {
		t.Errorf("UpdateTicket calls = %d, want 1 or 2", got)
	}
	drift := 0
	for _, d := range rep.Drift {
		if d.Ticket == t7.ID && d.Code == "drift_edited" {
			drift++
		}
	}
	if drift != 1 {
		t.Errorf("drift = %+v, want one drift_edited on %s", rep.Drift, t7.ID)
	}
	// The edited entry stays as imported: compare against the source as
	// it was for that ticket.
	expect := clone(changed)
	expect[7] = tickets[7]
	checkExact(t, e, expect)

	// A third run makes zero write calls.
	before = e.srv.WriteCalls()
	rep, err = e.run(t, ctx, sourcetest.NewMemory(changed), 4, policytest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if w := e.srv.WriteCalls() - before; w != 0 {
		t.Fatalf("third run made %d write calls (%+v)", w, rep.Tickets)
	}
}
