package sources

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Ticket is one helpdesk ticket as read from a source, with its thread.
//
// Times are instants (time.Time with a location); they are rendered in the
// WHMCS server's zone only at the wire.
type Ticket struct {
	// ID is the source's ticket id, unique within the source. It is the key
	// of the checkpoint and of every report.
	ID string
	// Origin says where the ticket was read, for error messages:
	// "tickets.csv:12", "ost_ticket id=42".
	Origin string

	Subject    string // as the source has it; empty is the planner's error
	Department string // source department name or id, mapped by mapping.Config
	Status     string // source status; empty = leave what WHMCS arrives at
	Priority   string // source priority; empty = Medium

	Requester Person // who opened the ticket; the planner makes them its WHMCS owner
	// ClientID is a WHMCS client id given by the source; it wins over any
	// email lookup. 0 = none.
	ClientID int64
	CC       []string // email addresses copied on the ticket

	// Number is the ticket number the source shows its users (CSV number,
	// osTicket number, HESK trackid, WHMCS tid); "" when it has none.
	Number string
	// Assignee is the staff member the ticket is assigned to; zero when
	// none. The planner maps it like a staff author (mapping.staff).
	Assignee Person
	// ServiceID and DomainID are the WHMCS service or domain the ticket is
	// about, of client ClientID (the WHMCS preset with keep_client_ids:
	// tbltickets.service "S12" / "D3"); 0 = none.
	ServiceID, DomainID int64
	// Fields holds the ticket's custom-field values, keyed by the source
	// field name as Env.Fields asks for it, lower case. A field the
	// ticket has no value for is absent.
	Fields map[string]string

	Created time.Time // zero = unknown
	// Updated is the ticket's last-change time, zero when the source does
	// not know it. Incremental sync uses it to skip unchanged tickets.
	Updated time.Time

	// Entries is the thread in source order. Nil when ThreadSkipped.
	Entries []Entry
	// ThreadSkipped is true when ReadOptions.WantThread did not want the ticket's thread, so its
	// thread was not read.
	ThreadSkipped bool

	// Problems found while reading this ticket. A ticket with a problem of
	// severity Error cannot be imported; the other tickets go on.
	Problems []Problem
}

// Person is an author or requester. Either field may be empty.
type Person struct {
	Name  string // display name, as the source has it
	Email string // address, not validated here (the planner checks it)
}

// LocalPart returns the part of email before its last "@": "a" for
// "a@b". It is empty when nothing precedes the "@" ("@example.com"), and
// email itself when there is no "@". Sources and the planner use it to
// name a person who has an email but no name.
func LocalPart(email string) string {
	if i := strings.LastIndexByte(email, '@'); i >= 0 {
		return email[:i]
	}
	return email
}

// EntryKind says what an entry is.
type EntryKind int

const (
	CustomerReply EntryKind = iota // written by the requester (or another customer)
	StaffReply                     // written by staff, visible to the customer
	Note                           // internal note, staff only
)

// String returns the kind as reports show it: "customer reply", "staff
// reply" or "note".
func (k EntryKind) String() string {
	switch k {
	case CustomerReply:
		return "customer reply"
	case StaffReply:
		return "staff reply"
	case Note:
		return "note"
	}
	return fmt.Sprintf("EntryKind(%d)", int(k))
}

// Format is the markup of an entry's body.
type Format int

const (
	Text     Format = iota // plain text, sent as it is
	Markdown               // Markdown, which WHMCS renders
	HTML                   // HTML, converted to Markdown by the planner
)

// String returns the name ParseFormat reads: "text", "markdown" or "html".
func (f Format) String() string {
	switch f {
	case Text:
		return "text"
	case Markdown:
		return "markdown"
	case HTML:
		return "html"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// ParseFormat reads "text", "markdown" or "html" (case-insensitive; empty =
// text).
func ParseFormat(s string) (Format, error) {
	switch lower(s) {
	case "", "text", "plain", "txt":
		return Text, nil
	case "markdown", "md":
		return Markdown, nil
	case "html":
		return HTML, nil
	}
	return Text, fmt.Errorf("unknown format %q (want text, markdown or html)", s)
}

// Entry is one message of a ticket's thread: a reply or a note.
type Entry struct {
	// ID is the source's entry id, unique within its ticket. Empty when the
	// source has none; the importer then identifies the entry by a hash of
	// (created, author, body).
	ID     string
	Origin string // "messages.csv:57"

	Kind    EntryKind // customer reply, staff reply or note
	Author  Person    // who wrote it; staff are mapped to admins by the planner
	Body    string    // in Format's markup, as the source stores it
	Format  Format    // the markup of Body
	Created time.Time // zero = unknown (the planner's bad_date)

	Attachments []Attachment // in source order
}

// Attachment is a file attached to an entry. Its bytes are read only when
// the importer sends it.
type Attachment struct {
	Name string // original file name, spaces and non-ASCII kept
	Size int64  // in bytes; -1 when unknown until opened
	// ContentID is the key by which the entry's body shows the file as an
	// inline image (<img src="cid:KEY">), when the source knows it; empty
	// otherwise.
	ContentID string
	// Open returns the attachment's bytes. Each call starts from the
	// beginning; the caller closes the reader.
	Open func() (io.ReadCloser, error)
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
