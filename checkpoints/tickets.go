package checkpoints

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Ticket states.
const (
	StatePending  = "pending"  // started (maybe opened in WHMCS), not finished
	StateImported = "imported" // every planned call done
	StateFailed   = "failed"   // the last attempt failed; Error says why
)

// Ticket is what the checkpoint knows of one source ticket.
type Ticket struct {
	SourceID   string
	WHMCSID    int64 // 0 until OpenTicket is known to have succeeded
	TID        string
	C          string
	CreatedRun int64 // the run whose OpenTicket created it
	State      string
	Error      string
	// SourceUpdated is the source's last-change time of the version last
	// imported; Changed is when the checkpoint last changed this ticket.
	SourceUpdated time.Time
	Changed       time.Time
	// Status, Priority and DeptID are what our calls left the WHMCS ticket
	// in.
	Status   string
	Priority string
	DeptID   int64
	// Entries maps each imported entry's key to its content hash.
	Entries map[string]Entry
	// Fields are the ticket-level values our calls set in WHMCS (the
	// importer's keys: "cf:<id>", "flag", "cc"), so that sync sends only
	// what changed. Only Store.Ticket fills it.
	Fields map[string]string
}

// Entry is an imported reply or note.
type Entry struct {
	Key         string
	Hash        string // content hash at import (detects edits)
	Kind        string // "open", "reply", "note"
	Created     time.Time
	MessageHash string // hash of the message as sent (reconcile)
	RunID       int64
}

type ticketRow struct {
	SourceID      string `db:"source_id"`
	WHMCSID       int64  `db:"whmcs_id"`
	TID           string `db:"tid"`
	C             string `db:"c"`
	CreatedRun    int64  `db:"created_run"`
	State         string `db:"state"`
	Error         string `db:"error"`
	SourceUpdated int64  `db:"source_updated"`
	Status        string `db:"status"`
	Priority      string `db:"priority"`
	DeptID        int64  `db:"dept_id"`
	Changed       int64  `db:"changed"`
}

func (r ticketRow) ticket() *Ticket {
	return &Ticket{SourceID: r.SourceID, WHMCSID: r.WHMCSID, TID: r.TID, C: r.C, CreatedRun: r.CreatedRun,
		State: r.State, Error: r.Error, SourceUpdated: fromUnix(r.SourceUpdated), Changed: fromUnix(r.Changed),
		Status: r.Status, Priority: r.Priority, DeptID: r.DeptID}
}

const ticketCols = "source_id, whmcs_id, tid, c, created_run, state, error, source_updated, status, priority, dept_id, changed"

// Ticket returns the state of one source ticket with its entries, or nil
// when the checkpoint has never seen it.
func (s *Store) Ticket(ctx context.Context, sourceID string) (*Ticket, error) {
	var r ticketRow
	err := s.r.GetContext(ctx, &r, "SELECT "+ticketCols+" FROM tickets WHERE source_id = ?", sourceID)
	if noRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read ticket %s from %s: %w", sourceID, s.path, err)
	}
	t := r.ticket()
	var es []struct {
		Key         string `db:"entry_key"`
		Hash        string `db:"hash"`
		Kind        string `db:"kind"`
		Created     int64  `db:"created"`
		MessageHash string `db:"message_hash"`
		RunID       int64  `db:"run_id"`
	}
	if err := s.r.SelectContext(ctx, &es, "SELECT entry_key, hash, kind, created, message_hash, run_id FROM entries WHERE source_id = ?", sourceID); err != nil {
		return nil, fmt.Errorf("read entries of ticket %s from %s: %w", sourceID, s.path, err)
	}
	t.Entries = make(map[string]Entry, len(es))
	for _, e := range es {
		t.Entries[e.Key] = Entry{Key: e.Key, Hash: e.Hash, Kind: e.Kind, Created: fromUnix(e.Created), MessageHash: e.MessageHash, RunID: e.RunID}
	}
	var fs []struct {
		Name  string `db:"name"`
		Value string `db:"value"`
	}
	if err := s.r.SelectContext(ctx, &fs, "SELECT name, value FROM ticket_fields WHERE source_id = ?", sourceID); err != nil {
		return nil, fmt.Errorf("read fields of ticket %s from %s: %w", sourceID, s.path, err)
	}
	t.Fields = make(map[string]string, len(fs))
	for _, f := range fs {
		t.Fields[f.Name] = f.Value
	}
	return t, nil
}

// Header is a ticket's row without its entries, for cheap scans.
type Header struct {
	SourceID      string
	WHMCSID       int64
	State         string
	SourceUpdated time.Time
	CreatedRun    int64
}

// Header returns one ticket's header, nil when unknown. It is the cheap
// look-up incremental sync makes for every source ticket.
func (s *Store) Header(ctx context.Context, sourceID string) (*Header, error) {
	var r ticketRow
	err := s.r.GetContext(ctx, &r, "SELECT "+ticketCols+" FROM tickets WHERE source_id = ?", sourceID)
	if noRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read ticket %s from %s: %w", sourceID, s.path, err)
	}
	return &Header{SourceID: r.SourceID, WHMCSID: r.WHMCSID, State: r.State, SourceUpdated: fromUnix(r.SourceUpdated), CreatedRun: r.CreatedRun}, nil
}

// Tickets lists every ticket (without entries), by source id. With
// createdRun > 0 only those that run created.
func (s *Store) Tickets(ctx context.Context, createdRun int64) ([]*Ticket, error) {
	q := "SELECT " + ticketCols + " FROM tickets"
	args := []any{}
	if createdRun > 0 {
		q += " WHERE created_run = ?"
		args = append(args, createdRun)
	}
	q += " ORDER BY source_id"
	var rows []ticketRow
	if err := s.r.SelectContext(ctx, &rows, q, args...); err != nil {
		return nil, fmt.Errorf("list tickets in %s: %w", s.path, err)
	}
	out := make([]*Ticket, len(rows))
	for i, r := range rows {
		out[i] = r.ticket()
	}
	return out, nil
}

// EachImported calls fn with the source id and the source's last-change
// time of every imported ticket whose last-change time is known, in
// source id order (bytewise), one row at a time: a sync over a million
// tickets does not hold them all as Tickets. An error of fn stops it and is
// returned.
func (s *Store) EachImported(ctx context.Context, fn func(sourceID string, sourceUpdated time.Time) error) error {
	rows, err := s.r.QueryContext(ctx, "SELECT source_id, source_updated FROM tickets WHERE state = ? AND source_updated <> 0 ORDER BY source_id", StateImported)
	if err != nil {
		return fmt.Errorf("list imported tickets in %s: %w", s.path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var updated int64
		if err := rows.Scan(&id, &updated); err != nil {
			return fmt.Errorf("list imported tickets in %s: %w", s.path, err)
		}
		if err := fn(id, fromUnix(updated)); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list imported tickets in %s: %w", s.path, err)
	}
	return nil
}

// SourceIDByWHMCS returns the source ticket mapped to a WHMCS ticket id, ""
// when none.
func (s *Store) SourceIDByWHMCS(ctx context.Context, whmcsID int64) (string, error) {
	var id string
	err := s.r.GetContext(ctx, &id, "SELECT source_id FROM tickets WHERE whmcs_id = ? LIMIT 1", whmcsID)
	if noRows(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("look up WHMCS ticket %d in %s: %w", whmcsID, s.path, err)
	}
	return id, nil
}

// Counts is how many tickets are in each state.
type Counts struct {
	Imported, Failed, Pending int
	// Deleted is how many imported tickets were found deleted (or merged
	// away) in WHMCS: StateDeleted.
	Deleted int
	// Unsettled is how many intents of runs wait for reconciliation (a
	// rollback's deletions are not counted: see UnfinishedRollbacks).
	Unsettled int
}

// Counts counts tickets by state.
func (s *Store) Counts(ctx context.Context) (Counts, error) {
	var c Counts
	var rows []struct {
		State string `db:"state"`
		N     int    `db:"n"`
	}
	if err := s.r.SelectContext(ctx, &rows, "SELECT state, count(*) AS n FROM tickets GROUP BY state"); err != nil {
		return c, fmt.Errorf("count tickets in %s: %w", s.path, err)
	}
	for _, r := range rows {
		switch r.State {
		case StateImported:
			c.Imported = r.N
		case StateFailed:
			c.Failed = r.N
		case StateDeleted:
			c.Deleted = r.N
		default:
			c.Pending += r.N
		}
	}
	// A rollback's deletions are its own (UnfinishedRollbacks), not writes
	// a run reconciles.
	if err := s.r.GetContext(ctx, &c.Unsettled, "SELECT count(*) FROM intents WHERE step != ?", StepDelete); err != nil {
		return c, fmt.Errorf("count intents in %s: %w", s.path, err)
	}
	return c, nil
}

// Finish records that a ticket's every planned call is done: its state
// becomes imported, with the source's last-change time of what was
// imported.
func (s *Store) Finish(ctx context.Context, sourceID string, sourceUpdated time.Time) error {
	err := s.writeLazy(ctx, func(tx *sqlx.Tx) error {
		_, err := s.exec(tx, stmtFinish, StateImported, unix(sourceUpdated), time.Now().Unix(), sourceID)
		return err
	})
	if err != nil {
		return fmt.Errorf("finish ticket %s in %s: %w", sourceID, s.path, err)
	}
	return nil
}

// Fail records that a ticket failed with reason. What it already has in
// WHMCS stays mapped; the next run resumes it.
func (s *Store) Fail(ctx context.Context, sourceID, reason string) error {
	err := s.writeLazy(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.Exec(`INSERT INTO tickets (source_id, state, error, changed) VALUES (?, ?, ?, ?)
			ON CONFLICT (source_id) DO UPDATE SET state = excluded.state, error = excluded.error, changed = excluded.changed`,
			sourceID, StateFailed, reason, time.Now().Unix())
		return err
	})
	if err != nil {
		return fmt.Errorf("record failure of ticket %s in %s: %w", sourceID, s.path, err)
	}
	return nil
}

// Forget removes a ticket and its entries from the checkpoint (after a
// rollback deleted it in WHMCS), so a later run imports it again.
func (s *Store) Forget(ctx context.Context, sourceID string) error {
	err := s.write(ctx, func(tx *sqlx.Tx) error {
		for _, q := range forgetSQL {
			if _, err := tx.Exec(q, sourceID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("forget ticket %s in %s: %w", sourceID, s.path, err)
	}
	return nil
}
