package importer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// ErrCanary is wrapped by Import's error when the run's first write, read
// back, is not what was sent (see Config.AllowUndated). Nothing else was
// written. A date WHMCS did not keep wraps whmcs.ErrUndated too.
var ErrCanary = errors.New("the first write, read back, is not what was sent")

// canary holds every write of a run back until the run's first write has
// been read back and found as sent. The first worker to write is its
// holder; the others wait. A holder whose write did not land (refused,
// failed) hands the role on to the next writer.
type canary struct {
	mu    sync.Mutex
	state canaryState
	err   error
	wake  chan struct{} // closed when a holder lets go
}

type canaryState int

const (
	canaryOpen   canaryState = iota // no write yet: the next one is the canary
	canaryHeld                      // the canary write is under way
	canaryPassed                    // read back as sent: writes go on
	canaryFailed                    // err says why; no write goes on
)

// acquire is called before every write. first is true for the canary's
// holder, who must call release. err is the canary's failure, or ctx's.
func (c *canary) acquire(ctx context.Context) (first bool, err error) {
	for {
		c.mu.Lock()
		switch c.state {
		case canaryPassed:
			c.mu.Unlock()
			return false, nil
		case canaryFailed:
			c.mu.Unlock()
			return false, c.err
		case canaryOpen:
			c.state, c.wake = canaryHeld, make(chan struct{})
			c.mu.Unlock()
			return true, nil
		}
		wake := c.wake
		c.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
}

// release ends the holder's turn: landed false when nothing was written
// (the next write is the canary), else err is the read-back's verdict.
func (c *canary) release(err error, landed bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != canaryHeld {
		return
	}
	switch {
	case !landed:
		c.state = canaryOpen
	case err != nil:
		c.state, c.err = canaryFailed, err
	default:
		c.state = canaryPassed
	}
	close(c.wake)
}

// textKnowledge is what a run knows of how the target stores text, shared
// by the workers. What a read-back teaches is kept in the checkpoint, so
// later runs, verify and status know it too.
type textKnowledge struct {
	store *checkpoints.Store
	mu    sync.Mutex
	p     whmcs.TextProfile
	// probing is set while a worker reads a write back to learn a
	// dimension still unknown, so that workers do not all do it at once.
	probing atomic.Bool
}

func loadTextKnowledge(ctx context.Context, store *checkpoints.Store) (*textKnowledge, error) {
	v, err := store.Meta(ctx, checkpoints.MetaTextProfile)
	if err != nil {
		return nil, err
	}
	return &textKnowledge{store: store, p: whmcs.ParseTextProfile(v)}, nil
}

func (k *textKnowledge) get() whmcs.TextProfile {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.p
}

// learn keeps what p knows beyond what was known. Failing to write it down
// loses nothing but knowledge: the next read-back learns it again.
func (k *textKnowledge) learn(ctx context.Context, p whmcs.TextProfile) {
	k.mu.Lock()
	old := k.p
	if old.Escapes == whmcs.ObservedUnknown {
		k.p.Escapes = p.Escapes
	}
	if old.FoldsFourByte == whmcs.ObservedUnknown {
		k.p.FoldsFourByte = p.FoldsFourByte
	}
	cur := k.p
	k.mu.Unlock()
	if cur != old && k.store != nil {
		_ = k.store.SetMeta(context.WithoutCancel(ctx), checkpoints.MetaTextProfile, cur.String()) // see above
	}
}

// same compares a sent text with what WHMCS gave back, learning from it.
func (k *textKnowledge) same(ctx context.Context, sent, got string) bool {
	ok, learned := k.get().Match(sent, got)
	k.learn(ctx, learned)
	return ok
}

// matchDigest is same for a text known by its digest.
func (k *textKnowledge) matchDigest(ctx context.Context, d whmcs.Digest, got string) bool {
	ok, learned := k.get().MatchDigest(d, got)
	k.learn(ctx, learned)
	return ok
}

// readBack follows a write that landed: the canary's is read back and
// judged (the error stops the run); after it, a write whose text would
// show what the target does with text, while that is not known yet, is
// read back once to learn it.
func (r *runner) readBack(ctx context.Context, first bool, t *sources.Ticket, s *mapping.Step, ticketID int64) error {
	if first {
		err := r.checkCanary(ctx, t, s, ticketID)
		r.canary.release(err, true)
		if err != nil {
			return Fatal(err)
		}
		return nil
	}
	p := r.text.get()
	if p.Complete() || s.Kind == mapping.StepUpdate || !shows(p, s) || !r.text.probing.CompareAndSwap(false, true) {
		return nil
	}
	defer r.text.probing.Store(false)
	if tk, err := r.o.Client.GetTicket(ctx, &whmcs.GetTicketRequest{TicketID: ticketID}); err == nil {
		r.findWrite(ctx, s, tk)
		r.probes.Add(1)
	}
	return nil
}

// shows reports whether s sends text that would teach a dimension p does
// not know.
func shows(p whmcs.TextProfile, s *mapping.Step) bool {
	texts := []string{s.Message}
	if s.Kind == mapping.StepOpen {
		texts = append(texts, s.Open.Subject)
	}
	for _, x := range texts {
		if p.Escapes == whmcs.ObservedUnknown && strings.ContainsAny(x, `&<>"'`) ||
			p.FoldsFourByte == whmcs.ObservedUnknown && whmcs.HasFourByte(x) {
			return true
		}
	}
	return false
}

// written is a write as GetTicket shows it.
type written struct {
	date    string // in the server's zone
	message string
	found   bool
}

// findWrite finds s's write in tk, learning from its texts: the opening
// message of an OpenTicket, or the latest reply or note whose text is
// s's (whatever its date: the canary must see a date WHMCS did not keep).
func (r *runner) findWrite(ctx context.Context, s *mapping.Step, tk *whmcs.Ticket) written {
	loc := r.o.Client.Location()
	switch s.Kind {
	case mapping.StepOpen:
		r.text.same(ctx, s.Open.Subject, tk.Subject)
		if len(tk.Replies) > 0 && tk.Replies[0].ReplyID == 0 {
			m := tk.Replies[0]
			r.text.same(ctx, s.Message, m.Message)
			return written{date: m.Date.In(loc).Format(dateLayout), message: m.Message, found: true}
		}
	case mapping.StepReply, mapping.StepEdit:
		for i := len(tk.Replies) - 1; i >= 0; i-- {
			if m := tk.Replies[i]; m.ReplyID != 0 && r.text.same(ctx, s.Message, m.Message) {
				return written{date: m.Date.In(loc).Format(dateLayout), message: m.Message, found: true}
			}
		}
	case mapping.StepNote:
		for i := len(tk.Notes) - 1; i >= 0; i-- {
			if m := tk.Notes[i]; r.text.same(ctx, s.Message, m.Message) {
				return written{date: m.Date.In(loc).Format(dateLayout), message: m.Message, found: true}
			}
		}
	}
	return written{}
}

const dateLayout = "2006-01-02 15:04:05"

// checkCanary reads the run's first write back and compares it field by
// field with what was sent: date to the second (the wall clock in the
// server's zone), author, department, body, and for a new ticket its
// subject and requester. It learns how the target stores text on the way.
func (r *runner) checkCanary(ctx context.Context, t *sources.Ticket, s *mapping.Step, ticketID int64) error {
	tk, err := r.o.Client.GetTicket(ctx, &whmcs.GetTicketRequest{TicketID: ticketID})
	if err != nil {
		return fmt.Errorf("canary: read back the run's first write (source ticket %s, WHMCS ticket %d): %w", t.ID, ticketID, err)
	}
	r.probes.Add(1)
	loc := r.o.Client.Location()
	var diffs []string
	diff := func(field, sent, got string) {
		diffs = append(diffs, fmt.Sprintf("%s: sent %s; WHMCS has %s", field, sent, got))
	}
	undated := false
	switch s.Kind {
	case mapping.StepUpdate:
		u := s.Update
		if u.Status != "" && tk.Status != u.Status {
			diff("status", u.Status, tk.Status)
		}
		if u.Priority != "" && tk.Priority != u.Priority {
			diff("priority", u.Priority, tk.Priority)
		}
		if u.DeptID != 0 && tk.DeptID != u.DeptID {
			diff("department", fmt.Sprint(u.DeptID), fmt.Sprint(tk.DeptID))
		}
	default:
		w := r.findWrite(ctx, s, tk)
		text := r.text.get()
		if !w.found {
			diff(entryKind(s.Kind), fmt.Sprintf("%q", excerpt(s.Message)), "no such "+entryKind(s.Kind)+" (its text differs)")
			break
		}
		if sent := s.Created.In(loc).Format(dateLayout); w.date != sent {
			diff("date", sent+" (created, "+loc.String()+")", w.date)
			undated = true
		}
		if s.Kind == mapping.StepOpen {
			o := s.Open
			if !text.Same(o.Subject, tk.Subject) {
				diff("subject", fmt.Sprintf("%q", o.Subject), fmt.Sprintf("%q", tk.Subject))
			}
			if tk.DeptID != o.DeptID {
				diff("department", fmt.Sprint(o.DeptID), fmt.Sprintf("%d (%s)", tk.DeptID, tk.DeptName))
			}
			switch {
			case o.ClientID != 0 && tk.UserID != o.ClientID:
				diff("requester", fmt.Sprintf("client %d", o.ClientID), fmt.Sprintf("client %d", tk.UserID))
			case o.ClientID == 0 && (tk.UserID != 0 || !text.Same(strings.ToLower(o.Email), strings.ToLower(tk.Email))):
				diff("requester", "guest <"+o.Email+">", fmt.Sprintf("client %d <%s>", tk.UserID, tk.Email))
			}
		}
		if s.Kind == mapping.StepReply {
			rp := replyByText(tk, w.message)
			switch rq := s.Reply; {
			case rq.AdminUsername != "" && rp.Admin == "":
				diff("author", "admin "+rq.AdminUsername, "not an admin")
			case rq.AdminUsername == "" && rp.Admin != "":
				diff("author", "a customer", "admin "+rp.Admin)
			case rq.ClientID != 0 && rp.UserID != rq.ClientID:
				diff("author", fmt.Sprintf("client %d", rq.ClientID), fmt.Sprintf("client %d", rp.UserID))
			}
		}
	}
	if len(diffs) == 0 {
		return nil
	}
	if undated && len(diffs) == 1 && r.o.AllowUndated {
		r.o.Logger.Warn("WHMCS does not keep the dates it is sent; importing with today's dates as --allow-undated asks", "sent_and_got", diffs[0])
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "canary: WHMCS did not keep what the run's first write sent (%s of source ticket %s, WHMCS ticket %d #%s):",
		s.Kind, t.ID, tk.TicketID, tk.TID)
	for _, d := range diffs {
		b.WriteString("\n  " + d)
	}
	if undated {
		b.WriteString("\nWHMCS before 8.0 ignores `created` and dates every message at the moment of the import; whmcs-migrate needs 8.0 or later to keep dates (or --allow-undated to import with today's dates).")
	}
	b.WriteString("\nNo other write was sent. ")
	if s.Kind == mapping.StepOpen {
		fmt.Fprintf(&b, "Remove the canary ticket with `whmcs-migrate rollback --config FILE --run %d --yes`.", r.runID)
	} else {
		fmt.Fprintf(&b, "The canary is a %s on WHMCS ticket #%s; delete it in WHMCS's admin area if it is wrong.", s.Kind, tk.TID)
	}
	return &canaryError{msg: b.String(), undated: undated}
}

// canaryError is a canary's verdict: it is ErrCanary, and whmcs.ErrUndated
// too when the date was not kept.
type canaryError struct {
	msg     string
	undated bool
}

func (e *canaryError) Error() string { return e.msg }

func (e *canaryError) Is(target error) bool {
	return target == ErrCanary || e.undated && target == whmcs.ErrUndated
}

func replyByText(tk *whmcs.Ticket, msg string) whmcs.Reply {
	for i := len(tk.Replies) - 1; i >= 0; i-- {
		if tk.Replies[i].Message == msg {
			return tk.Replies[i]
		}
	}
	return whmcs.Reply{}
}

func excerpt(s string) string {
	s = whmcs.NormalizeText(s)
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}
