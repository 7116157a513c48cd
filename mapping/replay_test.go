package mapping

import (
	"context"
	"strings"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// send runs a plan's steps in order through the real client, as the
// importer does minus checkpoints and retries, and returns the ticket id.
func send(t *testing.T, c *whmcs.Client, p *Plan, id int64) int64 {
	t.Helper()
	ctx := context.Background()
	for _, s := range p.Steps {
		var err error
		switch s.Kind {
		case StepOpen:
			var res *whmcs.OpenTicketResult
			res, err = c.OpenTicket(ctx, s.Open)
			if err == nil {
				id = res.ID
			}
		case StepReply:
			r := *s.Reply
			r.TicketID = id
			err = c.AddTicketReply(ctx, &r)
		case StepNote:
			n := *s.Note
			n.TicketID = id
			err = c.AddTicketNote(ctx, &n)
		case StepUpdate:
			u := *s.Update
			u.TicketID = id
			err = c.UpdateTicket(ctx, &u)
		}
		if err != nil {
			t.Fatalf("%s: %v", s.Key, err)
		}
	}
	return id
}

// TestPlansReplayOnSandbox proves the fold/update decisions against the
// sandbox's WHMCS status rules: after running a plan, the ticket is in the
// plan's EndStatus and EndPriority, its thread is in created order, and no
// customer was emailed.
func TestPlansReplayOnSandbox(t *testing.T) {
	s := whmcstest.NewServer(whmcstest.Options{})
	t.Cleanup(s.Close)
	h, err := whmcs.NewHTTP(whmcs.Options{URL: s.APIURL(), Identifier: s.Identifier, Secret: s.Secret})
	if err != nil {
		t.Fatal(err)
	}
	c := whmcs.NewClient(h, h.Location())
	cfg := baseConfig()
	cfg.Clients = ClientsMatchEmail
	cfg.Staff = map[string]string{"jane@old.example": "admin", "mike@old.example": "support"}
	cfg.DefaultDepartment = DeptID(2)
	pl := newPlanner(t, Options{Config: cfg, Clients: NewClientResolver(c), KnownStaff: []string{"admin", "support"}})

	mike := func(e sources.Entry) sources.Entry {
		e.Author = sources.Person{Name: "Mike Staff", Email: "mike@old.example"}
		return e
	}
	tickets := []*sources.Ticket{
		ticket("resolved", cust("1", 0, "help"), staffE("2", 10, "fixed")),                                // folded
		ticket("pending", cust("1", 0, "help"), note("2", 5, "hm")),                                       // update after a note
		ticket("", note("0", -5, "early"), cust("1", 0, "help"), mike(staffE("2", 10, "on it"))),          // leave; note first
		ticket("closed", staffE("1", 0, "we saw an outage"), cust("2", 10, "thanks"), note("3", 12, "x")), // staff opener; folded before a note
		ticket("open", cust("1", 0, "help")),                                                              // nothing extra
		ticket("In Progress", cust("1", 0, "help"), staffE("2", 10, "a"), cust("3", 20, "b")),             // folded into a customer reply
	}
	tickets[4].Requester = sources.Person{Name: "Guest", Email: "guest@example.net"}
	tickets[5].Priority = "urgent"
	for i, tk := range tickets {
		tk.ID = "T" + string(rune('A'+i))
		p := mustPlan(t, pl, tk, nil)
		if p.Failed() {
			t.Fatalf("%s: %v", tk.ID, p.Problems)
		}
		id := send(t, c, p, 0)
		got, err := c.GetTicket(context.Background(), &whmcs.GetTicketRequest{TicketID: id})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != p.EndStatus || got.Priority != p.EndPriority || got.DeptID != p.EndDeptID {
			t.Errorf("%s: WHMCS has %s/%s/%d, plan said %s/%s/%d (steps %q)", tk.ID, got.Status, got.Priority, got.DeptID, p.EndStatus, p.EndPriority, p.EndDeptID, describeAll(p))
		}
		if tk.ID == "TA" && got.UserID != 1 {
			t.Errorf("TA: userid %d, want client 1 (cynthia)", got.UserID)
		}
		var replies []string
		for _, r := range got.Replies {
			replies = append(replies, r.Message)
		}
		var want []string
		for _, st := range p.Steps {
			if st.Kind == StepOpen || st.Kind == StepReply {
				want = append(want, st.Message)
			}
		}
		if strings.Join(replies, "|") != strings.Join(want, "|") {
			t.Errorf("%s: replies %q, want %q", tk.ID, replies, want)
		}
	}

	// Incremental: a status change, then new entries with a change back.
	tk := ticket("resolved", cust("1", 0, "help"), staffE("2", 10, "fixed"))
	tk.ID = "TI"
	p := mustPlan(t, pl, tk, nil)
	id := send(t, c, p, 0)
	prior := &Prior{TicketID: id, Entries: map[string]string{}, Status: p.EndStatus, Priority: p.EndPriority, DeptID: p.EndDeptID}
	record := func(p *Plan) {
		for _, s := range p.Steps {
			if s.Entry != nil {
				prior.Entries[s.EntryKey] = s.Hash
			}
		}
		prior.Status, prior.Priority, prior.DeptID = p.EndStatus, p.EndPriority, p.EndDeptID
	}
	record(p)
	for _, change := range []func(){
		func() { tk.Status = "pending"; tk.Priority = "low" },
		func() {
			tk.Status = "resolved"
			tk.Entries = append(tk.Entries, cust("3", 20, "again"), note("4", 25, "n"))
		},
		func() { tk.Status = "Customer-Reply"; tk.Entries = append(tk.Entries, cust("5", 30, "more")) },
		func() { tk.Department = "Sales" }, // drift only
	} {
		change()
		p := mustPlan(t, pl, tk, prior)
		send(t, c, p, id)
		record(p)
		got, err := c.GetTicket(context.Background(), &whmcs.GetTicketRequest{TicketID: id})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != p.EndStatus || got.Priority != p.EndPriority || got.DeptID != p.EndDeptID {
			t.Errorf("incremental %q: WHMCS has %s/%s/%d, plan said %s/%s/%d", describeAll(p), got.Status, got.Priority, got.DeptID, p.EndStatus, p.EndPriority, p.EndDeptID)
		}
	}
	if again := mustPlan(t, pl, tk, prior); len(again.Steps) != 0 {
		t.Errorf("a re-run plans %q", describeAll(again))
	}
	if e := s.Emails(); len(e) != 0 {
		t.Errorf("customers were emailed: %+v", e)
	}
}

// BenchmarkPlan plans a new ten-entry ticket (one HTML body) and its
// no-op incremental re-plan: the planner's share of validate and of a
// no-op sync.
func BenchmarkPlan(b *testing.B) {
	pl, err := NewPlanner(Options{Config: baseConfig(), Now: testNow})
	if err != nil {
		b.Fatal(err)
	}
	tk := ticket("resolved", cust("1", 0, "help"), note("2", 1, "n"), staffE("3", 2, "a"), cust("4", 3, "b"),
		staffE("5", 4, "c"), cust("6", 5, "d"), note("7", 6, "e"), staffE("8", 7, "f"), cust("9", 8, "g"),
		sources.Entry{ID: "10", Kind: sources.StaffReply, Author: jane, Format: sources.HTML, Created: at(9),
			Body: `<p>Hello, see <a href="https://kb.example/1">this</a>:</p><ul><li>one</li><li>two</li></ul>`})
	ctx := context.Background()
	first, _ := pl.Plan(ctx, tk, nil)
	prior := &Prior{Entries: map[string]string{}, Status: first.EndStatus, Priority: first.EndPriority, DeptID: first.EndDeptID}
	for _, s := range first.Steps {
		if s.Entry != nil {
			prior.Entries[s.EntryKey] = s.Hash
		}
	}
	b.Run("new", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := pl.Plan(ctx, tk, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("noop-incremental", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p, err := pl.Plan(ctx, tk, prior)
			if err != nil || len(p.Steps) != 0 {
				b.Fatal(err, len(p.Steps))
			}
		}
	})
}
