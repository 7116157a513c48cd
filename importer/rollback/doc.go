// Package rollback undoes an import: it deletes from WHMCS the tickets a
// run (or every run) created, as the checkpoint records them, newest
// first, and makes the checkpoint forget each one, so that a later run
// imports it again. It never touches a ticket the checkpoint did not
// create. Without Options.Yes it only previews.
package rollback
