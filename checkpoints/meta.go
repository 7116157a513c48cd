package checkpoints

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// Meta keys the importer keeps in the checkpoint.
const (
	// MetaTextProfile is how the target WHMCS stores text, as learned by
	// the canary and later read-backs (whmcs.TextProfile.String).
	MetaTextProfile = "text_profile"
	// MetaWHMCSVersion is the target's version as the preflight last read
	// it ("" when the API role denies GetWHMCSDetails).
	MetaWHMCSVersion = "whmcs_version"
)

// Meta returns the value kept under key, "" when there is none.
func (s *Store) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := s.r.GetContext(ctx, &v, "SELECT value FROM meta WHERE key = ?", key)
	if noRows(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read %s from %s: %w", key, s.path, err)
	}
	return v, nil
}

// SetMeta keeps value under key, durably.
func (s *Store) SetMeta(ctx context.Context, key, value string) error {
	err := s.write(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.Exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value)
		return err
	})
	if err != nil {
		return fmt.Errorf("keep %s in %s: %w", key, s.path, err)
	}
	return nil
}
