package report

import (
	"strconv"
	"strings"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// Difference fields. Entry-level fields are prefixed with the entry's
// kind: "opening.", "reply." or "note." followed by "date", "author",
// "body", "attachments"; a bare "opening", "reply" or "note" is an entry
// missing from WHMCS (or, with an empty Entry, one WHMCS has that the
// source does not).
const (
	FieldNotImported = "not_imported" // the source has the ticket, the checkpoint has not imported it
	// FieldDeletedInWHMCS: the ticket was imported, then deleted (or merged
	// away) in WHMCS; runs skip it (run --only ID --reimport creates it
	// again).
	FieldDeletedInWHMCS = "deleted_in_whmcs"
	FieldSource         = "source" // the checkpoint has it, the source no longer has it (or it no longer plans)
	FieldTicket         = "ticket" // the WHMCS ticket is gone
	FieldError          = "error"  // WHMCS could not be read for this ticket
	FieldSubject        = "subject"
	FieldDepartment     = "department"
	FieldRequester      = "requester"
	FieldStatus         = "status"
	FieldPriority       = "priority"
	FieldDuplicate      = "duplicate" // another WHMCS ticket with the same requester, subject and opening date
)

// Difference is one way a WHMCS ticket differs from its source ticket.
type Difference struct {
	Ticket   string `json:"ticket"`        // source ticket id
	WHMCSID  int64  `json:"whmcs_id"`      // 0 when not imported
	TID      string `json:"tid,omitempty"` // the ticket number WHMCS shows, when known
	Field    string `json:"field"`         // see the Field constants
	Entry    string `json:"entry"`         // entry key (mapping.EntryKey), for entry fields
	Expected string `json:"expected"`      // what the source, as planned, says
	Actual   string `json:"actual"`        // what WHMCS has
	// Expected and Actual show texts (subjects, names, bodies) in one
	// form, decoded through the WHMCS's text profile (entities such as
	// &amp; decoded; emoji as "?" on both sides where WHMCS folds them).
	// ActualRaw is WHMCS's text as it stores it, when that differs.
	ActualRaw string `json:"actual_raw,omitempty"`
}

// Verify is what Verify found.
type Verify struct {
	Checked   int // tickets compared with WHMCS
	Matching  int // of those, identical
	Differing int // of those, with at least one difference
	Missing   int // source tickets not imported
	// Deleted counts source tickets imported, then found deleted or merged
	// away in WHMCS: not a failure of the import, and not in Missing.
	Deleted int
	// OpenConflicts are the cut-over conflicts still open (WHMCS's value
	// kept over the source's), of the tickets in scope.
	OpenConflicts []Conflict
	// Differences in source order, then in thread order within a ticket.
	Differences []Difference
	Elapsed     time.Duration
	// Location is the WHMCS server's zone dates are shown in.
	Location *time.Location
	// Text is how the target stores text, as the runs learned it: texts
	// were compared in that form.
	Text whmcs.TextProfile
	// Interrupted: the pass stopped early (Ctrl-C); the report holds what
	// was checked so far.
	Interrupted bool
	// AdminURL is the WHMCS admin area (https://billing.example.com/admin/):
	// the HTML page links each WHMCS ticket to it. Empty: no links.
	AdminURL string
}

// TicketURL is the admin area's page of WHMCS ticket id, "" without an
// admin URL.
func TicketURL(adminURL string, id int64) string {
	if adminURL == "" || id == 0 {
		return ""
	}
	return strings.TrimRight(adminURL, "/") + "/supporttickets.php?action=view&id=" + strconv.FormatInt(id, 10)
}

// OK reports whether every ticket matched and none is missing.
func (r *Verify) OK() bool { return r.Differing == 0 && r.Missing == 0 }
