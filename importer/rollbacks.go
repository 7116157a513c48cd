package importer

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
)

// ErrRollbackUnfinished is wrapped by the *RollbackUnfinishedError that Import
// and CheckRollbacks return while a rollback on the checkpoint is
// unfinished.
var ErrRollbackUnfinished = errors.New("a rollback is unfinished")

// RollbackUnfinishedError names the unfinished rollbacks that stop a run
// before any write: the rollback deleted part of what the checkpoint says
// the runs created, and a run would import again what it deleted, a
// half-undone import. Running the rollback again finishes it.
type RollbackUnfinishedError struct {
	Checkpoint string
	Rollbacks  []checkpoints.Rollback
}

func (e *RollbackUnfinishedError) Error() string {
	parts := make([]string, len(e.Rollbacks))
	for i, rb := range e.Rollbacks {
		parts[i] = DescribeRollback(rb)
	}
	return fmt.Sprintf("checkpoint %s: %s; nothing was written", e.Checkpoint, strings.Join(parts, "; "))
}

func (e *RollbackUnfinishedError) Unwrap() error { return ErrRollbackUnfinished }

// DescribeRollback says in one line which rollback is unfinished, when it
// started, what it was deleting and how far it got.
func DescribeRollback(rb checkpoints.Rollback) string {
	var what string
	switch {
	case !rb.Known:
		what = "by an earlier version, which did not record what it was deleting"
	case rb.All:
		what = "deleting the tickets of every run"
	default:
		what = fmt.Sprintf("deleting the tickets of run %d", rb.Target)
	}
	state := "did not end (killed, or still running)"
	if !rb.Run.Ended.IsZero() {
		state = "ended " + string(rb.Run.Outcome)
	}
	s := fmt.Sprintf("rollback run %d, started %s, %s, is unfinished: it %s", rb.Run.ID,
		rb.Run.Started.Local().Format("2006-01-02 15:04:05 MST"), what, state)
	if rb.Known {
		s += fmt.Sprintf("; %d of %d deleted", rb.Deleted, rb.Planned)
	}
	s += fmt.Sprintf(", %s left", report.Plural(rb.Left, "ticket", "tickets"))
	if rb.Unsettled > 0 {
		s += fmt.Sprintf(", %s whose outcome WHMCS must tell", report.Plural(rb.Unsettled, "deletion", "deletions"))
	}
	return s
}

// CheckRollbacks returns a *RollbackUnfinishedError when the checkpoint
// holds an unfinished rollback (checkpoints.Store.UnfinishedRollbacks),
// nil otherwise. Import calls it under the run lock before anything else; a
// command may call it sooner, to refuse before its preflight.
func CheckRollbacks(ctx context.Context, store *checkpoints.Store) error {
	rbs, err := store.UnfinishedRollbacks(ctx)
	if err != nil {
		return Fatal(err)
	}
	if len(rbs) == 0 {
		return nil
	}
	return &RollbackUnfinishedError{Checkpoint: store.Path(), Rollbacks: rbs}
}
