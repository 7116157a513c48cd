package report

import (
	"fmt"
	"io"
	"strings"
)

// RolledBack is one ticket a rollback deletes.
type RolledBack struct {
	SourceID string `json:"ticket"`
	WHMCSID  int64  `json:"whmcs_id"`
	TID      string `json:"tid"`
	Run      int64  `json:"run"` // the run that created it
}

// RollbackFailure is a ticket whose deletion failed; it stays in the
// checkpoint and the next rollback tries again.
type RollbackFailure struct {
	RolledBack
	Error string `json:"error"`
}

// Rollback is what Rollback did (or, for a preview, would do).
type Rollback struct {
	RunID   int64 `json:"run_id,omitempty"` // the rollback's own run, 0 for a preview
	Target  int64 `json:"target_run,omitempty"`
	All     bool  `json:"all,omitempty"`
	Preview bool  `json:"preview"`
	// Tickets are the tickets to delete, newest (highest WHMCS id) first.
	Tickets []RolledBack `json:"tickets"`
	// Deleted counts tickets deleted and forgotten, AlreadyGone those WHMCS
	// no longer had (forgotten too).
	Deleted     int               `json:"deleted"`
	AlreadyGone int               `json:"already_gone"`
	Failures    []RollbackFailure `json:"failures"`
	// Unsettled counts tickets of the run(s) whose OpenTicket outcome is
	// unknown (no WHMCS id yet): they are left alone, since the checkpoint
	// cannot say which WHMCS ticket is theirs. A run settles them.
	Unsettled      int     `json:"unsettled"`
	ElapsedSeconds float64 `json:"elapsed_seconds"`
	Interrupted    bool    `json:"interrupted,omitempty"`
}

// WritePreview writes what a rollback would delete.
func (rep *Rollback) WritePreview(w io.Writer) {
	what := fmt.Sprintf("run %d", rep.Target)
	if rep.All {
		what = "every run"
	}
	fmt.Fprintf(w, "Rollback of %s would delete %d WHMCS tickets (newest first):\n", what, len(rep.Tickets))
	const perLine = 10
	for i := 0; i < len(rep.Tickets); i += perLine {
		var ids []string
		for _, t := range rep.Tickets[i:min(i+perLine, len(rep.Tickets))] {
			ids = append(ids, fmt.Sprintf("%d", t.WHMCSID))
		}
		fmt.Fprintf(w, "  %s\n", strings.Join(ids, " "))
	}
	if rep.Unsettled > 0 {
		fmt.Fprintf(w, "%d tickets of it have an OpenTicket whose outcome is unknown; they are left alone (a run settles them).\n", rep.Unsettled)
	}
	fmt.Fprintln(w, "Nothing was deleted. Run again with --yes to delete them.")
}
