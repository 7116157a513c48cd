package sources

import (
	"context"
	"errors"
	"iter"
	"log/slog"
	"time"
)

// Source reads tickets from another helpdesk or an export.
//
// Implementations only read: they never retry, sleep or write. They are not
// safe for concurrent use; the importer reads from one goroutine.
type Source interface {
	// Tickets streams every ticket, one at a time, in a stable order (the
	// same order on every call over unchanged data: by ticket id for
	// databases, by file order for CSV), with its thread loaded unless
	// opts.WantThread says it is not needed. It never holds the whole
	// source in memory.
	//
	// A problem with one ticket's data is attached to that ticket
	// (Ticket.Problems) and the stream goes on; the iterator yields a
	// non-nil error only for failures that end the stream (I/O, a lost
	// connection), and then stops. When ctx is cancelled it yields
	// ctx.Err() promptly and stops.
	Tickets(ctx context.Context, opts ReadOptions) iter.Seq2[*Ticket, error]

	// Close releases the source's resources. It is safe to call twice.
	Close() error
}

// ReadOptions say which threads one pass over a source may leave unread.
// They are data that the caller decides before the pass starts: a reader
// consults them (WantThread) with a ticket's header, and never calls back
// into its caller while it reads. A reader reads the header (ID, Updated,
// ...) first, then the thread only when it is wanted, so that a sync over
// an unchanged source reads no thread at all; the MySQL presets decide per
// page and read the wanted threads of a page together.
//
// The zero value wants every thread.
type ReadOptions struct {
	// Threads, when not nil, is the set of ticket ids whose threads are
	// wanted (run --only, verify --sample): any other ticket is yielded
	// with its header only.
	Threads map[string]bool
	// Held, when not nil, is what the caller already holds: a ticket held
	// at a version not older than its last change, with that change
	// settled, is yielded with its header only.
	Held *Held
}

// Held is what a caller (the importer's checkpoint) holds of the source.
type Held struct {
	// Versions maps ticket ids to the last-change time, in Unix seconds, of
	// the version held.
	Versions *Versions
	// Settled is the time before which a last change counts as settled
	// (the previous run's start less its overlap window): a ticket changed
	// at or after it is read whole, whatever the version held.
	Settled time.Time
}

// Unchanged reports whether h holds t at a version not older than t's last
// change (t.Updated, compared to the second), and that change is settled.
// A ticket without a last-change time is never unchanged.
func (h *Held) Unchanged(t *Ticket) bool {
	if h == nil || t.Updated.IsZero() || h.Settled.IsZero() {
		return false
	}
	v, ok := h.Versions.Get(t.ID)
	if !ok || t.Updated.Unix() > v {
		return false
	}
	return t.Updated.Before(h.Settled)
}

// WantThread reports whether the thread of t, whose header fields are
// read (Entries nil), is wanted. A reader that skips it sets
// t.ThreadSkipped. Readers that cannot read a header without its thread
// may ask after reading the thread.
func (o ReadOptions) WantThread(t *Ticket) bool {
	if o.Threads != nil && !o.Threads[t.ID] {
		return false
	}
	return !o.Held.Unchanged(t)
}

// Counter is implemented by sources that can count their tickets cheaply
// (for the progress bar). The count may be approximate.
type Counter interface {
	// Count returns how many tickets Tickets would yield now, or an
	// estimate. It reads no thread, and returns ctx.Err() promptly when ctx
	// is cancelled.
	Count(ctx context.Context) (int, error)
}

// Omitter is implemented by sources that leave rows out by design: drafts,
// status-change lines, deleted or spam tickets, superseded bodies. validate
// reports what it returns, so that a user sees what is not migrated
// instead of silence.
type Omitter interface {
	// Omitted counts, by kind, the rows Tickets leaves out now: one
	// Omission per kind with rows (none for a kind without), its Problem
	// of severity Info, Ticket empty, Origin the table, Code the kind (a left_out_
	// code), Message the count and what they are ("3 draft conversations
	// (conversations.state = 1)"), Count the number. It returns ctx.Err()
	// promptly when ctx is cancelled.
	Omitted(ctx context.Context) ([]Omission, error)
}

// Omission is one kind of row a source leaves out, counted.
type Omission struct {
	Problem
	// Count is how many rows of this kind are left out.
	Count int
}

// ErrConfig is matched (errors.Is) by the error a source's Open returns
// when its configuration is wrong or incomplete (an option, a zone it
// needs), as opposed to its data or I/O: the command reports it as a
// config error.
var ErrConfig = errors.New("source configuration")

// Env is what a source factory gets from the command line besides its own
// options: never global state.
type Env struct {
	// Dir is the directory relative paths in the config are resolved
	// against (the config file's directory).
	Dir string
	// Location is the source's time zone for timestamps without an offset
	// (config source.timezone). Nil when the config sets none: never read
	// as UTC where the zone matters. A source whose wall-clock zone is not
	// in its data refuses to open without it (ErrConfig: the MySQL presets
	// whmcs, custom and freescout, osTicket without db_timezone); the CSV
	// source makes each date without an offset a bad_date error; sources
	// whose dates are UTC (HESK, Blesta) do without it.
	Location *time.Location
	// Logger receives what a source notices beyond ticket problems
	// (ignored columns, the zone it reads dates in). Nil discards it.
	Logger *slog.Logger
	// Fields are the custom fields the mapping reads (the keys of
	// mapping.custom_fields): a source yields their values in
	// Ticket.Fields, keyed in lower case. A source that cannot find one of
	// them fails to open, naming it.
	Fields []string
	// TempDir is where a source puts its temporary copies of customer data
	// (a decoded copy of a file, an index on disk): the command's own
	// directory, removed when it ends (internal/scratch). "" = the
	// system's (os.TempDir()).
	TempDir string
}
