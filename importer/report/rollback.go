package report

import (
	"fmt"
	"io"
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
	Unsettled int `json:"unsettled"`
	// Reconciled counts deletions an earlier rollback sent without
	// learning their outcome, settled first by reading WHMCS.
	Reconciled     int     `json:"reconciled,omitempty"`
	ElapsedSeconds float64 `json:"elapsed_seconds"`
	Interrupted    bool    `json:"interrupted,omitempty"`
	// PreviewLines bounds the tickets the preview lists (0: 20); ListFile,
	// when set, is where the caller writes every one (WriteList), which
	// the preview names.
	PreviewLines int    `json:"-"`
	ListFile     string `json:"-"`
}

// WriteList writes every ticket to delete, one a line, tab-separated:
// the source's id, the ticket number WHMCS shows, WHMCS's id and the run
// that created it, after a header line.
func (rep *Rollback) WriteList(w io.Writer) error {
	if _, err := fmt.Fprintln(w, "ticket\ttid\twhmcs_id\trun"); err != nil {
		return err
	}
	for _, t := range rep.Tickets {
		if _, err := fmt.Fprintf(w, "%s\t%s\t%d\t%d\n", t.SourceID, t.TID, t.WHMCSID, t.Run); err != nil {
			return err
		}
	}
	return nil
}

// WritePreview writes what a rollback would delete.
func (rep *Rollback) WritePreview(w io.Writer) {
	what := fmt.Sprintf("run %d", rep.Target)
	if rep.All {
		what = "every run"
	}
	fmt.Fprintf(w, "Rollback of %s would delete %s (newest first):\n", what, Plural(len(rep.Tickets), "WHMCS ticket", "WHMCS tickets"))
	// Each as the user knows it: the source's id and the ticket number
	// WHMCS shows (#tid), with WHMCS's internal id.
	shown := rep.PreviewLines
	if shown <= 0 {
		shown = 20
	}
	for i, t := range rep.Tickets {
		if i == shown {
			if rep.ListFile != "" {
				fmt.Fprintf(w, "  ... and %d more: every one is listed in %s\n", len(rep.Tickets)-shown, rep.ListFile)
			} else {
				fmt.Fprintf(w, "  ... and %d more (--list FILE writes every one to a file)\n", len(rep.Tickets)-shown)
			}
			break
		}
		tid := "#" + t.TID
		if t.TID == "" {
			tid = "(no ticket number)"
		}
		fmt.Fprintf(w, "  %-20s %-16s WHMCS id %d, run %d\n", t.SourceID, tid, t.WHMCSID, t.Run)
	}
	if rep.Unsettled > 0 {
		fmt.Fprintf(w, "%s of it an OpenTicket whose outcome is unknown; they are left alone (a run settles them).\n", Plural(rep.Unsettled, "ticket has", "tickets have"))
	}
	if rep.ListFile != "" && len(rep.Tickets) <= shown {
		fmt.Fprintf(w, "The list is in %s too.\n", rep.ListFile)
	}
	fmt.Fprintln(w, "Nothing was deleted. Run again with --yes to delete them.")
}
