package main

import (
	"context"
	"fmt"
	"io"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
)

// What status and verify show of a cut-over: the conflicts still open
// (WHMCS's value kept over the source's) and the tickets found deleted or
// merged away in WHMCS. See the README's "Cut-over: when people work in
// both".

// cutoverConflict is an open conflict as status --log-format json shows it.
type cutoverConflict struct {
	Ticket  string `json:"ticket"`
	WHMCSID int64  `json:"whmcs_id"`
	Field   string `json:"field"`
	WHMCS   string `json:"whmcs"`
	Source  string `json:"source"`
	Reason  string `json:"reason"`
	Found   string `json:"found"`
}

// cutoverGone is a ticket found gone from WHMCS.
type cutoverGone struct {
	Ticket  string `json:"ticket"`
	WHMCSID int64  `json:"whmcs_id"`
	Reason  string `json:"reason"`
}

type cutover struct {
	Conflicts      []cutoverConflict `json:"open_conflicts"`
	DeletedInWHMCS []cutoverGone     `json:"deleted_in_whmcs"`
}

func loadCutover(ctx context.Context, store *checkpoints.Store) (cutover, error) {
	c := cutover{Conflicts: []cutoverConflict{}, DeletedInWHMCS: []cutoverGone{}}
	open, err := store.OpenConflicts(ctx, "")
	if err != nil {
		return c, err
	}
	for _, o := range open {
		c.Conflicts = append(c.Conflicts, cutoverConflict{Ticket: o.SourceID, WHMCSID: o.WHMCSID, Field: o.Field,
			WHMCS: o.WHMCS, Source: o.Source, Reason: o.Reason, Found: o.Found.Local().Format("2006-01-02 15:04:05")})
	}
	gone, err := store.DeletedTickets(ctx)
	if err != nil {
		return c, err
	}
	for _, t := range gone {
		c.DeletedInWHMCS = append(c.DeletedInWHMCS, cutoverGone{Ticket: t.SourceID, WHMCSID: t.WHMCSID, Reason: t.Error})
	}
	return c, nil
}

// maxCutoverLines is how many conflicts, and how many deleted tickets, a
// terminal shows.
const maxCutoverLines = 20

// write lists the open conflicts and the deleted tickets, indented.
func (c cutover) write(w io.Writer, indent string) {
	if n := len(c.Conflicts); n > 0 {
		fmt.Fprintf(w, "%sOpen conflicts (%d; WHMCS's value kept, sync.on_conflict: source would write the source's):\n", indent, n)
		for i, o := range c.Conflicts {
			if i == maxCutoverLines {
				fmt.Fprintf(w, "%s  ... and %d more (status --log-format json lists them all)\n", indent, n-i)
				break
			}
			fmt.Fprintf(w, "%s  %s (WHMCS %d) %s: WHMCS %q, source %q (%s, %s)\n", indent, o.Ticket, o.WHMCSID, o.Field, o.WHMCS, o.Source, o.Reason, o.Found)
		}
	}
	if n := len(c.DeletedInWHMCS); n > 0 {
		fmt.Fprintf(w, "%sDeleted in WHMCS (%d; runs skip them, run --only ID --reimport creates one again):\n", indent, n)
		for i, d := range c.DeletedInWHMCS {
			if i == maxCutoverLines {
				fmt.Fprintf(w, "%s  ... and %d more\n", indent, n-i)
				break
			}
			fmt.Fprintf(w, "%s  %s (was WHMCS %d): %s\n", indent, d.Ticket, d.WHMCSID, d.Reason)
		}
	}
}
