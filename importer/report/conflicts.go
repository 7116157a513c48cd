package report

import (
	"fmt"
	"io"
)

// Conflict is a cut-over conflict: a field of an imported ticket that
// someone changed in WHMCS since the importer's last write, which the
// source wants otherwise; or a status the source would close or answer a
// ticket with, in which someone replied in WHMCS.
type Conflict struct {
	Ticket  string `json:"ticket"`   // source ticket id
	WHMCSID int64  `json:"whmcs_id"` // the WHMCS ticket
	Field   string `json:"field"`    // status, priority, department, flag, cc
	WHMCS   string `json:"whmcs"`    // WHMCS's value
	Source  string `json:"source"`   // the source's value
	// Kept is the side whose value the ticket keeps: "whmcs" (the default,
	// sync.on_conflict: whmcs) or "source".
	Kept string `json:"kept"`
	// Reason says why it is a conflict: "changed in WHMCS", or "replied
	// in WHMCS (N replies or notes the import did not write)".
	Reason string `json:"reason"`
}

// DeletedTicket is an imported ticket found gone from WHMCS.
type DeletedTicket struct {
	Ticket  string `json:"ticket"`
	WHMCSID int64  `json:"whmcs_id"`
	Reason  string `json:"reason"` // "deleted in WHMCS", "merged into WHMCS ticket N"
}

// String is the conflict in one line, for a terminal.
func (c Conflict) String() string {
	kept := "WHMCS's kept"
	if c.Kept == "source" {
		kept = "source's written"
	}
	return fmt.Sprintf("%s (WHMCS %d) %s: WHMCS %q, source %q (%s; %s)", c.Ticket, c.WHMCSID, c.Field, c.WHMCS, c.Source, c.Reason, kept)
}

// writeConflictsText lists the run's conflicts and the tickets found gone
// from WHMCS, ten of each.
func (rep *Import) writeConflictsText(w io.Writer) {
	for i, c := range rep.Conflicts {
		if i == 10 {
			fmt.Fprintf(w, "  ... and %d more conflicts (see --report)\n", len(rep.Conflicts)+rep.ConflictsOmitted-10)
			break
		}
		fmt.Fprintf(w, "  CONFLICT %s\n", c)
	}
	for i, d := range rep.DeletedInWHMCS {
		if i == 10 {
			fmt.Fprintf(w, "  ... and %d more tickets deleted in WHMCS (see --report)\n", len(rep.DeletedInWHMCS)-10)
			break
		}
		fmt.Fprintf(w, "  DELETED IN WHMCS %s (WHMCS %d): %s; later runs skip it (run --only %s --reimport re-creates it)\n", d.Ticket, d.WHMCSID, d.Reason, d.Ticket)
	}
}
