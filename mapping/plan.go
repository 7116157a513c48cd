// plan.go holds the mapping's types: the statuses, Options and the
// Planner built from them, Prior (what an earlier run did), and the Plan
// with its Steps. The planning itself is in planning.go and the files it
// names.

package mapping

import (
	"fmt"
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
	// DepartmentNames are the WHMCS departments' names by deptid
	// (GetSupportDepartments), which resolve the departments the mapping
	// gives by name: a name WHMCS lacks, or has twice, makes NewPlanner
	// fail listing the names WHMCS has. Nil: a mapping that names a
	// department by name fails (ErrNamesNeedWHMCS); ids need none.
	DepartmentNames map[int64]string
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
	resolved     []string          // department names resolved, for Resolved
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
	c, resolved, err := resolveDepartments(o.Config, o.DepartmentNames)
	if err != nil {
		return nil, err
	}
	depts := make(map[string]int64, len(c.Departments))
	for k, d := range normMap(c.Departments) {
		depts[k] = d.ID
	}
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
		depts:        depts,
		defaultDept:  c.DefaultDepartment.ID,
		resolved:     resolved,
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
