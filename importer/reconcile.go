// reconcile.go holds how a write whose answer was lost is found in
// WHMCS: settling the intents an earlier attempt left, and looking for an
// OpenTicket, a reply or note, or an edit by what it wrote.

package importer

import (
	"context"
	"fmt"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

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
