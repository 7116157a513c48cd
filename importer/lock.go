package importer

import (
	"context"
	"log/slog"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
)

// HoldLock takes store's run lock for a pass, unless its caller holds it
// already (a command takes it before its preflight, so that a run that
// cannot proceed makes no call). The release it returns is for defer: it
// unlocks only a lock HoldLock took, and logs an unlock (or a heartbeat
// write) that failed rather than dropping it.
func HoldLock(ctx context.Context, store *checkpoints.Store, log *slog.Logger) (release func(), err error) {
	if store.Locked() {
		return func() {}, nil
	}
	unlock, err := store.Lock(ctx)
	if err != nil {
		return nil, err
	}
	return func() {
		if err := unlock(); err != nil {
			log.Warn("checkpoint lock", "error", err)
		}
	}, nil
}
