package whmcs

import (
	"context"
	"net/url"
	"time"
)

// Request is one WHMCS API call with its parameters.
type Request interface {
	// Action is the API action name, e.g. "OpenTicket".
	Action() string
	// Write reports whether the call changes WHMCS state. Dry-run refuses
	// writes; the importer never blindly re-sends a write.
	Write() bool
	// Encode adds the call's parameters (not action or credentials) to v.
	// Times are rendered "YYYY-MM-DD HH:MM:SS" in loc, the WHMCS server's
	// zone. A false boolean is omitted, never sent as "false".
	Encode(v url.Values, loc *time.Location)
}

// Caller performs one WHMCS API round trip.
//
// Call sends req and, when WHMCS answers result=success, decodes the JSON
// answer into resp (a pointer; nil discards it). Any other outcome is an
// error; a WHMCS answer of any kind is an *Error (use errors.As and the
// predicates in errors.go). Implementations are safe for concurrent use.
//
// Policy (rate limits, retries, dry-run) is layered as Callers wrapping a
// Caller; the innermost one is *HTTP.
type Caller interface {
	Call(ctx context.Context, req Request, resp any) error
}

// CallerFunc adapts a function to Caller.
type CallerFunc func(ctx context.Context, req Request, resp any) error

// Call calls f.
func (f CallerFunc) Call(ctx context.Context, req Request, resp any) error { return f(ctx, req, resp) }

// Attachment is a file sent with OpenTicket, AddTicketReply or AddTicketNote.
type Attachment struct {
	Name string
	Data []byte
}

// OpenTicketRequest is OpenTicket's parameters. Every documented parameter
// is here; zero values are not sent.
type OpenTicketRequest struct {
	DeptID               int64
	Subject              string
	Message              string
	ClientID             int64
	ContactID            int64
	UserID               int64
	Name                 string
	Email                string
	CC                   []string // sent comma-separated
	Priority             string   // Low, Medium, High
	Created              time.Time
	ServiceID            int64
	DomainID             int64
	Admin                bool
	NoEmail              bool
	Markdown             bool
	CustomFields         map[int]string
	Attachments          []Attachment
	PreventClientClosure bool
}

// OpenTicketResult is OpenTicket's answer.
type OpenTicketResult struct {
	ID  int64  // ticket id (tbltickets.id)
	TID string // ticket number shown to users
	C   string // client access key
}

// AddTicketReplyRequest is AddTicketReply's parameters.
type AddTicketReplyRequest struct {
	TicketID      int64
	Message       string
	Markdown      bool
	ClientID      int64
	ContactID     int64
	AdminUsername string
	Name          string
	Email         string
	Status        string
	NoEmail       bool
	CustomFields  map[int]string
	Attachments   []Attachment
	Created       time.Time
}

// AddTicketNoteRequest is AddTicketNote's parameters.
type AddTicketNoteRequest struct {
	TicketID    int64
	TicketNum   string
	Message     string
	Markdown    bool
	Attachments []Attachment
	Created     time.Time
}

// UpdateTicketRequest is UpdateTicket's parameters.
type UpdateTicketRequest struct {
	TicketID             int64
	DeptID               int64
	Status               string
	Subject              string
	UserID               int64
	Name                 string
	Email                string
	CC                   []string // nil: not sent; empty, not nil: cc="" (clears it)
	Priority             string
	Created              time.Time
	Flag                 int64
	RemoveFlag           bool
	Message              string
	Markdown             bool
	CustomFields         map[int]string
	PreventClientClosure bool
}

// UpdateTicketReplyRequest is UpdateTicketReply's parameters: it changes
// one reply's message (and date). It has no noemail: it sends no email.
type UpdateTicketReplyRequest struct {
	ReplyID  int64 // GetTicket's replies.reply[].replyid; not 0 (the opening message)
	Message  string
	Markdown bool
	Created  time.Time
}

// GetContactsRequest is GetContacts' parameters: filters by client
// (UserID) and exact email.
type GetContactsRequest struct {
	LimitStart int
	LimitNum   int // WHMCS default 25
	UserID     int64
	Email      string
}

// ContactList is GetContacts' answer.
type ContactList struct {
	TotalResults int
	StartNumber  int
	NumReturned  int
	Contacts     []Contact
}

// Contact is one of a client's contacts (GetContacts' contacts.contact[]).
type Contact struct {
	ID        int64
	UserID    int64 // the client the contact belongs to
	FirstName string
	LastName  string
	Email     string
}

// GetClientsProductsRequest is GetClientsProducts' parameters: a client's
// services (tblhosting), or one of them.
type GetClientsProductsRequest struct {
	LimitStart int
	LimitNum   int
	ClientID   int64
	ServiceID  int64
}

// GetClientsDomainsRequest is GetClientsDomains' parameters: a client's
// domains, or one of them.
type GetClientsDomainsRequest struct {
	LimitStart int
	LimitNum   int
	ClientID   int64
	DomainID   int64
}

// Owned is one service or domain of GetClientsProducts' products.product[]
// or GetClientsDomains' domains.domain[]: its id and its client's.
type Owned struct {
	ID       int64
	ClientID int64
}

// OwnedList is GetClientsProducts' or GetClientsDomains' answer.
type OwnedList struct {
	TotalResults int
	Items        []Owned
}

// GetTicketRequest is GetTicket's parameters: TicketID or TicketNum.
type GetTicketRequest struct {
	TicketID    int64
	TicketNum   string
	RepliesSort string // ASC or DESC
}

// Ticket is GetTicket's answer. Dates are parsed in the client's location.
type Ticket struct {
	TicketID       int64
	TID            string
	C              string
	DeptID         int64
	DeptName       string
	UserID         int64
	ContactID      int64
	Name           string
	Email          string
	RequestorName  string
	RequestorType  string
	RequestorEmail string
	CC             string
	Date           time.Time
	Subject        string
	Status         string
	Priority       string
	Admin          string
	LastReply      time.Time
	Flag           int64
	Service        string
	// Replies holds the opening message first (ReplyID 0), then the replies,
	// in the order asked for.
	Replies []Reply
	Notes   []Note
}

// Reply is one message of GetTicket's replies.reply[].
type Reply struct {
	ReplyID            int64
	UserID             int64
	ContactID          int64
	Name               string
	Email              string
	RequestorName      string
	RequestorEmail     string
	RequestorType      string
	Date               time.Time
	Message            string
	Attachment         string // raw "123_a.png|456_b.pdf"
	Attachments        []AttachmentRef
	AttachmentsRemoved bool
	Admin              string
}

// Note is one of GetTicket's notes.note[].
type Note struct {
	NoteID             int64
	Date               time.Time
	Message            string
	Attachment         string
	Attachments        []AttachmentRef
	AttachmentsRemoved bool
	Admin              string
}

// AttachmentRef names a stored attachment.
type AttachmentRef struct {
	Filename string
	Index    int
}

// GetTicketsRequest is GetTickets' parameters.
type GetTicketsRequest struct {
	LimitStart            int
	LimitNum              int // WHMCS default 25
	DeptID                int64
	ClientID              int64
	Email                 string
	Status                string
	Subject               string
	IgnoreDeptAssignments bool
}

// TicketList is GetTickets' answer.
type TicketList struct {
	TotalResults int
	StartNumber  int
	NumReturned  int
	Tickets      []TicketSummary
}

// TicketSummary is one of GetTickets' tickets.ticket[].
type TicketSummary struct {
	ID        int64
	TID       string
	DeptID    int64
	UserID    int64
	Name      string
	Email     string
	CC        string
	C         string
	Date      time.Time
	Subject   string
	Status    string
	Priority  string
	Admin     string
	LastReply time.Time
	Flag      int64
}

// GetSupportDepartmentsRequest is GetSupportDepartments' parameters.
type GetSupportDepartmentsRequest struct {
	IgnoreDeptAssignments bool
}

// Department is one support department.
type Department struct {
	ID   int64
	Name string
}

// GetSupportStatusesRequest is GetSupportStatuses' parameters.
type GetSupportStatusesRequest struct {
	DeptID int64
}

// Status is one ticket status.
type Status struct {
	Title string
	Count int
	Color string
}

// GetClientsRequest is GetClients' parameters. Search is a prefix match on
// email and names, not an exact lookup.
type GetClientsRequest struct {
	LimitStart int
	LimitNum   int
	Search     string
	Status     string
}

// ClientList is GetClients' answer.
type ClientList struct {
	TotalResults int
	StartNumber  int
	NumReturned  int
	Clients      []ClientSummary
}

// ClientSummary is one of GetClients' clients.client[].
type ClientSummary struct {
	ID          int64
	FirstName   string
	LastName    string
	CompanyName string
	Email       string
	Status      string
}

// GetAdminUsersRequest is GetAdminUsers' parameters.
type GetAdminUsersRequest struct {
	RoleID          int64
	Email           string
	IncludeDisabled bool
}

// AdminUser is one of GetAdminUsers' admin_users[].
type AdminUser struct {
	ID         int64
	Username   string
	FirstName  string
	LastName   string
	Email      string
	IsDisabled bool
}

// GetWHMCSDetailsRequest is GetWHMCSDetails' parameters: none. It is a
// read.
type GetWHMCSDetailsRequest struct{}

// Details is GetWHMCSDetails' answer: which WHMCS answers.
type Details struct {
	Version          string // "8.13.1"
	CanonicalVersion string // "8.13.1-release.1"
}

// DeleteTicketRequest is DeleteTicket's parameters.
type DeleteTicketRequest struct {
	TicketID int64
}
