package whmcs

import (
	"fmt"
	"math"
	"strings"
)

// DefaultTicketMask is WHMCS's default Ticket Mask (Setup > General
// Settings > Support): six digits, the first 1-9, so 900,000 numbers.
const DefaultTicketMask TicketMask = "%n%n%n%n%n%n"

// TicketMask is WHMCS's Support Ticket Mask Format, from which it makes
// each new ticket's number (tid): %n a digit (the first one 1-9), %A an
// upper-case and %a a lower-case letter, drawn at random; %y %m %d the
// year, month and day of the moment the ticket is opened (the import's,
// not the ticket's date); %i the ticket's id; anything else as written.
// At most 15 characters. A random number that is taken is drawn again,
// and WHMCS 8.3+ gives up with "Unable to generate ticket number".
type TicketMask string

// Check returns an error for a mask WHMCS would not take: over 15
// characters, or empty.
func (m TicketMask) Check() error {
	switch {
	case m == "":
		return fmt.Errorf("ticket mask is empty")
	case len(m) > 15:
		return fmt.Errorf("ticket mask %q is %d characters; WHMCS takes at most 15", string(m), len(m))
	}
	return nil
}

// Numbers is how many different ticket numbers the mask makes within
// one period of its date tokens (all time when it has none; a day with
// %d, a month with %m, a year with %y): the product of its random tokens'
// choices. Unlimited is true with %i: every ticket id makes its own.
// Dated is true when the mask has a date token: numbers of other periods
// never collide with this one's.
func (m TicketMask) Numbers() (n float64, unlimited, dated bool) {
	n = 1
	firstDigit := true
	s := string(m)
	for i := 0; i < len(s); i++ {
		if s[i] != '%' || i+1 == len(s) {
			continue
		}
		i++
		switch s[i] {
		case 'n':
			if firstDigit {
				n *= 9
				firstDigit = false
			} else {
				n *= 10
			}
		case 'A', 'a':
			n *= 26
		case 'i':
			unlimited = true
		case 'y', 'm', 'd':
			dated = true
		}
	}
	if unlimited {
		n = math.Inf(1)
	}
	return n, unlimited, dated
}

// HasToken reports whether the mask holds the token (e.g. "%i").
func (m TicketMask) HasToken(tok string) bool { return strings.Contains(string(m), tok) }
