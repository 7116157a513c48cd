package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

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
func (r *runner) replay(ctx context.Context, t *sources.Ticket) (TicketResult, error) {
	res := TicketResult{Ticket: t.ID}
	// gone records that the ticket is no longer in WHMCS: later runs skip
	// it, and nothing is sent for it.
	gone := func(why string) (TicketResult, error) {
		if err := r.o.Store.MarkDeleted(context.WithoutCancel(ctx), t.ID, why); err != nil {
			return res, Fatal(err)
		}
		res.Outcome, res.Gone = Deleted, why
		return res, nil
	}
	fail := func(step string, err error) (TicketResult, error) {
		if IsFatal(err) {
			return res, err
		}
		if ctx.Err() != nil {
			res.Outcome = Stopped
			return res, nil
		}
		if whmcs.IsTicketNotFound(err) {
			// A write (or the reconciling read) found the ticket gone:
			// deleted in WHMCS since it was read, or never read (an
			// unfinished import's ticket).
			h, herr := r.o.Store.Header(ctx, t.ID)
			if herr != nil {
				return res, Fatal(herr)
			}
			if h != nil && h.WHMCSID != 0 {
				res.WHMCSID = h.WHMCSID
				return gone(reasonDeleted)
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
			return res, Fatal(ferr)
		}
		return res, nil
	}

	// Settle what an earlier, interrupted attempt left unsure.
	if err := r.settlePending(ctx, t.ID); err != nil {
		return fail("reconcile", err)
	}
	st, err := r.o.Store.Ticket(ctx, t.ID)
	if err != nil {
		return res, Fatal(err)
	}
	if st != nil && st.State == checkpoints.StateDeleted {
		// Found gone from WHMCS by an earlier run, and reported then.
		res.Outcome, res.WHMCSID = Skipped, st.WHMCSID
		return res, nil
	}
	prior := priorOf(st)
	var open []checkpoints.Conflict
	if prior != nil {
		res.WHMCSID = st.WHMCSID
		if r.conflicted[t.ID] {
			if open, err = r.o.Store.OpenConflicts(ctx, t.ID); err != nil {
				return res, Fatal(err)
			}
		}
	}
	plan, err := r.o.Planner.Plan(ctx, t, r.withOpenConflicts(prior, open))
	if err != nil {
		if whmcs.IsAuth(err) {
			return res, Fatal(err)
		}
		return fail("plan", err)
	}
	if plan.Failed() {
		res.Drift = plan.Drift
		for _, p := range plan.Problems {
			if p.Severity == sources.Error {
				res.Problem = p
				break
			}
		}
		return fail("plan", problemsError(plan.Problems))
	}
	// What the checkpoint does not know is read from WHMCS before it is
	// written: a ticket an earlier run opened (adopted), the entries of a
	// half-built one written after a stale copy of the checkpoint was made.
	adopted, again := false, false
	switch {
	case prior == nil:
		adopted, err = r.adopt(ctx, t, plan)
		if err != nil {
			if errors.Is(err, ErrAmbiguous) {
				res.Problem = sources.Problem{Severity: sources.Error, Code: sources.CodeAdoptAmbiguous, Origin: t.Origin}
			}
			return fail("adopt", err)
		}
		again = adopted
	case st.State != checkpoints.StateImported:
		if again, err = r.refresh(ctx, t, st, plan); err != nil {
			return fail("reconcile", err)
		}
	}
	if again {
		if st, err = r.o.Store.Ticket(ctx, t.ID); err != nil {
			return res, Fatal(err)
		}
		prior = priorOf(st)
		if plan, err = r.o.Planner.Plan(ctx, t, prior); err != nil {
			if whmcs.IsAuth(err) {
				return res, Fatal(err)
			}
			return fail("plan", err)
		}
	}
	if prior != nil && !again && len(plan.Steps) > 0 {
		// Read what WHMCS holds before writing to it: what people changed
		// there since the last sync is kept (or, with on_conflict: source,
		// overwritten), and reported. A ticket just adopted or refreshed
		// was read from WHMCS above, and its state is WHMCS's.
		g, err := r.guard(ctx, t.ID, st, open, plan)
		if err != nil {
			return fail("read before sync", err)
		}
		res.Conflicts = g.conflicts
		if g.gone != "" {
			return gone(g.gone)
		}
	}
	res.Drift = plan.Drift
	if len(plan.Steps) == 0 {
		if err := r.o.Store.Finish(ctx, t.ID, t.Updated); err != nil {
			return res, Fatal(err)
		}
		res.Outcome = Unchanged
		if adopted {
			res.Outcome = Adopted
		}
		if prior == nil {
			// A plan with no step for a new ticket cannot happen (the
			// planner reports no_message); never count it as imported.
			return fail("plan", errors.New("nothing to import"))
		}
		return res, nil
	}

	var whmcsID int64
	if prior != nil {
		whmcsID = prior.TicketID
	}
	for i := range plan.Steps {
		if ctx.Err() != nil {
			res.Outcome = Stopped
			return res, nil
		}
		s := &plan.Steps[i]
		id, err := r.step(ctx, t, s, whmcsID)
		if err != nil {
			return fail(s.Key+" ("+s.Kind.String()+")", err)
		}
		if s.Kind == mapping.StepOpen {
			whmcsID = id
		}
	}
	if err := r.o.Store.Finish(context.WithoutCancel(ctx), t.ID, t.Updated); err != nil {
		return res, Fatal(err)
	}
	res.Outcome = Updated
	switch {
	case adopted:
		res.Outcome = Adopted
	case prior == nil:
		res.Outcome = Imported
	}
	return res, nil
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
	out := checkpoints.Outcome{RunID: r.runID, Status: status, Priority: priority, DeptID: dept, Fields: s.Fields}

	// The run's first write is its canary: no other write is sent until
	// it has been read back and WHMCS has shown that it keeps what it is
	// sent (see canary.go).
	first, err := r.canary.acquire(ctx)
	if err != nil {
		return 0, err
	}
	landed := false
	if first {
		defer func() {
			if !landed {
				r.canary.release(nil, false) // nothing written: the next write is the canary
			}
		}()
	}

	if s.Kind == mapping.StepUpdate {
		// UpdateTicket sets absolute values: sending it again is harmless,
		// so it needs no intent, only retries until its outcome is known.
		if s.EntryKey != "" {
			// It applies an edit of the opening message: the entry's new
			// hash, date and text are recorded with it.
			out.EntryKey, out.EntryHash, out.Kind, out.Created, out.MessageHash = s.EntryKey, s.Hash, "open", s.Created, string(whmcs.DigestOf(s.Message))
		}
		req := *s.Update
		req.TicketID = ticketID
		var err error
		for range maxResends {
			if err = r.o.Client.UpdateTicket(ctx, &req); err == nil || !whmcs.MaybeProcessed(err) {
				break
			}
		}
		if err != nil {
			return 0, err
		}
		if err := r.settle(ctx, t.ID, 0, out); err != nil {
			return 0, err
		}
		landed = true
		return 0, r.readBack(ctx, first, t, s, ticketID)
	}

	// The intent keeps the message's digest, not the message: enough to
	// recognise it however the target stores text (see whmcs.TextProfile).
	digest := whmcs.DigestOf(s.Message)
	in := &checkpoints.Intent{RunID: r.runID, SourceID: t.ID, Step: s.Key, WHMCSID: ticketID,
		Created: s.Created, MessageHash: string(digest), EntryKey: s.EntryKey, EntryHash: s.Hash, Kind: entryKind(s.Kind)}
	// The entry keeps the whole digest, not only its literal hash: an edit
	// of it must find it in WHMCS however WHMCS stored it.
	out.EntryKey, out.EntryHash, out.Kind, out.Created, out.MessageHash = in.EntryKey, in.EntryHash, in.Kind, in.Created, string(digest)

	var call func(ctx context.Context) (checkpoints.Outcome, error)
	switch s.Kind {
	case mapping.StepOpen:
		req := *s.Open
		req.Attachments = atts
		in.Action, in.Subject, in.ClientID, in.Email = req.Action(), req.Subject, req.ClientID, req.Email
		call = func(ctx context.Context) (checkpoints.Outcome, error) {
			res, err := r.o.Client.OpenTicket(ctx, &req)
			if err != nil {
				return out, err
			}
			o := out
			o.WHMCSID, o.TID, o.C = res.ID, res.TID, res.C
			return o, nil
		}
	case mapping.StepReply:
		req := *s.Reply
		req.TicketID, req.Attachments = ticketID, atts
		in.Action = req.Action()
		call = func(ctx context.Context) (checkpoints.Outcome, error) {
			return out, r.o.Client.AddTicketReply(ctx, &req)
		}
	case mapping.StepNote:
		req := *s.Note
		req.TicketID, req.Attachments = ticketID, atts
		in.Action = req.Action()
		call = func(ctx context.Context) (checkpoints.Outcome, error) {
			return out, r.o.Client.AddTicketNote(ctx, &req)
		}
	case mapping.StepEdit:
		replyID, err := r.replyToEdit(ctx, t.ID, s.EntryKey, ticketID)
		if err != nil {
			return 0, err
		}
		req := *s.Edit
		req.ReplyID = replyID
		in.Action = req.Action()
		call = func(ctx context.Context) (checkpoints.Outcome, error) {
			return out, r.o.Client.UpdateTicketReply(ctx, &req)
		}
	default:
		return 0, fmt.Errorf("unknown step kind %v", s.Kind)
	}

	done := func(o checkpoints.Outcome) (int64, error) {
		if err := r.settle(ctx, t.ID, in.ID, o); err != nil {
			return 0, err
		}
		landed = true
		id := ticketID
		if s.Kind == mapping.StepOpen {
			id = o.WHMCSID
		}
		return o.WHMCSID, r.readBack(ctx, first, t, s, id)
	}
	for attempt := 0; ; attempt++ {
		if err := r.o.Store.BeginIntent(ctx, in); err != nil {
			return 0, Fatal(err)
		}
		o, err := call(ctx)
		if err == nil {
			return done(o)
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
		found, o, rerr := r.reconcile(ctx, in, out, first)
		if rerr != nil {
			// The intent stays: the next run settles it before anything
			// else is sent for this ticket.
			return 0, fmt.Errorf("%w; its outcome could not be read back (%v): it will be reconciled on the next run", err, rerr)
		}
		r.reconciled.Add(1)
		if found {
			return done(o)
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

func (r *runner) settle(ctx context.Context, sourceID string, intentID int64, o checkpoints.Outcome) error {
	if err := r.o.Store.Settle(context.WithoutCancel(ctx), sourceID, intentID, o); err != nil {
		return Fatal(err)
	}
	return nil
}

// settlePending resolves the intents an earlier attempt left without
// outcome, by reading WHMCS.
func (r *runner) settlePending(ctx context.Context, sourceID string) error {
	pend, err := r.o.Store.Pending(ctx, sourceID)
	if err != nil {
		return Fatal(err)
	}
	for i := range pend {
		in := &pend[i]
		if in.Action == whmcs.ActionOpenTicket {
			// A later step may already know the id (an earlier settle).
			if st, err := r.o.Store.Ticket(ctx, sourceID); err != nil {
				return Fatal(err)
			} else if st != nil && st.WHMCSID != 0 {
				if err := r.o.Store.Drop(ctx, in.ID); err != nil {
					return Fatal(err)
				}
				continue
			}
		}
		base := checkpoints.Outcome{RunID: in.RunID, EntryKey: in.EntryKey, EntryHash: in.EntryHash, Kind: in.Kind,
			Created: in.Created, MessageHash: in.MessageHash}
		found, o, err := r.reconcile(ctx, in, base, false)
		if err != nil {
			return fmt.Errorf("settle unfinished %s of an earlier run: %w", in.Action, err)
		}
		r.reconciled.Add(1)
		if found {
			if err := r.settle(ctx, sourceID, in.ID, o); err != nil {
				return err
			}
		} else if err := r.o.Store.Drop(ctx, in.ID); err != nil {
			return Fatal(err)
		}
	}
	return nil
}

// reconcile looks for the effect of in's write in WHMCS. base is the
// outcome to record if found: the WHMCS ids are filled in for OpenTicket,
// and the status, priority and department are those WHMCS shows (an
// unsettled write is always its ticket's latest, so they are its effect).
//
// Texts are compared in the form this WHMCS stores them (r.text): an
// install's sanitiser and 3-byte tables must not make a write that landed
// look missing, which would send it twice. anyDate drops the date from the
// match, for the canary (a WHMCS that ignores created dates it now).
func (r *runner) reconcile(ctx context.Context, in *checkpoints.Intent, base checkpoints.Outcome, anyDate bool) (bool, checkpoints.Outcome, error) {
	if in.Action == whmcs.ActionOpenTicket {
		return r.findOpened(ctx, in, base, anyDate)
	}
	if in.Action == whmcs.ActionUpdateTicketReply {
		return r.findEdit(ctx, in, base, anyDate)
	}
	tk, err := r.o.Client.GetTicket(ctx, &whmcs.GetTicketRequest{TicketID: in.WHMCSID})
	if err != nil {
		return false, base, err
	}
	digest := whmcs.Digest(in.MessageHash)
	same := func(date time.Time, msg string) bool {
		return (anyDate || whmcs.SameWallSecond(date, in.Created)) && r.text.matchDigest(ctx, digest, msg)
	}
	matches := 0
	if in.Action == whmcs.ActionAddTicketNote {
		for _, n := range tk.Notes {
			if same(n.Date, n.Message) {
				matches++
			}
		}
	} else {
		for _, rp := range tk.Replies {
			if rp.ReplyID != 0 && same(rp.Date, rp.Message) {
				matches++
			}
		}
	}
	if matches == 0 {
		return false, base, nil
	}
	base.Status, base.Priority, base.DeptID = tk.Status, tk.Priority, tk.DeptID
	// Identical entries (same date and text) already settled account for
	// as many matches.
	st, err := r.o.Store.Ticket(ctx, in.SourceID)
	if err != nil {
		return false, base, Fatal(err)
	}
	already := 0
	if st != nil {
		for _, e := range st.Entries {
			if e.Kind == in.Kind && e.Created.Unix() == in.Created.Unix() && whmcs.Digest(e.MessageHash).Literal() == digest.Literal() {
				already++
			}
		}
	}
	return matches > already, base, nil
}

// replyToEdit finds the WHMCS reply that an edit of entry key changes: the
// reply (not the opening message) with the date and text the checkpoint
// recorded when the entry was imported, texts compared in the form this
// WHMCS stores them. Several such replies are an error, not a guess.
func (r *runner) replyToEdit(ctx context.Context, sourceID, key string, ticketID int64) (int64, error) {
	st, err := r.o.Store.Ticket(ctx, sourceID)
	if err != nil {
		return 0, Fatal(err)
	}
	var e checkpoints.Entry
	ok := false
	if st != nil {
		e, ok = st.Entries[key]
	}
	if !ok {
		return 0, fmt.Errorf("edit of entry %s: the checkpoint has no import of it", key)
	}
	tk, err := r.o.Client.GetTicket(ctx, &whmcs.GetTicketRequest{TicketID: ticketID})
	if err != nil {
		return 0, fmt.Errorf("edit of entry %s: find its reply: %w", key, err)
	}
	var ids []int64
	for _, rp := range tk.Replies {
		if rp.ReplyID != 0 && whmcs.SameWallSecond(rp.Date, e.Created) && r.text.matchDigest(ctx, whmcs.Digest(e.MessageHash), rp.Message) {
			ids = append(ids, rp.ReplyID)
		}
	}
	switch len(ids) {
	case 0:
		return 0, fmt.Errorf("edit of entry %s: WHMCS ticket %d has no reply dated %s with the text imported; was it changed or deleted in WHMCS?",
			key, ticketID, e.Created.In(r.o.Client.Location()).Format(dateLayout))
	case 1:
		return ids[0], nil
	}
	return 0, fmt.Errorf("edit of entry %s: WHMCS ticket %d has %d replies with its date and text (replies %v); not guessing which one to change", key, ticketID, len(ids), ids)
}

// findEdit looks for the effect of an UpdateTicketReply whose answer was
// lost: a reply of the ticket with the edit's date and text.
func (r *runner) findEdit(ctx context.Context, in *checkpoints.Intent, base checkpoints.Outcome, anyDate bool) (bool, checkpoints.Outcome, error) {
	tk, err := r.o.Client.GetTicket(ctx, &whmcs.GetTicketRequest{TicketID: in.WHMCSID})
	if err != nil {
		return false, base, err
	}
	for _, rp := range tk.Replies {
		if rp.ReplyID != 0 && (anyDate || whmcs.SameWallSecond(rp.Date, in.Created)) && r.text.matchDigest(ctx, whmcs.Digest(in.MessageHash), rp.Message) {
			return true, base, nil
		}
	}
	return false, base, nil
}

// findOpened looks for the ticket an OpenTicket may have created: same
// requester, subject, opening date and opening message, and not mapped to
// another source ticket. The subject is searched by a part that every
// stored form of it holds (whmcs.Searchable), then compared whole.
func (r *runner) findOpened(ctx context.Context, in *checkpoints.Intent, base checkpoints.Outcome, anyDate bool) (bool, checkpoints.Outcome, error) {
	req := &whmcs.GetTicketsRequest{ClientID: in.ClientID, Subject: whmcs.Searchable(in.Subject), IgnoreDeptAssignments: true, LimitNum: 100}
	if in.ClientID == 0 {
		req.Email = in.Email
	}
	digest := whmcs.Digest(in.MessageHash)
	for {
		list, err := r.o.Client.GetTickets(ctx, req)
		if err != nil {
			return false, base, err
		}
		for _, s := range list.Tickets {
			if !r.text.same(ctx, in.Subject, s.Subject) || !anyDate && !whmcs.SameWallSecond(s.Date, in.Created) {
				continue
			}
			other, err := r.o.Store.SourceIDByWHMCS(ctx, s.ID)
			if err != nil {
				return false, base, Fatal(err)
			}
			if other != "" && other != in.SourceID {
				continue
			}
			tk, err := r.o.Client.GetTicket(ctx, &whmcs.GetTicketRequest{TicketID: s.ID})
			if err != nil {
				return false, base, err
			}
			if len(tk.Replies) == 0 || !r.text.matchDigest(ctx, digest, tk.Replies[0].Message) {
				continue
			}
			o := base
			o.WHMCSID, o.TID, o.C = tk.TicketID, tk.TID, tk.C
			o.Status, o.Priority, o.DeptID = tk.Status, tk.Priority, tk.DeptID
			return true, o, nil
		}
		req.LimitStart += len(list.Tickets)
		if len(list.Tickets) == 0 || req.LimitStart >= list.TotalResults {
			return false, base, nil
		}
	}
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
