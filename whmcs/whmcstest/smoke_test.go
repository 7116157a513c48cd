package whmcstest

import "testing"

func TestSmokeOpenReplyNoteGet(t *testing.T) {
	s := newTestServer(t, Options{})
	id := open(t, s, nil)
	ok(t, post(t, s, map[string]string{"action": "AddTicketReply", "ticketid": id, "message": "On it", "adminusername": "admin", "noemail": "1"}))
	ok(t, post(t, s, map[string]string{"action": "AddTicketNote", "ticketid": id, "message": "note"}))
	a := ok(t, post(t, s, map[string]string{"action": "GetTicket", "ticketid": id}))
	if a.str("status") != "Answered" {
		t.Fatalf("status %q", a.str("status"))
	}
	st := s.State()
	if len(st.Tickets) != 1 || len(st.Tickets[0].Replies) != 1 || len(st.Tickets[0].Notes) != 1 {
		t.Fatalf("state %+v", st)
	}
}
