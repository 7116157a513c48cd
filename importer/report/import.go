package report

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Import is an import run's summary: the JSON of run --report.
type Import struct {
	RunID   int64            `json:"run_id"`
	Tickets TicketCounts     `json:"tickets"`
	Calls   map[string]int64 `json:"calls"`
	// FailedCalls are the calls that failed, by action, retried attempts
	// included: they are calls made too.
	FailedCalls map[string]int64 `json:"failed_calls,omitempty"`
	// Stopped says why the run stopped before the end (a fatal error:
	// checkpoint I/O, a disk full, WHMCS refusing the credentials); ""
	// when it ran to the end or was interrupted (Interrupted).
	Stopped string `json:"stopped,omitempty"`
	// Retries counts calls sent again after a failure certainly not
	// processed; Reconciled counts writes whose outcome was settled by
	// reading WHMCS (Resent of them were missing and sent again).
	Retries    int64 `json:"retries"`
	Throttled  int64 `json:"throttled"`
	Reconciled int64 `json:"reconciled"`
	Resent     int64 `json:"resent"`
	// AdoptListPages and AdoptListed are the GetTickets pages read to look
	// for tickets the checkpoint does not know, and the tickets they held
	// (0 when the checkpoint knew every ticket).
	AdoptListPages int64       `json:"adopt_list_pages,omitempty"`
	AdoptListed    int64       `json:"adopt_listed,omitempty"`
	Failures       []Failure   `json:"failures"`
	Drift          []DriftItem `json:"drift"`
	// FailuresOmitted and DriftOmitted count the failures and drift items
	// past the ones the report holds (importer.Config.KeepFailures); run
	// --failures has every failure.
	FailuresOmitted int `json:"failures_omitted,omitempty"`
	DriftOmitted    int `json:"drift_omitted,omitempty"`
	// ReadBacks counts the GetTicket calls that read a write back to judge
	// the canary or to learn how WHMCS stores text; TextProfile is what is
	// known of that at the end (see whmcs.TextProfile.Describe).
	ReadBacks int64 `json:"read_backs"`
	// ConflictReads counts the GetTicket calls that read an imported
	// ticket before a sync wrote to it (one per ticket changed).
	ConflictReads  int64   `json:"conflict_reads"`
	TextProfile    string  `json:"text_profile"`
	ElapsedSeconds float64 `json:"elapsed_seconds"`
	CallsPerSecond float64 `json:"calls_per_second"`
	// Pacing is how the calls were paced at the end, in words (a fixed
	// rate, or rate: auto's limit and latencies); ConcurrencyLimit is
	// rate: auto's limit on calls at once then (absent for a fixed rate).
	Pacing           string `json:"pacing"`
	ConcurrencyLimit int    `json:"concurrency_limit,omitempty"`
	Interrupted      bool   `json:"interrupted,omitempty"`
	// Conflicts are the cut-over conflicts this run found (each once:
	// one found by an earlier run with the same values is not repeated;
	// see Conflict); ConflictsOmitted counts those past the ones held.
	Conflicts        []Conflict `json:"conflicts"`
	ConflictsOmitted int        `json:"conflicts_omitted,omitempty"`
	// DeletedInWHMCS are the imported tickets this run found gone from
	// WHMCS (deleted or merged away); later runs skip them.
	DeletedInWHMCS []DeletedTicket `json:"deleted_in_whmcs"`
}

// TicketCounts add up: Total = Imported + Updated + Unchanged + Adopted +
// Failed + DeletedInWHMCS + Skipped (+ Stopped when interrupted).
type TicketCounts struct {
	Total     int `json:"total"`
	Imported  int `json:"imported"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	// Adopted tickets were found in WHMCS, created by a run the
	// checkpoint does not remember: recorded, and only what WHMCS was
	// missing sent.
	Adopted int `json:"adopted"`
	Failed  int `json:"failed"`
	Stopped int `json:"interrupted,omitempty"` // "interrupted", as the terminal says
	// DeletedInWHMCS are imported tickets found gone from WHMCS by this
	// run; Skipped those found so by an earlier run (not read again).
	DeletedInWHMCS int `json:"deleted_in_whmcs,omitempty"`
	Skipped        int `json:"skipped_deleted,omitempty"`
	// Conflicts is how many conflicts the run found (all of them, also
	// past Import.Conflicts' limit).
	Conflicts int `json:"conflicts,omitempty"`
}

// Failure is one failed ticket: its id, the step that failed, the problem
// code, where the ticket was read (file:line or row) and the field of its
// first error, and the whole message.
type Failure struct {
	Ticket string `json:"ticket"`
	Step   string `json:"step"`
	Code   string `json:"code"`
	Origin string `json:"origin"`
	Field  string `json:"field"`
	Error  string `json:"error"`
}

// DriftItem is a change at the source that WHMCS cannot express.
type DriftItem struct {
	Ticket  string `json:"ticket"`
	Entry   string `json:"entry,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// WriteText writes the run's summary for a terminal: counts, calls,
// retries, and the first failures and drift items. A run that stopped
// says so first, and why; "Nothing to do" is said only of a run that ran
// to the end without a call failing or a ticket needing work.
func (rep *Import) WriteText(w io.Writer) {
	t := rep.Tickets
	total, parts := callParts(rep.Calls)
	failed, failedParts := callParts(rep.FailedCalls)
	switch {
	case rep.Stopped != "":
		fmt.Fprintf(w, "Run %d STOPPED before the end: %s\n", rep.RunID, rep.Stopped)
		fmt.Fprintf(w, "  done before it stopped: %d imported, %d adopted, %d updated, %d unchanged, %d failed; the tickets after them were not reached\n",
			t.Imported, t.Adopted, t.Updated, t.Unchanged, t.Failed)
	case rep.Interrupted:
		fmt.Fprintf(w, "Run %d was interrupted before the end\n", rep.RunID)
	case t.Imported+t.Updated+t.Adopted+t.Failed+t.Stopped+t.DeletedInWHMCS+t.Conflicts == 0 && failed == 0:
		fmt.Fprintf(w, "Nothing to do: %s, all unchanged since the last run.\n", Plural(t.Total, "ticket", "tickets"))
	}
	fmt.Fprintf(w, "Run %d summary\n", rep.RunID)
	fmt.Fprintf(w, "  tickets    %d total: %d imported, %d updated, %d unchanged, %d failed", t.Total, t.Imported, t.Updated, t.Unchanged, t.Failed)
	if t.Adopted > 0 {
		fmt.Fprintf(w, ", %d adopted", t.Adopted)
	}
	if t.Stopped > 0 {
		fmt.Fprintf(w, ", %d interrupted", t.Stopped)
	}
	if t.DeletedInWHMCS > 0 {
		fmt.Fprintf(w, ", %d deleted in WHMCS", t.DeletedInWHMCS)
	}
	if t.Skipped > 0 {
		fmt.Fprintf(w, ", %d skipped (deleted in WHMCS earlier)", t.Skipped)
	}
	fmt.Fprintln(w)
	if t.Adopted > 0 {
		fmt.Fprintf(w, "  adopted    %d already in WHMCS (created by a run this checkpoint does not remember): recorded, only what was missing sent; %s of WHMCS's ticket list read\n",
			t.Adopted, Plural(int(rep.AdoptListPages), "page", "pages"))
	}
	switch {
	case total == 0 && failed == 0:
		fmt.Fprintln(w, "  calls      none")
	case failed == 0:
		fmt.Fprintf(w, "  calls      %d (%s)\n", total, parts)
	default:
		fmt.Fprintf(w, "  calls      %d: %d succeeded (%s), %d failed (%s)\n", total+failed, total, parts, failed, failedParts)
	}
	fmt.Fprintf(w, "  retries    %d (throttled %d); reconciled %d (re-sent %d)\n", rep.Retries, rep.Throttled, rep.Reconciled, rep.Resent)
	fmt.Fprintf(w, "  elapsed    %.1fs, %.1f calls/s\n", rep.ElapsedSeconds, rep.CallsPerSecond)
	if rep.Pacing != "" {
		fmt.Fprintf(w, "  pacing     %s\n", rep.Pacing)
	}
	for i, f := range rep.Failures {
		if i == 10 {
			fmt.Fprintf(w, "  ... and %d more failures (see --failures)\n", len(rep.Failures)+rep.FailuresOmitted-10)
			break
		}
		fmt.Fprintf(w, "  FAILED %s at %s: %s\n", f.Ticket, f.Step, f.Error)
	}
	for i, d := range rep.Drift {
		if i == 10 {
			fmt.Fprintf(w, "  ... and %d more drift items (see --report)\n", len(rep.Drift)+rep.DriftOmitted-10)
			break
		}
		fmt.Fprintf(w, "  DRIFT %s %s: %s\n", d.Ticket, d.Code, d.Message)
	}
	rep.writeConflictsText(w)
}

// callParts is the sum of calls and "Action n, ..." in action order ("-"
// for none).
func callParts(calls map[string]int64) (int64, string) {
	actions := make([]string, 0, len(calls))
	var total int64
	for k, v := range calls {
		if v > 0 {
			actions = append(actions, k)
			total += v
		}
	}
	if total == 0 {
		return 0, "-"
	}
	sort.Strings(actions)
	parts := make([]string, len(actions))
	for i, k := range actions {
		parts[i] = fmt.Sprintf("%s %d", k, calls[k])
	}
	return total, strings.Join(parts, ", ")
}
