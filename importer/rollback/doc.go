// Package rollback undoes an import: it deletes from WHMCS the tickets a
// run (or every run) created, as the checkpoint records them, newest
// first, and makes the checkpoint forget each one, so that a later run
// imports it again. It never touches a ticket the checkpoint did not
// create. Without Config.Yes it only previews.
//
// Deletions are journaled like the import's writes: an intent
// (checkpoints.StepDelete) is recorded before each DeleteTicket is sent,
// and settled after it by forgetting the ticket (checkpoints.Store.
// ForgetDeleted), or dropped when WHMCS certainly did not delete it. A
// deletion whose answer was lost is read back with GetTicket ("Ticket ID
// Not Found": deleted). A rollback killed at any moment is recorded with
// what it was deleting (checkpoints.Store.BeginRollback); running it again
// first settles the deletions left without outcome, then deletes what is
// left. Until then the import refuses to write (importer.CheckRollbacks).
package rollback
