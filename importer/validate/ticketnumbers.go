package validate

import (
	"fmt"

	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// TicketNumbers estimates whether mask's numbers suffice for the
// existing tickets WHMCS holds (-1: unknown) and the newTickets the
// import opens. WHMCS draws a mask's random tokens again while the number
// is taken, and gives up (8.3+: "Unable to generate ticket number"), so
// the warning comes at half the numbers, where draws start to collide
// often, and says the import runs out past all of them. A mask with %i
// never runs out; one with a date token counts the import's tickets
// against one period (an import within a day, with %d).
func TicketNumbers(mask whmcs.TicketMask, existing, newTickets int) report.TicketNumbers {
	n, unlimited, dated := mask.Numbers()
	tn := report.TicketNumbers{Mask: string(mask), Unlimited: unlimited, Dated: dated, Existing: existing, New: newTickets}
	if unlimited {
		return tn
	}
	tn.Numbers = n
	used := float64(newTickets)
	if !dated && existing > 0 {
		used += float64(existing)
	}
	held := fmt.Sprintf("%d tickets", newTickets)
	if !dated && existing >= 0 {
		held = fmt.Sprintf("the %d tickets WHMCS holds and the import's %d", existing, newTickets)
	} else if !dated {
		held = fmt.Sprintf("the import's %d tickets (WHMCS's own not counted: offline)", newTickets)
	}
	of := fmt.Sprintf("the Ticket Mask %q makes %.0f ticket numbers", string(mask), n)
	if dated {
		of += " a period (its date tokens are the moment of the import)"
	}
	fix := "; set a longer mask, or one with %i (the ticket id: never runs out), in WHMCS (Setup > General Settings > Support > Support Ticket Mask Format) and target.ticket_mask before the import"
	switch {
	case used > n:
		tn.Warning = fmt.Sprintf("%s, fewer than %s: WHMCS 8.3+ refuses the tickets past them with \"Unable to generate ticket number\"%s", of, held, fix)
	case used > n/2:
		tn.Warning = fmt.Sprintf("%s, and %s use more than half of them: WHMCS draws numbers at random and gives up (\"Unable to generate ticket number\") when its draws keep colliding%s", of, held, fix)
	}
	return tn
}
