// Package sourcetest is the conformance suite every sources.Source must
// pass: stable order over passes, no duplicate ticket ids, entries in a
// stable order, ReadOptions skipping threads, prompt cancellation, an
// early break, Close safe twice, attachments that open and read fully, and
// problems that name their ticket and origin.
//
// A source's own tests call Run with a function that opens the source on a
// fixture holding at least two tickets with entries (and, to exercise the
// attachment check, at least one attachment). The suite only reads.
package sourcetest
