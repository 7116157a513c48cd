package checkpoints

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/jmoiron/sqlx"
)

// StepDelete is the Intent.Step of a rollback's deletion of a ticket: the
// intent is begun before the deletion is sent and settled by
// ForgetDeleted (the ticket is gone) or dropped (it is certainly still
// there). Such intents belong to the rollback, not to the import: Counts
// leaves them out of Unsettled, and UnfinishedRollbacks counts them.
const StepDelete = "delete"

// BeginRollback records the start of a rollback run that deletes the
// tickets run target created (0: every run's), planned of them, and
// returns its run id. The run and what it deletes are recorded in one
// durable transaction, so that a rollback killed at any moment is named
// by UnfinishedRollbacks with what it was deleting.
func (s *Store) BeginRollback(ctx context.Context, target int64, planned int) (int64, error) {
	host, _ := os.Hostname()
	var id int64
	err := s.write(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.Exec("INSERT INTO runs (kind, started, pid, host) VALUES (?, ?, ?, ?)",
			KindRollback, time.Now().Unix(), os.Getpid(), host)
		if err != nil {
			return err
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		_, err = tx.Exec("INSERT INTO rollbacks (run_id, target_run, planned) VALUES (?, ?, ?)", id, target, planned)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("begin rollback in %s: %w", s.path, err)
	}
	return id, nil
}

// ForgetDeleted settles the deletion of a ticket that WHMCS no longer has
// (deleted, or found gone): the ticket, its entries and its intents (the
// deletion's too) are forgotten, so that a later run imports it again, and
// the rollback run that deleted it counts one more deletion. One durable
// transaction: the checkpoint never says a deleted ticket is imported.
func (s *Store) ForgetDeleted(ctx context.Context, sourceID string, rollbackRun int64) error {
	err := s.write(ctx, func(tx *sqlx.Tx) error {
		for _, q := range forgetSQL {
			if _, err := tx.Exec(q, sourceID); err != nil {
				return err
			}
		}
		_, err := tx.Exec("UPDATE rollbacks SET deleted = deleted + 1 WHERE run_id = ?", rollbackRun)
		return err
	})
	if err != nil {
		return fmt.Errorf("forget deleted ticket %s in %s: %w", sourceID, s.path, err)
	}
	return nil
}

// forgetSQL removes a ticket with everything the checkpoint knows of it.
var forgetSQL = []string{"DELETE FROM entries WHERE source_id = ?", "DELETE FROM ticket_fields WHERE source_id = ?",
	"DELETE FROM intents WHERE source_id = ?", "DELETE FROM conflicts WHERE source_id = ?", "DELETE FROM tickets WHERE source_id = ?"}

// DeleteIntents lists the deletions whose outcome is unknown (a rollback
// killed, or an answer lost), oldest first.
func (s *Store) DeleteIntents(ctx context.Context) ([]Intent, error) {
	var rows []struct {
		ID       int64  `db:"id"`
		RunID    int64  `db:"run_id"`
		SourceID string `db:"source_id"`
		WHMCSID  int64  `db:"whmcs_id"`
		Action   string `db:"action"`
	}
	if err := s.r.SelectContext(ctx, &rows, "SELECT id, run_id, source_id, whmcs_id, action FROM intents WHERE step = ? ORDER BY id", StepDelete); err != nil {
		return nil, fmt.Errorf("list unsettled deletions in %s: %w", s.path, err)
	}
	out := make([]Intent, len(rows))
	for i, r := range rows {
		out[i] = Intent{ID: r.ID, RunID: r.RunID, SourceID: r.SourceID, Step: StepDelete, Action: r.Action, WHMCSID: r.WHMCSID}
	}
	return out, nil
}

// Rollback is a rollback run and what it set out to do.
type Rollback struct {
	Run Run
	// Known is false for a rollback recorded by an earlier version, which
	// did not record its target: Target, All and Planned are then unknown.
	Known bool
	// Target is the run whose tickets it deletes; All: every run's.
	Target int64
	All    bool
	// Planned is how many tickets it set out to delete; Deleted how many
	// it (or a later rollback reconciling its deletions) found gone and
	// forgot.
	Planned, Deleted int
	// Left is how many tickets of its target the checkpoint still maps;
	// Unsettled how many of its deletions have no known outcome.
	Left, Unsettled int
}

// Rollbacks lists every rollback run, oldest first, with what it set out to
// do (Left and Unsettled are filled by UnfinishedRollbacks only).
func (s *Store) Rollbacks(ctx context.Context) ([]Rollback, error) {
	runs, err := s.Runs(ctx)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		RunID   int64 `db:"run_id"`
		Target  int64 `db:"target_run"`
		Planned int   `db:"planned"`
		Deleted int   `db:"deleted"`
	}
	if err := s.r.SelectContext(ctx, &rows, "SELECT run_id, target_run, planned, deleted FROM rollbacks"); err != nil {
		return nil, fmt.Errorf("list rollbacks in %s: %w", s.path, err)
	}
	byRun := make(map[int64]int, len(rows))
	for i, r := range rows {
		byRun[r.RunID] = i
	}
	var out []Rollback
	for _, r := range runs {
		if r.Kind != KindRollback {
			continue
		}
		rb := Rollback{Run: r}
		if i, ok := byRun[r.ID]; ok {
			row := rows[i]
			rb.Known, rb.Target, rb.All, rb.Planned, rb.Deleted = true, row.Target, row.Target == 0, row.Planned, row.Deleted
		}
		out = append(out, rb)
	}
	return out, nil
}

// UnfinishedRollbacks lists the rollbacks that did not finish, oldest
// first: a rollback run that did not end ok (the process died, was
// interrupted, or some deletions failed) and that no later rollback of the
// same tickets (or of every run's) took over, or one whose deletions have
// an unknown outcome. While one is listed, WHMCS may hold only part of
// what the checkpoint says it created: a run must not write (it would
// re-import what the rollback already deleted), and the rollback is
// finished by running it again.
//
// A rollback of an earlier version (no recorded target) that was followed
// by an import run is not listed: that version let the run go on.
func (s *Store) UnfinishedRollbacks(ctx context.Context) ([]Rollback, error) {
	rbs, err := s.Rollbacks(ctx)
	if err != nil {
		return nil, err
	}
	if len(rbs) == 0 {
		return nil, nil
	}
	runs, err := s.Runs(ctx)
	if err != nil {
		return nil, err
	}
	var pending []struct {
		RunID int64 `db:"run_id"`
		N     int   `db:"n"`
	}
	if err := s.r.SelectContext(ctx, &pending, "SELECT run_id, count(*) AS n FROM intents WHERE step = ? GROUP BY run_id", StepDelete); err != nil {
		return nil, fmt.Errorf("count unsettled deletions in %s: %w", s.path, err)
	}
	unsettled := map[int64]int{}
	for _, p := range pending {
		unsettled[p.RunID] = p.N
	}
	var out []Rollback
	for i, rb := range rbs {
		rb.Unsettled = unsettled[rb.Run.ID]
		if rb.Run.Outcome == OutcomeOK && rb.Unsettled == 0 || rb.Unsettled == 0 && finishedLater(rb, rbs[i+1:], runs) {
			continue
		}
		q, args := "SELECT count(*) FROM tickets WHERE whmcs_id != 0 AND created_run != 0", []any{}
		if rb.Known && !rb.All {
			q += " AND created_run = ?"
			args = append(args, rb.Target)
		}
		if err := s.r.GetContext(ctx, &rb.Left, q, args...); err != nil {
			return nil, fmt.Errorf("count the tickets left to roll back in %s: %w", s.path, err)
		}
		out = append(out, rb)
	}
	return out, nil
}

// finishedLater reports whether a rollback that did not end ok was taken
// over since: by a later rollback of the same tickets (or of every run's),
// which is listed instead if it did not finish either, or, for an earlier
// version's rollback, by an import run after it.
func finishedLater(rb Rollback, later []Rollback, runs []Run) bool {
	for _, l := range later {
		if l.All || !rb.Known || l.Known && !rb.All && l.Target == rb.Target {
			return true
		}
	}
	if !rb.Known {
		for _, r := range runs {
			if r.ID > rb.Run.ID && r.Kind == KindImport {
				return true
			}
		}
	}
	return false
}
