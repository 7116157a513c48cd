package report

// TicketNumbers is validate's estimate of whether WHMCS's Ticket Mask
// makes enough ticket numbers for the tickets it holds and the import's.
type TicketNumbers struct {
	// Mask is target.ticket_mask; Numbers how many numbers it makes (in
	// one period of its date tokens when Dated), 0 with Unlimited (%i).
	Mask      string  `json:"mask"`
	Numbers   float64 `json:"numbers"`
	Unlimited bool    `json:"unlimited"`
	Dated     bool    `json:"dated"`
	// Existing is the tickets WHMCS holds (GetTickets' totalresults), -1
	// when not known (offline, or not counted: a dated mask's other
	// periods never collide). New is at most how many the import opens.
	Existing int `json:"existing"`
	New      int `json:"new"`
	// Warning says what goes wrong, "" when the numbers suffice.
	Warning string `json:"warning,omitempty"`
}
