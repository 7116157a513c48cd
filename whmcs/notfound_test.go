package whmcs

import (
	"errors"
	"fmt"
	"testing"
)

func TestIsTicketNotFound(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&Error{Action: "GetTicket", Kind: KindBusiness, Status: 200, Message: "Ticket ID Not Found"}, true},
		{&Error{Action: "AddTicketReply", Kind: KindBusiness, Status: 200, Message: "Ticket ID not found"}, true},
		{fmt.Errorf("entry 3: %w", &Error{Kind: KindBusiness, Message: " Ticket ID Not Found "}), true},
		{&Error{Kind: KindBusiness, Message: "Client ID Not Found"}, false},
		{&Error{Kind: KindServer, Status: 500, Message: "Ticket ID Not Found"}, false},
		{errors.New("Ticket ID Not Found"), false},
		{nil, false},
	} {
		if got := IsTicketNotFound(c.err); got != c.want {
			t.Errorf("IsTicketNotFound(%v) = %v", c.err, got)
		}
	}
}
