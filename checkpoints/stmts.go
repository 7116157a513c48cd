package checkpoints

import (
	"database/sql"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// stmtID names one of the statements every write path runs: they are
// prepared once on the writer connection, so that the commit loop does not
// spend its time having SQLite parse the same SQL again for every op.
type stmtID int

const (
	stmtSavepoint stmtID = iota
	stmtRelease
	stmtInsertIntent
	stmtEnsureTicket
	stmtDeleteIntent
	stmtUpsertEntry
	stmtUpdateTicket
	stmtFinish
	stmtSetField
	stmtClearField
	numStmts
)

var stmtSQL = [numStmts]string{
	stmtSavepoint: "SAVEPOINT op",
	stmtRelease:   "RELEASE op",
	stmtInsertIntent: `INSERT INTO intents (run_id, source_id, step, action, whmcs_id, created, message_hash,
		subject, client_id, email, entry_key, entry_hash, kind, began) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	// The ticket row exists from its first intent on, pending.
	stmtEnsureTicket: `INSERT INTO tickets (source_id, state, changed) VALUES (?, ?, ?)
		ON CONFLICT (source_id) DO NOTHING`,
	stmtDeleteIntent: "DELETE FROM intents WHERE id = ?",
	stmtUpsertEntry: `INSERT INTO entries (source_id, entry_key, hash, kind, created, message_hash, run_id)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source_id, entry_key) DO UPDATE SET hash = excluded.hash,
		created = excluded.created, message_hash = excluded.message_hash`,
	// What an outcome changes in its ticket, in one statement: the WHMCS
	// ticket when the write opened it (?1, the whmcs_id, is not 0), and
	// each of status, priority and dept_id that is not empty/0.
	stmtUpdateTicket: `UPDATE tickets SET
		whmcs_id    = CASE WHEN ?1 != 0 THEN ?1 ELSE whmcs_id END,
		tid         = CASE WHEN ?1 != 0 THEN ?2 ELSE tid END,
		c           = CASE WHEN ?1 != 0 THEN ?3 ELSE c END,
		created_run = CASE WHEN ?1 != 0 THEN ?4 ELSE created_run END,
		status      = COALESCE(NULLIF(?5, ''), status),
		priority    = COALESCE(NULLIF(?6, ''), priority),
		dept_id     = COALESCE(NULLIF(?7, 0), dept_id),
		changed     = ?8
		WHERE source_id = ?9`,
	stmtFinish: `UPDATE tickets SET state = ?, error = '', source_updated = ?, changed = ? WHERE source_id = ?`,
	stmtSetField: `INSERT INTO ticket_fields (source_id, name, value) VALUES (?, ?, ?)
		ON CONFLICT (source_id, name) DO UPDATE SET value = excluded.value`,
	stmtClearField: "DELETE FROM ticket_fields WHERE source_id = ? AND name = ?",
}

// prepare prepares the hot statements on the writer connection.
func (s *Store) prepare() error {
	for id, q := range stmtSQL {
		st, err := s.w.Preparex(q)
		if err != nil {
			for _, p := range s.prepared[:id] {
				_ = p.Close() // the prepare's error is the one to report
			}
			return fmt.Errorf("prepare %q: %w", q, err)
		}
		s.prepared[id] = st
	}
	return nil
}

// exec runs the prepared statement id in tx, the commit loop's current
// transaction. Only the commit loop (and the ops it runs) may call it.
func (s *Store) exec(tx *sqlx.Tx, id stmtID, args ...any) (sql.Result, error) {
	if tx != s.boundTx {
		// A new transaction: the handles of the last one are closed.
		s.boundTx, s.bound = tx, [numStmts]*sqlx.Stmt{}
	}
	st := s.bound[id]
	if st == nil {
		// Stmtx finds the statement already prepared on the writer
		// connection (the only one) and only binds it to tx.
		st = tx.Stmtx(s.prepared[id])
		s.bound[id] = st
	}
	return st.Exec(args...)
}
