package checkpoints

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Found records, in one transaction, what a run found already in WHMCS for
// a ticket that an earlier run wrote and the checkpoint does not remember
// (a lost, new or stale checkpoint): each outcome as Settle records it.
// adopted says the ticket itself was found (its OpenTicket outcome is
// among os) rather than only some of its entries: it is then counted as
// adopted by runID (Adopted).
//
// It is one transaction, fsync'd: a ticket half recorded would have its
// other entries written again by the next run.
func (s *Store) Found(ctx context.Context, sourceID string, runID int64, adopted bool, os []Outcome) error {
	err := s.write(ctx, func(tx *sqlx.Tx) error {
		now := time.Now().Unix()
		var whmcsID int64
		for _, o := range os {
			if err := s.apply(tx, sourceID, o, now); err != nil {
				return err
			}
			if o.WHMCSID != 0 {
				whmcsID = o.WHMCSID
			}
		}
		if !adopted {
			return nil
		}
		_, err := tx.Exec(`INSERT INTO adoptions (source_id, whmcs_id, run_id, at) VALUES (?, ?, ?, ?)
			ON CONFLICT (source_id) DO UPDATE SET whmcs_id = excluded.whmcs_id, run_id = excluded.run_id, at = excluded.at`,
			sourceID, whmcsID, runID, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("record what WHMCS holds of ticket %s in %s: %w", sourceID, s.path, err)
	}
	return nil
}

// Adopted counts the tickets adopted (see Found) that are still mapped to
// the WHMCS ticket they were adopted as; runID 0 counts every run's.
func (s *Store) Adopted(ctx context.Context, runID int64) (int, error) {
	q := `SELECT count(*) FROM adoptions a JOIN tickets t ON t.source_id = a.source_id AND t.whmcs_id = a.whmcs_id`
	args := []any{}
	if runID != 0 {
		q += " WHERE a.run_id = ?"
		args = append(args, runID)
	}
	var n int
	if err := s.r.GetContext(ctx, &n, q, args...); err != nil {
		return 0, fmt.Errorf("count adopted tickets in %s: %w", s.path, err)
	}
	return n, nil
}

// KindAdopt is the run of whmcs-migrate adopt --yes: it rebuilt what the
// checkpoint knew from WHMCS and wrote nothing there.
const KindAdopt RunKind = "adopt"

// AdoptedBy returns the source ticket that adopted a WHMCS ticket and is
// still mapped to it, "" when none: a WHMCS ticket mapped by adoption may
// be a twin's, where one mapped by its own OpenTicket is not.
func (s *Store) AdoptedBy(ctx context.Context, whmcsID int64) (string, error) {
	var id string
	err := s.r.GetContext(ctx, &id, `SELECT a.source_id FROM adoptions a JOIN tickets t ON t.source_id = a.source_id AND t.whmcs_id = a.whmcs_id
		WHERE a.whmcs_id = ? LIMIT 1`, whmcsID)
	if noRows(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("look up the adoption of WHMCS ticket %d in %s: %w", whmcsID, s.path, err)
	}
	return id, nil
}
