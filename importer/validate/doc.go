// Package validate is the dry run: it reads the whole source through the
// planner run uses and reports every problem, per ticket and entry (errors
// that would fail a ticket, warnings where something is changed or lost),
// with the plan run would execute and an estimate of its duration.
//
// It never writes. Online, the command reads what WHMCS holds (a
// TargetReader, or ReadTarget: departments, statuses, admin users, each
// read once) and gives it to the planner (Target.Apply), which checks the
// mapping against it; run does the same before its first write, so a
// ticket that needs what WHMCS lacks fails before any of its calls with
// the code validate reports. The planner's only calls are client lookups,
// through a client over whmcs.ReadOnly. Offline it makes no call at all.
//
// Data problems are in the report (report.Validation), never Go errors.
package validate
