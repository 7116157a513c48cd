package rollback

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/importer"
	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// Options configure Rollback.
type Options struct {
	Client *whmcs.Client // with its policy layers
	Store  *checkpoints.Store
	// RunID is the run whose tickets are deleted; All deletes the tickets
	// of every run instead. Exactly one must be set.
	RunID int64
	All   bool
	// Yes deletes; without it Rollback only previews (writes to Out what it
	// would delete) and changes nothing.
	Yes    bool
	Logger *slog.Logger
	// Out receives the preview and one line per deleted ticket (nil =
	// discard).
	Out io.Writer
	// Concurrency is how many deletions run at once (default 1: strictly
	// newest first).
	Concurrency int
}

// ErrNoSuchRun is returned (wrapped) by Rollback for a run id the
// checkpoint does not have, or that is not an import run.
var ErrNoSuchRun = errors.New("no such run")

// Run deletes from WHMCS the tickets a run created (o.RunID), or every
// run (o.All), as the checkpoint records them, newest first, and makes the
// checkpoint forget each one as it is deleted, so a later run imports it
// again. It never deletes a ticket the checkpoint does not say one of its
// runs created.
//
// Without o.Yes it writes a preview to o.Out and changes nothing. With it,
// it takes the run lock, records the rollback as a run of kind checkpoints.KindRollback,
// and deletes. A ticket WHMCS no longer has ("Ticket ID not found") is
// forgotten as deleted, so an interrupted rollback resumes by running
// again. A deletion that fails otherwise is reported and the rest go on;
// an authentication failure or ctx's end stops it (the report says what
// was done, with an error).
func Run(ctx context.Context, o Options) (*report.Rollback, error) {
	if (o.RunID > 0) == o.All {
		return nil, errors.New("rollback: give either a run id or All")
	}
	if o.Client == nil || o.Store == nil {
		return nil, errors.New("rollback: Client and Store are required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	start := time.Now()
	if o.RunID > 0 {
		runs, err := o.Store.Runs(ctx)
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(runs, func(r checkpoints.Run) bool { return r.ID == o.RunID })
		if i < 0 {
			return nil, fmt.Errorf("rollback run %d: %w in %s", o.RunID, ErrNoSuchRun, o.Store.Path())
		}
		if k := runs[i].Kind; k != "run" {
			return nil, fmt.Errorf("rollback run %d: %w: it is a %s, not an import run", o.RunID, ErrNoSuchRun, k)
		}
	}

	rep := &report.Rollback{Target: o.RunID, All: o.All, Preview: !o.Yes}
	if !o.Yes {
		if err := rollbackList(ctx, o, rep); err != nil {
			return nil, err
		}
		rep.WritePreview(o.Out)
		rep.ElapsedSeconds = time.Since(start).Seconds()
		return rep, nil
	}

	// The caller may hold the lock already (run takes it before its
	// preflight); otherwise it is taken here.
	if !o.Store.Locked() {
		release, err := o.Store.Lock(ctx)
		if err != nil {
			return nil, err
		}
		defer release()
	}
	// Listed under the lock: no run changes the checkpoint meanwhile.
	if err := rollbackList(ctx, o, rep); err != nil {
		return nil, err
	}
	var err error
	rep.RunID, err = o.Store.BeginRun(ctx, checkpoints.KindRollback)
	if err != nil {
		return nil, err
	}
	o.Logger.Info("rollback", "run", rep.RunID, "target_run", o.RunID, "all", o.All, "tickets", len(rep.Tickets))
	if rep.Unsettled > 0 {
		fmt.Fprintf(o.Out, "%s an OpenTicket whose outcome is unknown; they are left alone (run, then roll back again).\n", report.Plural(rep.Unsettled, "ticket has", "tickets have"))
	}

	err = rollbackDelete(ctx, o, rep)
	rep.ElapsedSeconds = time.Since(start).Seconds()
	var outcome checkpoints.RunOutcome
	outcome, err = importer.EndOf(ctx, err, len(rep.Failures))
	rep.Interrupted = outcome == checkpoints.OutcomeInterrupted
	summary, _ := json.Marshal(rep)
	if eerr := o.Store.EndRun(context.WithoutCancel(ctx), rep.RunID, outcome, string(summary)); eerr != nil && err == nil {
		err = eerr
	}
	fmt.Fprintf(o.Out, "Rollback %s: %d deleted, %d already gone, %d failed.\n", outcome, rep.Deleted, rep.AlreadyGone, len(rep.Failures))
	return rep, err
}

// rollbackList fills rep.Tickets (newest first) and rep.Unsettled.
func rollbackList(ctx context.Context, o Options, rep *report.Rollback) error {
	ts, err := o.Store.Tickets(ctx, o.RunID) // 0 = every ticket
	if err != nil {
		return err
	}
	for _, t := range ts {
		// A ticket no run is recorded as creating is never touched.
		if t.CreatedRun != 0 && t.WHMCSID != 0 {
			rep.Tickets = append(rep.Tickets, report.RolledBack{SourceID: t.SourceID, WHMCSID: t.WHMCSID, TID: t.TID, Run: t.CreatedRun})
		}
	}
	// OpenTickets sent without a known outcome (a crash, a lost answer):
	// the WHMCS ticket may exist, but until a run reconciles it the
	// checkpoint cannot say which one it is.
	pending, err := o.Store.PendingTickets(ctx)
	if err != nil {
		return err
	}
	for _, id := range pending {
		h, err := o.Store.Header(ctx, id)
		if err != nil {
			return err
		}
		if h != nil && h.WHMCSID != 0 {
			continue
		}
		ins, err := o.Store.Pending(ctx, id)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(ins, func(in checkpoints.Intent) bool {
			return in.Step == "open" && (o.All || in.RunID == o.RunID)
		}) {
			rep.Unsettled++
		}
	}
	slices.SortFunc(rep.Tickets, func(a, b report.RolledBack) int {
		switch {
		case a.WHMCSID > b.WHMCSID:
			return -1
		case a.WHMCSID < b.WHMCSID:
			return 1
		}
		return 0
	})
	return nil
}

func rollbackDelete(ctx context.Context, o Options, rep *report.Rollback) error {
	var mu sync.Mutex // guards rep and o.Out
	return importer.Pool(ctx, o.Concurrency, func(ctx context.Context, emit func(report.RolledBack) error) error {
		for _, t := range rep.Tickets {
			if err := emit(t); err != nil {
				return err
			}
		}
		return nil
	}, func(ctx context.Context, t report.RolledBack) error {
		err := o.Client.DeleteTicket(ctx, t.WHMCSID)
		gone := err != nil && deleteNotFound(err)
		if err != nil && !gone {
			if whmcs.IsAuth(err) || ctx.Err() != nil {
				return fmt.Errorf("delete WHMCS ticket %d (source %s): %w", t.WHMCSID, t.SourceID, err)
			}
			// Whether it was processed or not, the ticket stays in the
			// checkpoint: the next rollback deletes it, or finds it gone.
			o.Logger.Warn("delete ticket", "ticket", t.SourceID, "whmcs_id", t.WHMCSID, "error", err)
			mu.Lock()
			rep.Failures = append(rep.Failures, report.RollbackFailure{RolledBack: t, Error: err.Error()})
			mu.Unlock()
			return nil
		}
		// Deleted (or gone): forget it even if ctx ends now, so that the
		// checkpoint is never behind WHMCS.
		if err := o.Store.Forget(context.WithoutCancel(ctx), t.SourceID); err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		if gone {
			rep.AlreadyGone++
			fmt.Fprintf(o.Out, "ticket %s: WHMCS ticket %d (#%s) was already gone; forgotten\n", t.SourceID, t.WHMCSID, t.TID)
		} else {
			rep.Deleted++
			fmt.Fprintf(o.Out, "ticket %s: deleted WHMCS ticket %d (#%s)\n", t.SourceID, t.WHMCSID, t.TID)
		}
		return nil
	})
}

// deleteNotFound reports whether DeleteTicket's error says the ticket does
// not exist.
func deleteNotFound(err error) bool {
	var we *whmcs.Error
	return errors.As(err, &we) && we.Kind == whmcs.KindBusiness &&
		strings.EqualFold(strings.TrimSpace(we.Message), "Ticket ID not found")
}
