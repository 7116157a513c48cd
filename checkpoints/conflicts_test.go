package checkpoints

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// Open conflicts: recorded, replaced by field, closed; the ticket's state
// when found deleted in WHMCS; forgetting a ticket forgets its conflicts.
func TestConflictsAndDeleted(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	for _, id := range []string{"A", "B"} {
		if err := s.Settle(ctx, id, 0, Outcome{RunID: 1, WHMCSID: map[string]int64{"A": 11, "B": 12}[id], Status: "Open"}); err != nil {
			t.Fatal(err)
		}
		if err := s.Finish(ctx, id, time.Unix(100, 0)); err != nil {
			t.Fatal(err)
		}
	}
	found := time.Unix(1700000000, 0)
	if err := s.SetConflicts(ctx, "A", []Conflict{
		{Field: "status", WHMCSID: 11, WHMCS: "On Hold", Source: "Closed", Reason: "changed", RunID: 2, Found: found},
		{Field: "priority", WHMCSID: 11, WHMCS: "High", Source: "Low", Reason: "changed", RunID: 2, Found: found},
	}, nil); err != nil {
		t.Fatal(err)
	}
	// A new value replaces the field's conflict; a closed one goes.
	if err := s.SetConflicts(ctx, "A", []Conflict{{Field: "status", WHMCSID: 11, WHMCS: "In Progress", Source: "Closed", RunID: 3, Found: found}}, []string{"priority"}); err != nil {
		t.Fatal(err)
	}
	open, err := s.OpenConflicts(ctx, "")
	if err != nil || len(open) != 1 || open[0].SourceID != "A" || open[0].WHMCS != "In Progress" || open[0].RunID != 3 || !open[0].Found.Equal(found) {
		t.Fatalf("open %+v, %v", open, err)
	}
	if ids, err := s.ConflictedTickets(ctx); err != nil || len(ids) != 1 || !ids["A"] {
		t.Fatalf("conflicted %v, %v", ids, err)
	}

	if err := s.BeginIntent(ctx, &Intent{RunID: 3, SourceID: "B", Step: "entry:x", Action: "AddTicketReply", WHMCSID: 12}); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkDeleted(ctx, "B", "deleted in WHMCS"); err != nil {
		t.Fatal(err)
	}
	tk, err := s.Ticket(ctx, "B")
	if err != nil || tk.State != StateDeleted || tk.Error != "deleted in WHMCS" || tk.WHMCSID != 12 {
		t.Fatalf("B: %+v, %v", tk, err)
	}
	c, err := s.Counts(ctx)
	if err != nil || c.Deleted != 1 || c.Imported != 1 || c.Pending != 0 || c.Unsettled != 0 {
		t.Fatalf("counts %+v, %v", c, err)
	}
	if gone, err := s.DeletedTickets(ctx); err != nil || len(gone) != 1 || gone[0].SourceID != "B" {
		t.Fatalf("deleted %+v, %v", gone, err)
	}
	if err := s.Forget(ctx, "A"); err != nil {
		t.Fatal(err)
	}
	if open, err := s.OpenConflicts(ctx, "A"); err != nil || len(open) != 0 {
		t.Fatalf("after forget: %+v, %v", open, err)
	}
}

// A checkpoint of the previous version (no conflicts table) gains it.
func TestConflictsTableOnOldCheckpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(schema); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if open, err := s.OpenConflicts(context.Background(), ""); err != nil || len(open) != 0 {
		t.Fatalf("%+v, %v", open, err)
	}
}
