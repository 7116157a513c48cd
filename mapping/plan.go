package mapping

import (
	"context"
	"fmt"
	"net/mail"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// WHMCS's built-in ticket statuses, and the ones its calls arrive at by
// themselves: OpenTicket leaves a ticket Open, a staff reply Answered, a
// customer reply Customer-Reply. Notes change nothing.
const (
	StatusOpen          = "Open"
	StatusAnswered      = "Answered"
	StatusCustomerReply = "Customer-Reply"
	StatusClosed        = "Closed"
	StatusOnHold        = "On Hold"
	StatusInProgress    = "In Progress"
)

// DefaultStatuses are the status titles of a fresh WHMCS, assumed when
// Options.KnownStatuses is nil.
var DefaultStatuses = []string{StatusOpen, StatusAnswered, StatusCustomerReply, StatusClosed, StatusOnHold, StatusInProgress}

// Options configure a Planner.
type Options struct {
	// Config is the mapping (config mapping block); NewPlanner validates it.
	Config Config
	// Clients looks requesters up when Config.Clients is match_email. Nil:
	// every requester without a source client id is a guest (clients:
	// guest, or validation offline).
	Clients ClientResolver
	// Contacts finds client contacts by email when Config.Clients is
	// match_email: a requester who is no client but a client's contact
	// opens the ticket as that contact, and a customer reply by a contact
	// of the ticket's client is shown as that contact. Nil: no contacts.
	Contacts ContactResolver
	// Admins finds the admin id of a ticket's assignee (UpdateTicket
	// flag). Nil: assignees are not set (validation offline).
	Admins AdminResolver
	// KnownStatuses are the WHMCS status titles (GetSupportStatuses). Nil =
	// DefaultStatuses, and then the targets of Config.Statuses are trusted
	// as they are; when given, those targets must be among them too.
	KnownStatuses []string
	// KnownStaff are the WHMCS admin usernames (GetAdminUsers); nil = don't
	// check the usernames the staff mapping gives.
	KnownStaff []string
	// KnownDepartments are the WHMCS department ids
	// (GetSupportDepartments); nil = don't check the ids the department
	// mapping gives. A ticket to be opened in, or moved to, a department
	// WHMCS lacks fails its plan with unknown_department_id, before any
	// call.
	KnownDepartments []int64
	// Now is the WHMCS server's clock, for "date in the future"; nil =
	// time.Now.
	Now func() time.Time
	// TargetLocation is the WHMCS server's zone (target.timezone). When set,
	// a date falling in its repeated hour (clocks going back) is reported
	// as target_time_ambiguous: WHMCS stores wall-clock times, so it will
	// read back as the earlier instant with that wall clock.
	TargetLocation *time.Location
	// ApplyDepartmentChanges (--apply-department-changes) makes an
	// incremental plan move a ticket whose department mapping changed, with
	// UpdateTicket deptid. Without it the move is only reported as drift.
	ApplyDepartmentChanges bool
	// ApplyEdits (sync.apply_edits) makes an incremental plan apply the
	// source's edits of imported entries: a reply with UpdateTicketReply,
	// the opening message with UpdateTicket message. Without it (and for
	// notes, which have no update call) an edit is only reported as drift.
	ApplyEdits bool
	// MaxRequestSize is the largest request body WHMCS accepts, in bytes
	// (target.max_request_size, PHP's post_max_size): a ticket with a call
	// over it gets a request_too_large error and is not sent. 0 =
	// whmcs.DefaultMaxRequestSize; negative = no limit.
	MaxRequestSize int64
	// RequestOverhead is what each request carries besides its parameters
	// (whmcs.HTTP.CredentialsSize); 0 = DefaultRequestOverhead.
	RequestOverhead int64
}

// Planner turns source tickets into plans: the exact WHMCS calls that
// reproduce each ticket. It is safe for concurrent use when its
// ClientResolver is.
type Planner struct {
	cfg          Config // as given, for Unknown
	clients      ClientResolver
	admins       AdminResolver
	contacts     ContactResolver
	numberField  int            // mapping.ticket_number_field; 0 = none
	customFields map[string]int // norm(source field) -> WHMCS field id
	matchEmail   bool
	notePrefix   bool
	applyDept    bool
	applyEdits   bool
	depts        map[string]int64
	defaultDept  int64
	statuses     map[string]string // norm(source) -> configured target
	trustTargets bool              // statuses' targets need not be known
	known        map[string]string // norm(title) -> title
	priorities   map[string]string // norm(source) -> Low|Medium|High
	staff        map[string]string // norm(email or name) -> username
	defaultStaff string
	knownStaff   map[string]string // norm(username) -> username; nil = no check
	knownDepts   map[int64]bool    // nil = no check
	now          func() time.Time
	target       *time.Location
	fallback     *Requester // nil = missing_requester
	nameFourByte bool       // four_byte_text: name
	maxRequest   int64      // request size limit; negative = none
	overhead     int64      // credentials' bytes in each request
}

// NewPlanner checks o.Config (see Config.Validate) and returns a Planner.
func NewPlanner(o Options) (*Planner, error) {
	if err := o.Config.Validate(); err != nil {
		return nil, err
	}
	c := o.Config
	p := &Planner{
		cfg:          c,
		clients:      o.Clients,
		admins:       o.Admins,
		contacts:     o.Contacts,
		numberField:  c.TicketNumberField,
		customFields: normMap(c.CustomFields),
		matchEmail:   c.Clients == ClientsMatchEmail,
		notePrefix:   c.noteAuthorPrefix(),
		applyDept:    o.ApplyDepartmentChanges,
		applyEdits:   o.ApplyEdits,
		depts:        normMap(c.Departments),
		defaultDept:  c.DefaultDepartment,
		statuses:     normMap(c.Statuses),
		trustTargets: o.KnownStatuses == nil,
		staff:        normMap(c.Staff),
		defaultStaff: strings.TrimSpace(c.DefaultStaff),
		now:          o.Now,
		target:       o.TargetLocation,
		nameFourByte: c.FourByteText == FourByteName,
		maxRequest:   o.MaxRequestSize,
		overhead:     o.RequestOverhead,
	}
	if p.maxRequest == 0 {
		p.maxRequest = whmcs.DefaultMaxRequestSize
	}
	if p.overhead == 0 {
		p.overhead = DefaultRequestOverhead
	}
	if f := c.FallbackRequester; f != nil {
		p.fallback = &Requester{Name: strings.TrimSpace(f.Name), Email: strings.TrimSpace(f.Email)}
	}
	if p.now == nil {
		p.now = time.Now
	}
	known := o.KnownStatuses
	if known == nil {
		known = DefaultStatuses
	}
	p.known = make(map[string]string, len(known))
	for _, s := range known {
		p.known[norm(s)] = strings.TrimSpace(s)
	}
	p.priorities = make(map[string]string, len(c.Priorities))
	for k, v := range normMap(c.Priorities) {
		p.priorities[k], _ = canonicalPriority(v)
	}
	if o.KnownDepartments != nil {
		p.knownDepts = make(map[int64]bool, len(o.KnownDepartments))
		for _, id := range o.KnownDepartments {
			p.knownDepts[id] = true
		}
	}
	if o.KnownStaff != nil {
		p.knownStaff = make(map[string]string, len(o.KnownStaff))
		for _, u := range o.KnownStaff {
			p.knownStaff[norm(u)] = strings.TrimSpace(u)
		}
	}
	return p, nil
}

// Prior is what an earlier run already did for a ticket, from the
// checkpoint; nil for a ticket not imported yet.
//
// Status, Priority and DeptID are best filled from the previous Plan's
// EndStatus, EndPriority and EndDeptID. An empty Status or Priority means
// "unknown": the planner then sets the target explicitly.
type Prior struct {
	TicketID int64             // WHMCS ticket id
	Entries  map[string]string // entry key (Step.EntryKey) -> Step.Hash of what was imported
	Status   string            // WHMCS status the ticket was left in by our last call (as planned)
	Priority string            // WHMCS priority it was left in
	DeptID   int64             // WHMCS department it was left in
	// Opening is the key of the entry that opened the ticket (OpenTicket's
	// message); "" when unknown, and then its edits are not applied.
	Opening string
	// Fields are the ticket-level values our calls set, as Plan.EndFields
	// keys them ("cf:<id>", "flag", "cc"); a key that is absent was never
	// set (the empty value).
	Fields map[string]string
}

// Keys of Plan.EndFields, Prior.Fields and Step.Fields.
const (
	FieldFlag = "flag" // the assignee's admin id, decimal
	FieldCC   = "cc"   // the CC addresses, comma-separated as sent
)

// FieldCustom is the key of WHMCS ticket custom field id.
func FieldCustom(id int) string { return "cf:" + strconv.Itoa(id) }

// Plan is what it takes to bring one ticket to WHMCS.
type Plan struct {
	Ticket   *sources.Ticket // the source ticket planned
	DeptID   int64           // mapped department
	Status   string          // target final WHMCS status, "" = leave what WHMCS arrives at
	Priority string          // Low, Medium or High
	// ClientID is the requester's WHMCS client id, 0 = guest. An
	// incremental plan resolves it only when a new customer reply needs it.
	ClientID int64
	// ContactID is the requester's contact id within ClientID, 0 = the
	// client itself (or a guest).
	ContactID int64
	// Steps are the WHMCS calls, in the order they must be made; none for
	// an imported ticket that has not changed.
	Steps []Step
	// Problems are the ticket's own Problems followed by what planning
	// found. A plan with an Error among them must not be executed.
	Problems []sources.Problem
	// Drift lists changes at the source that these calls cannot express
	// (incremental only): drift_edited, drift_deleted, drift_department,
	// all of severity warning.
	Drift []sources.Problem
	// DeptChanged is true when the ticket's department now maps to another
	// deptid than Prior.DeptID. With Options.ApplyDepartmentChanges the
	// plan's UpdateTicket carries the new DeptID.
	DeptChanged bool

	// EndStatus, EndPriority and EndDeptID are the state the ticket is in
	// once every step ran: what to record as the next run's Prior.
	EndStatus   string
	EndPriority string
	EndDeptID   int64
	// EndFields are the ticket-level values the ticket holds once every
	// step ran (custom fields, assignee, CC; see Prior.Fields). Empty
	// values are left out.
	EndFields map[string]string
}

// Failed reports whether the plan has an Error problem.
func (p *Plan) Failed() bool { return sources.HasErrors(p.Problems) }

// Calls counts the plan's steps by WHMCS action.
func (p *Plan) Calls() map[string]int {
	m := make(map[string]int, 4)
	for i := range p.Steps {
		m[p.Steps[i].Request().Action()]++
	}
	return m
}

// StepKind is the WHMCS call a step makes.
type StepKind int

const (
	StepOpen   StepKind = iota + 1 // OpenTicket
	StepReply                      // AddTicketReply
	StepNote                       // AddTicketNote
	StepUpdate                     // UpdateTicket
	StepEdit                       // UpdateTicketReply: an edited reply (sync.apply_edits)
)

// String returns the WHMCS action: "OpenTicket", "AddTicketReply",
// "AddTicketNote" or "UpdateTicket".
func (k StepKind) String() string {
	switch k {
	case StepOpen:
		return "OpenTicket"
	case StepReply:
		return "AddTicketReply"
	case StepNote:
		return "AddTicketNote"
	case StepUpdate:
		return "UpdateTicket"
	case StepEdit:
		return "UpdateTicketReply"
	}
	return fmt.Sprintf("StepKind(%d)", int(k))
}

// Step is one WHMCS call of a plan.
type Step struct {
	Kind StepKind // the call, matching which request below is set
	// Key is the step's stable identity within the ticket, for the
	// checkpoint: "open", "entry:<EntryKey>", "edit:<EntryKey>" or
	// "update".
	Key string
	// EntryKey is the entry's identity: EntryKey(Entry), with "#2", "#3"...
	// appended to repeated hash keys. "" for StepUpdate, unless it applies
	// an edit of the opening message (then Hash, Created and Message are
	// the edited entry's too).
	EntryKey string
	Hash     string         // EntryHash(Entry); "" for StepUpdate
	Entry    *sources.Entry // nil for StepUpdate
	Created  time.Time      // the instant sent as created; zero for StepUpdate
	// Message is the body exactly as sent (converted, note prefix added,
	// characters above U+FFFF named with four_byte_text: name). Hash is
	// the source's, whatever Message became.
	Message string
	// Fields are the ticket-level values this step sets, keyed as
	// Plan.EndFields ("" = cleared); the checkpoint records them once
	// the step landed.
	Fields map[string]string

	// Exactly one of these is set, matching Kind. TicketID fields are 0:
	// the importer fills them. Attachments are not filled: the importer
	// reads Entry.Attachments when it sends the step.
	Open   *whmcs.OpenTicketRequest
	Reply  *whmcs.AddTicketReplyRequest
	Note   *whmcs.AddTicketNoteRequest
	Update *whmcs.UpdateTicketRequest
	// Edit changes an imported reply (StepEdit). Its ReplyID is 0: the
	// importer finds the reply in WHMCS by the date and text it imported.
	Edit *whmcs.UpdateTicketReplyRequest
}

// Request returns the request the step sends.
func (s *Step) Request() whmcs.Request {
	switch {
	case s.Open != nil:
		return s.Open
	case s.Reply != nil:
		return s.Reply
	case s.Note != nil:
		return s.Note
	case s.Update != nil:
		return s.Update
	case s.Edit != nil:
		return s.Edit
	}
	return nil
}

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

// knownDepartment checks the department the plan opens the ticket in, or
// moves it to, against WHMCS's (Options.KnownDepartments).
func (s *planning) knownDepartment() {
	p := s.p
	sent := s.prior == nil || p.DeptChanged && s.pl.applyDept
	if s.pl.knownDepts == nil || p.DeptID == 0 || s.pl.knownDepts[p.DeptID] || !sent {
		return
	}
	s.errorf(sources.CodeUnknownDepartmentID, nil, "department", "department %q maps to deptid %d, which WHMCS does not have", s.t.Department, p.DeptID)
}

// department maps the ticket's department.
func (s *planning) department() int64 {
	d := strings.TrimSpace(s.t.Department)
	if d == "" {
		if s.pl.defaultDept == 0 {
			s.errorf(sources.CodeUnmappedDepartment, nil, "department", "no department and no mapping.default_department")
		}
		return s.pl.defaultDept
	}
	id, ok := s.pl.depts[norm(d)]
	if !ok {
		s.errorf(sources.CodeUnmappedDepartment, nil, "department", "department %q is not in mapping.departments", d)
	}
	return id
}

// status maps the ticket's status to a WHMCS title; "" = leave.
func (s *planning) status() string {
	src := strings.TrimSpace(s.t.Status)
	if src == "" {
		return ""
	}
	if target, ok := s.pl.statuses[norm(src)]; ok {
		if title, ok := s.pl.known[norm(target)]; ok {
			return title
		}
		if !s.pl.trustTargets {
			s.errorf(sources.CodeUnmappedStatus, nil, "status", "status %q maps to %q, which is not a WHMCS status", src, target)
		}
		return strings.TrimSpace(target)
	}
	if title, ok := s.pl.known[norm(src)]; ok {
		return title
	}
	s.errorf(sources.CodeUnmappedStatus, nil, "status", "status %q is not in mapping.statuses nor a WHMCS status", src)
	return ""
}

// priority maps the ticket's priority; empty is Medium.
func (s *planning) priority() string {
	src := strings.TrimSpace(s.t.Priority)
	if src == "" {
		return "Medium"
	}
	if v, ok := s.pl.priorities[norm(src)]; ok {
		return v
	}
	if v, ok := canonicalPriority(src); ok {
		return v
	}
	s.errorf(sources.CodeUnmappedPriority, nil, "priority", "priority %q is not in mapping.priorities nor Low, Medium or High", src)
	return "Medium"
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

// requester validates and resolves the requester once: the client id, or
// the name and email of a guest.
func (s *planning) requester() error {
	if s.reqDone {
		return s.reqErr
	}
	s.reqDone = true
	t, p := s.t, s.p
	email := strings.TrimSpace(t.Requester.Email)
	valid := false
	if email != "" {
		if a, err := mail.ParseAddress(email); err != nil {
			s.errorf(sources.CodeInvalidEmail, nil, "requester_email", "requester email %q is not an email address", email)
		} else {
			email, valid = a.Address, true
		}
	}
	s.reqEmail = email
	s.reqName = strings.TrimSpace(t.Requester.Name)
	if s.reqName == "" {
		s.reqName = sources.LocalPart(email)
	}
	switch {
	case t.ClientID > 0:
		p.ClientID = t.ClientID
	case email == "" && s.pl.fallback != nil:
		// A guest, never looked up: the fallback stands for someone who
		// is gone, not for a client.
		f := s.pl.fallback
		who := "the ticket names no requester"
		if s.reqName != "" {
			who = fmt.Sprintf("the requester %q has no email", s.reqName)
		}
		s.reqEmail = f.Email
		if f.Name != "" {
			s.reqName = f.Name
		} else if s.reqName == "" {
			s.reqName = sources.LocalPart(s.reqEmail)
		}
		s.warnf(sources.CodeFallbackRequester, nil, "requester", "%s and no client id: ticket %s is opened as a guest from mapping.fallback_requester, %s <%s>",
			who, t.ID, s.reqName, s.reqEmail)
	case email == "":
		s.errorf(sources.CodeMissingRequester, nil, "requester", "no requester email and no client id (set mapping.fallback_requester to import such tickets as a guest's)")
	case valid && s.pl.matchEmail && s.pl.clients != nil:
		id, found, err := s.pl.clients.ClientByEmail(s.ctx, email)
		if err != nil {
			s.reqErr = fmt.Errorf("look up requester: %w", err)
			return s.reqErr
		}
		if !found && s.pl.contacts != nil {
			ct, ok, err := s.pl.contacts.ContactByEmail(s.ctx, email)
			if err != nil {
				s.reqErr = fmt.Errorf("look up requester: %w", err)
				return s.reqErr
			}
			if ok {
				id, found = ct.ClientID, true
				p.ContactID = ct.ID
			}
		}
		if found {
			p.ClientID = id
		} else {
			s.warnf(sources.CodeGuestRequester, nil, "requester_email", "no WHMCS client has email %s; the ticket is a guest's", email)
		}
	}
	return nil
}

// planNew plans a ticket not imported yet.
func (s *planning) planNew(entries []keyed) error {
	t, p := s.t, s.p
	if strings.TrimSpace(t.Subject) == "" {
		s.errorf(sources.CodeMissingSubject, nil, "subject", "no subject")
	}
	if err := s.requester(); err != nil {
		return err
	}
	opener := slices.IndexFunc(entries, func(k keyed) bool { return k.e.Kind != sources.Note })
	if opener < 0 {
		if !s.droppedEntry() { // else the unreadable message row is the root cause
			s.errorf(sources.CodeNoMessage, nil, "entries", "no reply to open the ticket with (%d notes)", len(entries))
		}
		return nil
	}
	o := &entries[opener]
	s.checkEntry(o)
	msg, md := s.body(o)
	if o.e.Kind == sources.StaffReply {
		s.warnf(sources.CodeStaffOpened, o, "kind", "the first reply is by staff (%s); the ticket is opened as its requester", authorName(o.e))
	}
	open := &whmcs.OpenTicketRequest{
		DeptID:   p.DeptID,
		Subject:  strings.TrimSpace(t.Subject),
		Message:  msg,
		Priority: p.Priority,
		Created:  o.e.Created,
		CC:       s.cc,
		NoEmail:  true,
		Markdown: md,
	}
	opened := map[string]string{}
	for k, v := range s.fields {
		if id, ok := customKey(k); ok {
			if open.CustomFields == nil {
				open.CustomFields = map[int]string{}
			}
			open.CustomFields[id] = v
			opened[k] = v
		}
	}
	if v, ok := s.fields[FieldCC]; ok {
		opened[FieldCC] = v
	}
	if p.ClientID != 0 && p.ClientID == t.ClientID {
		// The service or domain is the source's client's: sent only with
		// that client (validate checks WHMCS has it for them).
		open.ServiceID, open.DomainID = t.ServiceID, t.DomainID
	}
	if p.ClientID != 0 {
		open.ClientID, open.ContactID = p.ClientID, p.ContactID
	} else {
		open.Name, open.Email = s.reqName, s.reqEmail
	}
	p.Steps = append(p.Steps, Step{Kind: StepOpen, Key: "open", EntryKey: o.key, Hash: o.hash, Entry: o.e, Created: o.e.Created, Message: msg, Open: open, Fields: opened})
	for i := range entries {
		if i == opener {
			continue
		}
		if err := s.entryStep(&entries[i]); err != nil {
			return err
		}
	}
	return nil
}

// planIncremental plans what is new in a ticket imported before.
func (s *planning) planIncremental(entries []keyed) error {
	pr, p := s.prior, s.p
	present := make(map[string]bool, len(entries))
	for i := range entries {
		k := &entries[i]
		present[k.key] = true
		h, done := pr.Entries[k.key]
		if !done {
			if err := s.entryStep(k); err != nil {
				return err
			}
			continue
		}
		if h != k.hash {
			s.edited(k)
		}
	}
	for _, key := range sortedKeys(pr.Entries) {
		if !present[key] {
			s.drift(sources.CodeDriftDeleted, key, "", "entry %s was deleted at the source after it was imported; WHMCS keeps it", key)
		}
	}
	if p.DeptID != 0 && p.DeptID != pr.DeptID {
		p.DeptChanged = true
		what := "WHMCS keeps deptid %d (use --apply-department-changes to move it)"
		if s.pl.applyDept {
			what = "moved from deptid %d by UpdateTicket"
		}
		s.drift(sources.CodeDriftDepartment, "", s.t.Origin, "the ticket's department now maps to deptid %d; "+what, p.DeptID, pr.DeptID)
	}
	return nil
}

// edited plans an entry edited at the source after it was imported. With
// Options.ApplyEdits a reply becomes an UpdateTicketReply step and the
// opening message rides on the final UpdateTicket (message, created);
// otherwise, and for notes (WHMCS has no call to change one), the edit is
// drift and WHMCS keeps the imported version.
func (s *planning) edited(k *keyed) {
	const keeps = "entry %s was edited at the source after it was imported; WHMCS keeps the imported version"
	switch {
	case !s.pl.applyEdits:
		s.drift(sources.CodeDriftEdited, k.key, k.e.Origin, keeps, k.key)
	case k.e.Kind == sources.Note:
		s.drift(sources.CodeDriftEdited, k.key, k.e.Origin, keeps+" (WHMCS has no call to change a note)", k.key)
	case s.prior.Opening == "":
		s.drift(sources.CodeDriftEdited, k.key, k.e.Origin, keeps+" (the checkpoint does not say which entry opened the ticket)", k.key)
	case k.key == s.prior.Opening:
		s.checkEntry(k)
		s.opening = k
	default:
		s.checkEntry(k)
		msg, md := s.body(k)
		s.p.Steps = append(s.p.Steps, Step{Kind: StepEdit, Key: "edit:" + k.key, EntryKey: k.key, Hash: k.hash, Entry: k.e,
			Created: k.e.Created, Message: msg, Edit: &whmcs.UpdateTicketReplyRequest{Message: msg, Markdown: md, Created: k.e.Created}})
	}
}

// droppedEntry reports whether the source dropped an entry of the ticket
// whose row it could not read or decode.
func (s *planning) droppedEntry() bool {
	for _, p := range s.t.Problems {
		if p.Severity == sources.Error && (p.Code == sources.CodeCSVParse || p.Code == sources.CodeInvalidUTF8) {
			return true
		}
	}
	return false
}

// checkEntry reports an entry's date and author problems.
func (s *planning) checkEntry(k *keyed) {
	e := k.e
	switch {
	case e.Created.IsZero():
		if !s.t.Reported(e.Origin, "created", sources.CodeBadDate, sources.CodeDSTGap) {
			s.errorf(sources.CodeBadDate, k, "created", "no created date")
		}
	case e.Created.After(s.now):
		s.errorf(sources.CodeFutureDate, k, "created", "created %s is after the WHMCS server's clock (%s)",
			e.Created.Format(time.RFC3339), s.now.Format(time.RFC3339))
	}
	if s.pl.target != nil && !e.Created.IsZero() && RepeatedWallClock(e.Created, s.pl.target) {
		s.warnf(sources.CodeTargetTimeAmbiguous, k, "created", "created %s falls in the hour %s repeats when clocks go back: WHMCS stores wall-clock times and will show %s, read back as the earlier of the two instants",
			e.Created.Format(time.RFC3339), s.pl.target, e.Created.In(s.pl.target).Format("2006-01-02 15:04:05 MST"))
	}
	if a := strings.TrimSpace(e.Author.Email); a != "" {
		if _, err := mail.ParseAddress(a); err != nil {
			s.errorf(sources.CodeInvalidEmail, k, "author_email", "author email %q is not an email address", a)
		}
	}
}

// body converts an entry's body, reporting conversion and emptiness.
func (s *planning) body(k *keyed) (string, bool) {
	msg, md, lost, err := convertBody(k.e)
	if err != nil {
		s.errorf(sources.CodeBadHTML, k, "body", "%v", err)
		return "", false
	}
	if lost > 0 {
		s.warnf(sources.CodeInlineImageMissing, k, "body", "%d inline image(s) (cid:) not among the entry's attachments: shown as a marker, the image is lost", lost)
	}
	if k.e.Format == sources.HTML {
		s.warnf(sources.CodeHTMLConverted, k, "body", "HTML body converted to Markdown")
	}
	if strings.TrimSpace(msg) == "" {
		s.errorf(sources.CodeEmptyBody, k, "body", "empty body")
	}
	return msg, md
}

// entryStep appends the reply or note step of one entry after the opening.
func (s *planning) entryStep(k *keyed) error {
	e := k.e
	s.checkEntry(k)
	msg, md := s.body(k)
	st := Step{Key: "entry:" + k.key, EntryKey: k.key, Hash: k.hash, Entry: e, Created: e.Created}
	switch e.Kind {
	case sources.Note:
		if name := authorName(e); name != "" && s.pl.notePrefix {
			if md {
				msg = "**" + escapeMarkdown(name) + ":**\n\n" + msg
			} else {
				msg = name + ":\n\n" + msg
			}
			s.warnf(sources.CodeNoteAuthorPrefixed, k, "author", "WHMCS notes have no author: the note is prefixed with %q", name)
		}
		st.Kind = StepNote
		st.Note = &whmcs.AddTicketNoteRequest{Message: msg, Markdown: md, Created: e.Created}
	case sources.StaffReply:
		st.Kind = StepReply
		st.Reply = &whmcs.AddTicketReplyRequest{Message: msg, Markdown: md, AdminUsername: s.staff(k), NoEmail: true, Created: e.Created}
	default:
		st.Kind = StepReply
		r := &whmcs.AddTicketReplyRequest{Message: msg, Markdown: md, NoEmail: true, Created: e.Created}
		if err := s.customer(k, r); err != nil {
			return err
		}
		st.Reply = r
	}
	st.Message = msg
	s.p.Steps = append(s.p.Steps, st)
	return nil
}

// staff maps a staff author to an admin username: by email, then name,
// then the default.
func (s *planning) staff(k *keyed) string {
	a := k.e.Author
	u, ok := s.pl.staff[norm(a.Email)]
	if !ok || norm(a.Email) == "" {
		u, ok = s.pl.staff[norm(a.Name)]
		ok = ok && norm(a.Name) != ""
	}
	if !ok {
		u = s.pl.defaultStaff
	}
	if u == "" {
		s.errorf(sources.CodeUnmappedStaff, k, "author", "staff %s is not in mapping.staff and there is no mapping.default_staff", authorName(k.e))
		return ""
	}
	u = strings.TrimSpace(u)
	if s.pl.knownStaff != nil {
		canon, known := s.pl.knownStaff[norm(u)]
		if !known {
			s.errorf(sources.CodeUnmappedStaff, k, "author", "staff %s maps to admin %q, which is not a WHMCS admin user", authorName(k.e), u)
			return u
		}
		u = canon
	}
	return u
}

// customer fills the author of a customer reply: the requester's client id
// when the author is the requester and a client, otherwise the author's
// name and email, each falling back to the requester's.
func (s *planning) customer(k *keyed, r *whmcs.AddTicketReplyRequest) error {
	if err := s.requester(); err != nil {
		return err
	}
	a := k.e.Author
	email := strings.TrimSpace(a.Email)
	if addr, err := mail.ParseAddress(email); err == nil {
		email = addr.Address
	}
	isRequester := email == "" || (s.reqEmail != "" && strings.EqualFold(email, s.reqEmail))
	if isRequester && s.p.ClientID != 0 {
		r.ClientID, r.ContactID = s.p.ClientID, s.p.ContactID
		return nil
	}
	if s.p.ClientID != 0 && s.pl.contacts != nil {
		if _, err := mail.ParseAddress(email); err == nil {
			ct, found, err := s.pl.contacts.ContactByEmail(s.ctx, email)
			if err != nil {
				return fmt.Errorf("look up reply author: %w", err)
			}
			if found && ct.ClientID == s.p.ClientID {
				// A contact of the ticket's client: shown as that contact.
				r.ClientID, r.ContactID = ct.ClientID, ct.ID
				return nil
			}
		}
	}
	name := strings.TrimSpace(a.Name)
	if email == "" {
		email = s.reqEmail
		if name == "" {
			name = s.reqName
		}
	}
	if name == "" {
		name = sources.LocalPart(email)
	}
	// With no email here either, the requester has none: the ticket's
	// missing_requester says so.
	r.Name, r.Email = name, email
	return nil
}

// finish decides the final status and priority: nothing when WHMCS arrives
// at them by itself, the status folded into the last reply when that is
// enough, else one UpdateTicket at the end.
func (s *planning) finish() {
	p := s.p
	natural := StatusOpen
	prevPriority := p.Priority // OpenTicket sets it
	p.EndDeptID = p.DeptID
	applyDept := false
	if s.prior != nil {
		natural = s.prior.Status
		prevPriority = s.prior.Priority
		if p.DeptChanged && !s.pl.applyDept {
			p.EndDeptID = s.prior.DeptID
		}
		applyDept = p.DeptChanged && s.pl.applyDept
	} else if len(p.Steps) == 0 {
		// Nothing can be opened (no_message): no state to reason about.
		p.EndStatus, p.EndPriority = "", p.Priority
		return
	}
	lastReply := -1
	for i := range p.Steps {
		if r := p.Steps[i].Reply; r != nil {
			lastReply = i
			if p.Steps[i].Entry.Kind == sources.StaffReply {
				natural = StatusAnswered
			} else {
				natural = StatusCustomerReply
			}
		}
	}
	// The status to end in: the source's, or when it has none ("leave
	// what WHMCS arrives at"), where a fresh import of the whole thread
	// arrives, which a sync must reach too (the source's status may have
	// been cleared since the ticket was imported).
	want := p.Status
	if want == "" && s.prior != nil {
		want = s.freshStatus()
	}
	needStatus := want != "" && !strings.EqualFold(want, natural)
	needPriority := !strings.EqualFold(p.Priority, prevPriority)
	changed := s.changedFields()
	// Only UpdateTicket sets the assignee and changes custom fields or
	// CC; whatever else the ticket needs rides on that same call.
	needUpdate := needPriority || applyDept || len(changed) > 0 || s.opening != nil
	switch {
	case !needStatus && !needUpdate:
	case !needUpdate && lastReply >= 0:
		p.Steps[lastReply].Reply.Status = want
	default:
		u := &whmcs.UpdateTicketRequest{}
		if needStatus {
			u.Status = want
		}
		if needPriority {
			u.Priority = p.Priority
		}
		if applyDept {
			u.DeptID = p.DeptID
		}
		s.updateFields(u, changed)
		st := Step{Kind: StepUpdate, Key: "update", Update: u, Fields: changed}
		if k := s.opening; k != nil {
			// The edited opening message: UpdateTicket sets it (and its
			// date) absolutely.
			msg, md := s.body(k)
			u.Message, u.Markdown, u.Created = msg, md, k.e.Created
			st.EntryKey, st.Hash, st.Created, st.Message = k.key, k.hash, k.e.Created, msg
		}
		p.Steps = append(p.Steps, st)
	}
	p.EndFields = s.fields
	p.EndStatus, p.EndPriority = natural, p.Priority
	if want != "" {
		p.EndStatus = want
	}
	if len(p.Steps) > 0 && (p.EndStatus == StatusAnswered || p.EndStatus == StatusCustomerReply) {
		s.warnf(sources.CodeAutocloseStatus, nil, "status", "the ticket ends %s, which WHMCS's inactive-ticket auto-close may close", p.EndStatus)
	}
}

// maxFieldValue is the most a WHMCS custom field value holds, in bytes:
// tblcustomfieldsvalues.value is a MySQL TEXT.
const maxFieldValue = 65535

// ticketFields reads the ticket-level values the source wants in WHMCS:
// the CC list, the ticket number and mapped custom fields, and the
// assignee's admin id. Empty values are left out.
func (s *planning) ticketFields() error {
	t := s.t
	s.fields = map[string]string{}
	for _, c := range t.CC {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		a, err := mail.ParseAddress(c)
		if err != nil {
			s.errorf(sources.CodeInvalidEmail, nil, "cc", "cc %q is not an email address", c)
			continue
		}
		s.cc = append(s.cc, a.Address)
	}
	if len(s.cc) > 0 {
		s.fields[FieldCC] = strings.Join(s.cc, ",")
	}
	set := func(id int, field, v string) {
		if v == "" {
			return
		}
		if len(v) > maxFieldValue {
			s.errorf(sources.CodeCustomFieldTooLong, nil, field, "%s is %d bytes; WHMCS custom field %d keeps at most %d", field, len(v), id, maxFieldValue)
			return
		}
		s.fields[FieldCustom(id)] = v
	}
	if s.pl.numberField > 0 {
		set(s.pl.numberField, "number", strings.TrimSpace(t.Number))
	}
	for _, src := range sortedKeys(s.pl.customFields) {
		set(s.pl.customFields[src], src, t.Fields[src])
	}
	return s.assignee()
}

// assignee maps the ticket's assignee to an admin id in s.flag (and
// fields): through mapping.staff (email, then name) to a username, then
// to its id. An assignee that cannot be mapped is a warning: the ticket is
// imported unassigned.
func (s *planning) assignee() error {
	a := s.t.Assignee
	if norm(a.Email) == "" && norm(a.Name) == "" {
		return nil
	}
	who := strings.TrimSpace(a.Name)
	if e := strings.TrimSpace(a.Email); who == "" {
		who = e
	} else if e != "" {
		who += " <" + e + ">"
	}
	u, ok := s.pl.staff[norm(a.Email)]
	if !ok || norm(a.Email) == "" {
		u, ok = s.pl.staff[norm(a.Name)]
		ok = ok && norm(a.Name) != ""
	}
	if !ok {
		s.warnf(sources.CodeUnmappedAssignee, nil, "assignee", "assignee %s is not in mapping.staff; the ticket is imported unassigned", who)
		return nil
	}
	u = strings.TrimSpace(u)
	if s.pl.admins == nil {
		if s.pl.knownStaff != nil {
			if _, known := s.pl.knownStaff[norm(u)]; !known {
				s.warnf(sources.CodeUnmappedAssignee, nil, "assignee", "assignee %s maps to admin %q, which is not a WHMCS admin user; the ticket is imported unassigned", who, u)
			}
		}
		return nil
	}
	id, found, err := s.pl.admins.AdminID(s.ctx, u)
	if err != nil {
		return fmt.Errorf("look up assignee: %w", err)
	}
	if !found {
		s.warnf(sources.CodeUnmappedAssignee, nil, "assignee", "assignee %s maps to admin %q, which is not a WHMCS admin user; the ticket is imported unassigned", who, u)
		return nil
	}
	s.flag = id
	s.fields[FieldFlag] = strconv.FormatInt(id, 10)
	return nil
}

// changedFields returns the ticket-level values that differ from what
// WHMCS holds: for a new ticket, what OpenTicket did not set (the
// assignee); for an imported one, what changed since Prior.Fields. A
// value to clear is "".
func (s *planning) changedFields() map[string]string {
	held := map[string]string{}
	if s.prior != nil {
		held = s.prior.Fields
	} else if len(s.p.Steps) > 0 && s.p.Steps[0].Kind == StepOpen {
		held = s.p.Steps[0].Fields
	}
	changed := map[string]string{}
	for k, v := range s.fields {
		if held[k] != v {
			changed[k] = v
		}
	}
	for k, v := range held {
		if _, ok := s.fields[k]; !ok && v != "" {
			changed[k] = ""
		}
	}
	if len(changed) == 0 {
		return nil
	}
	return changed
}

// updateFields puts changed values on UpdateTicket: custom fields (a
// cleared one as ""), flag or removeFlag, the whole CC list.
func (s *planning) updateFields(u *whmcs.UpdateTicketRequest, changed map[string]string) {
	for k, v := range changed {
		switch id, ok := customKey(k); {
		case ok:
			if u.CustomFields == nil {
				u.CustomFields = map[int]string{}
			}
			u.CustomFields[id] = v
		case k == FieldFlag:
			if s.flag != 0 {
				u.Flag = s.flag
			} else {
				u.RemoveFlag = true
			}
		case k == FieldCC:
			u.CC = append([]string{}, s.cc...) // not nil: an empty list clears
		}
	}
}

// customKey reads a FieldCustom key.
func customKey(k string) (int, bool) {
	rest, ok := strings.CutPrefix(k, "cf:")
	if !ok {
		return 0, false
	}
	id, err := strconv.Atoi(rest)
	return id, err == nil
}

// freshStatus is the status a fresh import of the whole thread leaves
// WHMCS in by itself: Open after OpenTicket, then each later reply's
// (Answered for staff, Customer-Reply for the customer); notes change
// nothing.
func (s *planning) freshStatus() string {
	status, opened := "", false
	for _, k := range s.entries {
		switch {
		case k.e.Kind == sources.Note:
		case !opened:
			status, opened = StatusOpen, true
		case k.e.Kind == sources.StaffReply:
			status = StatusAnswered
		default:
			status = StatusCustomerReply
		}
	}
	return status
}

// authorName names an entry's author for messages and note prefixes.
func authorName(e *sources.Entry) string {
	if n := strings.TrimSpace(e.Author.Name); n != "" {
		return n
	}
	return strings.TrimSpace(e.Author.Email)
}

// escapeMarkdown escapes the characters that would change a name's
// meaning inside **...**.
func escapeMarkdown(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]<>#", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// RepeatedWallClock reports whether t's wall clock in loc is shown twice
// (the hour repeated when clocks go back), so that a naive date-time in loc
// cannot tell t from the other instant.
func RepeatedWallClock(t time.Time, loc *time.Location) bool {
	const layout = "2006-01-02 15:04:05"
	w := t.In(loc).Format(layout)
	for _, d := range []time.Duration{-time.Hour, time.Hour, -30 * time.Minute, 30 * time.Minute} {
		if t.Add(d).In(loc).Format(layout) == w {
			return true
		}
	}
	return false
}
