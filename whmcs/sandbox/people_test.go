package sandbox

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
)

// A customer's reply through the API without created is dated now and
// sets Customer-Reply, reopening a closed ticket, as WHMCS does.
func TestCustomerReplyWithoutCreated(t *testing.T) {
	s := newTestServer(t, Options{})
	id := open(t, s, map[string]string{"created": "2023-01-02 03:04:05"})
	ok(t, post(t, s, map[string]string{"action": "UpdateTicket", "ticketid": id, "status": "Closed"}))
	ok(t, post(t, s, map[string]string{"action": "AddTicketReply", "ticketid": id, "clientid": "1", "message": "Still there?"}))
	tk := s.State().Tickets[0]
	if tk.Status != "Customer-Reply" {
		t.Fatalf("status %q", tk.Status)
	}
	if got := tk.Replies[0].Date; !got.Equal(fixedNow()) {
		t.Fatalf("reply dated %v, want now %v", got, fixedNow())
	}
	if !tk.LastReply.Equal(fixedNow()) {
		t.Fatalf("lastreply %v", tk.LastReply)
	}
}

// What people do in WHMCS, driven over HTTP: each change has WHMCS's
// effect and is no API call.
func TestChangesOverHTTP(t *testing.T) {
	s := newTestServer(t, Options{Sanitize: true})
	id := open(t, s, nil)
	other := open(t, s, map[string]string{"subject": "Other"})
	change := func(v url.Values) int {
		t.Helper()
		resp, err := http.PostForm(s.URL+"/_sandbox/change", v)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	calls := s.State().Calls
	steps := []struct {
		v     url.Values
		check func(TicketState) bool
	}{
		{url.Values{"action": {"customer-reply"}, "message": {"It's <still> broken"}}, func(tk TicketState) bool {
			r := tk.Replies[len(tk.Replies)-1]
			return tk.Status == "Customer-Reply" && r.ClientID == 1 && r.Message == "It&#039;s &lt;still&gt; broken" && r.Date.Equal(fixedNow())
		}},
		{url.Values{"action": {"admin-reply"}, "admin": {"support"}, "message": {"Looking"}}, func(tk TicketState) bool {
			return tk.Status == "Answered" && tk.Replies[len(tk.Replies)-1].AdminUsername == "support"
		}},
		{url.Values{"action": {"note"}, "message": {"Called them"}}, func(tk TicketState) bool {
			return tk.Status == "Answered" && len(tk.Notes) == 1 && tk.Notes[0].Admin == "admin"
		}},
		{url.Values{"action": {"status"}, "status": {"On Hold"}}, func(tk TicketState) bool { return tk.Status == "On Hold" }},
		{url.Values{"action": {"priority"}, "priority": {"High"}}, func(tk TicketState) bool { return tk.Priority == "High" }},
		{url.Values{"action": {"department"}, "deptid": {"2"}}, func(tk TicketState) bool { return tk.DeptID == 2 }},
		{url.Values{"action": {"flag"}, "flag": {"2"}}, func(tk TicketState) bool { return tk.Flag == 2 }},
		{url.Values{"action": {"cc"}, "cc": {"a@example.com,b@example.com"}}, func(tk TicketState) bool { return tk.CC == "a@example.com,b@example.com" }},
	}
	for i, st := range steps {
		st.v.Set("ticketid", id)
		if code := change(st.v); code != http.StatusOK {
			t.Fatalf("step %d: HTTP %d", i, code)
		}
		if tk := s.State().Tickets[0]; !st.check(tk) {
			t.Fatalf("step %d (%s): %+v", i, st.v.Get("action"), tk)
		}
	}
	for _, bad := range []url.Values{
		{"action": {"status"}, "ticketid": {id}, "status": {"Nope"}},
		{"action": {"priority"}, "ticketid": {id}, "priority": {"Urgent"}},
		{"action": {"department"}, "ticketid": {id}, "deptid": {"99"}},
		{"action": {"customer-reply"}, "ticketid": {"999"}, "message": {"x"}},
		{"action": {"admin-reply"}, "ticketid": {id}, "admin": {"nobody"}, "message": {"x"}},
		{"action": {"explode"}, "ticketid": {id}},
	} {
		if code := change(bad); code != http.StatusBadRequest {
			t.Fatalf("%v: HTTP %d, want 400", bad, code)
		}
	}
	if got := s.State().Calls; len(got) != len(calls) || got["AddTicketReply"] != calls["AddTicketReply"] {
		t.Fatalf("changes counted as API calls: %v (was %v)", got, calls)
	}

	// Delete: GetTicket no longer finds it.
	if code := change(url.Values{"action": {"delete"}, "ticketid": {other}}); code != http.StatusOK {
		t.Fatalf("delete: HTTP %d", code)
	}
	a := post(t, s, map[string]string{"action": "GetTicket", "ticketid": other})
	if a.str("result") != "error" || a.str("message") != "Ticket ID Not Found" {
		t.Fatalf("GetTicket of a deleted ticket: %s", a.body)
	}
}

// MergeTicket moves the merged tickets' messages into the target, by
// date, and the merged tickets are gone; its documented errors.
func TestMergeTicket(t *testing.T) {
	s := newTestServer(t, Options{})
	into := open(t, s, map[string]string{"created": "2023-01-02 10:00:00"})
	from := open(t, s, map[string]string{"created": "2023-01-02 09:00:00", "message": "Earlier"})
	ok(t, post(t, s, map[string]string{"action": "AddTicketReply", "ticketid": from, "adminusername": "support", "message": "Later", "created": "2023-01-02 11:00:00", "noemail": "1"}))
	for _, c := range []struct {
		p    map[string]string
		want string
	}{
		{map[string]string{}, "Ticket ID Required"},
		{map[string]string{"ticketid": "99", "mergeticketids": from}, "Ticket ID Invalid"},
		{map[string]string{"ticketid": into}, "Merge Ticket IDs Required"},
		{map[string]string{"ticketid": into, "mergeticketids": from + ",77"}, "Invalid Merge Ticket IDs: 77"},
	} {
		a := post(t, s, merge(map[string]string{"action": "MergeTicket"}, c.p))
		if a.str("result") != "error" || a.str("message") != c.want {
			t.Fatalf("%v: %s, want %q", c.p, a.body, c.want)
		}
	}
	ok(t, post(t, s, map[string]string{"action": "MergeTicket", "ticketid": into, "mergeticketids": from, "newsubject": "Merged"}))
	st := s.State()
	if len(st.Tickets) != 1 || strconv.FormatInt(st.Tickets[0].ID, 10) != into || st.Tickets[0].Subject != "Merged" {
		t.Fatalf("after merge: %+v", st.Tickets)
	}
	r := st.Tickets[0].Replies
	if len(r) != 2 || r[0].Message != "Earlier" || r[1].Message != "Later" || !r[0].Date.Before(r[1].Date) {
		t.Fatalf("merged replies %+v", r)
	}
	a := post(t, s, map[string]string{"action": "GetTicket", "ticketid": from})
	if a.str("message") != "Ticket ID Not Found" {
		t.Fatalf("GetTicket of a merged ticket: %s", a.body)
	}
}
