package checkpoints

import (
	"context"
	"testing"
)

// Which rollbacks are unfinished: one that did not end ok until a later
// rollback of the same tickets (or every run's) takes over; an earlier
// version's (no recorded target) until a later rollback or import run;
// any whose deletions have an unknown outcome.
func TestUnfinishedRollbacks(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	unfinished := func() []int64 {
		t.Helper()
		rbs, err := s.UnfinishedRollbacks(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, rb := range rbs {
			ids = append(ids, rb.Run.ID)
		}
		return ids
	}
	same := func(got []int64, want ...int64) bool {
		if len(got) != len(want) {
			return false
		}
		for i := range got {
			if got[i] != want[i] {
				return false
			}
		}
		return true
	}
	run1, _ := s.BeginRun(ctx, KindImport)
	s.EndRun(ctx, run1, OutcomeOK, "")
	run2, _ := s.BeginRun(ctx, KindImport)
	s.EndRun(ctx, run2, OutcomeOK, "")
	for _, id := range []string{"A", "B", "C"} {
		in := &Intent{RunID: run1, SourceID: id, Step: "open", Action: "OpenTicket"}
		if err := s.BeginIntent(ctx, in); err != nil {
			t.Fatal(err)
		}
		run := run1
		if id == "C" {
			run = run2
		}
		if err := s.Settle(ctx, id, in.ID, Outcome{RunID: run, WHMCSID: int64(len(id) + int(id[0]))}); err != nil {
			t.Fatal(err)
		}
	}
	if got := unfinished(); len(got) != 0 {
		t.Fatalf("no rollback yet, unfinished %v", got)
	}

	// Killed (no end): unfinished, with what it was deleting.
	rb1, _ := s.BeginRollback(ctx, run1, 2)
	rbs, _ := s.UnfinishedRollbacks(ctx)
	if len(rbs) != 1 || rbs[0].Run.ID != rb1 || !rbs[0].Known || rbs[0].Target != run1 || rbs[0].Planned != 2 || rbs[0].Left != 2 {
		t.Fatalf("killed rollback: %+v", rbs)
	}
	// A deletion settled: one fewer left, one deleted.
	if err := s.ForgetDeleted(ctx, "A", rb1); err != nil {
		t.Fatal(err)
	}
	if rbs, _ = s.UnfinishedRollbacks(ctx); len(rbs) != 1 || rbs[0].Left != 1 || rbs[0].Deleted != 1 {
		t.Fatalf("after one deletion: %+v", rbs)
	}
	// A rollback of another run does not take it over.
	rb2, _ := s.BeginRollback(ctx, run2, 1)
	s.EndRun(ctx, rb2, OutcomeOK, "")
	if got := unfinished(); !same(got, rb1) {
		t.Fatalf("after rolling back run 2: %v, want [%d]", got, rb1)
	}
	// A later rollback of the same run takes over: interrupted, it is the
	// one listed; ended ok, none is.
	rb3, _ := s.BeginRollback(ctx, run1, 1)
	s.EndRun(ctx, rb3, OutcomeInterrupted, "")
	if got := unfinished(); !same(got, rb3) {
		t.Fatalf("after an interrupted second try: %v, want [%d]", got, rb3)
	}
	// Unless an earlier one has a deletion of unknown outcome: listed too.
	in := &Intent{RunID: rb1, SourceID: "B", Step: StepDelete, Action: "DeleteTicket", WHMCSID: 7}
	if err := s.BeginIntent(ctx, in); err != nil {
		t.Fatal(err)
	}
	if got := unfinished(); !same(got, rb1, rb3) {
		t.Fatalf("with rollback %d's deletion unsettled: %v", rb1, got)
	}
	if c, _ := s.Counts(ctx); c.Unsettled != 0 {
		t.Errorf("a deletion counted among the run's unsettled writes: %+v", c)
	}
	if err := s.Drop(ctx, in.ID); err != nil {
		t.Fatal(err)
	}
	rb4, _ := s.BeginRollback(ctx, 0, 1) // --all
	s.EndRun(ctx, rb4, OutcomeOK, "")
	if got := unfinished(); len(got) != 0 {
		t.Fatalf("after rollback --all ended ok: %v", got)
	}

	// An earlier version's rollback (no target recorded) that died:
	// unfinished until an import run follows it.
	old, _ := s.BeginRun(ctx, KindRollback)
	rbs, _ = s.UnfinishedRollbacks(ctx)
	if len(rbs) != 1 || rbs[0].Run.ID != old || rbs[0].Known || rbs[0].Left != 2 {
		t.Fatalf("earlier version's rollback: %+v", rbs)
	}
	run5, _ := s.BeginRun(ctx, KindImport)
	s.EndRun(ctx, run5, OutcomeOK, "")
	if got := unfinished(); len(got) != 0 {
		t.Fatalf("an earlier version's rollback followed by a run: %v", got)
	}
}
