package report

import (
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// Validation is what validation found: the JSON of validate --report.
type Validation struct {
	GeneratedAt time.Time `json:"generated_at"`
	// Offline is true when WHMCS was not consulted.
	Offline bool `json:"offline"`
	// Departments are the mapping's department names and the deptids
	// WHMCS resolved them to, one line each (mapping.Planner.Resolved);
	// empty when the mapping gives deptids only.
	Departments []string `json:"departments,omitempty"`
	// Clock is the time future dates were judged against.
	Clock time.Time `json:"clock"`
	// ClockSource says whose clock Clock is: "whmcs" (the server's, from
	// its answers' HTTP Date header) or "local" (offline). Filled by the
	// caller, which knows where its Now came from.
	ClockSource string            `json:"clock_source,omitempty"`
	Tickets     ValidationTickets `json:"tickets"`
	Summary     ValidationSummary `json:"summary"`
	Problems    []Problem         `json:"problems"`
	Plan        Plan              `json:"plan"`
	// TicketNumbers is whether WHMCS's Ticket Mask makes enough ticket
	// numbers (filled by the caller, which reads WHMCS's count).
	TicketNumbers *TicketNumbers `json:"ticket_numbers,omitempty"`
	// Reads are the read calls validation made to WHMCS, by action (filled
	// by the caller, which owns the client's stats).
	Reads map[string]int64 `json:"reads,omitempty"`
}

// ValidationTickets count the source's tickets.
type ValidationTickets struct {
	Total int `json:"total"`
	// Valid tickets have no error (they may have warnings); Invalid ones
	// would fail.
	Valid   int `json:"valid"`
	Invalid int `json:"invalid"`
	// AlreadyImported tickets are valid and would be skipped.
	AlreadyImported int `json:"already_imported"`
	// AlreadyInWHMCS tickets are not in the checkpoint but already in
	// WHMCS (a new, lost or stale checkpoint): run would adopt them, and
	// send only what WHMCS is missing. Their plan is counted as if new.
	AlreadyInWHMCS int `json:"already_in_whmcs"`
	WithWarnings   int `json:"with_warnings"`
}

// ValidationSummary counts problems by severity and code.
type ValidationSummary struct {
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
	// Infos are the info problems: the kinds of rows the source left out
	// by design (drafts, line items, ...), LeftOut the rows they count.
	Infos   int         `json:"infos,omitempty"`
	LeftOut int         `json:"left_out,omitempty"`
	ByCode  []CodeCount `json:"by_code"`
}

// CodeCount is how many problems of one code and severity there are, and
// how many tickets they touch. For an info code (rows the source left out)
// Count is the number of rows, and Tickets 0.
type CodeCount struct {
	Code     string `json:"code"`
	Severity string `json:"severity"`
	Count    int    `json:"count"`
	Tickets  int    `json:"tickets"`
}

// Problem is a sources.Problem as reported.
type Problem struct {
	Ticket   string `json:"ticket"`
	Entry    string `json:"entry"`
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Message  string `json:"message"`
	Origin   string `json:"origin"`
	Field    string `json:"field"`
}

// Plan is what run would send for the valid tickets.
type Plan struct {
	// Tickets is how many tickets run would open or update (valid, not
	// already imported).
	Tickets int `json:"tickets"`
	// Entries are the replies and notes sent (the opening one included).
	Entries     int `json:"entries"`
	Attachments int `json:"attachments"`
	// AttachmentBytes is their size on disk; AttachmentRequestBytes what
	// they weigh in the requests (base64 in JSON in base64, form-encoded).
	AttachmentBytes        int64 `json:"attachment_bytes"`
	AttachmentRequestBytes int64 `json:"attachment_request_bytes"`
	// Calls are the write calls by action; with clients: match_email,
	// GetClients is one lookup per distinct requester email.
	Calls      map[string]int `json:"calls"`
	TotalCalls int            `json:"total_calls"`
	// The estimate: TotalCalls at min(Rate, Concurrency/AssumedLatency)
	// calls per second; with Auto (rate: auto, Concurrency its bound,
	// Rate its max_rate), plus auto's slow start. LatencyMeasured: the
	// latency is the mean of the validation's own calls to WHMCS, not
	// a default.
	Rate                  float64 `json:"rate"`
	Concurrency           int     `json:"concurrency"`
	Auto                  bool    `json:"auto"`
	AssumedLatencySeconds float64 `json:"assumed_latency_seconds"`
	LatencyMeasured       bool    `json:"latency_measured"`
	EstimatedSeconds      float64 `json:"estimated_seconds"`
}

// Invalid reports whether some ticket would fail.
func (r *Validation) Invalid() bool { return r.Tickets.Invalid > 0 }

// String is the problem as sources.Problem.String renders it: "ticket T
// entry E (file:line) field F: message [code]".
func (p Problem) String() string {
	return sources.Problem{Ticket: p.Ticket, Entry: p.Entry, Origin: p.Origin, Field: p.Field,
		Message: p.Message, Code: sources.Code(p.Code)}.String()
}
