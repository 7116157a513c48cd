package checkpoints

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// StateDeleted is the state of a ticket the importer found gone from WHMCS
// (deleted there, or merged into another ticket): Error says which. Runs
// skip it until it is forgotten (run --only ID --reimport) and imported
// again.
const StateDeleted = "deleted_in_whmcs"

// conflictSchema is the table of open cut-over conflicts; applied at open
// after schema, idempotent, so a checkpoint of an earlier version gains it.
const conflictSchema = `
CREATE TABLE IF NOT EXISTS conflicts (
	source_id    TEXT    NOT NULL,
	field        TEXT    NOT NULL,
	whmcs_id     INTEGER NOT NULL DEFAULT 0,
	whmcs_value  TEXT    NOT NULL,
	source_value TEXT    NOT NULL,
	reason       TEXT    NOT NULL DEFAULT '',
	run_id       INTEGER NOT NULL DEFAULT 0,
	found        INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (source_id, field)
);
`

// Conflict is an open cut-over conflict: a field of an imported ticket that
// someone changed in WHMCS and that the source wanted otherwise, where
// WHMCS's value was kept (sync.on_conflict: whmcs). It stays open until a
// later sync finds WHMCS and the source agreeing, or writes the source's
// value (sync.on_conflict: source).
type Conflict struct {
	SourceID string
	WHMCSID  int64
	Field    string // "status", "priority", "department", "flag", "cc"
	WHMCS    string // WHMCS's value, kept
	Source   string // the source's value, not written
	Reason   string // why it is a conflict, in words
	RunID    int64  // the run that found it
	Found    time.Time
}

// OpenConflicts lists the open conflicts of one ticket, or of every ticket
// when sourceID is "", by ticket and field.
func (s *Store) OpenConflicts(ctx context.Context, sourceID string) ([]Conflict, error) {
	q := "SELECT source_id, whmcs_id, field, whmcs_value, source_value, reason, run_id, found FROM conflicts"
	var args []any
	if sourceID != "" {
		q += " WHERE source_id = ?"
		args = append(args, sourceID)
	}
	rows, err := s.r.QueryContext(ctx, q+" ORDER BY source_id, field", args...)
	if err != nil {
		return nil, fmt.Errorf("list conflicts in %s: %w", s.path, err)
	}
	defer rows.Close()
	var out []Conflict
	for rows.Next() {
		var c Conflict
		var found int64
		if err := rows.Scan(&c.SourceID, &c.WHMCSID, &c.Field, &c.WHMCS, &c.Source, &c.Reason, &c.RunID, &found); err != nil {
			return nil, fmt.Errorf("list conflicts in %s: %w", s.path, err)
		}
		c.Found = fromUnix(found)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list conflicts in %s: %w", s.path, err)
	}
	return out, nil
}

// ConflictedTickets returns the source ids of the tickets with an open
// conflict: a run reads it once, so that only those tickets pay a look-up.
func (s *Store) ConflictedTickets(ctx context.Context) (map[string]bool, error) {
	var ids []string
	if err := s.r.SelectContext(ctx, &ids, "SELECT DISTINCT source_id FROM conflicts"); err != nil {
		return nil, fmt.Errorf("list conflicts in %s: %w", s.path, err)
	}
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// SetConflicts records, for one ticket, the conflicts now open (each
// replaces the one of its field) and closes those of the fields in closed.
func (s *Store) SetConflicts(ctx context.Context, sourceID string, open []Conflict, closed []string) error {
	if len(open) == 0 && len(closed) == 0 {
		return nil
	}
	err := s.write(ctx, func(tx *sqlx.Tx) error {
		for _, f := range closed {
			if _, err := tx.Exec("DELETE FROM conflicts WHERE source_id = ? AND field = ?", sourceID, f); err != nil {
				return err
			}
		}
		for _, c := range open {
			if _, err := tx.Exec(`INSERT INTO conflicts (source_id, field, whmcs_id, whmcs_value, source_value, reason, run_id, found)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (source_id, field) DO UPDATE SET whmcs_id = excluded.whmcs_id, whmcs_value = excluded.whmcs_value,
				source_value = excluded.source_value, reason = excluded.reason, run_id = excluded.run_id, found = excluded.found`,
				sourceID, c.Field, c.WHMCSID, c.WHMCS, c.Source, c.Reason, c.RunID, unix(c.Found)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record conflicts of ticket %s in %s: %w", sourceID, s.path, err)
	}
	return nil
}

// MarkDeleted records that a ticket is gone from WHMCS (reason: "deleted in
// WHMCS", "merged into WHMCS ticket N"): its state becomes StateDeleted,
// its unsettled intents and open conflicts are dropped (there is nothing
// left to reconcile them against). Its WHMCS id and entries are kept, for
// status and verify.
func (s *Store) MarkDeleted(ctx context.Context, sourceID, reason string) error {
	err := s.write(ctx, func(tx *sqlx.Tx) error {
		for _, q := range []string{"DELETE FROM intents WHERE source_id = ?", "DELETE FROM conflicts WHERE source_id = ?"} {
			if _, err := tx.Exec(q, sourceID); err != nil {
				return err
			}
		}
		_, err := tx.Exec("UPDATE tickets SET state = ?, error = ?, changed = ? WHERE source_id = ?", StateDeleted, reason, time.Now().Unix(), sourceID)
		return err
	})
	if err != nil {
		return fmt.Errorf("record ticket %s as deleted in WHMCS in %s: %w", sourceID, s.path, err)
	}
	return nil
}

// DeletedTickets lists the tickets found gone from WHMCS (StateDeleted),
// by source id, without their entries.
func (s *Store) DeletedTickets(ctx context.Context) ([]*Ticket, error) {
	var rows []ticketRow
	if err := s.r.SelectContext(ctx, &rows, "SELECT "+ticketCols+" FROM tickets WHERE state = ? ORDER BY source_id", StateDeleted); err != nil {
		return nil, fmt.Errorf("list tickets deleted in WHMCS in %s: %w", s.path, err)
	}
	out := make([]*Ticket, len(rows))
	for i, r := range rows {
		out[i] = r.ticket()
	}
	return out, nil
}
