package importer

import (
	"context"
	"errors"
	"fmt"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// ErrInterrupted is wrapped by the error of a pass that stopped because
// its ctx ended (Ctrl-C): the in-flight calls finished and were journaled;
// running it again resumes. Import, rollback.Tickets, validate.Tickets and
// verify.Tickets return it.
var ErrInterrupted = errors.New("interrupted")

// Fatal marks err as stopping the whole pass, not just one ticket (a
// checkpoint write failing, the source unreadable). Wrapping keeps err for
// errors.Is and errors.As.
func Fatal(err error) error {
	if err == nil {
		return nil
	}
	return fatalError{err}
}

type fatalError struct{ err error }

func (f fatalError) Error() string { return f.err.Error() }
func (f fatalError) Unwrap() error { return f.err }

// IsFatal reports whether err stops a whole pass rather than one ticket:
// marked with Fatal, an authentication or permission failure of WHMCS
// (the next ticket would meet it too), the checkpoint locked by another
// run, a canary that found WHMCS not keeping what it is sent, or a
// rollback left unfinished on the checkpoint.
func IsFatal(err error) bool {
	var f fatalError
	return errors.As(err, &f) || whmcs.IsAuth(err) || errors.Is(err, checkpoints.ErrLocked) || errors.Is(err, ErrCanary) ||
		errors.Is(err, ErrRollbackUnfinished)
}

// EndOf is how a pass that stopped with err (nil: finished) and failed
// items ends, as the checkpoint records it; an interruption's error is
// wrapped in ErrInterrupted.
func EndOf(ctx context.Context, err error, failed int) (checkpoints.RunOutcome, error) {
	switch {
	case err != nil && ctx.Err() != nil:
		return checkpoints.OutcomeInterrupted, fmt.Errorf("%w: %w", ErrInterrupted, ctx.Err())
	case err != nil:
		return checkpoints.OutcomeFatal, err
	case failed > 0:
		return checkpoints.OutcomeFailedTickets, nil
	}
	return checkpoints.OutcomeOK, nil
}
