package sources

import (
	"fmt"
	"slices"
)

// Severity of a Problem.
type Severity string

const (
	// Error: the ticket cannot be imported as it is.
	Error Severity = "error"
	// Warning: the ticket is imported, but something is changed or lost.
	Warning Severity = "warning"
	// Info: nothing is wrong; the source left rows out by design (drafts,
	// status-change lines, deleted tickets) and says how many (Omitter).
	Info Severity = "info"
)

// Problem is something wrong with one ticket or entry, found by a source
// while reading or by the planner while mapping. Problems are data, not Go
// errors: a ticket carries them, the run goes on.
type Problem struct {
	// Severity says whether the ticket can still be imported.
	Severity Severity
	// Code is the problem's stable, machine-readable kind, one of the Code
	// constants (CodeBadDate, CodeMissingSubject, ...), used to group
	// reports.
	Code Code
	// Ticket is the source ticket id; Entry the entry id, when the problem
	// is an entry's.
	Ticket string
	Entry  string
	// Origin is the file:line or table row ("messages.csv:57").
	Origin string
	// Field is the column or field at fault ("created"), when one is.
	Field string
	// Message says what is wrong, for people; it is not stable.
	Message string
}

// String renders the problem as one line naming everything a user needs to
// find it: "ticket T1 (messages.csv:57) field created: cannot parse ...".
// A problem of no one ticket (an Omitter's count) starts with its origin:
// "threads: 12 line items left out ...".
func (p Problem) String() string {
	if p.Ticket == "" && p.Entry == "" && p.Origin != "" {
		s := p.Origin
		if p.Field != "" {
			s += " field " + p.Field
		}
		return fmt.Sprintf("%s: %s [%s]", s, p.Message, p.Code)
	}
	s := "ticket " + p.Ticket
	if p.Entry != "" {
		s += " entry " + p.Entry
	}
	if p.Origin != "" && p.Origin != p.Ticket {
		s += " (" + p.Origin + ")"
	}
	if p.Field != "" {
		s += " field " + p.Field
	}
	return fmt.Sprintf("%s: %s [%s]", s, p.Message, p.Code)
}

// HasErrors reports whether any problem is of severity Error.
func HasErrors(ps []Problem) bool {
	for _, p := range ps {
		if p.Severity == Error {
			return true
		}
	}
	return false
}

// AddProblem appends a problem to the ticket, filling its Ticket field.
func (t *Ticket) AddProblem(p Problem) {
	if p.Ticket == "" {
		p.Ticket = t.ID
	}
	t.Problems = append(t.Problems, p)
}

// RowUnreadable reports whether t's own record could not be read (a row
// that cannot be parsed or decoded, a row without its id, a duplicate id,
// messages of an unknown ticket): its fields are blank or cannot be
// trusted, so that error is its one problem, and the planner judges
// nothing else of it.
func (t *Ticket) RowUnreadable() bool {
	for _, p := range t.Problems {
		if p.Severity != Error || p.Origin != t.Origin || p.Entry != "" {
			continue
		}
		switch p.Code {
		case CodeCSVParse, CodeInvalidUTF8, CodeDuplicateTicket, CodeUnknownTicket:
			return true
		case CodeMissingField:
			if p.Field == "id" || p.Field == "ticket_id" {
				return true
			}
		}
	}
	return false
}

// Reported reports whether t carries an error problem of one of codes on
// the record at origin, field: a date the source could not read has that
// problem, and no second one for being missing.
func (t *Ticket) Reported(origin, field string, codes ...Code) bool {
	for _, p := range t.Problems {
		if p.Severity == Error && p.Origin == origin && p.Field == field && slices.Contains(codes, p.Code) {
			return true
		}
	}
	return false
}
