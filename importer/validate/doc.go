// Package validate is the dry run: it reads the whole source through the
// planner run uses and reports every problem, per ticket and entry (errors
// that would fail a ticket, warnings where something is changed or lost),
// with the plan run would execute and an estimate of its duration.
//
// It never writes. Online, the command reads what WHMCS holds (ReadTarget:
// departments, statuses, admin users) and gives it to the planner
// (Target.Apply); the planner's only calls are client lookups, through a
// client over whmcs.ReadOnly. Offline it makes no call at all.
//
// Data problems are in the report (report.Validation), never Go errors.
package validate
