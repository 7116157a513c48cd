// replay.go holds one ticket's replay: its stages (load the prior,
// plan, read what the checkpoint does not know, guard, send) and one
// step's write (build the request, the intent/settle loop, the read-back).
// Finding a write whose answer was lost is in reconcile.go.

package importer

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// maxResends bounds how often one write is sent again after reconciling
// found it missing.
const maxResends = 3

// replay brings one ticket to WHMCS. It returns an error only when the run
// must stop (fatal); a ticket's own failure is in the result.
//
// Its stages run in order, each stopping the replay when it has decided
// the ticket's result: settle and load what the checkpoint knows, plan,
// read what the checkpoint does not know (adoption, refresh), read WHMCS
// before a sync writes to it (guard), and send the steps.
func (r *runner) replay(ctx context.Context, t *sources.Ticket) (TicketResult, error) {
	x := &ticketReplay{r: r, ctx: ctx, t: t, res: TicketResult{Ticket: t.ID}}
	for _, stage := range []func() (bool, error){x.loadPrior, x.planTicket, x.readUnknown, x.guard, x.finishEmpty, x.sendSteps} {
		if done, err := stage(); done || err != nil {
			return x.res, err
		}
	}
	return x.res, nil
}

// ticketReplay is the state of one ticket's replay. Its stages return
// done when the ticket's result (x.res) is decided, and an error only when
// the run must stop.
type ticketReplay struct {
	r   *runner
	ctx context.Context
	t   *sources.Ticket
	res TicketResult

	st    *checkpoints.Ticket
	prior *mapping.Prior
	open  []checkpoints.Conflict
	plan  *mapping.Plan
	// adopted is set when the ticket was found opened in WHMCS by an
	// earlier run; again when the checkpoint learnt from WHMCS and the
	// ticket was planned again.
	adopted, again bool
}

// gone records that the ticket is no longer in WHMCS: later runs skip it,
// and nothing is sent for it.
func (x *ticketReplay) gone(why string) (bool, error) {
	if err := x.r.o.Store.MarkDeleted(context.WithoutCancel(x.ctx), x.t.ID, why); err != nil {
		return true, Fatal(err)
	}
	x.res.Outcome, x.res.Gone = Deleted, why
	return true, nil
}

// fail records the ticket's failure at step, unless err is the run's
// (fatal), the run was stopped, or the ticket was found gone.
func (x *ticketReplay) fail(step string, err error) (bool, error) {
	r, ctx, t, res := x.r, x.ctx, x.t, &x.res
	if IsFatal(err) {
		return true, err
	}
	if ctx.Err() != nil {
		res.Outcome = Stopped
		return true, nil
	}
	if whmcs.IsTicketNotFound(err) {
		// A write (or the reconciling read) found the ticket gone:
		// deleted in WHMCS since it was read, or never read (an
		// unfinished import's ticket).
		h, herr := r.o.Store.Header(ctx, t.ID)
		if herr != nil {
			return true, Fatal(herr)
		}
		if h != nil && h.WHMCSID != 0 {
			res.WHMCSID = h.WHMCSID
			return x.gone(reasonDeleted)
		}
	}
	res.Outcome, res.Step, res.Err = Failed, step, err
	if res.Problem.Code == "" && whmcs.IsTooLarge(err) {
		// WHMCS refused the request for its size (probably
		// post_max_size, after a passed preflight): this ticket's
		// failure, never the run's.
		res.Problem = sources.Problem{Severity: sources.Error, Code: sources.CodeRequestTooLarge, Origin: t.Origin, Field: "target.max_request_size"}
	}
	if res.Problem.Code == "" {
		res.Problem = sources.Problem{Severity: sources.Error, Code: sources.CodeWHMCSCall, Origin: t.Origin}
	}
	if ferr := r.o.Store.Fail(context.WithoutCancel(ctx), t.ID, step+": "+err.Error()); ferr != nil {
		return true, Fatal(ferr)
	}
	return true, nil
}

// loadPrior settles what an earlier, interrupted attempt left unsure, and
// loads what the checkpoint knows of the ticket: its state, the prior for
// the planner, and its open conflicts.
func (x *ticketReplay) loadPrior() (bool, error) {
	r, ctx, t := x.r, x.ctx, x.t
	if err := r.settlePending(ctx, t.ID); err != nil {
		return x.fail("reconcile", err)
	}
	st, err := r.o.Store.Ticket(ctx, t.ID)
	if err != nil {
		return true, Fatal(err)
	}
	x.st = st
	if st != nil && st.State == checkpoints.StateDeleted {
		// Found gone from WHMCS by an earlier run, and reported then.
		x.res.Outcome, x.res.WHMCSID = Skipped, st.WHMCSID
		return true, nil
	}
	x.prior = priorOf(st)
	if x.prior != nil {
		x.res.WHMCSID = st.WHMCSID
		if r.conflicted[t.ID] {
			if x.open, err = r.o.Store.OpenConflicts(ctx, t.ID); err != nil {
				return true, Fatal(err)
			}
		}
	}
	return false, nil
}

// planTicket plans the ticket; a plan with errors fails it.
func (x *ticketReplay) planTicket() (bool, error) {
	plan, err := x.r.o.Planner.Plan(x.ctx, x.t, x.r.withOpenConflicts(x.prior, x.open))
	if err != nil {
		if whmcs.IsAuth(err) {
			return true, Fatal(err)
		}
		return x.fail("plan", err)
	}
	x.plan = plan
	x.res.FourByte = 0 // planned again: counted again
	for _, p := range plan.Problems {
		if p.Code == sources.CodeFourByteText {
			x.res.FourByte++
		}
	}
	if plan.Failed() {
		x.res.Drift = plan.Drift
		for _, p := range plan.Problems {
			if p.Severity == sources.Error {
				x.res.Problem = p
				break
			}
		}
		return x.fail("plan", problemsError(plan.Problems))
	}
	return false, nil
}

// readUnknown reads from WHMCS what the checkpoint does not know before it
// is written: a ticket an earlier run opened (adopted), the entries of a
// half-built one written after a stale copy of the checkpoint was made.
// When the checkpoint learnt something, the ticket is planned again.
func (x *ticketReplay) readUnknown() (bool, error) {
	r, ctx, t := x.r, x.ctx, x.t
	var err error
	switch {
	case x.prior == nil:
		x.adopted, err = r.adopt(ctx, t, x.plan)
		if err != nil {
			if errors.Is(err, ErrAmbiguous) {
				x.res.Problem = sources.Problem{Severity: sources.Error, Code: sources.CodeAdoptAmbiguous, Origin: t.Origin}
			}
			return x.fail("adopt", err)
		}
		x.again = x.adopted
	case x.st.State != checkpoints.StateImported:
		if x.again, err = r.refresh(ctx, t, x.st, x.plan); err != nil {
			return x.fail("reconcile", err)
		}
	}
	if !x.again {
		return false, nil
	}
	if x.st, err = r.o.Store.Ticket(ctx, t.ID); err != nil {
		return true, Fatal(err)
	}
	x.prior = priorOf(x.st)
	if x.plan, err = r.o.Planner.Plan(ctx, t, x.prior); err != nil {
		if whmcs.IsAuth(err) {
			return true, Fatal(err)
		}
		return x.fail("plan", err)
	}
	return false, nil
}

// guard reads what WHMCS holds before a sync writes to it: what people
// changed there since the last sync is kept (or, with on_conflict: source,
// overwritten), and reported. A ticket just adopted or refreshed was read
// from WHMCS by readUnknown, and its state is WHMCS's.
func (x *ticketReplay) guard() (bool, error) {
	if x.prior != nil && !x.again && len(x.plan.Steps) > 0 {
		g, err := x.r.guard(x.ctx, x.t.ID, x.st, x.open, x.plan)
		if err != nil {
			return x.fail("read before sync", err)
		}
		x.res.Conflicts = g.conflicts
		if g.gone != "" {
			return x.gone(g.gone)
		}
	}
	x.res.Drift = x.plan.Drift
	return false, nil
}

// finishEmpty finishes a ticket whose plan has no step: unchanged (or
// adopted) when it was imported before.
func (x *ticketReplay) finishEmpty() (bool, error) {
	if len(x.plan.Steps) > 0 {
		return false, nil
	}
	if err := x.r.o.Store.Finish(x.ctx, x.t.ID, x.t.Updated); err != nil {
		return true, Fatal(err)
	}
	x.res.Outcome = Unchanged
	if x.adopted {
		x.res.Outcome = Adopted
	}
	if x.prior == nil {
		// A plan with no step for a new ticket cannot happen (the
		// planner reports no_message); never count it as imported.
		return x.fail("plan", errors.New("nothing to import"))
	}
	return true, nil
}

// sendSteps sends the plan's steps in order, each exactly once, and
// finishes the ticket.
func (x *ticketReplay) sendSteps() (bool, error) {
	r, ctx, t, plan := x.r, x.ctx, x.t, x.plan
	var whmcsID int64
	if x.prior != nil {
		whmcsID = x.prior.TicketID
	}
	for i := range plan.Steps {
		if ctx.Err() != nil {
			x.res.Outcome = Stopped
			return true, nil
		}
		s := &plan.Steps[i]
		id, err := r.step(ctx, t, s, whmcsID)
		if err != nil {
			return x.fail(s.Key+" ("+s.Kind.String()+")", err)
		}
		if s.Kind == mapping.StepOpen {
			whmcsID = id
		}
	}
	if err := r.o.Store.Finish(context.WithoutCancel(ctx), t.ID, t.Updated); err != nil {
		return true, Fatal(err)
	}
	x.res.Outcome = Updated
	switch {
	case x.adopted:
		x.res.Outcome = Adopted
	case x.prior == nil:
		x.res.Outcome = Imported
	}
	return true, nil
}

// priorOf is what the checkpoint's state of a ticket tells the planner:
// nil for a ticket it has not opened.
func priorOf(st *checkpoints.Ticket) *mapping.Prior {
	if st == nil || st.WHMCSID == 0 {
		return nil
	}
	prior := &mapping.Prior{TicketID: st.WHMCSID, Entries: make(map[string]string, len(st.Entries)),
		Status: st.Status, Priority: st.Priority, DeptID: st.DeptID, Fields: st.Fields}
	for k, e := range st.Entries {
		prior.Entries[k] = e.Hash
		if e.Kind == "open" {
			prior.Opening = k
		}
	}
	return prior
}

// step sends one step exactly once and records it. It returns the WHMCS
// ticket id for an OpenTicket.
func (r *runner) step(ctx context.Context, t *sources.Ticket, s *mapping.Step, ticketID int64) (int64, error) {
	var atts []whmcs.Attachment
	if s.Entry != nil && len(s.Entry.Attachments) > 0 {
		var err error
		if atts, err = readAttachments(s.Entry); err != nil {
			return 0, err
		}
	}
	status, priority, dept := effect(s)
	w := &stepWrite{r: r, ctx: ctx, t: t, s: s, ticketID: ticketID,
		out: checkpoints.Outcome{RunID: r.runID, Status: status, Priority: priority, DeptID: dept, Fields: s.Fields}}

	// The run's first write is its canary: no other write is sent until
	// it has been read back and WHMCS has shown that it keeps what it is
	// sent (see canary.go).
	first, err := r.canary.acquire(ctx)
	if err != nil {
		return 0, err
	}
	w.first = first
	if first {
		defer func() {
			if !w.landed {
				r.canary.release(nil, false) // nothing written: the next write is the canary
			}
		}()
	}

	if s.Kind == mapping.StepUpdate {
		return 0, w.update()
	}
	call, err := w.request(atts)
	if err != nil {
		return 0, err
	}
	return w.send(call)
}

// stepWrite is the state of one step's write.
type stepWrite struct {
	r        *runner
	ctx      context.Context
	t        *sources.Ticket
	s        *mapping.Step
	ticketID int64
	// first is set when the write is the run's canary; landed once the
	// write is settled.
	first, landed bool
	// out is the outcome recorded when the write lands; in the intent
	// recorded before it is sent (not for an UpdateTicket).
	out checkpoints.Outcome
	in  *checkpoints.Intent
}

// writeCall sends a step's request and returns the outcome to record.
type writeCall func(ctx context.Context) (checkpoints.Outcome, error)

// update sends an UpdateTicket. It sets absolute values: sending it again
// is harmless, so it needs no intent, only retries until its outcome is
// known.
func (w *stepWrite) update() error {
	r, ctx, s := w.r, w.ctx, w.s
	if s.EntryKey != "" {
		// It applies an edit of the opening message: the entry's new
		// hash, date and text are recorded with it.
		w.out.EntryKey, w.out.EntryHash, w.out.Kind, w.out.Created, w.out.MessageHash = s.EntryKey, s.Hash, "open", s.Created, string(whmcs.DigestOf(s.Message))
	}
	req := *s.Update
	req.TicketID = w.ticketID
	var err error
	for range maxResends {
		if err = r.o.Client.UpdateTicket(ctx, &req); err == nil || !whmcs.MaybeProcessed(err) {
			break
		}
	}
	if err != nil {
		return err
	}
	if err := r.settle(ctx, w.t.ID, 0, w.out); err != nil {
		return err
	}
	w.landed = true
	return r.readBack(ctx, w.first, w.t, s, w.ticketID)
}

// request builds the intent of a step other than UpdateTicket (w.in, and
// the entry's part of w.out), and the call that sends its request.
func (w *stepWrite) request(atts []whmcs.Attachment) (writeCall, error) {
	r, s, ticketID := w.r, w.s, w.ticketID
	// The intent keeps the message's digest, not the message: enough to
	// recognise it however the target stores text (see whmcs.TextProfile).
	digest := whmcs.DigestOf(s.Message)
	in := &checkpoints.Intent{RunID: r.runID, SourceID: w.t.ID, Step: s.Key, WHMCSID: ticketID,
		Created: s.Created, MessageHash: string(digest), EntryKey: s.EntryKey, EntryHash: s.Hash, Kind: entryKind(s.Kind)}
	w.in = in
	// The entry keeps the whole digest, not only its literal hash: an edit
	// of it must find it in WHMCS however WHMCS stored it.
	w.out.EntryKey, w.out.EntryHash, w.out.Kind, w.out.Created, w.out.MessageHash = in.EntryKey, in.EntryHash, in.Kind, in.Created, string(digest)
	out := w.out

	switch s.Kind {
	case mapping.StepOpen:
		req := *s.Open
		req.Attachments = atts
		in.Action, in.Subject, in.ClientID, in.Email = req.Action(), req.Subject, req.ClientID, req.Email
		return func(ctx context.Context) (checkpoints.Outcome, error) {
			res, err := r.o.Client.OpenTicket(ctx, &req)
			if err != nil {
				return out, err
			}
			o := out
			o.WHMCSID, o.TID, o.C = res.ID, res.TID, res.C
			return o, nil
		}, nil
	case mapping.StepReply:
		req := *s.Reply
		req.TicketID, req.Attachments = ticketID, atts
		in.Action = req.Action()
		return func(ctx context.Context) (checkpoints.Outcome, error) {
			return out, r.o.Client.AddTicketReply(ctx, &req)
		}, nil
	case mapping.StepNote:
		req := *s.Note
		req.TicketID, req.Attachments = ticketID, atts
		in.Action = req.Action()
		return func(ctx context.Context) (checkpoints.Outcome, error) {
			return out, r.o.Client.AddTicketNote(ctx, &req)
		}, nil
	case mapping.StepEdit:
		replyID, err := r.replyToEdit(w.ctx, w.t.ID, s.EntryKey, ticketID)
		if err != nil {
			return nil, err
		}
		req := *s.Edit
		req.ReplyID = replyID
		in.Action = req.Action()
		return func(ctx context.Context) (checkpoints.Outcome, error) {
			return out, r.o.Client.UpdateTicketReply(ctx, &req)
		}, nil
	}
	return nil, fmt.Errorf("unknown step kind %v", s.Kind)
}

// send is the intent/settle loop: the intent is recorded, the request
// sent, and its outcome settled; a write that may have been processed is
// reconciled by reading WHMCS, and sent again (at most maxResends times)
// only when it is found missing.
func (w *stepWrite) send(call writeCall) (int64, error) {
	r, ctx, in := w.r, w.ctx, w.in
	for attempt := 0; ; attempt++ {
		if err := r.o.Store.BeginIntent(ctx, in); err != nil {
			return 0, Fatal(err)
		}
		o, err := call(ctx)
		if err == nil {
			return w.done(o)
		}
		if !whmcs.MaybeProcessed(err) {
			// Certainly not processed (refused, invalid, or retries ran
			// out): nothing to undo.
			if derr := r.o.Store.Drop(context.WithoutCancel(ctx), in.ID); derr != nil {
				return 0, Fatal(derr)
			}
			return 0, err
		}
		// The write may have been processed: read WHMCS to find out.
		// The canary's write is looked for whatever its date: WHMCS before
		// 8.0 stamps it "now", and the canary's read-back must see that
		// rather than send it again.
		found, o, rerr := r.reconcile(ctx, in, w.out, w.first)
		if rerr != nil {
			// The intent stays: the next run settles it before anything
			// else is sent for this ticket.
			return 0, fmt.Errorf("%w; its outcome could not be read back (%v): it will be reconciled on the next run", err, rerr)
		}
		r.reconciled.Add(1)
		if found {
			return w.done(o)
		}
		if err := r.o.Store.Drop(context.WithoutCancel(ctx), in.ID); err != nil {
			return 0, Fatal(err)
		}
		if attempt+1 >= maxResends {
			return 0, err
		}
		r.resent.Add(1)
		in.ID = 0
	}
}

// done settles a write that landed with outcome o, and reads it back.
func (w *stepWrite) done(o checkpoints.Outcome) (int64, error) {
	if err := w.r.settle(w.ctx, w.t.ID, w.in.ID, o); err != nil {
		return 0, err
	}
	w.landed = true
	id := w.ticketID
	if w.s.Kind == mapping.StepOpen {
		id = o.WHMCSID
	}
	return o.WHMCSID, w.r.readBack(w.ctx, w.first, w.t, w.s, id)
}

// effect is what a step leaves the ticket's status, priority and
// department at ("" / 0 = unchanged), as WHMCS behaves: a new ticket is
// Open, a staff reply sets Answered, a customer reply Customer-Reply, a
// reply's status overrides, a note changes nothing.
func effect(s *mapping.Step) (status, priority string, dept int64) {
	switch s.Kind {
	case mapping.StepOpen:
		priority = s.Open.Priority
		if priority == "" {
			priority = "Medium"
		}
		return mapping.StatusOpen, priority, s.Open.DeptID
	case mapping.StepReply:
		switch {
		case s.Reply.Status != "":
			return s.Reply.Status, "", 0
		case s.Reply.AdminUsername != "":
			return mapping.StatusAnswered, "", 0
		default:
			return mapping.StatusCustomerReply, "", 0
		}
	case mapping.StepUpdate:
		return s.Update.Status, s.Update.Priority, s.Update.DeptID
	}
	// An edit (UpdateTicketReply) and a note change none of them.
	return "", "", 0
}

func entryKind(k mapping.StepKind) string {
	switch k {
	case mapping.StepOpen:
		return "open"
	case mapping.StepReply:
		return "reply"
	case mapping.StepNote:
		return "note"
	case mapping.StepEdit:
		return "reply"
	}
	return "update"
}

func readAttachments(e *sources.Entry) ([]whmcs.Attachment, error) {
	out := make([]whmcs.Attachment, 0, len(e.Attachments))
	for _, a := range e.Attachments {
		if a.Open == nil {
			return nil, fmt.Errorf("attachment %q of entry %s: no content", a.Name, e.ID)
		}
		rc, err := a.Open()
		if err != nil {
			return nil, fmt.Errorf("attachment %q of entry %s: %w", a.Name, e.ID, err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("attachment %q of entry %s: %w", a.Name, e.ID, err)
		}
		out = append(out, whmcs.Attachment{Name: a.Name, Data: data})
	}
	return out, nil
}
