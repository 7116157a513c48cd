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

// Options configure Verify.
type Options struct {
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

// Run compares the imported tickets in WHMCS with their source: for each
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
// error. When ctx ends (Ctrl-C), Run returns what was checked so far
// (Verify.Interrupted set) with an error wrapping importer.ErrInterrupted.
// It only reads WHMCS.
func Run(ctx context.Context, o Options) (*report.Verify, error) {
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
	if err := v.loadAdmins(ctx); err != nil {
		return nil, err
	}

	type job struct {
		seq int
		t   *sources.Ticket
	}
	toCheck := map[string]bool{}
	for id := range v.cp {
		if v.toCheck(id) {
			toCheck[id] = true
		}
	}
	v.total = len(toCheck)
	seen := map[string]bool{}
	seq := 0
	err = importer.Pool(ctx, o.Concurrency, func(ctx context.Context, emit func(job) error) error {
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
			if err := emit(job{seq, t}); err != nil {
				return err
			}
		}
		return nil
	}, func(ctx context.Context, j job) error {
		diffs, err := v.check(ctx, j.t)
		if err != nil {
			return err
		}
		v.add(j.seq, diffs, true)
		if o.Progress != nil {
			v.mu.Lock()
			done := v.checked
			v.mu.Unlock()
			o.Progress(done, v.total)
		}
		return nil
	})
	if err != nil || ctx.Err() != nil {
		if ctx.Err() == nil {
			return nil, err
		}
		rep := v.report(start)
		rep.Interrupted = true
		o.Logger.Info("verify interrupted", "checked", rep.Checked, "of", v.total)
		return rep, fmt.Errorf("%w: %w", importer.ErrInterrupted, ctx.Err())
	}

	// What was to be checked but the source no longer has.
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

	rep := v.report(start)
	open, err := o.Store.OpenConflicts(ctx, "")
	if err != nil {
		return nil, err
	}
	for _, c := range open {
		if v.inScope(c.SourceID) {
			rep.OpenConflicts = append(rep.OpenConflicts, report.Conflict{Ticket: c.SourceID, WHMCSID: c.WHMCSID, Field: c.Field,
				WHMCS: c.WHMCS, Source: c.Source, Kept: "whmcs", Reason: c.Reason})
		}
	}
	o.Logger.Info("verify done", "checked", rep.Checked, "matching", rep.Matching, "differing", rep.Differing,
		"missing", rep.Missing, "elapsed", rep.Elapsed.Round(time.Millisecond))
	return rep, nil
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
	o        Options
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

// compare checks the ticket's fields and its thread against the plan.
func (v *verifier) compare(base report.Difference, p *mapping.Plan, wt *whmcs.Ticket) []report.Difference {
	var diffs []report.Difference
	add := func(field, entry, expected, actual string) {
		diffs = append(diffs, with(base, field, entry, expected, actual))
	}
	open := p.Steps[0].Open
	if !v.text.Same(open.Subject, wt.Subject) {
		add(report.FieldSubject, "", open.Subject, wt.Subject)
	}
	if wt.DeptID != p.EndDeptID {
		add(report.FieldDepartment, "", fmt.Sprintf("deptid %d", p.EndDeptID), fmt.Sprintf("deptid %d (%s)", wt.DeptID, wt.DeptName))
	}
	if p.ClientID != 0 {
		if wt.UserID != p.ClientID {
			add(report.FieldRequester, "", fmt.Sprintf("client %d", p.ClientID), requesterOf(wt))
		}
	} else if wt.UserID != 0 || !v.sameEmail(open.Email, wt.Email) || !v.text.Same(open.Name, wt.Name) {
		add(report.FieldRequester, "", fmt.Sprintf("guest %s <%s>", open.Name, open.Email), requesterOf(wt))
	}
	if p.EndStatus != "" && wt.Status != p.EndStatus {
		add(report.FieldStatus, "", p.EndStatus, wt.Status)
	}
	if wt.Priority != p.EndPriority {
		add(report.FieldPriority, "", p.EndPriority, wt.Priority)
	}

	var wantReplies, wantNotes []message
	for i := range p.Steps {
		s := &p.Steps[i]
		switch s.Kind {
		case mapping.StepOpen:
			m := expected(s, "opening")
			if open.ClientID != 0 {
				m.author = author{clientID: open.ClientID, contactID: open.ContactID}
			} else {
				m.author = author{name: open.Name, email: open.Email}
			}
			wantReplies = append(wantReplies, m)
		case mapping.StepReply:
			m := expected(s, "reply")
			r := s.Reply
			m.author = author{admin: r.AdminUsername, clientID: r.ClientID, contactID: r.ContactID, name: r.Name, email: r.Email}
			wantReplies = append(wantReplies, m)
		case mapping.StepNote:
			m := expected(s, "note")
			m.noAuthor = true
			wantNotes = append(wantNotes, m)
		}
	}
	var gotReplies, gotNotes []message
	for _, r := range wt.Replies {
		m := message{kind: "reply", id: r.ReplyID, date: r.Date, body: r.Message, attachments: refNames(r.Attachments, r.Attachment), removed: r.AttachmentsRemoved}
		switch {
		case r.Admin != "":
			m.author = author{admin: r.Admin}
		case r.UserID != 0:
			m.author = author{clientID: r.UserID, contactID: r.ContactID}
		default:
			m.author = author{name: r.Name, email: r.Email}
		}
		gotReplies = append(gotReplies, m)
	}
	for _, n := range wt.Notes {
		gotNotes = append(gotNotes, message{kind: "note", id: n.NoteID, date: n.Date, body: n.Message, attachments: refNames(n.Attachments, n.Attachment), removed: n.AttachmentsRemoved, noAuthor: true})
	}
	diffs = append(diffs, v.thread(base, wantReplies, gotReplies)...)
	diffs = append(diffs, v.thread(base, wantNotes, gotNotes)...)
	return diffs
}

func requesterOf(wt *whmcs.Ticket) string {
	if wt.UserID != 0 {
		return fmt.Sprintf("client %d (%s <%s>)", wt.UserID, wt.Name, wt.Email)
	}
	return fmt.Sprintf("guest %s <%s>", wt.Name, wt.Email)
}

// message is one reply or note, expected (from a plan step) or actual
// (from GetTicket).
type message struct {
	kind        string // "opening", "reply", "note"
	key         string // entry key (expected only)
	id          int64  // reply or note id (actual only)
	date        time.Time
	author      author
	noAuthor    bool // notes: WHMCS records the API admin, not the author
	body        string
	attachments []string
	removed     bool // WHMCS says the attachments were removed
}

// author is who wrote a reply: an admin (username expected, the name
// GetTicket shows actual), a client, or a guest.
type author struct {
	admin       string
	clientID    int64
	contactID   int64 // a client's contact; 0 = the client itself
	name, email string
}

func expected(s *mapping.Step, kind string) message {
	m := message{kind: kind, key: s.EntryKey, date: s.Created, body: s.Message}
	if s.Entry != nil {
		for _, a := range s.Entry.Attachments {
			m.attachments = append(m.attachments, a.Name)
		}
	}
	return m
}

// refNames lists the attachment names GetTicket gives, from the
// attachments list or, when absent, the raw "123456_name|..." field.
func refNames(refs []whmcs.AttachmentRef, raw string) []string {
	var out []string
	for _, r := range refs {
		out = append(out, r.Filename)
	}
	if len(out) == 0 && raw != "" {
		for _, f := range strings.Split(raw, "|") {
			if i := strings.IndexByte(f, '_'); i > 0 && strings.Trim(f[:i], "0123456789") == "" {
				f = f[i+1:]
			}
			out = append(out, f)
		}
	}
	return out
}

func (v *verifier) authorMatches(want, got author) bool {
	switch {
	case want.admin != "":
		if got.admin == "" {
			return false
		}
		if v.admins == nil {
			return true
		}
		full, ok := v.admins[strings.ToLower(want.admin)]
		return strings.EqualFold(got.admin, want.admin) || (ok && strings.EqualFold(strings.TrimSpace(got.admin), full))
	case want.clientID != 0:
		return got.admin == "" && got.clientID == want.clientID && got.contactID == want.contactID
	}
	return got.admin == "" && got.clientID == 0 && v.sameEmail(want.email, got.email) && v.text.Same(want.name, got.name)
}

// sameEmail compares email addresses case-insensitively, in the form WHMCS
// holds them (a sanitiser stores o'brien@ as o&#039;brien@).
func (v *verifier) sameEmail(want, got string) bool {
	return v.text.Same(strings.ToLower(want), strings.ToLower(got))
}

// sameName compares attachment file names. WHMCS decodes them from the
// attachments parameter, out of the sanitiser's reach, but a 3-byte table
// still folds them: only that dimension of the profile applies.
func (v *verifier) sameName(want, got string) bool {
	return whmcs.TextProfile{Escapes: whmcs.No, FoldsFourByte: v.text.FoldsFourByte}.Same(want, got)
}

func (v *verifier) describeAuthor(a author, expected bool) string {
	switch {
	case a.admin != "" && expected:
		if full := v.admins[strings.ToLower(a.admin)]; full != "" {
			return fmt.Sprintf("admin %s (%s)", a.admin, full)
		}
		return "admin " + a.admin
	case a.admin != "":
		return "admin " + a.admin
	case a.clientID != 0 && a.contactID != 0:
		return fmt.Sprintf("client %d contact %d", a.clientID, a.contactID)
	case a.clientID != 0:
		return fmt.Sprintf("client %d", a.clientID)
	}
	return fmt.Sprintf("guest %s <%s>", a.name, a.email)
}

// fieldDiffs lists how an actual message differs from the expected one.
func (v *verifier) fieldDiffs(want, got *message) (fields []string, exp, act []string) {
	if !whmcs.SameWallSecond(got.date, want.date) {
		fields, exp, act = append(fields, "date"), append(exp, v.date(want.date)), append(act, v.date(got.date))
	}
	if !want.noAuthor && !v.authorMatches(want.author, got.author) {
		fields, exp, act = append(fields, "author"), append(exp, v.describeAuthor(want.author, true)), append(act, v.describeAuthor(got.author, false))
	}
	if !v.text.Same(want.body, got.body) {
		e, a := excerpts(whmcs.NormalizeText(want.body), whmcs.NormalizeText(got.body))
		fields, exp, act = append(fields, "body"), append(exp, e), append(act, a)
	}
	if got.removed || !slices.EqualFunc(want.attachments, got.attachments, v.sameName) {
		a := attachmentList(got.attachments)
		if got.removed {
			a += " (removed)"
		}
		fields, exp, act = append(fields, "attachments"), append(exp, attachmentList(want.attachments)), append(act, a)
	}
	return fields, exp, act
}

func attachmentList(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return fmt.Sprintf("%d: %s", len(names), strings.Join(names, ", "))
}

// thread matches expected messages with WHMCS's and reports the
// differences. Matching goes in passes, each pairing every unmatched
// expected message with the first unmatched actual one that satisfies it,
// in order: identical; same body (a changed date, author or attachment);
// same date (a changed body). What is left is missing from WHMCS, or in
// WHMCS only. WHMCS's order is not checked beyond that: GetTicket lists by
// id, and a reply added by a later sync may be older than one before it.
func (v *verifier) thread(base report.Difference, want, got []message) []report.Difference {
	pair := make([]int, len(want)) // index into got, -1 = unmatched
	used := make([]bool, len(got))
	for i := range pair {
		pair[i] = -1
	}
	passes := []func(w, g *message) bool{
		func(w, g *message) bool { f, _, _ := v.fieldDiffs(w, g); return len(f) == 0 },
		func(w, g *message) bool { return v.text.Same(w.body, g.body) },
		func(w, g *message) bool { return whmcs.SameWallSecond(g.date, w.date) },
	}
	for _, match := range passes {
		for i := range want {
			if pair[i] >= 0 {
				continue
			}
			for j := range got {
				if !used[j] && match(&want[i], &got[j]) {
					pair[i], used[j] = j, true
					break
				}
			}
		}
	}
	var diffs []report.Difference
	for i := range want {
		w := &want[i]
		if pair[i] < 0 {
			diffs = append(diffs, with(base, w.kind, w.key, v.summary(w, true), "absent"))
			continue
		}
		fields, exp, act := v.fieldDiffs(w, &got[pair[i]])
		for k, f := range fields {
			diffs = append(diffs, with(base, w.kind+"."+f, w.key, exp[k], act[k]))
		}
	}
	for j := range got {
		if !used[j] {
			g := &got[j]
			kind := g.kind
			if kind == "reply" && g.id == 0 {
				kind = "opening"
			}
			diffs = append(diffs, with(base, kind, "", "absent", v.summary(g, false)))
		}
	}
	return diffs
}

// summary describes a message in one line.
func (v *verifier) summary(m *message, expected bool) string {
	var b strings.Builder
	b.WriteString(m.kind)
	if m.id != 0 {
		fmt.Fprintf(&b, " %d", m.id)
	}
	b.WriteString(" of " + v.date(m.date))
	if !m.noAuthor {
		b.WriteString(" by " + v.describeAuthor(m.author, expected))
	}
	body, _ := excerpts(whmcs.NormalizeText(m.body), whmcs.NormalizeText(m.body))
	fmt.Fprintf(&b, ": %q", body)
	return b.String()
}

// excerptLen is the most of a body a difference shows.
const excerptLen = 120

// excerpts returns where a and b start to differ, with a little context
// before, each cut to excerptLen runes.
func excerpts(a, b string) (string, string) {
	ra, rb := []rune(a), []rune(b)
	i := 0
	for i < len(ra) && i < len(rb) && ra[i] == rb[i] {
		i++
	}
	if i == len(ra) && i == len(rb) {
		i = 0 // equal: show the start
	}
	from := max(0, i-40)
	cut := func(r []rune) string {
		if from > len(r) {
			return ""
		}
		s := r[from:]
		pre, post := "", ""
		if from > 0 {
			pre = "…"
		}
		if len(s) > excerptLen {
			s, post = s[:excerptLen], "…"
		}
		return pre + string(s) + post
	}
	return cut(ra), cut(rb)
}
