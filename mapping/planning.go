// planning.go holds one Plan call: the planning state, Planner.Plan, the
// problem and drift helpers, and the order of the stages (fields, the
// new-ticket or incremental plan, four-byte text, finish, known names).

package mapping

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// keyed is an entry with its identity, in created order.
type keyed struct {
	e    *sources.Entry
	key  string
	hash string
}

// planning is the state of one Plan call.
type planning struct {
	pl    *Planner
	ctx   context.Context
	t     *sources.Ticket
	p     *Plan
	now   time.Time
	prior *Prior
	// opening is an applied edit of the opening message, for the final
	// UpdateTicket; nil when none.
	opening *keyed

	// fields are the ticket-level values the source wants (see
	// Plan.EndFields); cc is the CC list, flag the assignee's admin id.
	fields map[string]string
	cc     []string
	flag   int64

	// entries are the ticket's entries in the order a fresh import sends
	// them.
	entries []keyed

	reqDone  bool
	reqErr   error
	reqName  string
	reqEmail string // "" when the source gave only a client id
}

// Plan maps t and returns the calls that bring it to WHMCS: all of it when
// prior is nil, only what is new when prior says what an earlier run did.
//
// Data problems never make an error: they go in Plan.Problems (errors
// fail the ticket) and Plan.Drift. The error is for failures that are not
// the ticket's: the client lookup's I/O, a cancelled ctx.
//
// A new ticket is opened by its earliest reply (customer or staff; entries
// sorted by created time, ties in source order), as its requester, with
// noemail. Every other entry follows in created order, so notes older than
// the opening reply come right after OpenTicket. Replies and notes are sent
// with their created time and noemail; a note is prefixed with its
// author's name ("**Jane Staff:**\n\n" before Markdown, "Jane Staff:\n\n"
// before text) unless Config.NoteAuthorPrefix is false. The final status
// costs no call when WHMCS arrives at it by itself, is folded into the last
// reply's status when there is one, and is otherwise one UpdateTicket at
// the end (which also carries a changed priority or, when applied, a new
// department).
func (pl *Planner) Plan(ctx context.Context, t *sources.Ticket, prior *Prior) (*Plan, error) {
	s := &planning{pl: pl, ctx: ctx, t: t, prior: prior, now: pl.now()}
	s.p = &Plan{Ticket: t, Problems: slices.Clone(t.Problems)}
	if err := s.plan(); err != nil {
		return nil, fmt.Errorf("plan ticket %s: %w", t.ID, err)
	}
	if err := pl.checkSizes(ctx, s.p); err != nil {
		return nil, fmt.Errorf("plan ticket %s: %w", t.ID, err)
	}
	return s.p, nil
}

func (s *planning) problem(sev sources.Severity, code sources.Code, e *keyed, field, format string, a ...any) {
	pr := sources.Problem{Severity: sev, Code: code, Ticket: s.t.ID, Origin: s.t.Origin, Field: field, Message: fmt.Sprintf(format, a...)}
	if e != nil {
		pr.Entry = e.key
		if e.e.Origin != "" {
			pr.Origin = e.e.Origin
		}
	}
	s.p.Problems = append(s.p.Problems, pr)
}

func (s *planning) errorf(code sources.Code, e *keyed, field, format string, a ...any) {
	s.problem(sources.Error, code, e, field, format, a...)
}

func (s *planning) warnf(code sources.Code, e *keyed, field, format string, a ...any) {
	s.problem(sources.Warning, code, e, field, format, a...)
}

func (s *planning) drift(code sources.Code, entry, origin, format string, a ...any) {
	s.p.Drift = append(s.p.Drift, sources.Problem{Severity: sources.Warning, Code: code, Ticket: s.t.ID, Entry: entry, Origin: origin, Message: fmt.Sprintf(format, a...)})
}

func (s *planning) plan() error {
	t, p := s.t, s.p
	if t.ThreadSkipped {
		s.errorf(sources.CodeThreadSkipped, nil, "", "the thread was not read; the ticket cannot be planned")
		return nil
	}
	if t.RowUnreadable() {
		return nil // the source's problem is the one root cause
	}
	p.DeptID = s.department()
	p.Status = s.status()
	p.Priority = s.priority()
	entries := s.sorted()
	s.entries = entries
	if err := s.ticketFields(); err != nil {
		return err
	}

	var err error
	if s.prior == nil {
		err = s.planNew(entries)
	} else {
		err = s.planIncremental(entries)
	}
	if err != nil {
		return err
	}
	s.fourByteText()
	s.finish()
	s.knownDepartment()
	return nil
}

// sorted returns the entries in created order (ties in source order) with
// their keys; repeated hash keys get "#n", repeated source ids an error.
func (s *planning) sorted() []keyed {
	es := make([]keyed, len(s.t.Entries))
	for i := range s.t.Entries {
		e := &s.t.Entries[i]
		es[i] = keyed{e: e, key: EntryKey(e), hash: EntryHash(e)}
	}
	sort.SliceStable(es, func(i, j int) bool { return es[i].e.Created.Before(es[j].e.Created) })
	seen := make(map[string]int, len(es))
	for i := range es {
		k := es[i].key
		seen[k]++
		if n := seen[k]; n > 1 {
			if es[i].e.ID != "" {
				s.errorf(sources.CodeDuplicateEntryID, &es[i], "id", "entry id %q appears %d times in the ticket", k, n)
			}
			es[i].key = fmt.Sprintf("%s#%d", k, n)
		}
	}
	return es
}
