// Package checkpoints is the journal that makes every run resumable and
// every write happen exactly once.
//
// It is an embedded SQLite database (modernc.org/sqlite, pure Go) in WAL
// mode with synchronous=FULL. Before each non-idempotent WHMCS write the
// importer records an intent (BeginIntent); after the write succeeds it
// settles the intent with its outcome (Settle), atomically with the state
// the outcome implies (the WHMCS ticket id, the entry now imported). An
// intent without an outcome after a crash is resolved by reading WHMCS,
// never by sending blindly again. The state is never ahead of the truth:
// it is written only after the work it describes is durable in WHMCS.
//
// Writes from concurrent workers are group-committed: one goroutine runs
// every queued write in one transaction and one fsync, and each caller
// returns only once its own write is committed. Intents (and runs, the lock)
// are fsync'd before the caller goes on: an intent lost in a power failure
// after its write was sent could mean a duplicate. Settles, drops and ticket
// outcomes skip their own fsync (synchronous=NORMAL): losing one in a power
// failure only leaves an intent that the next run reconciles by reading
// WHMCS, and the next fsync'd commit of the ordered WAL makes them durable
// anyway. A crash of the process alone never loses a committed record.
//
// The map source ticket id → WHMCS ticket id/tid and each imported entry
// are kept for good: verify, incremental sync and rollback use them. So are
// the ticket-level values the importer set (custom fields, assignee, CC:
// Ticket.Fields), so that sync sends only those that changed. What a run
// finds already in WHMCS for a ticket the checkpoint did not know (a new,
// lost or stale checkpoint) is recorded in one transaction (Found), and
// the tickets so adopted are remembered (Adopted, AdoptedBy). The
// journal holds customer data (subjects, emails) but never a secret; the
// file is created 0600.
//
// One run (or rollback) at a time holds a checkpoint: Lock records the
// holder (pid, host, since) and refuses another with a *LockedError naming
// it, never SQLite's "database is locked" (the writer's transactions begin
// IMMEDIATE and wait for the write lock; a busy start is tried again).
// Locked tells code handed a Store whether it holds the lock already.
//
// A rollback's deletions are journaled the same way (StepDelete intents,
// settled by ForgetDeleted), and each rollback run records what it set out
// to delete (BeginRollback), so that a rollback killed part way is named
// by UnfinishedRollbacks until it is run again to its end.
//
// Each run's count of the WHMCS tickets it created (or adopted) is kept
// by triggers in the transaction that records each one (CreatedByRun, see
// runcreated.go): it survives the run's death and a later rollback, which
// forgets the tickets, so that status can say what every run created.
//
// The checkpoint records which WHMCS it belongs to (Target: its API URL's
// site and the install's System URL, as the importer read them), so that
// it is never used against another.
//
// Cut-over: the open conflicts (a field changed in WHMCS that the importer
// did not overwrite) are kept in their own table until resolved, and a
// ticket found deleted in WHMCS is in state StateDeleted (see
// conflicts.go).
//
// The package knows nothing of WHMCS or sources: it stores what the
// importer tells it.
package checkpoints
