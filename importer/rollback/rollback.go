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

// Config configures Tickets.
type Config struct {
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
	// PreviewLines bounds the tickets the preview lists (0: 20); ListFile
	// is named by the preview as holding them all (the caller writes it:
	// report.Rollback.WriteList).
	PreviewLines int
	ListFile     string
}

// ErrNoSuchRun is returned (wrapped) by Rollback for a run id the
// checkpoint does not have, or that is not an import run.
var ErrNoSuchRun = errors.New("no such run")

// Tickets deletes from WHMCS the tickets a run created (o.RunID), or every
// run (o.All), as the checkpoint records them, newest first, and makes the
// checkpoint forget each one as it is deleted, so a later run imports it
// again. It never deletes a ticket the checkpoint does not say one of its
// runs created.
//
// Without o.Yes it writes a preview to o.Out and changes nothing. With it,
// it takes the run lock, settles the deletions an earlier rollback left
// without outcome (GetTicket), records the rollback as a run of kind
// checkpoints.KindRollback with its target (BeginRollback), and deletes,
// each deletion journaled (see deleteOne). A ticket WHMCS no longer has
// ("Ticket ID not found") is forgotten as deleted, so an interrupted or
// killed rollback resumes by running again. A deletion that fails
// otherwise is reported and the rest go on; an authentication failure or
// ctx's end stops it (the report says what was done, with an error).
func Tickets(ctx context.Context, o Config) (*report.Rollback, error) {
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

	rep := &report.Rollback{Target: o.RunID, All: o.All, Preview: !o.Yes, PreviewLines: o.PreviewLines, ListFile: o.ListFile}
	if !o.Yes {
		if err := rollbackList(ctx, o, rep); err != nil {
			return nil, err
		}
		rep.WritePreview(o.Out)
		rep.ElapsedSeconds = time.Since(start).Seconds()
		return rep, nil
	}

	release, err := importer.HoldLock(ctx, o.Store, o.Logger)
	if err != nil {
		return nil, err
	}
	defer release()
	// The deletions an earlier rollback sent without learning their
	// outcome (killed, or an answer lost) are settled first, by reading
	// WHMCS: the checkpoint is then true to WHMCS before anything is
	// listed or sent.
	unsure, err := reconcileDeletes(ctx, o, rep)
	if err != nil {
		return rep, err
	}
	// Listed under the lock: no run changes the checkpoint meanwhile.
	if err := rollbackList(ctx, o, rep); err != nil {
		return nil, err
	}
	// A ticket whose earlier deletion is still unsettled is left for the
	// next rollback (its failure is reported).
	rep.Tickets = slices.DeleteFunc(rep.Tickets, func(t report.RolledBack) bool { return unsure[t.SourceID] })
	rep.RunID, err = o.Store.BeginRollback(ctx, o.RunID, len(rep.Tickets))
	if err != nil {
		return nil, err
	}
	o.Logger.Info("rollback", "run", rep.RunID, "target_run", o.RunID, "all", o.All, "tickets", len(rep.Tickets), "reconciled", rep.Reconciled)
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
	settled := ""
	if rep.Reconciled > 0 {
		settled = fmt.Sprintf(" (and %s of an earlier rollback settled first)", report.Plural(rep.Reconciled, "deletion", "deletions"))
	}
	fmt.Fprintf(o.Out, "Rollback %s: %d deleted, %d already gone, %d failed%s.\n", outcome, rep.Deleted, rep.AlreadyGone, len(rep.Failures), settled)
	return rep, err
}

// rollbackList fills rep.Tickets (newest first) and rep.Unsettled.
func rollbackList(ctx context.Context, o Config, rep *report.Rollback) error {
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

// maxDeletes is how many times one pass sends a ticket's DeleteTicket
// whose answer was lost while WHMCS still has the ticket.
const maxDeletes = 3

func rollbackDelete(ctx context.Context, o Config, rep *report.Rollback) error {
	var mu sync.Mutex // guards rep and o.Out
	fail := func(t report.RolledBack, err error) {
		o.Logger.Warn("delete ticket", "ticket", t.SourceID, "whmcs_id", t.WHMCSID, "error", err)
		mu.Lock()
		rep.Failures = append(rep.Failures, report.RollbackFailure{RolledBack: t, Error: err.Error()})
		mu.Unlock()
	}
	return importer.Pool(ctx, o.Concurrency, func(ctx context.Context, emit func(report.RolledBack) error) error {
		for _, t := range rep.Tickets {
			if err := emit(t); err != nil {
				return err
			}
		}
		return nil
	}, func(ctx context.Context, t report.RolledBack) error {
		gone, err := deleteOne(ctx, o, rep.RunID, t)
		switch {
		case err != nil && (whmcs.IsAuth(err) || ctx.Err() != nil || importer.IsFatal(err)):
			return fmt.Errorf("delete WHMCS ticket %d (source %s): %w", t.WHMCSID, t.SourceID, err)
		case err != nil:
			// The ticket stays in the checkpoint (its intent too, when the
			// outcome is unknown): the next rollback deletes it, or finds
			// it gone.
			fail(t, err)
			return nil
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

// deleteOne deletes one ticket, journaled as the import's writes are: an
// intent before DeleteTicket is sent, settled after it by forgetting the
// ticket (ForgetDeleted), or dropped when the ticket is certainly still in
// WHMCS. A deletion whose answer was lost is reconciled with GetTicket at
// once ("Ticket ID Not Found": it was deleted); when that read fails too,
// the intent stays for the next rollback (and run refuses meanwhile).
// gone says WHMCS no longer had the ticket before this deletion.
func deleteOne(ctx context.Context, o Config, rollbackRun int64, t report.RolledBack) (gone bool, err error) {
	// The checkpoint's records are made whatever ctx says once the call is
	// sent: the journal is never guessed at.
	keep := context.WithoutCancel(ctx)
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		in := &checkpoints.Intent{RunID: rollbackRun, SourceID: t.SourceID, Step: checkpoints.StepDelete,
			Action: whmcs.ActionDeleteTicket, WHMCSID: t.WHMCSID}
		if err := o.Store.BeginIntent(ctx, in); err != nil {
			return false, importer.Fatal(err)
		}
		err := o.Client.DeleteTicket(ctx, t.WHMCSID)
		if err == nil || ticketNotFound(err) {
			if ferr := o.Store.ForgetDeleted(keep, t.SourceID, rollbackRun); ferr != nil {
				return false, importer.Fatal(ferr)
			}
			return err != nil, nil
		}
		if !whmcs.MaybeProcessed(err) && ctx.Err() == nil {
			// Refused before it was processed: the ticket is still there.
			if derr := o.Store.Drop(keep, in.ID); derr != nil {
				return false, importer.Fatal(derr)
			}
			return false, err
		}
		if ctx.Err() != nil {
			// Interrupted while the call was out: the next rollback
			// reconciles the intent.
			return false, err
		}
		exists, rerr := ticketExists(ctx, o.Client, t.WHMCSID)
		if rerr != nil {
			return false, fmt.Errorf("%w; whether it was deleted could not be read back (%v): the next rollback reconciles it", err, rerr)
		}
		if !exists {
			if ferr := o.Store.ForgetDeleted(keep, t.SourceID, rollbackRun); ferr != nil {
				return false, importer.Fatal(ferr)
			}
			return false, nil
		}
		if derr := o.Store.Drop(keep, in.ID); derr != nil {
			return false, importer.Fatal(derr)
		}
		if attempt >= maxDeletes {
			return false, fmt.Errorf("%w (WHMCS still has the ticket after %d tries)", err, attempt)
		}
	}
}

// reconcileDeletes settles the deletions earlier rollbacks sent without
// learning their outcome: GetTicket says whether WHMCS still has the
// ticket ("Ticket ID Not Found": the deletion happened, the ticket is
// forgotten; found: the intent is dropped and the ticket is deleted
// again, if it is in this rollback's list). It returns the tickets whose
// deletion is still unknown (the read failed): they are reported and left
// for the next rollback.
func reconcileDeletes(ctx context.Context, o Config, rep *report.Rollback) (map[string]bool, error) {
	ins, err := o.Store.DeleteIntents(ctx)
	if err != nil {
		return nil, err
	}
	unsure := map[string]bool{}
	for _, in := range ins {
		t := report.RolledBack{SourceID: in.SourceID, WHMCSID: in.WHMCSID}
		if h, err := o.Store.Ticket(ctx, in.SourceID); err != nil {
			return nil, err
		} else if h != nil {
			t.TID, t.Run = h.TID, h.CreatedRun
		}
		exists, err := ticketExists(ctx, o.Client, in.WHMCSID)
		switch {
		case err != nil && (whmcs.IsAuth(err) || ctx.Err() != nil):
			return nil, fmt.Errorf("read back WHMCS ticket %d (source %s), deleted by rollback run %d: %w", in.WHMCSID, in.SourceID, in.RunID, err)
		case err != nil:
			unsure[in.SourceID] = true
			rep.Failures = append(rep.Failures, report.RollbackFailure{RolledBack: t,
				Error: fmt.Sprintf("the deletion by rollback run %d has no known outcome and could not be read back: %v", in.RunID, err)})
			continue
		case exists:
			err = o.Store.Drop(ctx, in.ID)
		default:
			err = o.Store.ForgetDeleted(ctx, in.SourceID, in.RunID)
			fmt.Fprintf(o.Out, "ticket %s: WHMCS ticket %d (#%s) was deleted by rollback run %d; forgotten\n", t.SourceID, t.WHMCSID, t.TID, in.RunID)
		}
		if err != nil {
			return nil, err
		}
		rep.Reconciled++
	}
	return unsure, nil
}

// ticketExists reads a ticket with GetTicket: false when WHMCS answers
// "Ticket ID Not Found".
func ticketExists(ctx context.Context, c *whmcs.Client, id int64) (bool, error) {
	_, err := c.GetTicket(ctx, &whmcs.GetTicketRequest{TicketID: id})
	switch {
	case err == nil:
		return true, nil
	case ticketNotFound(err):
		return false, nil
	}
	return false, err
}

// ticketNotFound reports whether DeleteTicket's or GetTicket's error says
// the ticket does not exist ("Ticket ID not found", in either case).
func ticketNotFound(err error) bool {
	var we *whmcs.Error
	return errors.As(err, &we) && we.Kind == whmcs.KindBusiness &&
		strings.EqualFold(strings.TrimSpace(we.Message), "Ticket ID Not Found")
}
