package checkpoints

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// schemaRunCreated counts, per run, the WHMCS tickets it created (or
// adopted): a ticket's row is counted for its run when the row gains a
// WHMCS ticket, by triggers in the same transaction as the outcome that
// records it, so the count is never ahead of the checkpoint nor behind
// it, whatever killed the run. Unlike the tickets still mapped to a run
// (Run.Created), it does not shrink when a rollback forgets the tickets,
// and unlike a run's summary it exists for a run that was killed, and
// counts the tickets an interrupted run opened but did not finish.
const schemaRunCreated = `
CREATE TABLE IF NOT EXISTS run_created (
	run_id  INTEGER PRIMARY KEY,
	created INTEGER NOT NULL DEFAULT 0
);
CREATE TRIGGER IF NOT EXISTS run_created_insert AFTER INSERT ON tickets
	WHEN NEW.whmcs_id != 0 AND NEW.created_run != 0
BEGIN
	INSERT INTO run_created (run_id, created) VALUES (NEW.created_run, 1)
		ON CONFLICT (run_id) DO UPDATE SET created = created + 1;
END;
CREATE TRIGGER IF NOT EXISTS run_created_update AFTER UPDATE OF whmcs_id, created_run ON tickets
	WHEN NEW.whmcs_id != 0 AND NEW.created_run != 0
		AND (OLD.whmcs_id != NEW.whmcs_id OR OLD.created_run != NEW.created_run)
BEGIN
	INSERT INTO run_created (run_id, created) VALUES (NEW.created_run, 1)
		ON CONFLICT (run_id) DO UPDATE SET created = created + 1;
END;
`

// applyRunCreated creates run_created and its triggers; on a checkpoint
// of an earlier version (no such table yet) it starts each run's count at
// the tickets still mapped to it, all that is known.
func applyRunCreated(tx *sqlx.Tx) error {
	var have int
	if err := tx.Get(&have, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'run_created'"); err != nil {
		return err
	}
	if _, err := tx.Exec(schemaRunCreated); err != nil {
		return err
	}
	if have > 0 {
		return nil
	}
	_, err := tx.Exec(`INSERT INTO run_created (run_id, created)
		SELECT created_run, count(*) FROM tickets WHERE whmcs_id != 0 AND created_run != 0 GROUP BY created_run`)
	return err
}

// CreatedByRun returns, by run id, how many WHMCS tickets each run
// created or adopted, whether or not a later rollback deleted them, and
// whether or not the run lived to write its summary (see
// schemaRunCreated). A checkpoint of an earlier version counts, for its
// runs before the upgrade, only the tickets still mapped then.
func (s *Store) CreatedByRun(ctx context.Context) (map[int64]int, error) {
	var rows []struct {
		Run     int64 `db:"run_id"`
		Created int   `db:"created"`
	}
	if err := s.r.SelectContext(ctx, &rows, "SELECT run_id, created FROM run_created"); err != nil {
		return nil, fmt.Errorf("count the tickets each run created in %s: %w", s.path, err)
	}
	m := make(map[int64]int, len(rows))
	for _, r := range rows {
		m[r.Run] = r.Created
	}
	return m, nil
}

// InWHMCS is how many tickets the checkpoint maps to a WHMCS ticket that
// is there as far as it knows: imported, or opened by a run that stopped
// (interrupted, killed, failed) before the ticket's last call; not those
// found deleted in WHMCS.
func (s *Store) InWHMCS(ctx context.Context) (int, error) {
	var n int
	if err := s.r.GetContext(ctx, &n, "SELECT count(*) FROM tickets WHERE whmcs_id != 0 AND state != ?", StateDeleted); err != nil {
		return 0, fmt.Errorf("count the tickets in WHMCS in %s: %w", s.path, err)
	}
	return n, nil
}
