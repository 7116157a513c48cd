package report

import (
	"fmt"
	"io"
)

// Adoption is what whmcs-migrate adopt found: the source tickets the
// checkpoint did not know, looked for in WHMCS (see importer.Adopt).
type Adoption struct {
	RunID   int64 `json:"run_id,omitempty"`
	Applied bool  `json:"applied"` // recorded in the checkpoint (--yes); else a preview
	// Total source tickets read; Known the ones the checkpoint already
	// had; Found, Ambiguous and NotFound the others; Invalid the ones the
	// planner refused (run would fail them too).
	Total     int `json:"total"`
	Known     int `json:"known"`
	Found     int `json:"found"`
	Ambiguous int `json:"ambiguous"`
	NotFound  int `json:"not_found"`
	Invalid   int `json:"invalid"`
	// Complete counts the found tickets WHMCS holds whole: nothing left
	// for run to send. Entries is how many entries were found in all.
	Complete int `json:"complete"`
	Entries  int `json:"entries"`
	// ListPages and Listed are the GetTickets pages read and the tickets
	// they held; Calls every call by action.
	ListPages int64            `json:"list_pages"`
	Listed    int64            `json:"listed"`
	Calls     map[string]int64 `json:"calls"`
	// Items are the found and ambiguous tickets, the first ones (up to
	// the pass's keep); ItemsOmitted counts the others.
	Items        []AdoptItem `json:"items"`
	ItemsOmitted int         `json:"items_omitted,omitempty"`
}

// AdoptItem is one ticket found, or ambiguous.
type AdoptItem struct {
	Ticket  string  `json:"ticket"`
	Outcome string  `json:"outcome"` // "found" or "ambiguous"
	WHMCS   []int64 `json:"whmcs_ids"`
	TID     string  `json:"tid,omitempty"`
	// Entries found in WHMCS, and Missing: what run would still send.
	Entries int    `json:"entries,omitempty"`
	Missing int    `json:"missing,omitempty"`
	Message string `json:"message,omitempty"`
}

// WriteText writes the adoption's summary for a terminal, listing up to
// max items.
func (a *Adoption) WriteText(w io.Writer, max int) {
	verb := "Would adopt"
	if a.Applied {
		verb = "Adopted"
	}
	fmt.Fprintf(w, "Looked for %s the checkpoint does not know in WHMCS (%s of its ticket list, %d tickets; nothing written to WHMCS)\n",
		Plural(a.Total-a.Known, "ticket", "tickets"), Plural(int(a.ListPages), "page", "pages"), a.Listed)
	fmt.Fprintf(w, "  found      %d (%d whole in WHMCS, %d entries found)\n", a.Found, a.Complete, a.Entries)
	fmt.Fprintf(w, "  ambiguous  %d (not adopted: adopt_ambiguous)\n", a.Ambiguous)
	fmt.Fprintf(w, "  not found  %d (run imports them)\n", a.NotFound)
	if a.Known > 0 {
		fmt.Fprintf(w, "  known      %d (already in the checkpoint)\n", a.Known)
	}
	if a.Invalid > 0 {
		fmt.Fprintf(w, "  invalid    %d (see validate)\n", a.Invalid)
	}
	shown := 0
	for _, it := range a.Items {
		if shown >= max {
			break
		}
		if shown == 0 {
			fmt.Fprintln(w)
		}
		shown++
		switch it.Outcome {
		case "ambiguous":
			fmt.Fprintf(w, "  %s  ambiguous: %s\n", it.Ticket, it.Message)
		default:
			fmt.Fprintf(w, "  %s  %s WHMCS ticket %d (#%s), %d entries found, %d missing\n", it.Ticket, verb, it.WHMCS[0], it.TID, it.Entries, it.Missing)
		}
	}
	if rest := len(a.Items) - shown + a.ItemsOmitted; rest > 0 {
		fmt.Fprintf(w, "  ... and %d more\n", rest)
	}
	if a.Applied {
		fmt.Fprintf(w, "\n%s %s in the checkpoint. run sends what WHMCS is missing.\n", verb, Plural(a.Found, "ticket", "tickets"))
	} else if a.Found > 0 {
		fmt.Fprintf(w, "\nPreview only: nothing recorded. Run again with --yes to record the %s found in the checkpoint.\n", Plural(a.Found, "ticket", "tickets"))
	}
}
