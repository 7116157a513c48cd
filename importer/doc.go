// Package importer is the replay engine: it plans every source ticket with
// mapping, and replays the plan as WHMCS calls through a rate-limited,
// checkpointed worker pool, exactly once.
//
// One producer streams tickets from the source; N workers each replay one
// ticket from its first call to its last, so per-ticket order is natural
// and tickets run in parallel. Before every non-idempotent write the worker
// journals an intent in the checkpoint; after the write it settles the
// intent with the outcome. A write whose answer was lost ("may have been
// processed") is reconciled by reading WHMCS (GetTickets for an
// OpenTicket, GetTicket for a reply or note) and sent again only when it is
// truly missing. Intents left by a crash are reconciled the same way when
// their ticket comes round on the next run.
//
// The run's first write is its canary: every other write waits until it
// has been read back with GetTicket and found as sent (its date to the
// second, author, department, body); a WHMCS that did not keep the date
// (before 8.0) stops the run after that one write. What the read-back
// shows of how the target stores text (whmcs.TextProfile) is kept in the
// checkpoint: reconcile and verify compare texts in that form, so an
// install's sanitiser or 3-byte tables never make a write that landed
// look missing.
//
// Policy around the WHMCS client (rate limit with AIMD, retries of calls
// certainly not processed) is composed in WithPolicy. A failing ticket is
// recorded with its reason and the run goes on; only fatal errors
// (authentication, checkpoint I/O) stop it.
//
// Besides Run, the package holds the other passes over a migration:
// Validate (the dry-run report: every problem before one write, through a
// read-only client), Verify (read every imported ticket back and compare it
// with its source) and Rollback (delete what a run created, and forget it).
//
// The package reads sources only through sources.Source and never parses
// any input format itself.
package importer
