package checkpoints

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	"modernc.org/sqlite" // registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrClosed is returned by writes on a closed Store.
var ErrClosed = errors.New("checkpoint closed")

// Store is an open checkpoint. It is safe for concurrent use.
type Store struct {
	path string
	w    *sqlx.DB // the one writer connection, used only by the committer
	r    *sqlx.DB // readers (WAL lets them run beside the writer)

	mu     sync.RWMutex // held shared while queueing a write, exclusively by Close
	closed bool
	ops    chan *op
	// fullSync is the writer connection's synchronous mode (only the
	// commit loop touches it).
	fullSync bool
	done     chan struct{}
	quit     chan struct{}
	// prepared are the writer's hot statements, prepared once at Open;
	// bound are the current transaction's handles on them (commit loop
	// only).
	prepared [numStmts]*sqlx.Stmt
	bound    [numStmts]*sqlx.Stmt
	boundTx  *sqlx.Tx
	// locked: this Store holds the run lock (see Locked).
	locked atomic.Bool
	// checkpointErr is the closing WAL checkpoint's error, set by the
	// commit loop before it closes done.
	checkpointErr error
}

type op struct {
	fn  func(*sqlx.Tx) error
	err chan error
	// durable: the caller returns only once the write survives a power
	// loss (fsync). Writes that reconciliation can recover, such as the
	// settle of an intent, need only survive a crash of this process.
	durable bool
}

// Open opens (creating it 0600 when missing) the checkpoint at path.
func Open(path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("open checkpoint: no path")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("open checkpoint %s: %w", path, err)
		}
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open checkpoint %s: %w", path, err)
	}
	_ = f.Close() // created empty, only to set its mode: nothing written to lose

	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"
	// The writer begins its transactions IMMEDIATE: it takes the write
	// lock first, waiting busy_timeout for it. A deferred transaction that
	// reads, then writes (Lock's, the schema's) fails at once with
	// SQLITE_BUSY when another process wrote in between: simultaneous
	// starts saw "database is locked" instead of the lock's holder.
	w, err := sqlx.Open("sqlite", dsn+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open checkpoint %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := applySchema(w); err != nil {
		_ = w.Close() // the schema's error is the one to report
		return nil, fmt.Errorf("open checkpoint %s: create schema: %w", path, err)
	}
	r, err := sqlx.Open("sqlite", dsn+"&_pragma=query_only(1)")
	if err != nil {
		_ = w.Close() // the open's error is the one to report
		return nil, fmt.Errorf("open checkpoint %s: %w", path, err)
	}
	r.SetMaxOpenConns(4)
	s := &Store{path: path, w: w, r: r, ops: make(chan *op, 256), done: make(chan struct{}), quit: make(chan struct{}), fullSync: true}
	if err := s.prepare(); err != nil {
		_ = r.Close() // the prepare's error is the one to report
		_ = w.Close()
		return nil, fmt.Errorf("open checkpoint %s: %w", path, err)
	}
	go s.commitLoop()
	return s, nil
}

// applySchema creates what is missing of the schema, in one IMMEDIATE
// transaction (see Open). The first connection to a new file turns it to
// WAL, which needs the file to itself: a process starting at the same
// moment may meet SQLITE_BUSY there without its busy timeout being
// waited, so a busy start is tried again for up to openBusyWait.
func applySchema(w *sqlx.DB) error {
	deadline := time.Now().Add(openBusyWait)
	for {
		err := applySchemaOnce(w)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(time.Duration(10+mrand.IntN(40)) * time.Millisecond)
	}
}

// openBusyWait bounds Open's retries of a busy start.
const openBusyWait = 10 * time.Second

func applySchemaOnce(w *sqlx.DB) error {
	tx, err := w.Beginx()
	if err != nil {
		return err
	}
	if _, err := tx.Exec(schema + schemaRollbacks + conflictSchema + schemaAdoptions); err != nil {
		tx.Rollback()
		return err
	}
	if err := applyRunCreated(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// isBusy reports whether err is SQLite's SQLITE_BUSY (or one of its
// extended codes): another connection holds the lock it needed.
func isBusy(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_BUSY
}

// Path is the checkpoint's file.
func (s *Store) Path() string { return s.path }

// Close waits for queued writes, then closes the database. Safe twice.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.quit)
	s.mu.Unlock()
	<-s.done
	errs := []error{s.checkpointErr, s.r.Close()}
	for _, st := range s.prepared {
		errs = append(errs, st.Close())
	}
	return errors.Join(append(errs, s.w.Close())...)
}

// write runs fn in a transaction and returns once that transaction is
// durable. Writes queued by concurrent callers share one transaction (group
// commit); each fn runs in its own savepoint, so one failing fn fails only
// its own caller.
func (s *Store) write(ctx context.Context, fn func(*sqlx.Tx) error) error {
	return s.queue(&op{fn: fn, err: make(chan error, 1), durable: true})
}

// writeLazy is write for records whose loss in a power failure is harmless
// because reconciliation recovers them (an intent left unsettled is settled
// by reading WHMCS): committed with synchronous=NORMAL, no fsync of its
// own. WAL commits are ordered, so the next durable commit makes it durable
// too; a crash of this process alone never loses it.
func (s *Store) writeLazy(ctx context.Context, fn func(*sqlx.Tx) error) error {
	return s.queue(&op{fn: fn, err: make(chan error, 1)})
}

func (s *Store) queue(o *op) error {
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return ErrClosed
	}
	s.ops <- o // the commit loop runs until Close, which waits for this lock
	s.mu.RUnlock()
	// Once queued the write happens whatever ctx says: callers that were
	// cancelled still learn the outcome, so the journal is never guessed at.
	return <-o.err
}

func (s *Store) commitLoop() {
	defer close(s.done)
	for {
		var batch []*op
		select {
		case o := <-s.ops:
			batch = append(batch, o)
		case <-s.quit:
			// Drain what was queued before Close.
			for {
				select {
				case o := <-s.ops:
					batch = append(batch, o)
					continue
				default:
				}
				break
			}
			if len(batch) > 0 {
				s.commit(batch)
			}
			// Make the lazily committed records durable too: a checkpoint
			// of the WAL syncs it, and the database file after it.
			if _, err := s.w.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
				s.checkpointErr = fmt.Errorf("checkpoint the WAL: %w", err) // read by Close after done
			}
			return
		}
	more:
		for len(batch) < 512 {
			select {
			case o := <-s.ops:
				batch = append(batch, o)
			default:
				break more
			}
		}
		s.commit(batch)
	}
}

func (s *Store) commit(batch []*op) {
	fail := func(err error) {
		for _, o := range batch {
			o.err <- err
		}
	}
	durable := false
	for _, o := range batch {
		durable = durable || o.durable
	}
	if durable != s.fullSync {
		mode := "NORMAL"
		if durable {
			mode = "FULL"
		}
		if _, err := s.w.Exec("PRAGMA synchronous = " + mode); err != nil {
			fail(fmt.Errorf("checkpoint %s: set synchronous: %w", s.path, err))
			return
		}
		s.fullSync = durable
	}
	tx, err := s.w.Beginx()
	if err != nil {
		fail(fmt.Errorf("checkpoint %s: begin: %w", s.path, err))
		return
	}
	defer func() { s.boundTx, s.bound = nil, [numStmts]*sqlx.Stmt{} }() // closed with tx
	errs := make([]error, len(batch))
	for i, o := range batch {
		if _, err := s.exec(tx, stmtSavepoint); err != nil {
			tx.Rollback()
			fail(fmt.Errorf("checkpoint %s: %w", s.path, err))
			return
		}
		if err := o.fn(tx); err != nil {
			errs[i] = err
			if _, err := tx.Exec("ROLLBACK TO op"); err != nil {
				tx.Rollback()
				fail(fmt.Errorf("checkpoint %s: %w", s.path, err))
				return
			}
		}
		if _, err := s.exec(tx, stmtRelease); err != nil {
			tx.Rollback()
			fail(fmt.Errorf("checkpoint %s: %w", s.path, err))
			return
		}
	}
	if err := tx.Commit(); err != nil {
		fail(fmt.Errorf("checkpoint %s: commit: %w", s.path, err))
		return
	}
	for i, o := range batch {
		o.err <- errs[i]
	}
}

func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func fromUnix(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(n, 0).UTC()
}

func noRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
