package checkpoints

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/whmcs-migrate/whmcs-migrate/internal/proc"
)

// ErrLocked is wrapped by the *LockedError Lock returns when another live
// process holds the checkpoint.
var ErrLocked = errors.New("checkpoint is locked by another run")

// Holder describes the process holding the run lock.
type Holder struct {
	PID   int
	Host  string
	Since time.Time
}

// LockedError says who holds the lock.
type LockedError struct {
	Path   string
	Holder Holder
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("checkpoint %s is in use by pid %d on %s since %s",
		e.Path, e.Holder.PID, e.Holder.Host, e.Holder.Since.Local().Format(time.RFC3339))
}

func (e *LockedError) Unwrap() error { return ErrLocked }

// staleAfter is how old a heartbeat from another host must be before the
// lock is taken over (on the same host a dead pid is enough).
const staleAfter = 2 * time.Minute

// Lock takes the run lock: one run (or rollback) per checkpoint at a time.
// The lock of a dead process (same host, pid gone) or of a holder whose
// heartbeat is older than two minutes is taken over. The returned release
// function stops the heartbeat and frees the lock; its error says that the
// lock could not be freed, or that a heartbeat could not be written (the
// last such error, with how many failed: a lock whose heartbeats all fail
// looks stale to another host after two minutes). It is safe to call
// twice. The work done under the lock is durable either way, and the next
// Lock takes over a lock left behind by a process that is gone.
func (s *Store) Lock(ctx context.Context) (release func() error, err error) {
	host, _ := os.Hostname()
	pid := os.Getpid()
	var tb [8]byte
	rand.Read(tb[:])
	token := hex.EncodeToString(tb[:])
	now := time.Now()

	var held *LockedError
	err = s.write(ctx, func(tx *sqlx.Tx) error {
		var cur struct {
			PID   int    `db:"pid"`
			Host  string `db:"host"`
			Since int64  `db:"since"`
			Beat  int64  `db:"beat"`
		}
		err := tx.Get(&cur, "SELECT pid, host, since, beat FROM lock WHERE id = 1")
		switch {
		case noRows(err):
		case err != nil:
			return err
		default:
			if alive(cur.Host, cur.PID, host, time.Unix(cur.Beat, 0), now) {
				held = &LockedError{Path: s.path, Holder: Holder{PID: cur.PID, Host: cur.Host, Since: time.Unix(cur.Since, 0)}}
				return nil
			}
		}
		_, err = tx.Exec(`INSERT INTO lock (id, pid, host, since, beat, token) VALUES (1, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, host = excluded.host, since = excluded.since, beat = excluded.beat, token = excluded.token`,
			pid, host, now.Unix(), now.Unix(), token)
		return err
	})
	if err != nil && isBusy(err) {
		// Another process kept the database's write lock longer than the
		// busy timeout: name the run lock's holder when there is one, never
		// a bare SQLITE_BUSY.
		if h, ok := s.holder(ctx); ok {
			return nil, &LockedError{Path: s.path, Holder: h}
		}
		return nil, fmt.Errorf("checkpoint %s is busy: another process keeps it locked for writing (%w): %w", s.path, err, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("lock checkpoint %s: %w", s.path, err)
	}
	if held != nil {
		return nil, held
	}

	s.locked.Store(true)
	stop := make(chan struct{})
	beatDone := make(chan struct{})
	// beatErr is the last heartbeat's write error and beatFails how many
	// failed, read by release after beatDone.
	var beatErr error
	var beatFails int
	go func() {
		defer close(beatDone)
		t := time.NewTicker(staleAfter / 4)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if err := s.write(context.Background(), func(tx *sqlx.Tx) error {
					_, err := tx.Exec("UPDATE lock SET beat = ? WHERE id = 1 AND token = ?", time.Now().Unix(), token)
					return err
				}); err != nil {
					beatErr = err
					beatFails++
				}
			}
		}
	}()
	var released bool
	return func() error {
		if released {
			return nil
		}
		released = true
		close(stop)
		<-beatDone
		defer s.locked.Store(false)
		var errs []error
		if beatErr != nil {
			errs = append(errs, fmt.Errorf("checkpoint %s: %d lock heartbeats failed, the last: %w", s.path, beatFails, beatErr))
		}
		if err := s.write(context.Background(), func(tx *sqlx.Tx) error {
			_, err := tx.Exec("DELETE FROM lock WHERE id = 1 AND token = ?", token)
			return err
		}); err != nil {
			errs = append(errs, fmt.Errorf("unlock checkpoint %s: %w", s.path, err))
		}
		return errors.Join(errs...)
	}, nil
}

// Locked reports whether this Store holds the run lock: Lock returned
// and its release was not called. A caller that takes the lock early (run
// takes it before its preflight, so that a run that cannot proceed makes
// no call) passes the Store down, and the code below does not take it
// again.
func (s *Store) Locked() bool { return s.locked.Load() }

// holder reads the run lock's holder, if a live one holds it.
func (s *Store) holder(ctx context.Context) (Holder, bool) {
	var cur struct {
		PID   int    `db:"pid"`
		Host  string `db:"host"`
		Since int64  `db:"since"`
		Beat  int64  `db:"beat"`
	}
	if err := s.r.GetContext(ctx, &cur, "SELECT pid, host, since, beat FROM lock WHERE id = 1"); err != nil {
		return Holder{}, false
	}
	host, _ := os.Hostname()
	if !alive(cur.Host, cur.PID, host, time.Unix(cur.Beat, 0), time.Now()) {
		return Holder{}, false
	}
	return Holder{PID: cur.PID, Host: cur.Host, Since: time.Unix(cur.Since, 0)}, true
}

// alive reports whether a recorded lock holder still runs.
func alive(holderHost string, pid int, host string, beat, now time.Time) bool {
	if holderHost == host {
		if pid == os.Getpid() {
			return true // this process already holds it (a second Lock is a bug, but not a takeover)
		}
		return proc.Alive(pid)
	}
	return now.Sub(beat) < staleAfter
}
