package checkpoints

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
)

// Intent is a write the importer is about to send (or sent, without
// learning the outcome). It holds what reconciliation needs to find the
// write's effect in WHMCS.
type Intent struct {
	ID       int64
	RunID    int64
	SourceID string
	Step     string // the plan step key: "open", "entry:<key>"
	Action   string // "OpenTicket", "AddTicketReply", "AddTicketNote"
	WHMCSID  int64  // the WHMCS ticket (0 for OpenTicket)
	// Created is the created date sent; MessageHash the hash of the
	// message sent.
	Created     time.Time
	MessageHash string
	// For OpenTicket: the subject and requester searched with GetTickets.
	Subject  string
	ClientID int64
	Email    string
	// The entry the write imports, recorded when it settles.
	EntryKey  string
	EntryHash string
	Kind      string
}

// BeginIntent records in before its write is sent, and returns once the
// record is durable. It sets in.ID.
func (s *Store) BeginIntent(ctx context.Context, in *Intent) error {
	err := s.write(ctx, func(tx *sqlx.Tx) error {
		res, err := s.exec(tx, stmtInsertIntent, in.RunID, in.SourceID, in.Step, in.Action, in.WHMCSID, unix(in.Created),
			in.MessageHash, in.Subject, in.ClientID, in.Email, in.EntryKey, in.EntryHash, in.Kind, time.Now().Unix())
		if err != nil {
			return err
		}
		// The ticket row exists from its first intent on, pending.
		if _, err := s.exec(tx, stmtEnsureTicket, in.SourceID, StatePending, time.Now().Unix()); err != nil {
			return err
		}
		in.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return fmt.Errorf("journal %s of ticket %s in %s: %w", in.Step, in.SourceID, s.path, err)
	}
	return nil
}

// Pending returns the intents of a ticket that have no outcome, oldest
// first.
func (s *Store) Pending(ctx context.Context, sourceID string) ([]Intent, error) {
	var rows []struct {
		ID          int64  `db:"id"`
		RunID       int64  `db:"run_id"`
		SourceID    string `db:"source_id"`
		Step        string `db:"step"`
		Action      string `db:"action"`
		WHMCSID     int64  `db:"whmcs_id"`
		Created     int64  `db:"created"`
		MessageHash string `db:"message_hash"`
		Subject     string `db:"subject"`
		ClientID    int64  `db:"client_id"`
		Email       string `db:"email"`
		EntryKey    string `db:"entry_key"`
		EntryHash   string `db:"entry_hash"`
		Kind        string `db:"kind"`
	}
	err := s.r.SelectContext(ctx, &rows, `SELECT id, run_id, source_id, step, action, whmcs_id, created, message_hash,
		subject, client_id, email, entry_key, entry_hash, kind FROM intents WHERE source_id = ? ORDER BY id`, sourceID)
	if err != nil {
		return nil, fmt.Errorf("read intents of ticket %s from %s: %w", sourceID, s.path, err)
	}
	out := make([]Intent, len(rows))
	for i, r := range rows {
		out[i] = Intent{ID: r.ID, RunID: r.RunID, SourceID: r.SourceID, Step: r.Step, Action: r.Action, WHMCSID: r.WHMCSID,
			Created: fromUnix(r.Created), MessageHash: r.MessageHash, Subject: r.Subject, ClientID: r.ClientID,
			Email: r.Email, EntryKey: r.EntryKey, EntryHash: r.EntryHash, Kind: r.Kind}
	}
	return out, nil
}

// PendingTickets lists the source ids of tickets with unsettled intents.
func (s *Store) PendingTickets(ctx context.Context) ([]string, error) {
	var ids []string
	if err := s.r.SelectContext(ctx, &ids, "SELECT DISTINCT source_id FROM intents ORDER BY source_id"); err != nil {
		return nil, fmt.Errorf("list unsettled tickets in %s: %w", s.path, err)
	}
	return ids, nil
}

// Outcome is what a settled write did, applied to the ticket's state in
// the same transaction that removes its intent.
type Outcome struct {
	RunID int64
	// Opened: OpenTicket created this WHMCS ticket.
	WHMCSID int64
	TID, C  string
	// Entry imported by the write ("" for none).
	EntryKey, EntryHash, Kind string
	Created                   time.Time
	MessageHash               string
	// What the ticket is now in; empty/0 = unchanged.
	Status, Priority string
	DeptID           int64
	// Fields are ticket-level values the write set (custom fields,
	// assignee, CC; see Ticket.Fields); "" removes one.
	Fields map[string]string
}

// Settle records the outcome of a write known to have taken effect, and
// removes its intent (intentID 0 = a write without intent, such as an
// idempotent UpdateTicket).
func (s *Store) Settle(ctx context.Context, sourceID string, intentID int64, o Outcome) error {
	err := s.writeLazy(ctx, func(tx *sqlx.Tx) error {
		if intentID != 0 {
			if _, err := s.exec(tx, stmtDeleteIntent, intentID); err != nil {
				return err
			}
		}
		return s.apply(tx, sourceID, o, time.Now().Unix())
	})
	if err != nil {
		return fmt.Errorf("settle ticket %s in %s: %w", sourceID, s.path, err)
	}
	return nil
}

// apply writes what outcome o implies in its ticket's state, in tx.
func (s *Store) apply(tx *sqlx.Tx, sourceID string, o Outcome, now int64) error {
	if _, err := s.exec(tx, stmtEnsureTicket, sourceID, StatePending, now); err != nil {
		return err
	}
	if o.EntryKey != "" {
		if _, err := s.exec(tx, stmtUpsertEntry, sourceID, o.EntryKey, o.EntryHash, o.Kind, unix(o.Created),
			o.MessageHash, o.RunID); err != nil {
			return err
		}
	}
	for _, k := range slices.Sorted(maps.Keys(o.Fields)) {
		var err error
		if v := o.Fields[k]; v == "" {
			_, err = s.exec(tx, stmtClearField, sourceID, k)
		} else {
			_, err = s.exec(tx, stmtSetField, sourceID, k, v)
		}
		if err != nil {
			return err
		}
	}
	if o.WHMCSID != 0 || o.Status != "" || o.Priority != "" || o.DeptID != 0 {
		// See stmtUpdateTicket: zero fields leave their column as it is.
		if _, err := s.exec(tx, stmtUpdateTicket, o.WHMCSID, o.TID, o.C, o.RunID,
			o.Status, o.Priority, o.DeptID, now, sourceID); err != nil {
			return err
		}
	}
	return nil
}

// Drop removes an intent whose write certainly did not take effect (refused
// before processing, or reconciled as absent).
func (s *Store) Drop(ctx context.Context, intentID int64) error {
	err := s.writeLazy(ctx, func(tx *sqlx.Tx) error {
		_, err := s.exec(tx, stmtDeleteIntent, intentID)
		return err
	})
	if err != nil {
		return fmt.Errorf("drop intent %d in %s: %w", intentID, s.path, err)
	}
	return nil
}
