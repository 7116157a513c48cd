package checkpoints

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

func execAll(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func createdByRun(t *testing.T, path string) map[int64]int {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	m, err := s.CreatedByRun(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// A run's created count grows as its tickets gain a WHMCS ticket, once
// each, and does not shrink when the tickets are forgotten (a rollback);
// a checkpoint of an earlier version starts it at what is still mapped.
func TestCreatedByRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cp.db")
	createdByRun(t, path) // the schema
	execAll(t, path,
		`INSERT INTO tickets (source_id) VALUES ('a'), ('b'), ('c')`,                // pending, not opened
		`INSERT INTO tickets (source_id, whmcs_id, created_run) VALUES ('d', 4, 2)`, // adopted on insert
		`UPDATE tickets SET whmcs_id = 1, created_run = 1 WHERE source_id = 'a'`,
		`UPDATE tickets SET whmcs_id = 2, created_run = 1 WHERE source_id = 'b'`,
		`UPDATE tickets SET whmcs_id = 2, created_run = 1, status = 'Open' WHERE source_id = 'b'`, // the same: not again
		`UPDATE tickets SET state = 'imported' WHERE source_id IN ('a', 'b')`,
		`DELETE FROM tickets WHERE source_id IN ('a', 'd')`, // rolled back
	)
	if got := createdByRun(t, path); got[1] != 2 || got[2] != 1 || len(got) != 2 {
		t.Errorf("created by run = %v, want 1: 2, 2: 1", got)
	}
	// 'a' imported again by run 3 (a re-import after the rollback).
	execAll(t, path, `INSERT INTO tickets (source_id) VALUES ('a')`, `UPDATE tickets SET whmcs_id = 7, created_run = 3 WHERE source_id = 'a'`)
	if got := createdByRun(t, path); got[1] != 2 || got[3] != 1 {
		t.Errorf("after a re-import: %v, want 1: 2, 3: 1", got)
	}

	// An earlier version's checkpoint: no table, no triggers.
	old := filepath.Join(t.TempDir(), "old.db")
	createdByRun(t, old)
	execAll(t, old,
		`DROP TRIGGER run_created_insert`, `DROP TRIGGER run_created_update`, `DROP TABLE run_created`,
		`INSERT INTO tickets (source_id, whmcs_id, created_run) VALUES ('x', 1, 5), ('y', 2, 5), ('z', 3, 6), ('w', 0, 0)`)
	if got := createdByRun(t, old); got[5] != 2 || got[6] != 1 || len(got) != 2 {
		t.Errorf("upgraded checkpoint: %v, want 5: 2, 6: 1", got)
	}
	if got := createdByRun(t, old); got[5] != 2 { // opened again: not counted twice
		t.Errorf("reopened: %v", got)
	}
}
