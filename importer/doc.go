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
// WHMCS is the truth and the checkpoint a cache of it. Before a ticket the
// checkpoint does not know is opened, an Adopter looks for it in WHMCS (a
// new, lost or stale checkpoint, a second machine): WHMCS's ticket list is
// read once, lazily, into a compact index, and a ticket found (same
// requester, opening second, subject and opening message) is adopted:
// recorded with its entries settled against one GetTicket, so that only
// what WHMCS is missing is sent. An ambiguous match fails the ticket
// (sources.CodeAdoptAmbiguous), never guessed. Adopt is the same search as
// a pass of its own that writes only the checkpoint.
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
// A sync reads every imported ticket it is about to write to (GetTicket)
// and compares it with what the checkpoint says the importer last wrote
// (conflict.go): a field people changed in WHMCS since is a conflict, kept
// as WHMCS has it unless Config.OnConflict says the source wins, and
// reported once (open conflicts are kept in the checkpoint). A ticket found
// deleted or merged away in WHMCS is recorded so, reported once and
// skipped by later runs until Config.Reimport.
//
// The client's policy (rate limit, retries) is not here: it is layered
// around the client (whmcs/policy) by the program, and the engine finds
// the layers' stats by unwrapping. A failing ticket is recorded with its
// reason and the run goes on; only fatal errors (IsFatal: authentication,
// checkpoint I/O, a failed canary) stop it.
//
// A run refuses to write while a rollback on its checkpoint is unfinished
// (CheckRollbacks, RollbackUnfinishedError): it would import again what
// the rollback already deleted.
//
// The package is the engine (Import, configured by a Config; Adopt, by an
// AdoptConfig) and what every pass over a migration shares: Pool (one
// producer, N workers, the first fatal error cancels), Fatal and
// ErrInterrupted, EndOf. The other passes live beside it, each a Tickets
// function taking a Config with a ready planner: importer/validate
// (validate.Tickets, the dry-run report), importer/verify (verify.Tickets:
// read every imported ticket back and compare it with its source) and
// importer/rollback (rollback.Tickets: delete what a run created, and
// forget it). Their reports, renderings and files are in importer/report
// (report.Import is an import run's).
//
// The package reads sources only through sources.Source and never parses
// any input format itself.
package importer
