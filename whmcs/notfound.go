package whmcs

import (
	"errors"
	"strings"
)

// IsTicketNotFound reports whether err is WHMCS's answer for a ticket id it
// does not hold: "Ticket ID Not Found" (GetTicket, UpdateTicket) or
// "Ticket ID not found" (AddTicketReply, AddTicketNote, DeleteTicket). The
// ticket was deleted in WHMCS, or merged into another one.
func IsTicketNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == KindBusiness && strings.EqualFold(strings.TrimSpace(e.Message), "Ticket ID Not Found")
}
