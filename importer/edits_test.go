package importer

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/internal/policytest"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/sources/sourcetest"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// runEdits is env.run with sync.apply_edits.
func (e *env) runEdits(t *testing.T, src sources.Source) *Result {
	t.Helper()
	h, err := whmcs.NewHTTP(whmcs.Options{URL: e.srv.APIURL(), Identifier: e.srv.Identifier, Secret: e.srv.Secret,
		Location: chicago, Timeout: 5 * time.Second, MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	client := whmcs.NewClient(policytest.Wrap(h, policytest.Options{}), chicago)
	planner, err := mapping.NewPlanner(mapping.Options{Config: testConfig(), Clients: mapping.NewClientResolver(client), ApplyEdits: true})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Import(context.Background(), Config{Source: src, Client: client, Planner: planner, Store: e.store, Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	return &Result{Failed: rep.Tickets.Failed, Failures: fmt.Sprint(rep.Failures)}
}

// Result is what the edit test needs of a run's report.
type Result struct {
	Failed   int
	Failures string
}

// Edits applied while WHMCS drops answers (the write processed, the answer
// lost), on a literal and on a sanitising 3-byte WHMCS: each edited reply
// is changed once, found again by reconciling, and nothing is duplicated.
func TestApplyEditsExactlyOnceUnderFaults(t *testing.T) { forModes(t, testApplyEditsUnderFaults) }

func testApplyEditsUnderFaults(t *testing.T, mode whmcstest.Options) {
	e := newEnvMode(t, mode, whmcstest.Faults{})
	tickets := genTickets(30, 5)
	if r := e.runEdits(t, sourcetest.NewMemory(tickets)); r.Failed != 0 {
		t.Fatalf("import: %s", r.Failures)
	}
	before := e.srv.State()
	replies := 0
	for _, tk := range before.Tickets {
		replies += len(tk.Replies)
	}

	// Edit every plain-text reply after the opening one.
	type edit struct{ ticket, entry, body string }
	var edits []edit
	for _, tk := range tickets {
		for i := range tk.Entries {
			en := &tk.Entries[i]
			if i == 0 || en.Kind == sources.Note || en.Format != sources.Text || en.Created.Before(tk.Entries[0].Created) {
				continue
			}
			en.Body = fmt.Sprintf("Edited %s/%s: 1 < 2 & \"so\" 🚀", tk.ID, en.ID)
			edits = append(edits, edit{tk.ID, en.ID, en.Body})
		}
		tk.Updated = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if len(edits) < 10 {
		t.Fatalf("fixture: only %d edits", len(edits))
	}
	e.srv.SetFaults(whmcstest.Faults{Seed: 3, DropRate: 0.3})
	var r *Result
	for range 8 {
		if r = e.runEdits(t, sourcetest.NewMemory(tickets)); r.Failed == 0 {
			break
		}
	}
	if r.Failed != 0 {
		t.Fatalf("failures remain: %s", r.Failures)
	}
	e.srv.SetFaults(whmcstest.Faults{})
	after := e.srv.State()
	n := 0
	for _, tk := range after.Tickets {
		n += len(tk.Replies)
	}
	if n != replies {
		t.Errorf("WHMCS has %d replies after the edits, %d before: edits must change replies, not add them", n, replies)
	}
	have := map[string]int{}
	for _, tk := range after.Tickets {
		for _, rp := range tk.Replies {
			have[rp.Message]++
		}
	}
	for _, ed := range edits {
		if have[e.opts.StoredText(ed.body)] != 1 {
			t.Errorf("ticket %s entry %s: %d replies with the edited text, want 1", ed.ticket, ed.entry, have[e.opts.StoredText(ed.body)])
		}
	}
	t.Logf("edits %d, UpdateTicketReply calls %d", len(edits), after.Calls["UpdateTicketReply"])
	if len(after.Emails) != 0 {
		t.Errorf("emails: %v", after.Emails)
	}
	writes := e.srv.WriteCalls()
	if r := e.runEdits(t, sourcetest.NewMemory(tickets)); r.Failed != 0 || e.srv.WriteCalls() != writes {
		t.Errorf("the run after the edits: %d failed, %d writes; want none", r.Failed, e.srv.WriteCalls()-writes)
	}
}

// A run killed between journaling an edit and recording its outcome: the
// next run reads WHMCS, finds the edit that landed (recorded, not sent
// again) and sends the one that did not (once).
func TestEditCrashBetweenCallAndJournal(t *testing.T) { forModes(t, testEditCrash) }

func testEditCrash(t *testing.T, mode whmcstest.Options) {
	e := newEnvMode(t, mode, whmcstest.Faults{})
	ctx := context.Background()
	mk := func(id string, day int) *sources.Ticket {
		at := time.Date(2024, 5, day, 9, 0, 0, 0, time.UTC)
		return &sources.Ticket{ID: id, Origin: "mem:" + id, Subject: "Edit " + id, Department: "Sales",
			Requester: sources.Person{Name: "Cynthia", Email: "cynthia@example.com"}, Updated: at,
			Entries: []sources.Entry{
				{ID: "1", Kind: sources.CustomerReply, Author: sources.Person{Name: "Cynthia", Email: "cynthia@example.com"}, Created: at, Body: "help"},
				{ID: "2", Kind: sources.StaffReply, Author: sources.Person{Name: "Jane", Email: "jane@old.example"}, Created: at.Add(time.Hour), Body: "Done <now> & \"then\" 🚀"},
			}}
	}
	tickets := []*sources.Ticket{mk("A", 1), mk("B", 2)}
	if r := e.runEdits(t, sourcetest.NewMemory(tickets)); r.Failed != 0 {
		t.Fatalf("import: %s", r.Failures)
	}
	for _, tk := range tickets {
		tk.Entries[1].Body = "Edited " + tk.ID + ": <b> & 🚀"
		tk.Updated = tk.Updated.Add(24 * time.Hour)
	}
	// What the killed run left: for A the edit landed in WHMCS, for B it did
	// not; for both, an intent without outcome.
	h, err := whmcs.NewHTTP(whmcs.Options{URL: e.srv.APIURL(), Identifier: e.srv.Identifier, Secret: e.srv.Secret, Location: chicago})
	if err != nil {
		t.Fatal(err)
	}
	client := whmcs.NewClient(h, chicago)
	ids := map[string]int64{}
	for _, tk := range tickets {
		cp, err := e.store.Ticket(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		ids[tk.ID] = cp.WHMCSID
		en := tk.Entries[1]
		key := "2"
		if err := e.store.BeginIntent(ctx, &checkpoints.Intent{RunID: 1, SourceID: tk.ID, Step: "edit:" + key, Action: whmcs.ActionUpdateTicketReply,
			WHMCSID: cp.WHMCSID, Created: en.Created, MessageHash: string(whmcs.DigestOf(en.Body)), EntryKey: key,
			EntryHash: mapping.EntryHash(&en), Kind: "reply"}); err != nil {
			t.Fatal(err)
		}
	}
	wt, err := client.GetTicket(ctx, &whmcs.GetTicketRequest{TicketID: ids["A"]})
	if err != nil {
		t.Fatal(err)
	}
	if err := client.UpdateTicketReply(ctx, &whmcs.UpdateTicketReplyRequest{ReplyID: wt.Replies[1].ReplyID, Message: tickets[0].Entries[1].Body,
		Created: tickets[0].Entries[1].Created}); err != nil {
		t.Fatal(err)
	}
	before := e.srv.Calls()["UpdateTicketReply"]
	if r := e.runEdits(t, sourcetest.NewMemory(tickets)); r.Failed != 0 {
		t.Fatalf("resume: %s", r.Failures)
	}
	if n := e.srv.Calls()["UpdateTicketReply"] - before; n != 1 {
		t.Errorf("the resumed run sent %d UpdateTicketReply, want 1 (B's; A's had landed)", n)
	}
	for _, tk := range tickets {
		got := e.srv.State()
		for _, st := range got.Tickets {
			if st.ID == ids[tk.ID] && (len(st.Replies) != 1 || st.Replies[0].Message != e.opts.StoredText(tk.Entries[1].Body)) {
				t.Errorf("ticket %s: replies %+v", tk.ID, st.Replies)
			}
		}
	}
	writes := e.srv.WriteCalls()
	if r := e.runEdits(t, sourcetest.NewMemory(tickets)); r.Failed != 0 || e.srv.WriteCalls() != writes {
		t.Errorf("the next run: %d failed, %d writes", r.Failed, e.srv.WriteCalls()-writes)
	}
}
