package checkpoints

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// Meta keys of the WHMCS a checkpoint belongs to: the site of the API URL
// (scheme, host, port and path; never credentials) and the install's own
// System URL as WHMCS reported it ("" when unknown). A checkpoint of an
// earlier version has neither.
const (
	MetaTargetSite      = "target_site"
	MetaTargetSystemURL = "target_system_url"
)

// Target returns the WHMCS the checkpoint belongs to: "" and "" when none
// is recorded yet.
func (s *Store) Target(ctx context.Context) (site, systemURL string, err error) {
	if site, err = s.Meta(ctx, MetaTargetSite); err != nil {
		return "", "", err
	}
	if systemURL, err = s.Meta(ctx, MetaTargetSystemURL); err != nil {
		return "", "", err
	}
	return site, systemURL, nil
}

// SetTarget records the WHMCS the checkpoint belongs to, both keys in one
// durable transaction.
func (s *Store) SetTarget(ctx context.Context, site, systemURL string) error {
	err := s.write(ctx, func(tx *sqlx.Tx) error {
		for k, v := range map[string]string{MetaTargetSite: site, MetaTargetSystemURL: systemURL} {
			if _, err := tx.Exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", k, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record the target WHMCS in %s: %w", s.path, err)
	}
	return nil
}
