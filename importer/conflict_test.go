package importer_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/importer"
	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/internal/importtest"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/sources/sourcetest"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// cutover is a migration in cut-over: a source that keeps changing and a
// WHMCS in which people work, synced by the real importer.
type cutover struct {
	e       *importtest.Env
	tickets []*sources.Ticket
	oc      importer.OnConflict
}

func newCutover(t *testing.T, mode whmcstest.Options, n int) *cutover {
	t.Helper()
	c := &cutover{e: importtest.NewWith(t, mode), tickets: importtest.Tickets(n)}
	rep := c.sync(t)
	if rep.Tickets.Imported != n {
		t.Fatalf("first run imported %d of %d: %+v", rep.Tickets.Imported, n, rep.Failures)
	}
	return c
}

// sync runs the importer over the source as it is now.
func (c *cutover) sync(t *testing.T, only ...string) *report.Import {
	t.Helper()
	return c.syncWith(t, importer.Config{Only: only})
}

func (c *cutover) syncWith(t *testing.T, o importer.Config) *report.Import {
	t.Helper()
	o.Source, o.Client, o.Planner, o.Store, o.Concurrency = sourcetest.NewMemory(cloneTickets(c.tickets)), c.e.Client, c.e.Planner, c.e.Store, 4
	if o.OnConflict == "" {
		o.OnConflict = c.oc
	}
	rep, err := importer.Import(context.Background(), o)
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	if rep.Tickets.Failed != 0 {
		t.Fatalf("sync: %d failed: %+v", rep.Tickets.Failed, rep.Failures)
	}
	return rep
}

func cloneTickets(ts []*sources.Ticket) []*sources.Ticket {
	out := make([]*sources.Ticket, len(ts))
	for i, t := range ts {
		c := *t
		c.Entries = append([]sources.Entry(nil), t.Entries...)
		out[i] = &c
	}
	return out
}

// ticket returns the source ticket id.
func (c *cutover) ticket(t *testing.T, id string) *sources.Ticket {
	t.Helper()
	for _, tk := range c.tickets {
		if tk.ID == id {
			return tk
		}
	}
	t.Fatalf("no source ticket %s", id)
	return nil
}

// reply adds a reply (staff or customer) to source ticket id, after its
// last entry.
func (c *cutover) reply(t *testing.T, id string, kind sources.EntryKind, body string) {
	t.Helper()
	tk := c.ticket(t, id)
	last := tk.Entries[len(tk.Entries)-1].Created
	for _, e := range tk.Entries {
		if e.Created.After(last) {
			last = e.Created
		}
	}
	author := tk.Requester
	if kind == sources.StaffReply {
		author = sources.Person{Name: "Jane Staff", Email: "jane@old.example"}
	}
	tk.Entries = append(tk.Entries, sources.Entry{ID: fmt.Sprintf("n%d", len(tk.Entries)+1), Kind: kind, Author: author,
		Created: last.Add(time.Hour), Body: body})
}

func (c *cutover) whmcs(t *testing.T, id string) whmcstest.TicketState {
	t.Helper()
	wid := c.e.WHMCSID(t, id)
	for _, tk := range c.e.Srv.State().Tickets {
		if tk.ID == wid {
			return tk
		}
	}
	t.Fatalf("WHMCS has no ticket %d (source %s)", wid, id)
	return whmcstest.TicketState{}
}

func (c *cutover) change(t *testing.T, ch whmcstest.Change) {
	t.Helper()
	if err := c.e.Srv.Apply(ch); err != nil {
		t.Fatal(err)
	}
}

func countBody(ts whmcstest.TicketState, body string) int {
	n := 0
	for _, r := range ts.Replies {
		if strings.Contains(r.Message, body) {
			n++
		}
	}
	return n
}

func oneConflict(t *testing.T, rep *report.Import, want report.Conflict) {
	t.Helper()
	if len(rep.Conflicts) != 1 || rep.Tickets.Conflicts != 1 {
		t.Fatalf("conflicts reported: %+v (count %d), want %+v", rep.Conflicts, rep.Tickets.Conflicts, want)
	}
	got := rep.Conflicts[0]
	got.Reason = ""
	if got != want {
		t.Fatalf("conflict %+v, want %+v", rep.Conflicts[0], want)
	}
}

// An admin sets a ticket On Hold in WHMCS; the source then closes it with
// a staff reply. The reply is added once, the ticket stays On Hold, the
// conflict is reported once, and is listed open until the sides agree.
func TestConflictStatusChangedInWHMCS(t *testing.T) {
	importtest.ForModes(t, func(t *testing.T, mode whmcstest.Options) {
		c := newCutover(t, mode, 4)
		const id = "V001" // ends Answered (status "" + staff reply last)
		wid := c.e.WHMCSID(t, id)
		c.change(t, whmcstest.Change{Action: whmcstest.ChangeStatus, TicketID: wid, Status: "On Hold"})
		c.reply(t, id, sources.StaffReply, "Closing this now.")
		c.ticket(t, id).Status = "resolved"

		calls := c.e.Srv.Calls()["GetTicket"]
		rep := c.sync(t)
		oneConflict(t, rep, report.Conflict{Ticket: id, WHMCSID: wid, Field: "status", WHMCS: "On Hold", Source: "Closed", Kept: "whmcs"})
		if got := rep.Conflicts[0].Reason; !strings.Contains(got, "changed in WHMCS") {
			t.Errorf("reason %q", got)
		}
		if rep.ConflictReads != 1 {
			t.Errorf("conflict reads %d, want 1 (one ticket changed)", rep.ConflictReads)
		}
		if got := c.e.Srv.Calls()["GetTicket"] - calls; got > 2 { // the guard's read, and the canary's read-back
			t.Errorf("GetTicket %d times for one changed ticket", got)
		}
		w := c.whmcs(t, id)
		if w.Status != "On Hold" || countBody(w, "Closing this now.") != 1 {
			t.Fatalf("WHMCS ticket: status %q, new reply %d times", w.Status, countBody(w, "Closing this now."))
		}
		open, err := c.e.Store.OpenConflicts(context.Background(), "")
		if err != nil || len(open) != 1 || open[0].WHMCS != "On Hold" || open[0].Source != "Closed" {
			t.Fatalf("open conflicts %+v, %v", open, err)
		}

		// Nothing more to do: no write, no read, no report.
		writes, calls := c.e.Srv.WriteCalls(), c.e.Srv.Calls()["GetTicket"]
		rep = c.sync(t)
		if len(rep.Conflicts) != 0 || c.e.Srv.WriteCalls() != writes || c.e.Srv.Calls()["GetTicket"] != calls {
			t.Fatalf("second sync: conflicts %+v, %d writes, %d reads", rep.Conflicts, c.e.Srv.WriteCalls()-writes, c.e.Srv.Calls()["GetTicket"]-calls)
		}

		// A new source reply with the same values: added, WHMCS's status
		// kept, the conflict not reported again.
		c.reply(t, id, sources.StaffReply, "One more thing.")
		rep = c.sync(t)
		w = c.whmcs(t, id)
		if len(rep.Conflicts) != 0 || w.Status != "On Hold" || countBody(w, "One more thing.") != 1 {
			t.Fatalf("third sync: conflicts %+v, status %q, reply %d times", rep.Conflicts, w.Status, countBody(w, "One more thing."))
		}

		// The admin closes it in WHMCS: the sides agree, and the next time
		// the ticket is synced its conflict closes.
		c.change(t, whmcstest.Change{Action: whmcstest.ChangeStatus, TicketID: wid, Status: "Closed"})
		c.reply(t, id, sources.StaffReply, "Closed on both sides.")
		rep = c.sync(t)
		if open, _ := c.e.Store.OpenConflicts(context.Background(), ""); len(open) != 0 || len(rep.Conflicts) != 0 {
			t.Fatalf("after agreeing: open %+v, reported %+v", open, rep.Conflicts)
		}
		if w := c.whmcs(t, id); w.Status != "Closed" {
			t.Fatalf("status %q", w.Status)
		}
	})
}

// A customer replies in WHMCS (through the sandbox's HTTP endpoint, as
// during a run of the real binary); the old helpdesk then closes the
// ticket. Closing it would bury the customer's reply: a conflict.
func TestConflictCustomerRepliedInWHMCS(t *testing.T) {
	c := newCutover(t, importtest.Realistic, 4)
	const id = "V003" // ends Answered: its status maps to Answered, the customer's reply changes it
	wid := c.e.WHMCSID(t, id)
	before := c.whmcs(t, id)
	// A customer's reply in the client area, driven over HTTP.
	res, err := http.PostForm(c.e.Srv.URL+"/_sandbox/change", url.Values{"action": {"customer-reply"}, "ticketid": {fmt.Sprint(wid)}, "message": {"Still broken, see <attached> & more"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("POST /_sandbox/change: %s", res.Status)
	}
	after := c.whmcs(t, id)
	if after.Status != "Customer-Reply" || len(after.Replies) != len(before.Replies)+1 {
		t.Fatalf("customer reply: status %q, %d replies (was %d)", after.Status, len(after.Replies), len(before.Replies))
	}
	if d := time.Since(after.Replies[len(after.Replies)-1].Date); d < 0 || d > time.Minute {
		t.Fatalf("customer reply dated %v, not now", after.Replies[len(after.Replies)-1].Date)
	}

	// The old helpdesk closes it (no reply).
	c.ticket(t, id).Status = "resolved"
	rep := c.sync(t)
	oneConflict(t, rep, report.Conflict{Ticket: id, WHMCSID: wid, Field: "status", WHMCS: "Customer-Reply", Source: "Closed", Kept: "whmcs"})
	if w := c.whmcs(t, id); w.Status != "Customer-Reply" {
		t.Fatalf("status %q: the customer's reply was buried", w.Status)
	}
	writes := c.e.Srv.WriteCalls()
	if rep := c.sync(t); len(rep.Conflicts) != 0 || c.e.Srv.WriteCalls() != writes {
		t.Fatalf("next sync: %+v, %d writes", rep.Conflicts, c.e.Srv.WriteCalls()-writes)
	}
}

// An admin note in WHMCS leaves the status as it was, but a status that
// answers the ticket over it is still a conflict ("replied in WHMCS").
func TestConflictNoteInWHMCS(t *testing.T) {
	c := newCutover(t, importtest.Literal, 4)
	const id = "V002" // ends On Hold ("pending")
	wid := c.e.WHMCSID(t, id)
	c.change(t, whmcstest.Change{Action: whmcstest.ChangeNote, TicketID: wid, Message: "Called the customer, waiting on them."})
	c.ticket(t, id).Status = "Answered"
	rep := c.sync(t)
	oneConflict(t, rep, report.Conflict{Ticket: id, WHMCSID: wid, Field: "status", WHMCS: "On Hold", Source: "Answered", Kept: "whmcs"})
	if !strings.Contains(rep.Conflicts[0].Reason, "replied in WHMCS (1 reply or note") {
		t.Errorf("reason %q", rep.Conflicts[0].Reason)
	}
	if w := c.whmcs(t, id); w.Status != "On Hold" {
		t.Fatalf("status %q", w.Status)
	}
}

// A status change with no change in WHMCS is no conflict: it is written.
func TestNoConflictWithoutChangeInWHMCS(t *testing.T) {
	c := newCutover(t, importtest.Literal, 4)
	const id = "V002"
	c.ticket(t, id).Status = "resolved"
	c.reply(t, id, sources.CustomerReply, "Thanks, all good.")
	rep := c.sync(t)
	if len(rep.Conflicts) != 0 || rep.Tickets.Updated != 1 {
		t.Fatalf("%+v %+v", rep.Tickets, rep.Conflicts)
	}
	if w := c.whmcs(t, id); w.Status != "Closed" || countBody(w, "Thanks, all good.") != 1 {
		t.Fatalf("status %q", w.Status)
	}
}

// Priority and department changed in WHMCS and at the source: WHMCS's
// kept, both reported; with on_conflict: source the source's is written,
// still reported, and nothing stays open.
func TestConflictPriorityAndOnConflictSource(t *testing.T) {
	for _, oc := range []importer.OnConflict{importer.KeepWHMCS, importer.KeepSource} {
		t.Run(string(oc), func(t *testing.T) {
			c := newCutover(t, importtest.Literal, 4)
			c.oc = oc
			const id = "V001" // priority urgent: High
			wid := c.e.WHMCSID(t, id)
			c.change(t, whmcstest.Change{Action: whmcstest.ChangePriority, TicketID: wid, Priority: "Medium"})
			c.ticket(t, id).Priority = "low"
			rep := c.sync(t)
			oneConflict(t, rep, report.Conflict{Ticket: id, WHMCSID: wid, Field: "priority", WHMCS: "Medium", Source: "Low", Kept: string(oc)})
			want := "Medium"
			if oc == importer.KeepSource {
				want = "Low"
			}
			if w := c.whmcs(t, id); w.Priority != want {
				t.Fatalf("priority %q, want %q", w.Priority, want)
			}
			open, err := c.e.Store.OpenConflicts(context.Background(), id)
			if err != nil || (oc == importer.KeepSource) != (len(open) == 0) {
				t.Fatalf("open conflicts %+v, %v", open, err)
			}
			writes := c.e.Srv.WriteCalls()
			if rep := c.sync(t); len(rep.Conflicts) != 0 || c.e.Srv.WriteCalls() != writes {
				t.Fatalf("next sync: %+v, %d writes", rep.Conflicts, c.e.Srv.WriteCalls()-writes)
			}
		})
	}
}

// A ticket deleted in WHMCS is found when the source changes it, recorded
// and reported once, skipped (exit 0) by later runs, and created again on
// request.
func TestDeletedInWHMCS(t *testing.T) {
	c := newCutover(t, importtest.Literal, 4)
	const id = "V002"
	wid := c.e.WHMCSID(t, id)
	c.change(t, whmcstest.Change{Action: whmcstest.ChangeDelete, TicketID: wid})
	c.reply(t, id, sources.CustomerReply, "Anyone there?")
	opened := c.e.Srv.Calls()["OpenTicket"]
	rep := c.sync(t)
	if rep.Tickets.DeletedInWHMCS != 1 || len(rep.DeletedInWHMCS) != 1 || rep.DeletedInWHMCS[0] != (report.DeletedTicket{Ticket: id, WHMCSID: wid, Reason: "deleted in WHMCS"}) {
		t.Fatalf("deleted: %+v %+v", rep.Tickets, rep.DeletedInWHMCS)
	}
	h, _ := c.e.Store.Header(context.Background(), id)
	if h == nil || h.State != checkpoints.StateDeleted {
		t.Fatalf("checkpoint state %+v", h)
	}
	c.reply(t, id, sources.StaffReply, "Hello?")
	calls := c.e.Srv.Calls()
	writes := c.e.Srv.WriteCalls()
	rep = c.sync(t)
	if rep.Tickets.Skipped != 1 || rep.Tickets.DeletedInWHMCS != 0 || len(rep.DeletedInWHMCS) != 0 || c.e.Srv.WriteCalls() != writes || c.e.Srv.Calls()["GetTicket"] != calls["GetTicket"] {
		t.Fatalf("later sync: %+v %+v, %d writes", rep.Tickets, rep.DeletedInWHMCS, c.e.Srv.WriteCalls()-writes)
	}
	if c.e.Srv.Calls()["OpenTicket"] != opened {
		t.Fatal("the deleted ticket was created again unasked")
	}

	// Re-import needs the ticket to be deleted in WHMCS.
	_, err := importer.Import(context.Background(), importer.Config{Source: sourcetest.NewMemory(cloneTickets(c.tickets)), Client: c.e.Client,
		Planner: c.e.Planner, Store: c.e.Store, Only: []string{"V001"}, Reimport: true})
	if err == nil || !strings.Contains(err.Error(), "only a ticket deleted in WHMCS") {
		t.Fatalf("re-import of a ticket not deleted: %v", err)
	}
	rep = c.syncWith(t, importer.Config{Only: []string{id}, Reimport: true})
	if rep.Tickets.Imported != 1 {
		t.Fatalf("re-import: %+v", rep.Tickets)
	}
	w := c.whmcs(t, id)
	if w.ID == wid || countBody(w, "Anyone there?") != 1 || countBody(w, "Hello?") != 1 {
		t.Fatalf("re-imported ticket %d (was %d): %+v", w.ID, wid, w.Replies)
	}
}

// A ticket merged into another one (MergeTicket) is gone as a deleted one.
func TestMergedInWHMCS(t *testing.T) {
	c := newCutover(t, importtest.Literal, 4)
	const id, into = "V002", "V003"
	wid, intoID := c.e.WHMCSID(t, id), c.e.WHMCSID(t, into)
	res, err := http.PostForm(c.e.Srv.APIURL(), url.Values{"action": {"MergeTicket"}, "identifier": {c.e.Srv.Identifier}, "secret": {c.e.Srv.Secret},
		"ticketid": {fmt.Sprint(intoID)}, "mergeticketids": {fmt.Sprint(wid)}, "responsetype": {"json"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	c.reply(t, id, sources.CustomerReply, "After the merge.")
	rep := c.sync(t)
	if rep.Tickets.DeletedInWHMCS != 1 {
		t.Fatalf("merged: %+v %+v", rep.Tickets, rep.DeletedInWHMCS)
	}
	for _, tk := range c.e.Srv.State().Tickets {
		if countBody(tk, "After the merge.") != 0 {
			t.Fatalf("the reply was written into WHMCS ticket %d", tk.ID)
		}
	}
}

// Only the tickets a sync changes are read: GetTicket calls ÷ changed
// tickets is 1 (and the canary's read-back).
func TestConflictReadsOnlyChangedTickets(t *testing.T) {
	c := newCutover(t, importtest.Literal, 30)
	for i := range 5 {
		c.reply(t, fmt.Sprintf("V%03d", i*5), sources.CustomerReply, "Any news?")
	}
	calls := c.e.Srv.Calls()["GetTicket"]
	rep := c.sync(t)
	if rep.Tickets.Updated != 5 || rep.ConflictReads != 5 {
		t.Fatalf("%+v, conflict reads %d", rep.Tickets, rep.ConflictReads)
	}
	if got := c.e.Srv.Calls()["GetTicket"] - calls; got != 5+int(rep.ReadBacks) {
		t.Fatalf("GetTicket %d times, want 5 + %d read-backs", got, rep.ReadBacks)
	}
}

// The assignee and the CC list changed in WHMCS, and otherwise at the
// source: WHMCS's kept, each reported.
func TestConflictAssigneeAndCC(t *testing.T) {
	e := importtest.NewWith(t, importtest.Literal)
	var err error
	e.Planner, err = mapping.NewPlanner(mapping.Options{Config: importtest.Config(), Clients: mapping.NewClientResolver(e.Client), Admins: mapping.NewAdminResolver(e.Client)})
	if err != nil {
		t.Fatal(err)
	}
	c := &cutover{e: e, tickets: importtest.Tickets(2)}
	const id = "V001"
	tk := c.ticket(t, id)
	tk.Assignee, tk.CC = sources.Person{Email: "jane@old.example"}, []string{"a@example.com"}
	if rep := c.sync(t); rep.Tickets.Imported != 2 {
		t.Fatalf("import: %+v %+v", rep.Tickets, rep.Failures)
	}
	wid := c.e.WHMCSID(t, id)
	if w := c.whmcs(t, id); w.Flag != 2 || w.CC != "a@example.com" {
		t.Fatalf("imported flag %d cc %q", w.Flag, w.CC)
	}
	c.change(t, whmcstest.Change{Action: whmcstest.ChangeFlag, TicketID: wid, Flag: 1})
	c.change(t, whmcstest.Change{Action: whmcstest.ChangeCC, TicketID: wid, CC: "c@example.com"})
	tk.Assignee, tk.CC = sources.Person{}, []string{"b@example.com"}
	rep := c.sync(t)
	got := map[string]report.Conflict{}
	for _, cf := range rep.Conflicts {
		cf.Reason = ""
		got[cf.Field] = cf
	}
	if len(rep.Conflicts) != 2 || got["flag"] != (report.Conflict{Ticket: id, WHMCSID: wid, Field: "flag", WHMCS: "1", Source: "", Kept: "whmcs"}) ||
		got["cc"] != (report.Conflict{Ticket: id, WHMCSID: wid, Field: "cc", WHMCS: "c@example.com", Source: "b@example.com", Kept: "whmcs"}) {
		t.Fatalf("conflicts %+v", rep.Conflicts)
	}
	if w := c.whmcs(t, id); w.Flag != 1 || w.CC != "c@example.com" {
		t.Fatalf("WHMCS flag %d cc %q", w.Flag, w.CC)
	}
	writes := c.e.Srv.WriteCalls()
	if rep := c.sync(t); len(rep.Conflicts) != 0 || c.e.Srv.WriteCalls() != writes {
		t.Fatalf("next sync: %+v, %d writes", rep.Conflicts, c.e.Srv.WriteCalls()-writes)
	}
}
