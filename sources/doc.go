// Package sources defines what whmcs-migrate reads: the ticket model, the
// Source interface every reader implements, and the registry that names them.
//
// A source only reads and decodes. It never retries, sleeps, rate-limits,
// checkpoints or decides what to import: that policy belongs to the importer.
// Problems with one ticket's data (a bad date, a missing field, a row that
// cannot be parsed) are attached to that ticket as Problems, so the other
// tickets go on; only errors that stop the whole read (I/O, a lost database
// connection) are returned as errors.
//
// Every problem code is declared in codes.go; codes_help.go gives each one
// its one-line explanation and fix, which the HTML reports show.
package sources
