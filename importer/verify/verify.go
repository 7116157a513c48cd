// verify.go holds the verification's course (Tickets): load the checkpoint
// and the selection, read the source and check each ticket against
// WHMCS, then report what the source no longer has and the open
// conflicts. Comparing one ticket is in compare.go.

package verify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/importer"
	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// Config configures Tickets.
type Config struct {
	Source sources.Source
	// Client reads WHMCS; it should carry the same policy layers (rate
	// limit, retries) as a run's. Verify only reads.
	Client *whmcs.Client
	// Planner must be configured as the runs that imported the tickets
	// were: Verify expects what it plans.
	Planner *mapping.Planner
	Store   *checkpoints.Store
	// Concurrency is how many tickets are compared at once (default 4).
	Concurrency int
	// Only restricts verification to these source ticket ids.
	Only []string
	// Sample, when > 0 (and Only is empty), checks that many imported
	// tickets picked at random instead of all of them.
	Sample int
	// Rand picks the sample; nil = randomly seeded.
	Rand   *rand.Rand
	Logger *slog.Logger
	// Progress, when set, is called after each ticket compared, with how
	// many were compared and how many are to be; it may be called from
	// several goroutines at once.
	Progress func(done, total int)
}

// Tickets compares the imported tickets in WHMCS with their source: for each
// one (all imported, o.Only, or a random o.Sample), it plans the source
// ticket afresh with o.Planner and checks GetTicket's answer against the
// plan: subject, department, requester, final status and priority, and
// every message and note (date to the second, author, body as sent,
// attachment names), then that no other WHMCS ticket by the same requester
// has the same subject and opening date unless the checkpoint maps it.
// Source tickets the checkpoint has not imported are listed as missing.
//
// A ticket whose WHMCS read fails after the client's retries gets a
// report.FieldError difference and the others go on; an authentication failure,
// a source read failure, checkpoint I/O and ctx's end stop Verify with an
// error. When ctx ends (Ctrl-C), Tickets returns what was checked so far
// (Verify.Interrupted set) with an error wrapping importer.ErrInterrupted.
// It only reads WHMCS.
func Tickets(ctx context.Context, o Config) (*report.Verify, error) {
	if o.Source == nil || o.Client == nil || o.Planner == nil || o.Store == nil {
		return nil, errors.New("verify: Source, Client, Planner and Store are required")
	}
	if o.Concurrency <= 0 {
		o.Concurrency = importer.DefaultConcurrency
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	start := time.Now()
	v := &verifier{o: o, loc: o.Client.Location()}
	imported, err := v.load(ctx)
	if err != nil {
		return nil, err
	}
	seen, seq, err := v.checkAll(ctx)
	if err != nil || ctx.Err() != nil {
		if ctx.Err() == nil {
			return nil, err
		}
		rep := v.report(start)
		rep.Interrupted = true
		o.Logger.Info("verify interrupted", "checked", rep.Checked, "of", v.total)
		return rep, fmt.Errorf("%w: %w", importer.ErrInterrupted, ctx.Err())
	}
	v.addGone(imported, seen, seq)

	rep := v.report(start)
	if err := v.addOpenConflicts(ctx, rep); err != nil {
		return nil, err
	}
	o.Logger.Info("verify done", "checked", rep.Checked, "matching", rep.Matching, "differing", rep.Differing,
		"missing", rep.Missing, "elapsed", rep.Elapsed.Round(time.Millisecond))
	return rep, nil
}

// load reads what the verification needs before it reads the source: the
// text profile, the checkpoint's tickets, the selection (o.Only or a
// random o.Sample) and the admins. It returns the imported tickets' ids.
func (v *verifier) load(ctx context.Context) ([]string, error) {
	o := v.o
	// Texts are compared in the form this WHMCS stores them, as the runs
	// learned it (whmcs.TextProfile): an install's sanitiser or 3-byte
	// tables are no difference, and what is not known yet accepts either
	// form.
	prof, err := o.Store.Meta(ctx, checkpoints.MetaTextProfile)
	if err != nil {
		return nil, err
	}
	v.text = whmcs.ParseTextProfile(prof)

	all, err := o.Store.Tickets(ctx, 0)
	if err != nil {
		return nil, err
	}
	v.cp = make(map[string]*checkpoints.Ticket, len(all))
	var imported []string
	for _, t := range all {
		v.cp[t.SourceID] = t
		if isImported(t) {
			imported = append(imported, t.SourceID)
		}
	}
	v.selectTickets(imported)
	if err := v.loadAdmins(ctx); err != nil {
		return nil, err
	}
	return imported, nil
}

// selectTickets restricts the verification to o.Only, or to a random
// o.Sample of the imported tickets; otherwise every imported ticket is
// checked. It shuffles imported for a sample.
func (v *verifier) selectTickets(imported []string) {
	o := v.o
	switch {
	case len(o.Only) > 0:
		v.only = importer.IDSet(o.Only)
		v.selected = v.only
	case o.Sample > 0 && o.Sample < len(imported):
		r := o.Rand
		if r == nil {
			r = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
		}
		r.Shuffle(len(imported), func(i, j int) { imported[i], imported[j] = imported[j], imported[i] })
		v.selected = make(map[string]bool, o.Sample)
		for _, id := range imported[:o.Sample] {
			v.selected[id] = true
		}
	}
}

// verifyJob is one source ticket to compare, with its place in the
// source.
type verifyJob struct {
	seq int
	t   *sources.Ticket
}

// checkAll reads the source and compares the tickets to check, o.Concurrency
// at a time; a ticket in scope that is not imported is reported missing.
// It returns the source ids it compared and the last source position.
func (v *verifier) checkAll(ctx context.Context) (map[string]bool, int, error) {
	o := v.o
	toCheck := map[string]bool{}
	for id := range v.cp {
		if v.toCheck(id) {
			toCheck[id] = true
		}
	}
	v.total = len(toCheck)
	seen := map[string]bool{}
	seq := 0
	err := importer.Pool(ctx, o.Concurrency, func(ctx context.Context, emit func(verifyJob) error) error {
		// Only the tickets to check need their threads.
		for t, err := range o.Source.Tickets(ctx, sources.ReadOptions{Threads: toCheck}) {
			if err != nil {
				return fmt.Errorf("read source: %w", err)
			}
			seq++
			if !v.inScope(t.ID) {
				continue
			}
			if !v.toCheck(t.ID) {
				if c := v.cp[t.ID]; !isImported(c) {
					v.add(seq, []report.Difference{notImported(t.ID, c)}, false)
				}
				continue
			}
			if seen[t.ID] {
				continue // a source repeating an id: the first one was compared
			}
			seen[t.ID] = true
			if err := emit(verifyJob{seq, t}); err != nil {
				return err
			}
		}
		return nil
	}, v.checkJob)
	return seen, seq, err
}

// checkJob compares one ticket and reports progress.
func (v *verifier) checkJob(ctx context.Context, j verifyJob) error {
	diffs, err := v.check(ctx, j.t)
	if err != nil {
		return err
	}
	v.add(j.seq, diffs, true)
	if v.o.Progress != nil {
		v.mu.Lock()
		done := v.checked
		v.mu.Unlock()
		v.o.Progress(done, v.total)
	}
	return nil
}

// addGone reports what was to be checked but the source no longer has
// (not in seen), after the source's last position seq.
func (v *verifier) addGone(imported []string, seen map[string]bool, seq int) {
	var gone []string
	if v.selected != nil {
		for id := range v.selected {
			if !seen[id] {
				gone = append(gone, id)
			}
		}
	} else {
		for _, id := range imported {
			if !seen[id] {
				gone = append(gone, id)
			}
		}
	}
	slices.Sort(gone)
	for _, id := range gone {
		seq++
		d := report.Difference{Ticket: id, Field: report.FieldSource, Expected: "a source ticket with this id", Actual: "absent from the source"}
		if c := v.cp[id]; c != nil {
			d.WHMCSID = c.WHMCSID
			if !isImported(c) {
				d.Expected = "an imported ticket"
				d.Actual = "absent from the source and " + checkpointState(c)
			}
		} else {
			d.Actual = "absent from the source and the checkpoint"
		}
		v.add(seq, []report.Difference{d}, true)
	}
}

// addOpenConflicts lists the checkpoint's open conflicts in scope in rep.
func (v *verifier) addOpenConflicts(ctx context.Context, rep *report.Verify) error {
	open, err := v.o.Store.OpenConflicts(ctx, "")
	if err != nil {
		return err
	}
	for _, c := range open {
		if v.inScope(c.SourceID) {
			rep.OpenConflicts = append(rep.OpenConflicts, report.Conflict{Ticket: c.SourceID, WHMCSID: c.WHMCSID, Field: c.Field,
				WHMCS: c.WHMCS, Source: c.Source, Kept: "whmcs", Reason: c.Reason})
		}
	}
	return nil
}

// report is what was found so far, in source order.
func (v *verifier) report(start time.Time) *report.Verify {
	v.mu.Lock()
	defer v.mu.Unlock()
	slices.SortStableFunc(v.found, func(a, b found) int { return a.seq - b.seq })
	rep := &report.Verify{Checked: v.checked, Matching: v.matching, Differing: v.checked - v.matching,
		Missing: v.missing, Deleted: v.deleted, Elapsed: time.Since(start), Location: v.loc, Text: v.text}
	for _, f := range v.found {
		rep.Differences = append(rep.Differences, f.diffs...)
	}
	return rep
}

type found struct {
	seq   int
	diffs []report.Difference
}

type verifier struct {
	o        Config
	loc      *time.Location
	text     whmcs.TextProfile
	cp       map[string]*checkpoints.Ticket
	only     map[string]bool // nil = every source ticket is in scope
	selected map[string]bool // nil = every imported ticket is checked
	// admins maps an admin username (lower case) to the full name GetTicket
	// shows; nil when GetAdminUsers is not allowed.
	admins map[string]string

	total                      int // tickets to compare
	mu                         sync.Mutex
	found                      []found
	checked, matching, missing int
	deleted                    int
}

func isImported(t *checkpoints.Ticket) bool {
	return t != nil && t.State == checkpoints.StateImported && t.WHMCSID != 0
}

// inScope reports whether a source ticket concerns this verification.
func (v *verifier) inScope(id string) bool { return v.only == nil || v.only[id] }

// toCheck reports whether a source ticket is to be compared with WHMCS.
func (v *verifier) toCheck(id string) bool {
	if v.selected != nil && !v.selected[id] {
		return false
	}
	return isImported(v.cp[id])
}

func (v *verifier) add(seq int, diffs []report.Difference, checked bool) {
	for i := range diffs {
		if c := v.cp[diffs[i].Ticket]; c != nil && diffs[i].WHMCSID != 0 && diffs[i].WHMCSID == c.WHMCSID {
			diffs[i].TID = c.TID
		}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if checked {
		v.checked++
		if len(diffs) == 0 {
			v.matching++
		}
	} else if len(diffs) > 0 && diffs[0].Field == report.FieldDeletedInWHMCS {
		v.deleted++
	} else {
		v.missing++
	}
	if len(diffs) > 0 {
		v.found = append(v.found, found{seq, diffs})
	}
}

func checkpointState(c *checkpoints.Ticket) string {
	switch {
	case c == nil:
		return "not in the checkpoint"
	case c.State == checkpoints.StateFailed:
		return "failed: " + c.Error
	case c.State == checkpoints.StateImported:
		return "imported without a WHMCS id"
	case c.State == checkpoints.StateDeleted:
		return c.Error
	}
	return c.State
}

func notImported(id string, c *checkpoints.Ticket) report.Difference {
	d := report.Difference{Ticket: id, Field: report.FieldNotImported, Expected: "imported", Actual: checkpointState(c)}
	if c != nil && c.State == checkpoints.StateDeleted {
		d.Field = report.FieldDeletedInWHMCS
	}
	if c != nil {
		d.WHMCSID = c.WHMCSID
	}
	return d
}

// loadAdmins maps admin usernames to the names GetTicket shows. A role
// without GetAdminUsers leaves the map nil: staff replies are then only
// checked to be by some admin.
func (v *verifier) loadAdmins(ctx context.Context) error {
	as, err := v.o.Client.GetAdminUsers(ctx, &whmcs.GetAdminUsersRequest{IncludeDisabled: true})
	if err != nil {
		var we *whmcs.Error
		if errors.As(err, &we) && we.Kind == whmcs.KindAuth && strings.Contains(strings.ToLower(we.Message), "permission") {
			v.o.Logger.Warn("GetAdminUsers is not allowed: staff replies are checked to be by an admin, not by which one")
			return nil
		}
		return fmt.Errorf("list admin users: %w", err)
	}
	v.admins = make(map[string]string, len(as))
	for _, a := range as {
		v.admins[strings.ToLower(a.Username)] = strings.TrimSpace(a.FirstName + " " + a.LastName)
	}
	return nil
}

// stopsVerify reports whether an error must stop verification.
func stopsVerify(ctx context.Context, err error) bool {
	return ctx.Err() != nil || whmcs.IsAuth(err) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// check compares one imported ticket.
func (v *verifier) check(ctx context.Context, t *sources.Ticket) ([]report.Difference, error) {
	c := v.cp[t.ID]
	base := report.Difference{Ticket: t.ID, WHMCSID: c.WHMCSID}
	p, err := v.o.Planner.Plan(ctx, t, nil)
	if err != nil {
		if stopsVerify(ctx, err) {
			return nil, fmt.Errorf("plan ticket %s: %w", t.ID, err)
		}
		return []report.Difference{with(base, report.FieldError, "", "a plan", err.Error())}, nil
	}
	if p.Failed() || len(p.Steps) == 0 || p.Steps[0].Open == nil {
		msg := "cannot be planned"
		for _, pr := range p.Problems {
			if pr.Severity == sources.Error {
				msg = pr.Message
				break
			}
		}
		return []report.Difference{with(base, report.FieldSource, "", "a valid ticket", msg)}, nil
	}
	wt, err := v.o.Client.GetTicket(ctx, &whmcs.GetTicketRequest{TicketID: c.WHMCSID, RepliesSort: "ASC"})
	if err != nil {
		if stopsVerify(ctx, err) {
			return nil, fmt.Errorf("get WHMCS ticket %d (source %s): %w", c.WHMCSID, t.ID, err)
		}
		if notFound(err) {
			return []report.Difference{with(base, report.FieldTicket, "", fmt.Sprintf("WHMCS ticket %d", c.WHMCSID), "not found")}, nil
		}
		return []report.Difference{with(base, report.FieldError, "", whmcs.ActionGetTicket, err.Error())}, nil
	}
	diffs := v.compare(base, p, wt)
	dups, err := v.duplicates(ctx, p, c.WHMCSID)
	if err != nil {
		if stopsVerify(ctx, err) {
			return nil, err
		}
		diffs = append(diffs, with(base, report.FieldError, "", whmcs.ActionGetTickets, err.Error()))
	}
	for _, d := range dups {
		diffs = append(diffs, with(base, report.FieldDuplicate, "", "no other WHMCS ticket", d))
	}
	return diffs, nil
}

func with(d report.Difference, field, entry, expected, actual string) report.Difference {
	d.Field, d.Entry, d.Expected, d.Actual = field, entry, expected, actual
	return d
}

// withText is with for a text field: both sides in one form (see
// report.Difference), and WHMCS's stored form as ActualRaw when it
// differs from the one shown.
func (v *verifier) withText(d report.Difference, field, entry, expected, actual, raw string) report.Difference {
	d = with(d, field, entry, expected, actual)
	if raw != actual {
		d.ActualRaw = raw
	}
	return d
}

// notFound reports whether err is WHMCS's "Ticket ID Not Found" (its case
// varies by call).
func notFound(err error) bool { return whmcs.IsTicketNotFound(err) }

// duplicates lists the other WHMCS tickets by the plan's requester with the
// same subject and opening date that the checkpoint does not map.
func (v *verifier) duplicates(ctx context.Context, p *mapping.Plan, self int64) ([]string, error) {
	open := p.Steps[0].Open
	req := &whmcs.GetTicketsRequest{Subject: whmcs.Searchable(open.Subject), IgnoreDeptAssignments: true, LimitNum: 100}
	if p.ClientID != 0 {
		req.ClientID = p.ClientID
	} else {
		req.Email = open.Email
	}
	var out []string
	for {
		l, err := v.o.Client.GetTickets(ctx, req)
		if err != nil {
			return out, fmt.Errorf("list WHMCS tickets like %d: %w", self, err)
		}
		for _, s := range l.Tickets {
			if s.ID == self || !v.text.Same(open.Subject, s.Subject) || !whmcs.SameWallSecond(s.Date, open.Created) {
				continue
			}
			src, err := v.o.Store.SourceIDByWHMCS(ctx, s.ID)
			if err != nil {
				return out, err
			}
			if src == "" {
				out = append(out, fmt.Sprintf("WHMCS ticket %d (#%s) opened %s with the same subject", s.ID, s.TID, v.date(s.Date)))
			}
		}
		req.LimitStart += len(l.Tickets)
		if len(l.Tickets) == 0 || req.LimitStart >= l.TotalResults {
			return out, nil
		}
	}
}

func (v *verifier) date(t time.Time) string { return t.In(v.loc).Format(time.DateTime) }
