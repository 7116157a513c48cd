package checkpoints

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/jmoiron/sqlx"
)

// RunKind is what a run did.
type RunKind string

// Run kinds.
const (
	KindImport   RunKind = "run"      // an import or sync (whmcs-migrate run)
	KindRollback RunKind = "rollback" // deletions of what runs created
)

// RunOutcome is how a run ended.
type RunOutcome string

// Run outcomes. A run whose process died has none.
const (
	OutcomeOK            RunOutcome = "ok"
	OutcomeFailedTickets RunOutcome = "failed-tickets" // finished; some tickets failed
	OutcomeInterrupted   RunOutcome = "interrupted"    // stopped by Ctrl-C, in-flight writes settled
	OutcomeFatal         RunOutcome = "fatal"          // stopped by an error (authentication, I/O)
)

// Run is one run recorded in the checkpoint.
type Run struct {
	ID      int64
	Kind    RunKind
	Started time.Time
	Ended   time.Time  // zero while running, or when the process died
	Outcome RunOutcome // "" while running or when the process died
	Summary string     // JSON written by the importer
	Created int        // tickets this run created in WHMCS and still mapped
	// PID and Host are the process that ran it (0, "" for a checkpoint
	// of an early version), to tell a run still going from one that died.
	PID  int
	Host string
}

// BeginRun records the start of a run and returns its id.
func (s *Store) BeginRun(ctx context.Context, kind RunKind) (int64, error) {
	host, _ := os.Hostname()
	var id int64
	err := s.write(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.Exec("INSERT INTO runs (kind, started, pid, host) VALUES (?, ?, ?, ?)",
			kind, time.Now().Unix(), os.Getpid(), host)
		if err != nil {
			return err
		}
		id, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("begin run in %s: %w", s.path, err)
	}
	return id, nil
}

// EndRun records a run's end, outcome and summary.
func (s *Store) EndRun(ctx context.Context, id int64, outcome RunOutcome, summary string) error {
	err := s.write(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.Exec("UPDATE runs SET ended = ?, outcome = ?, summary = ? WHERE id = ?",
			time.Now().Unix(), outcome, summary, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("end run %d in %s: %w", id, s.path, err)
	}
	return nil
}

// Runs lists every run, oldest first, with how many tickets each created.
func (s *Store) Runs(ctx context.Context) ([]Run, error) {
	var rows []struct {
		ID      int64  `db:"id"`
		Kind    string `db:"kind"`
		Started int64  `db:"started"`
		Ended   int64  `db:"ended"`
		Outcome string `db:"outcome"`
		Summary string `db:"summary"`
		Created int    `db:"created"`
		PID     int    `db:"pid"`
		Host    string `db:"host"`
	}
	err := s.r.SelectContext(ctx, &rows, `SELECT r.id, r.kind, r.started, r.ended, r.outcome, r.summary, r.pid, r.host,
		(SELECT count(*) FROM tickets t WHERE t.created_run = r.id AND t.whmcs_id != 0) AS created
		FROM runs r ORDER BY r.id`)
	if err != nil {
		return nil, fmt.Errorf("list runs in %s: %w", s.path, err)
	}
	out := make([]Run, len(rows))
	for i, r := range rows {
		out[i] = Run{ID: r.ID, Kind: RunKind(r.Kind), Started: fromUnix(r.Started), Ended: fromUnix(r.Ended),
			Outcome: RunOutcome(r.Outcome), Summary: r.Summary, Created: r.Created, PID: r.PID, Host: r.Host}
	}
	return out, nil
}

// LastRun returns the latest run of kind, nil when there is none.
func (s *Store) LastRun(ctx context.Context, kind RunKind) (*Run, error) {
	runs, err := s.Runs(ctx)
	if err != nil {
		return nil, err
	}
	for i := len(runs) - 1; i >= 0; i-- {
		if runs[i].Kind == kind {
			return &runs[i], nil
		}
	}
	return nil, nil
}
