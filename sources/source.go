package sources

import (
	"context"
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
	// opts.Want declines it. It never holds the whole source in memory.
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

// ReadOptions tune one pass over a source.
type ReadOptions struct {
	// Want, when not nil, is asked about each ticket before its thread is
	// read, with the ticket's header fields (ID, Subject, Updated, ...)
	// filled and Entries nil. When it returns false the thread is not read
	// and the ticket is yielded with ThreadSkipped set. Sources that cannot
	// read a header without its thread may call it after reading the thread.
	Want func(t *Ticket) bool
}

// Counter is implemented by sources that can count their tickets cheaply
// (for the progress bar). The count may be approximate.
type Counter interface {
	// Count returns how many tickets Tickets would yield now, or an
	// estimate. It reads no thread, and returns ctx.Err() promptly when ctx
	// is cancelled.
	Count(ctx context.Context) (int, error)
}

// Env is what a source factory gets from the command line besides its own
// options: never global state.
type Env struct {
	// Dir is the directory relative paths in the config are resolved
	// against (the config file's directory).
	Dir string
	// Location is the source's time zone for timestamps without an offset
	// (config source.timezone; UTC when unset).
	Location *time.Location
	// Logger receives what a source notices beyond ticket problems
	// (ignored columns, the zone it reads dates in). Nil discards it.
	Logger *slog.Logger
}
