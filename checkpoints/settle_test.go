package checkpoints

import (
	"context"
	"testing"

	"github.com/jmoiron/sqlx"
)

// TestSettleChangesOnlyWhatItSays: an outcome's zero fields leave the
// ticket's columns as they are, and a settle that changes nothing in the
// ticket (an entry only) leaves its changed time alone. Settle runs one
// prepared UPDATE for all of them; this pins its semantics to those of the
// separate updates it replaced.
func TestSettleChangesOnlyWhatItSays(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	changed := func(v int64) {
		t.Helper()
		if err := s.write(ctx, func(tx *sqlx.Tx) error {
			_, err := tx.Exec("UPDATE tickets SET changed = ? WHERE source_id = 'T1'", v)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	type want struct {
		whmcs        int64
		tid, c       string
		run          int64
		status, prio string
		dept         int64
		changedKept  bool
		entries      int
	}
	steps := []struct {
		name string
		o    Outcome
		want want
	}{
		{"open", Outcome{RunID: 3, WHMCSID: 42, TID: "111", C: "ab", Status: "Open", Priority: "High", DeptID: 2},
			want{whmcs: 42, tid: "111", c: "ab", run: 3, status: "Open", prio: "High", dept: 2}},
		{"entry only", Outcome{RunID: 4, EntryKey: "e1", EntryHash: "h", Kind: "reply"},
			want{whmcs: 42, tid: "111", c: "ab", run: 3, status: "Open", prio: "High", dept: 2, changedKept: true, entries: 1}},
		{"status only", Outcome{RunID: 4, Status: "Closed"},
			want{whmcs: 42, tid: "111", c: "ab", run: 3, status: "Closed", prio: "High", dept: 2, entries: 1}},
		{"tid without ticket is ignored", Outcome{RunID: 5, TID: "999", C: "zz", Priority: "Low"},
			want{whmcs: 42, tid: "111", c: "ab", run: 3, status: "Closed", prio: "Low", dept: 2, entries: 1}},
		{"dept only", Outcome{RunID: 5, DeptID: 7},
			want{whmcs: 42, tid: "111", c: "ab", run: 3, status: "Closed", prio: "Low", dept: 7, entries: 1}},
		{"reopened elsewhere", Outcome{RunID: 6, WHMCSID: 43, TID: "222", C: "cd"},
			want{whmcs: 43, tid: "222", c: "cd", run: 6, status: "Closed", prio: "Low", dept: 7, entries: 1}},
	}
	for _, st := range steps {
		in := &Intent{RunID: st.o.RunID, SourceID: "T1", Step: st.name, Action: "AddTicketReply"}
		if err := s.BeginIntent(ctx, in); err != nil {
			t.Fatal(err)
		}
		changed(1)
		if err := s.Settle(ctx, "T1", in.ID, st.o); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		tk, err := s.Ticket(ctx, "T1")
		if err != nil {
			t.Fatal(err)
		}
		got := want{whmcs: tk.WHMCSID, tid: tk.TID, c: tk.C, run: tk.CreatedRun, status: tk.Status, prio: tk.Priority,
			dept: tk.DeptID, changedKept: tk.Changed.Unix() == 1, entries: len(tk.Entries)}
		if got != st.want || tk.State != StatePending {
			t.Errorf("%s: ticket %+v (state %s), want %+v", st.name, got, tk.State, st.want)
		}
		if p, _ := s.Pending(ctx, "T1"); len(p) != 0 {
			t.Errorf("%s: intent not removed: %+v", st.name, p)
		}
	}
}
