// Package verify proves an import: it reads back every ticket the
// checkpoint says was imported and compares it with its source ticket as
// run would send it today, field by field (subject, department, requester,
// status, priority, every message and note with its date, author, body and
// attachment names), looks for second copies, and lists the source tickets
// not imported. Texts are compared in the form the target stores them
// (whmcs.TextProfile, as the runs learned it).
//
// It only reads WHMCS, through the same policy layers as run. Every
// difference is named against its ticket in a report.Verify.
package verify
