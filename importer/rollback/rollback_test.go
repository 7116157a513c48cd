package rollback

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/importer"
	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/importer/verify"
	"github.com/whmcs-migrate/whmcs-migrate/internal/importtest"
	"github.com/whmcs-migrate/whmcs-migrate/sources/sourcetest"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

func rollback(t *testing.T, e *importtest.Env, ctx context.Context, o Config) (*report.Rollback, string, error) {
	t.Helper()
	var out bytes.Buffer
	if o.Client == nil {
		o.Client = e.Client
	}
	o.Store, o.Out = e.Store, &out
	rep, err := Tickets(ctx, o)
	return rep, out.String(), err
}

func runID(t *testing.T, e *importtest.Env, n int) int64 {
	t.Helper()
	runs, err := e.Store.Runs(context.Background())
	if err != nil || len(runs) < n {
		t.Fatalf("runs: %v %+v", err, runs)
	}
	return runs[n-1].ID
}

// ticketsByID is the sandbox's tickets by WHMCS id.
func ticketsByID(s *whmcstest.Server) map[int64]whmcstest.TicketState {
	m := map[int64]whmcstest.TicketState{}
	for _, t := range s.State().Tickets {
		m[t.ID] = t
	}
	return m
}

// The done-when of issue 8: rolling back one run removes exactly its
// tickets; the preview deletes nothing; a following run restores them.
func TestRollbackOneRun(t *testing.T) {
	e := importtest.New(t)
	ctx := context.Background()
	tks := importtest.Tickets(8)
	src := sourcetest.NewMemory(tks)
	e.ImportAll(t, src, "V000", "V002", "V005") // run 1
	e.ImportAll(t, src)                         // run 2: the rest
	run1, run2 := runID(t, e, 1), runID(t, e, 2)
	// A ticket the checkpoint did not create.
	foreign, err := e.Direct.OpenTicket(ctx, &whmcs.OpenTicketRequest{DeptID: 1, Subject: "Invoice 0 is wrong",
		Message: "Made by hand", ClientID: 1, NoEmail: true})
	if err != nil {
		t.Fatal(err)
	}
	var run1IDs, run2IDs []int64
	for _, tk := range tks {
		c, _ := e.Store.Ticket(ctx, tk.ID)
		switch c.CreatedRun {
		case run1:
			run1IDs = append(run1IDs, c.WHMCSID)
		case run2:
			run2IDs = append(run2IDs, c.WHMCSID)
		default:
			t.Fatalf("ticket %s created by run %d", tk.ID, c.CreatedRun)
		}
	}
	if len(run1IDs) != 3 || len(run2IDs) != 5 {
		t.Fatalf("run 1 created %v, run 2 %v", run1IDs, run2IDs)
	}
	before := ticketsByID(e.Srv)
	writes := e.Srv.WriteCalls()

	// Preview: nothing deleted, the ids listed newest first.
	rep, out, err := rollback(t, e, ctx, Config{RunID: run1})
	if err != nil {
		t.Fatal(err)
	}
	if e.Srv.WriteCalls() != writes || len(ticketsByID(e.Srv)) != len(before) || !rep.Preview || rep.Deleted != 0 {
		t.Fatalf("preview changed WHMCS: %+v", rep)
	}
	desc := slices.Clone(run1IDs)
	slices.Sort(desc)
	slices.Reverse(desc)
	var listed []int64
	for _, r := range rep.Tickets {
		listed = append(listed, r.WHMCSID)
	}
	if !slices.Equal(listed, desc) {
		t.Errorf("preview lists %v, want %v newest first", listed, desc)
	}
	if !strings.Contains(out, "would delete 3 WHMCS tickets") || !strings.Contains(out, fmt.Sprint(desc[0])) || !strings.Contains(out, "--yes") {
		t.Errorf("preview output:\n%s", out)
	}
	if c, _ := e.Store.Ticket(ctx, "V000"); c == nil {
		t.Errorf("preview forgot V000")
	}

	// With Yes: exactly run 1's tickets go.
	rep, out, err = rollback(t, e, ctx, Config{RunID: run1, Yes: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Deleted != 3 || rep.AlreadyGone != 0 || len(rep.Failures) != 0 || rep.RunID == 0 {
		t.Fatalf("rollback: %+v\n%s", rep, out)
	}
	if calls := e.Srv.Calls()["DeleteTicket"]; calls != 3 {
		t.Errorf("%d DeleteTicket calls", calls)
	}
	after := ticketsByID(e.Srv)
	for _, id := range run1IDs {
		if _, ok := after[id]; ok {
			t.Errorf("run 1's ticket %d is still there", id)
		}
	}
	for _, id := range append(run2IDs, foreign.ID) {
		if got, ok := after[id]; !ok || got.LastReply != before[id].LastReply || len(got.Replies) != len(before[id].Replies) || got.Status != before[id].Status {
			t.Errorf("ticket %d changed by rolling back run 1", id)
		}
	}
	for _, id := range []string{"V000", "V002", "V005"} {
		if c, _ := e.Store.Ticket(ctx, id); c != nil {
			t.Errorf("checkpoint still maps %s: %+v", id, c)
		}
	}
	runs, _ := e.Store.Runs(ctx)
	if last := runs[len(runs)-1]; last.Kind != "rollback" || last.Outcome != "ok" || last.ID != rep.RunID {
		t.Errorf("rollback not recorded as a run: %+v", last)
	}

	// A rollback of a rollback, or of a run that does not exist, is refused.
	if _, _, err := rollback(t, e, ctx, Config{RunID: rep.RunID, Yes: true}); !errors.Is(err, ErrNoSuchRun) {
		t.Errorf("rollback of a rollback: %v", err)
	}
	if _, _, err := rollback(t, e, ctx, Config{RunID: 99}); !errors.Is(err, ErrNoSuchRun) {
		t.Errorf("rollback of run 99: %v", err)
	}

	// The next run imports them again, and everything verifies.
	rr := e.ImportAll(t, src)
	if rr.Tickets.Imported != 3 {
		t.Errorf("the next run imported %d tickets, want 3", rr.Tickets.Imported)
	}
	if v, err := verify.Tickets(context.Background(), verify.Config{Source: src, Client: e.Client, Planner: e.Planner, Store: e.Store}); err != nil || !v.OK() || v.Checked != 8 {
		t.Errorf("verify after restore: %v %+v", err, v)
	}
	if n := len(e.Srv.State().Tickets); n != 9 {
		t.Errorf("WHMCS has %d tickets, want 8 and the foreign one", n)
	}

	// --all removes every imported ticket and nothing else.
	rep, _, err = rollback(t, e, ctx, Config{All: true, Yes: true})
	if err != nil || rep.Deleted != 8 {
		t.Fatalf("rollback --all: %v %+v", err, rep)
	}
	if left := e.Srv.State().Tickets; len(left) != 1 || left[0].ID != foreign.ID {
		t.Errorf("after --all WHMCS has %+v", left)
	}
	if c, _ := e.Store.Counts(ctx); c.Imported+c.Failed+c.Pending != 0 {
		t.Errorf("checkpoint still has tickets: %+v", c)
	}
}

// cancelAfter cancels a context after n successful DeleteTicket calls: an
// interruption at a known point.
type cancelAfter struct {
	next   whmcs.Caller
	n      int64
	done   atomic.Int64
	cancel context.CancelFunc
}

func (c *cancelAfter) Call(ctx context.Context, req whmcs.Request, resp any) error {
	err := c.next.Call(ctx, req, resp)
	if err == nil && req.Action() == "DeleteTicket" && c.done.Add(1) == c.n {
		c.cancel()
	}
	return err
}

// An interrupted rollback resumes: rerun, it deletes what is left and
// forgets what is already gone, including a deletion whose answer was
// lost.
func TestRollbackResumes(t *testing.T) {
	e := importtest.New(t)
	src := sourcetest.NewMemory(importtest.Tickets(7))
	e.ImportAll(t, src)
	run := runID(t, e, 1)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client := whmcs.NewClient(&cancelAfter{next: e.Client.Caller(), n: 2, cancel: cancel}, e.Zone)
	rep, _, err := rollback(t, e, ctx, Config{RunID: run, Yes: true, Client: client})
	if !errors.Is(err, importer.ErrInterrupted) || !rep.Interrupted || rep.Deleted != 2 {
		t.Fatalf("interrupted rollback: %v %+v", err, rep)
	}
	if n := len(e.Srv.State().Tickets); n != 5 {
		t.Fatalf("WHMCS has %d tickets after 2 deletions", n)
	}
	runs, _ := e.Store.Runs(context.Background())
	if last := runs[len(runs)-1]; last.Kind != "rollback" || last.Outcome != "interrupted" {
		t.Errorf("interrupted rollback recorded as %+v", last)
	}
	if c, _ := e.Store.Counts(context.Background()); c.Imported != 5 {
		t.Errorf("checkpoint has %d imported tickets, want the 5 not deleted", c.Imported)
	}

	// One more goes behind the checkpoint's back; one deletion's answer is
	// lost (WHMCS deletes, the connection drops): it stays in the checkpoint.
	left := e.Srv.State().Tickets
	if err := e.Direct.DeleteTicket(context.Background(), left[0].ID); err != nil {
		t.Fatal(err)
	}
	e.Srv.SetFaults(whmcstest.Faults{DropRate: 1})
	rep, _, err = rollback(t, e, context.Background(), Config{RunID: run, Yes: true})
	if err != nil {
		t.Fatal(err)
	}
	// With every answer dropped, no outcome is known: all stay mapped.
	if rep.Deleted != 0 || rep.AlreadyGone != 0 || len(rep.Failures) != 5 {
		t.Fatalf("rollback with lost answers: %+v", rep)
	}
	for _, f := range rep.Failures {
		if !strings.Contains(f.Error, "may have been processed") {
			t.Errorf("failure %+v: want a lost answer", f)
		}
	}
	if n := len(e.Srv.State().Tickets); n != 0 {
		t.Errorf("WHMCS still has %d tickets (the drops happen after the deletion)", n)
	}
	if c, _ := e.Store.Counts(context.Background()); c.Imported != 5 || c.Unsettled != 0 {
		t.Errorf("checkpoint: %+v", c)
	}
	// Each deletion's intent stays, its outcome unknown: the rollback is
	// unfinished, and a run refuses to write.
	if ins, _ := e.Store.DeleteIntents(context.Background()); len(ins) != 5 {
		t.Errorf("%d unsettled deletions, want 5", len(ins))
	}
	var ue *importer.RollbackUnfinishedError
	if err := importer.CheckRollbacks(context.Background(), e.Store); !errors.As(err, &ue) || len(ue.Rollbacks) != 1 ||
		ue.Rollbacks[0].Unsettled != 5 || ue.Rollbacks[0].Left != 5 || ue.Rollbacks[0].Target != run {
		t.Errorf("unfinished rollback: %v", err)
	}
	e.Srv.SetFaults(whmcstest.Faults{})
	rep, _, err = rollback(t, e, context.Background(), Config{RunID: run, Yes: true})
	// Every one is found gone by GetTicket, and forgotten before anything
	// is listed: nothing is left to send.
	if err != nil || rep.Deleted != 0 || rep.Reconciled != 5 || len(rep.Tickets) != 0 || len(rep.Failures) != 0 {
		t.Fatalf("resumed rollback: %v %+v", err, rep)
	}
	if calls := e.Srv.Calls()["DeleteTicket"]; calls != 2+5 {
		t.Errorf("%d DeleteTicket calls, want the 7 of the first two passes only", calls)
	}
	if err := importer.CheckRollbacks(context.Background(), e.Store); err != nil {
		t.Errorf("the rollback is finished, yet: %v", err)
	}
	if c, _ := e.Store.Counts(context.Background()); c != (checkpoints.Counts{}) {
		t.Errorf("checkpoint not empty after the rollback finished: %+v", c)
	}
	// Nothing left: a further rollback has nothing to do.
	rep, out, err := rollback(t, e, context.Background(), Config{RunID: run})
	if err != nil || len(rep.Tickets) != 0 || !strings.Contains(out, "would delete 0") {
		t.Errorf("empty preview: %v %+v %s", err, rep, out)
	}
}

func TestRollbackTakesTheRunLock(t *testing.T) {
	e := importtest.New(t)
	src := sourcetest.NewMemory(importtest.Tickets(2))
	e.ImportAll(t, src)
	// Another holder: a second Store on the same file (a Store that holds
	// the lock itself, as run's does, is not refused).
	other, err := checkpoints.Open(e.Store.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	release, err := other.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var le *checkpoints.LockedError
	if _, _, err := rollback(t, e, context.Background(), Config{All: true, Yes: true}); !errors.As(err, &le) {
		t.Errorf("rollback under another's lock: %v", err)
	}
	if n := len(e.Srv.State().Tickets); n != 2 {
		t.Errorf("locked rollback deleted tickets")
	}
	// The preview reads only and needs no lock.
	if rep, _, err := rollback(t, e, context.Background(), Config{All: true}); err != nil || len(rep.Tickets) != 2 {
		t.Errorf("preview under lock: %v %+v", err, rep)
	}
	release()
	if rep, _, err := rollback(t, e, context.Background(), Config{All: true, Yes: true}); err != nil || rep.Deleted != 2 {
		t.Errorf("rollback after release: %v %+v", err, rep)
	}
	if _, err := Tickets(context.Background(), Config{Client: e.Client, Store: e.Store, RunID: 1, All: true}); err == nil {
		t.Errorf("both a run and All accepted")
	}
}

// A rollback killed between a DeleteTicket that WHMCS carried out and the
// checkpoint's record of it leaves the deletion's intent: the rollback is
// named as unfinished, a run refuses with no call to WHMCS, and the
// resumed rollback settles the intent with GetTicket ("Ticket ID Not
// Found": deleted) and deletes the rest, and nothing else.
func TestRollbackKilledMidDeletion(t *testing.T) {
	e := importtest.New(t)
	ctx := context.Background()
	src := sourcetest.NewMemory(importtest.Tickets(5))
	e.ImportAll(t, src)
	run := runID(t, e, 1)
	foreign, err := e.Direct.OpenTicket(ctx, &whmcs.OpenTicketRequest{DeptID: 1, Subject: "Made by hand",
		Message: "Not the import's", ClientID: 1, NoEmail: true})
	if err != nil {
		t.Fatal(err)
	}
	// What a rollback killed at that moment leaves: its run begun and not
	// ended, one deletion journaled and carried out, not settled.
	rbRun, err := e.Store.BeginRollback(ctx, run, 5)
	if err != nil {
		t.Fatal(err)
	}
	victim := e.WHMCSID(t, "V003")
	if err := e.Store.BeginIntent(ctx, &checkpoints.Intent{RunID: rbRun, SourceID: "V003", Step: checkpoints.StepDelete,
		Action: whmcs.ActionDeleteTicket, WHMCSID: victim}); err != nil {
		t.Fatal(err)
	}
	if err := e.Direct.DeleteTicket(ctx, victim); err != nil {
		t.Fatal(err)
	}

	var ue *importer.RollbackUnfinishedError
	err = importer.CheckRollbacks(ctx, e.Store)
	if !errors.As(err, &ue) || len(ue.Rollbacks) != 1 {
		t.Fatalf("unfinished rollback not found: %v", err)
	}
	if rb := ue.Rollbacks[0]; rb.Run.ID != rbRun || rb.Target != run || rb.Planned != 5 || rb.Left != 5 || rb.Unsettled != 1 {
		t.Errorf("unfinished rollback: %+v", rb)
	}
	for _, want := range []string{fmt.Sprintf("rollback run %d", rbRun), fmt.Sprintf("tickets of run %d", run), "did not end", "5 tickets left", "1 deletion"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal %q lacks %q", err, want)
		}
	}
	// The run refuses under its lock, before any call.
	calls := e.Srv.Calls()
	_, err = importer.Import(ctx, importer.Config{Source: src, Client: e.Client, Planner: e.Planner, Store: e.Store})
	if !errors.Is(err, importer.ErrRollbackUnfinished) || !importer.IsFatal(err) {
		t.Fatalf("run beside an unfinished rollback: %v", err)
	}
	if after := e.Srv.Calls(); fmt.Sprint(after) != fmt.Sprint(calls) {
		t.Errorf("the refused run called WHMCS: %v -> %v", calls, after)
	}
	if c, _ := e.Store.Counts(ctx); c.Unsettled != 0 {
		t.Errorf("a deletion counted as a run's write to reconcile: %+v", c)
	}

	rep, out, err := rollback(t, e, ctx, Config{RunID: run, Yes: true, Concurrency: 3})
	if err != nil || rep.Reconciled != 1 || rep.Deleted != 4 || len(rep.Failures) != 0 {
		t.Fatalf("resumed rollback: %v %+v\n%s", err, rep, out)
	}
	if got := e.Srv.Calls()["DeleteTicket"] - calls["DeleteTicket"]; got != 4 {
		t.Errorf("%d DeleteTicket calls, want 4 (the victim's deletion is not sent again)", got)
	}
	if left := e.Srv.State().Tickets; len(left) != 1 || left[0].ID != foreign.ID {
		t.Errorf("WHMCS holds %+v, want only the foreign ticket", left)
	}
	if err := importer.CheckRollbacks(ctx, e.Store); err != nil {
		t.Errorf("after the resumed rollback: %v", err)
	}
	rbs, _ := e.Store.Rollbacks(ctx)
	if len(rbs) != 2 || rbs[0].Deleted != 1 || rbs[1].Deleted != 4 || !rbs[1].Known || rbs[1].Planned != 4 {
		t.Errorf("rollbacks recorded: %+v", rbs)
	}
	// The run may now write: it imports every ticket again.
	if rr := e.ImportAll(t, src); rr.Tickets.Imported != 5 {
		t.Errorf("the run after the rollback imported %d tickets", rr.Tickets.Imported)
	}
}

// lossy loses the answers of DeleteTicket calls: the first lose of them
// after WHMCS carried them out, the next skip of them before they reach
// WHMCS (as a proxy's 502 would); both look alike to the client (the call
// may have been processed).
type lossy struct {
	next       whmcs.Caller
	lose, skip int
	n          atomic.Int64
	reads      atomic.Int64 // GetTicket calls
}

func (l *lossy) Call(ctx context.Context, req whmcs.Request, resp any) error {
	if req.Action() == whmcs.ActionGetTicket {
		l.reads.Add(1)
	}
	if req.Action() != whmcs.ActionDeleteTicket {
		return l.next.Call(ctx, req, resp)
	}
	n := int(l.n.Add(1))
	if n <= l.skip {
		return &whmcs.Error{Action: req.Action(), Kind: whmcs.KindServer, Status: 502, MaybeProcessed: true, Message: "bad gateway"}
	}
	err := l.next.Call(ctx, req, resp)
	if err == nil && n <= l.skip+l.lose {
		return &whmcs.Error{Action: req.Action(), Kind: whmcs.KindTransport, MaybeProcessed: true, Message: "connection reset"}
	}
	return err
}

// A deletion whose answer was lost is read back at once with GetTicket:
// gone, it is settled as deleted and not sent again; still there, it is
// sent again.
func TestRollbackLostAnswers(t *testing.T) {
	e := importtest.New(t)
	ctx := context.Background()
	e.ImportAll(t, sourcetest.NewMemory(importtest.Tickets(4)))
	before := e.Srv.Calls()
	l := &lossy{next: e.Client.Caller(), skip: 1, lose: 2}
	client := whmcs.NewClient(l, e.Zone)
	rep, out, err := rollback(t, e, ctx, Config{All: true, Yes: true, Client: client})
	if err != nil || rep.Deleted != 4 || len(rep.Failures) != 0 {
		t.Fatalf("rollback with lost answers: %v %+v\n%s", err, rep, out)
	}
	after := e.Srv.Calls()
	// The skipped call never reached WHMCS and was sent again: 4 deletions
	// reached it. 3 read-backs: the skipped one's found the ticket (the
	// sandbox counts that success), the two lost ones' "Ticket ID Not
	// Found".
	if d, g, r := after["DeleteTicket"]-before["DeleteTicket"], after["GetTicket"]-before["GetTicket"], l.reads.Load(); d != 4 || g != 1 || r != 3 {
		t.Errorf("%d DeleteTicket calls reached WHMCS, %d GetTicket found the ticket, %d GetTicket sent; want 4, 1, 3", d, g, r)
	}
	if n := len(e.Srv.State().Tickets); n != 0 {
		t.Errorf("WHMCS still holds %d tickets", n)
	}
	if c, _ := e.Store.Counts(ctx); c != (checkpoints.Counts{}) {
		t.Errorf("checkpoint: %+v", c)
	}
	if ins, _ := e.Store.DeleteIntents(ctx); len(ins) != 0 || importer.CheckRollbacks(ctx, e.Store) != nil {
		t.Errorf("deletions left unsettled: %+v", ins)
	}
}
