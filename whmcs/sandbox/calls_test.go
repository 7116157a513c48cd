package sandbox

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

func attach(name, data string) string {
	return whmcs.EncodeAttachments([]whmcs.Attachment{{Name: name, Data: []byte(data)}})
}

func merge(base map[string]string, over map[string]string) map[string]string {
	m := map[string]string{}
	for k, v := range base {
		m[k] = v
	}
	for k, v := range over {
		m[k] = v
	}
	return m
}

const del = "\x00"

func TestOpenTicketErrors(t *testing.T) {
	s := newTestServer(t, Options{})
	base := map[string]string{"action": "OpenTicket", "deptid": "1", "subject": "s", "message": "m", "clientid": "1"}
	guest := map[string]string{"clientid": del, "name": "Ann", "email": "ann@example.com"}
	for _, tc := range []struct {
		over map[string]string
		msg  string
	}{
		{map[string]string{"clientid": "99"}, "Client ID Not Found"},
		{map[string]string{"userid": "99"}, "The system cannot find the provided user ID."},
		{map[string]string{"contactid": "5"}, "Contact ID Not Found"},
		{map[string]string{"clientid": del}, "Name and email address are required if not a client"},
		{map[string]string{"clientid": del, "name": "Ann"}, "Name and email address are required if not a client"},
		{map[string]string{"deptid": "9"}, "Department ID not found"},
		{map[string]string{"deptid": del}, "Department ID not found"},
		{map[string]string{"subject": ""}, "Subject is required"},
		{map[string]string{"message": ""}, "Message is required"},
		{map[string]string{"serviceid": "3"}, "Service ID Not Found"},
		{map[string]string{"domainid": "3"}, "Domain ID Not Found"},
		{merge(guest, map[string]string{"email": "not-an-email"}), "Email Address Invalid"},
		{map[string]string{"created": "yesterday"}, "Invalid Date Format"},
		{map[string]string{"created": "2026-02-30 10:00:00"}, "Invalid Date Format"},
		{map[string]string{"created": "2026-03-10 12:00:01"}, "Ticket creation date cannot be in the future"},
		{map[string]string{"attachments": "%%%"}, "Unable to decode attachments"},
		{map[string]string{"customfields": "YTox"}, "Unable to decode custom fields"},
	} {
		t.Run(tc.msg, func(t *testing.T) {
			wantErr(t, post(t, s, merge(base, tc.over)), 200, tc.msg)
		})
	}
	if n := len(s.State().Tickets); n != 0 {
		t.Fatalf("%d tickets after errors", n)
	}
	refused := 0
	for _, n := range s.State().Refusals {
		refused += n
	}
	if w := s.WriteCalls(); w != 0 || refused != 17 {
		t.Fatalf("WriteCalls %d, refusals %d, want 0 and 17 (errors reached the API and changed nothing)", w, refused)
	}
	// the guest path works with a valid email; priority defaults to Medium
	ok(t, post(t, s, merge(base, guest)))
	ok(t, post(t, s, merge(base, map[string]string{"priority": "High", "created": "2026-03-10 12:00:00"})))
	st := s.State()
	if st.Tickets[0].Priority != "Medium" || st.Tickets[0].Name != "Ann" || st.Tickets[0].UserID != 0 || st.Tickets[1].Priority != "High" {
		t.Fatalf("%+v", st.Tickets)
	}
	if st.Calls["OpenTicket"] != 2 {
		t.Fatalf("calls %v", st.Calls)
	}
}

func TestAddTicketReplyErrors(t *testing.T) {
	s := newTestServer(t, Options{})
	id := open(t, s, nil)
	base := map[string]string{"action": "AddTicketReply", "ticketid": id, "message": "m", "clientid": "1"}
	for _, tc := range []struct {
		over map[string]string
		msg  string
	}{
		{map[string]string{"ticketid": "999"}, "Ticket ID not found"},
		{map[string]string{"clientid": "99"}, "Client ID Not Found"},
		{map[string]string{"contactid": "3"}, "Contact ID Not Found"},
		{map[string]string{"clientid": del}, "Name and email address are required if not a client"},
		{map[string]string{"message": ""}, "Message is required"},
		{map[string]string{"clientid": del, "name": "Ann", "email": "ann@"}, "Email Address Invalid"},
		{map[string]string{"status": "Pending"}, "Invalid Ticket Status"},
		{map[string]string{"status": "closed"}, "Invalid Ticket Status"},
		{map[string]string{"created": "10/03/2026"}, "Invalid Date Format"},
		{map[string]string{"created": "2027-01-01T00:00:00Z"}, "Reply creation date cannot be in the future"},
		{map[string]string{"clientid": del, "adminusername": "nobody"}, "Admin Username Not Found"},
	} {
		t.Run(tc.msg, func(t *testing.T) {
			wantErr(t, post(t, s, merge(base, tc.over)), 200, tc.msg)
		})
	}
	if n := len(s.State().Tickets[0].Replies); n != 0 {
		t.Fatalf("%d replies after errors", n)
	}
}

func TestAddTicketNoteErrors(t *testing.T) {
	s := newTestServer(t, Options{})
	id := open(t, s, nil)
	tid := s.State().Tickets[0].TID
	base := map[string]string{"action": "AddTicketNote", "ticketid": id, "message": "m"}
	wantErr(t, post(t, s, merge(base, map[string]string{"ticketid": "42"})), 200, "Ticket ID not found")
	wantErr(t, post(t, s, merge(base, map[string]string{"ticketid": del, "ticketnum": "000000"})), 200, "Ticket ID not found")
	wantErr(t, post(t, s, merge(base, map[string]string{"message": ""})), 200, "Message is required")
	wantErr(t, post(t, s, merge(base, map[string]string{"created": "2026-13-01 00:00:00"})), 200, "Invalid Date Format")
	wantErr(t, post(t, s, merge(base, map[string]string{"created": "2026-03-11 00:00:00"})), 200, "Ticket creation date cannot be in the future")
	ok(t, post(t, s, merge(base, map[string]string{"ticketid": del, "ticketnum": tid, "attachments": attach("log.txt", "boom")})))
	n := s.State().Tickets[0].Notes
	if len(n) != 1 || n[0].Admin != "admin" || n[0].Attachments[0].Name != "log.txt" || n[0].Attachments[0].Size != 4 {
		t.Fatalf("notes %+v", n)
	}
}

func TestUpdateTicketErrorsAndFields(t *testing.T) {
	s := newTestServer(t, Options{})
	id := open(t, s, nil)
	base := map[string]string{"action": "UpdateTicket", "ticketid": id}
	wantErr(t, post(t, s, merge(base, map[string]string{"ticketid": "77"})), 200, "Ticket ID Not Found")
	wantErr(t, post(t, s, merge(base, map[string]string{"deptid": "8"})), 200, "Department ID Not Found")
	wantErr(t, post(t, s, merge(base, map[string]string{"priority": "Urgent"})), 200, "Invalid Ticket Priority. Valid priorities are: Low,Medium,High")
	wantErr(t, post(t, s, merge(base, map[string]string{"status": "Resolved"})), 200, "Invalid Ticket Status. Valid statuses are: Open,Answered,Customer-Reply,Closed,On Hold,In Progress")
	wantErr(t, post(t, s, merge(base, map[string]string{"created": "soon"})), 200, "Invalid Date Format")
	wantErr(t, post(t, s, merge(base, map[string]string{"created": "2030-01-01 00:00:00"})), 200, "Ticket creation date cannot be in the future")
	a := ok(t, post(t, s, merge(base, map[string]string{
		"deptid": "3", "status": "On Hold", "priority": "Low", "subject": "new subject", "flag": "2",
		"created": "2020-05-06 07:08:09", "message": "edited", "cc": "x@example.com",
		"customfields": whmcs.EncodeCustomFields(map[int]string{1: "Google"}),
	})))
	if a.str("ticketid") != id {
		t.Fatalf("ticketid %s", a.body)
	}
	tk := s.State().Tickets[0]
	if tk.DeptID != 3 || tk.Status != "On Hold" || tk.Priority != "Low" || tk.Subject != "new subject" || tk.Flag != 2 ||
		tk.Date.Format(dateLayout) != "2020-05-06 07:08:09" || tk.Message != "edited" || tk.CC != "x@example.com" || tk.CustomFields[1] != "Google" {
		t.Fatalf("%+v", tk)
	}
	ok(t, post(t, s, merge(base, map[string]string{"removeFlag": "1"})))
	if s.State().Tickets[0].Flag != 0 {
		t.Fatal("removeFlag kept the flag")
	}
}

func TestStatusTransitions(t *testing.T) {
	s := newTestServer(t, Options{})
	id := open(t, s, nil)
	status := func() string { return s.State().Tickets[0].Status }
	reply := func(p map[string]string) {
		t.Helper()
		ok(t, post(t, s, merge(map[string]string{"action": "AddTicketReply", "ticketid": id, "message": "m", "noemail": "1"}, p)))
	}
	steps := []struct {
		do   func()
		want string
	}{
		{func() {}, "Open"},
		{func() { reply(map[string]string{"adminusername": "support"}) }, "Answered"},
		{func() { reply(map[string]string{"clientid": "1"}) }, "Customer-Reply"},
		{func() {
			ok(t, post(t, s, map[string]string{"action": "AddTicketNote", "ticketid": id, "message": "n"}))
		}, "Customer-Reply"},
		{func() { reply(map[string]string{"adminusername": "admin", "status": "Closed"}) }, "Closed"},
		{func() { reply(map[string]string{"name": "Guest", "email": "g@example.com"}) }, "Customer-Reply"},
		{func() { reply(map[string]string{"clientid": "1", "status": "In Progress"}) }, "In Progress"},
		{func() {
			ok(t, post(t, s, map[string]string{"action": "UpdateTicket", "ticketid": id, "status": "Closed"}))
		}, "Closed"},
	}
	for i, st := range steps {
		st.do()
		if got := status(); got != st.want {
			t.Fatalf("step %d: status %q, want %q", i, got, st.want)
		}
	}
	r := s.State().Tickets[0].Replies
	if r[0].AdminUsername != "support" || r[1].ClientID != 1 || r[3].Name != "Guest" || r[3].Email != "g@example.com" {
		t.Fatalf("authors %+v", r)
	}
}

func TestTIDAndC(t *testing.T) {
	s := newTestServer(t, Options{})
	tidRE, cRE := regexp.MustCompile(`^[1-9][0-9]{5}$`), regexp.MustCompile(`^[0-9A-Za-z]{8}$`)
	seen := map[string]bool{}
	for i := 1; i <= 300; i++ {
		a := ok(t, post(t, s, map[string]string{"action": "OpenTicket", "deptid": "1", "subject": "s", "message": "m", "clientid": "1", "noemail": "1"}))
		if a.str("id") != strconv.Itoa(i) || !tidRE.MatchString(a.str("tid")) || !cRE.MatchString(a.str("c")) || seen[a.str("tid")] {
			t.Fatalf("ticket %d: %s", i, a.body)
		}
		seen[a.str("tid")] = true
	}

	// date tokens are the import date; %i the id
	s2 := newTestServer(t, Options{TicketMask: "%y%m%d-%i-%A%a"})
	a := ok(t, post(t, s2, map[string]string{"action": "OpenTicket", "deptid": "1", "subject": "s", "message": "m", "clientid": "1", "created": "2001-01-01 00:00:00"}))
	if !regexp.MustCompile(`^20260310-1-[A-Z][a-z]$`).MatchString(a.str("tid")) {
		t.Fatalf("tid %q", a.str("tid"))
	}

	// a one-digit mask runs out after 9 numbers
	s3 := newTestServer(t, Options{TicketMask: "%n"})
	for range 9 {
		ok(t, post(t, s3, map[string]string{"action": "OpenTicket", "deptid": "1", "subject": "s", "message": "m", "clientid": "1"}))
	}
	wantErr(t, post(t, s3, map[string]string{"action": "OpenTicket", "deptid": "1", "subject": "s", "message": "m", "clientid": "1"}), 200, "Unable to generate ticket number")

	if _, err := New(Options{TicketMask: "%n%n%n%n%n%n%n%n"}); err == nil {
		t.Fatal("a 16-character mask was accepted")
	}
}

func TestCreatedConversionChicago(t *testing.T) {
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	// Now: 2026-03-10 12:00:00 UTC = 07:00:00 CDT (UTC-5).
	s := newTestServer(t, Options{TimeZone: chicago})
	for _, tc := range []struct{ in, want string }{
		{"2026-03-10 06:59:59", "2026-03-10 06:59:59"},       // server-local
		{"2026-03-10T07:00:00", "2026-03-10 07:00:00"},       // ISO without offset: local, equal to now is allowed
		{"2026-03-10T11:30:00Z", "2026-03-10 06:30:00"},      // UTC converted
		{"2026-01-15T12:00:00+01:00", "2026-01-15 05:00:00"}, // CST (UTC-6) in winter
		{"2026-03-10T14:59:59+0800", "2026-03-10 01:59:59"},
		{"2025-07-04T00:00:00.123-05:00", "2025-07-04 00:00:00"},
	} {
		id := open(t, s, map[string]string{"created": tc.in})
		a := ok(t, post(t, s, map[string]string{"action": "GetTicket", "ticketid": id}))
		if a.str("date") != tc.want || a.str("lastreply") != tc.want {
			t.Errorf("created %q: date %q lastreply %q, want %q", tc.in, a.str("date"), a.str("lastreply"), tc.want)
		}
	}
	for _, future := range []string{"2026-03-10 07:00:01", "2026-03-10T12:00:01Z", "2026-03-10T08:00:01-04:00"} {
		wantErr(t, post(t, s, map[string]string{"action": "OpenTicket", "deptid": "1", "subject": "s", "message": "m", "clientid": "1", "created": future}), 200, "Ticket creation date cannot be in the future")
	}

	// replies: lastreply is the latest message date, notes excluded
	id := open(t, s, map[string]string{"created": "2020-01-01 10:00:00"})
	ok(t, post(t, s, map[string]string{"action": "AddTicketReply", "ticketid": id, "message": "r", "adminusername": "admin", "created": "2020-01-02T10:00:00-06:00", "noemail": "1"}))
	ok(t, post(t, s, map[string]string{"action": "AddTicketNote", "ticketid": id, "message": "n", "created": "2020-01-05 10:00:00"}))
	ok(t, post(t, s, map[string]string{"action": "AddTicketReply", "ticketid": id, "message": "late reply dated early", "clientid": "1", "created": "2020-01-01 12:00:00"}))
	a := ok(t, post(t, s, map[string]string{"action": "GetTicket", "ticketid": id}))
	if a.str("lastreply") != "2020-01-02 10:00:00" {
		t.Fatalf("lastreply %q", a.str("lastreply"))
	}
	// without created, dates are now in the server zone
	id = open(t, s, nil)
	if a := ok(t, post(t, s, map[string]string{"action": "GetTicket", "ticketid": id})); a.str("date") != "2026-03-10 07:00:00" {
		t.Fatalf("default date %q", a.str("date"))
	}
}

func TestEmailLog(t *testing.T) {
	s := newTestServer(t, Options{})
	quiet := open(t, s, map[string]string{"noemail": "1"})
	ok(t, post(t, s, map[string]string{"action": "AddTicketReply", "ticketid": quiet, "message": "m", "adminusername": "admin", "noemail": "true"}))
	ok(t, post(t, s, map[string]string{"action": "AddTicketReply", "ticketid": quiet, "message": "m", "clientid": "1"}))
	ok(t, post(t, s, map[string]string{"action": "AddTicketNote", "ticketid": quiet, "message": "m"}))
	ok(t, post(t, s, map[string]string{"action": "UpdateTicket", "ticketid": quiet, "status": "Closed"}))
	if e := s.Emails(); len(e) != 0 {
		t.Fatalf("emails with noemail: %+v", e)
	}
	// PHP truthiness: "false" is true, "0" is false
	loud := open(t, s, map[string]string{"noemail": "0", "clientid": "2"})
	ok(t, post(t, s, map[string]string{"action": "AddTicketReply", "ticketid": loud, "message": "m", "adminusername": "admin"}))
	ok(t, post(t, s, map[string]string{"action": "AddTicketReply", "ticketid": loud, "message": "m", "adminusername": "admin", "noemail": "false"}))
	e := s.Emails()
	if len(e) != 2 || e[0].Template != "Support Ticket Opened" || e[0].To != "bob@example.org" ||
		e[1].Template != "Support Ticket Reply" || strconv.FormatInt(e[1].TicketID, 10) != loud {
		t.Fatalf("emails %+v", e)
	}
	if st := s.State(); len(st.Emails) != 2 {
		t.Fatalf("state emails %+v", st.Emails)
	}
}

// TestGetTicketShape checks the answer against the structure of the
// GetTicket reference example.
func TestGetTicketShape(t *testing.T) {
	s := newTestServer(t, Options{})
	id := open(t, s, map[string]string{"created": "2016-01-01 06:26:29", "attachments": whmcs.EncodeAttachments([]whmcs.Attachment{{Name: "attachment_name.png", Data: []byte{1, 2}}, {Name: "b.pdf", Data: []byte{3}}}), "cc": "c@example.com"})
	ok(t, post(t, s, map[string]string{"action": "AddTicketNote", "ticketid": id, "message": "This is a ticket note", "created": "2016-01-01 06:26:42"}))
	ok(t, post(t, s, map[string]string{"action": "AddTicketReply", "ticketid": id, "message": "admin reply", "adminusername": "admin", "created": "2016-01-01 06:27:01", "noemail": "1"}))
	ok(t, post(t, s, map[string]string{"action": "AddTicketReply", "ticketid": id, "message": "second", "clientid": "1", "created": "2016-01-01 06:30:16", "status": "Closed"}))
	a := ok(t, post(t, s, map[string]string{"action": "GetTicket", "ticketid": id}))

	want := map[string]any{
		"result": "success", "ticketid": id, "deptid": "1", "deptname": "Sales", "userid": "1", "contactid": "0",
		"name": "Cynthia Reilly", "email": "cynthia@example.com", "requestor_name": "Cynthia Reilly",
		"requestor_email": "cynthia@example.com", "requestor_type": "Owner", "cc": "c@example.com",
		"date": "2016-01-01 06:26:29", "subject": "Printer on fire", "status": "Closed", "priority": "Medium",
		"admin": "", "lastreply": "2016-01-01 06:30:16", "flag": "0", "service": "",
	}
	for k, v := range want {
		if a.m[k] != v {
			t.Errorf("%s = %#v, want %#v", k, a.m[k], v)
		}
	}
	for _, k := range []string{"tid", "c"} {
		if _, isStr := a.m[k].(string); !isStr {
			t.Errorf("%s is not a string: %#v", k, a.m[k])
		}
	}
	replies := a.m["replies"].(map[string]any)["reply"].([]any)
	if len(replies) != 3 {
		t.Fatalf("replies %v", replies)
	}
	r0, r1, r2 := replies[0].(map[string]any), replies[1].(map[string]any), replies[2].(map[string]any)
	if r0["replyid"] != "0" || r0["message"] != "Help" || r0["date"] != "2016-01-01 06:26:29" || r0["attachment"] == "" || r0["attachments_removed"] != false {
		t.Errorf("reply[0] %v", r0)
	}
	if _, has := r0["rating"]; has {
		t.Errorf("opening message has a rating: %v", r0)
	}
	atts := r0["attachments"].([]any)
	if len(atts) != 2 || atts[0].(map[string]any)["filename"] != "attachment_name.png" || atts[1].(map[string]any)["index"] != float64(1) {
		t.Errorf("attachments %v", atts)
	}
	if !regexp.MustCompile(`^\d+_attachment_name\.png\|\d+_b\.pdf$`).MatchString(r0["attachment"].(string)) {
		t.Errorf("attachment %q", r0["attachment"])
	}
	if r1["admin"] != "Demo Admin" || r1["requestor_name"] != "Demo Admin" || r1["requestor_type"] != "Operator" || r1["name"] != "" || r1["rating"] != "0" {
		t.Errorf("admin reply %v", r1)
	}
	if empty := r1["attachments"].([]any); len(empty) != 1 || len(empty[0].([]any)) != 0 || r1["attachment"] != "" {
		t.Errorf("no-attachment quirk: %#v", r1["attachments"])
	}
	if r2["requestor_type"] != "Owner" || r2["requestor_email"] != "cynthia@example.com" || r2["admin"] != "" || r2["date"] != "2016-01-01 06:30:16" {
		t.Errorf("client reply %v", r2)
	}
	if _, isStr := r1["replyid"].(string); !isStr || r1["replyid"] == "0" {
		t.Errorf("replyid %#v", r1["replyid"])
	}
	notes := a.m["notes"].(map[string]any)["note"].([]any)
	n0 := notes[0].(map[string]any)
	if len(notes) != 1 || n0["noteid"] != "1" || n0["message"] != "This is a ticket note" || n0["admin"] != "Demo Admin" || n0["date"] != "2016-01-01 06:26:42" {
		t.Errorf("notes %v", notes)
	}

	d := ok(t, post(t, s, map[string]string{"action": "GetTicket", "ticketid": id, "repliessort": "DESC"}))
	dr := d.m["replies"].(map[string]any)["reply"].([]any)
	if dr[0].(map[string]any)["message"] != "second" || dr[2].(map[string]any)["replyid"] != "0" {
		t.Errorf("DESC order %v", dr)
	}
	// by ticketnum
	byNum := ok(t, post(t, s, map[string]string{"action": "GetTicket", "ticketnum": a.str("tid")}))
	if byNum.str("ticketid") != id {
		t.Errorf("by ticketnum %s", byNum.body)
	}
	// no notes: an empty list
	id2 := open(t, s, nil)
	e := ok(t, post(t, s, map[string]string{"action": "GetTicket", "ticketid": id2}))
	if n := e.m["notes"].(map[string]any)["note"].([]any); len(n) != 0 {
		t.Errorf("notes %v", n)
	}
	wantErr(t, post(t, s, map[string]string{"action": "GetTicket", "ticketid": "12345"}), 200, "Ticket ID Not Found")
}

func TestGetTickets(t *testing.T) {
	s := newTestServer(t, Options{APIAdmin: "support"}) // the API admin sees department 2 only
	for i := 1; i <= 30; i++ {
		p := map[string]string{"deptid": strconv.Itoa(i%3 + 1), "subject": fmt.Sprintf("Subject %02d", i)}
		if i%5 == 0 {
			p["clientid"], p["name"], p["email"] = del, "Guest", "guest@example.com"
		}
		open(t, s, p)
	}
	ok(t, post(t, s, map[string]string{"action": "UpdateTicket", "ticketid": "2", "status": "Closed"}))
	ok(t, post(t, s, map[string]string{"action": "UpdateTicket", "ticketid": "5", "flag": "2"}))
	ids := func(a answer) []int {
		var out []int
		if tk, has := a.m["tickets"]; has {
			for _, x := range tk.(map[string]any)["ticket"].([]any) {
				out = append(out, int(x.(map[string]any)["id"].(float64)))
			}
		}
		return out
	}
	get := func(p map[string]string) answer {
		return ok(t, post(t, s, merge(map[string]string{"action": "GetTickets"}, p)))
	}
	// scoped to department 2 (i%3 == 1): ids 1,4,...,28 → 10 tickets
	a := get(nil)
	if a.m["totalresults"] != "10" || a.m["numreturned"] != float64(10) || !slices.Equal(ids(a), []int{28, 25, 22, 19, 16, 13, 10, 7, 4, 1}) {
		t.Fatalf("scoped: %s", a.body)
	}
	// all departments, default page 25, id descending
	a = get(map[string]string{"ignore_dept_assignments": "1"})
	if a.m["totalresults"] != "30" || a.m["numreturned"] != float64(25) || a.m["startnumber"] != float64(0) || ids(a)[0] != 30 || ids(a)[24] != 6 {
		t.Fatalf("all: %v %s", ids(a), a.m["totalresults"])
	}
	a = get(map[string]string{"ignore_dept_assignments": "1", "limitstart": "25", "limitnum": "10"})
	if !slices.Equal(ids(a), []int{5, 4, 3, 2, 1}) || a.m["startnumber"] != float64(25) {
		t.Fatalf("page 2: %v", ids(a))
	}
	a = get(map[string]string{"ignore_dept_assignments": "1", "limitstart": "100"})
	if _, has := a.m["tickets"]; has || a.m["totalresults"] != "30" || a.m["numreturned"] != float64(0) {
		t.Fatalf("past the end: %s", a.body)
	}
	for _, tc := range []struct {
		p    map[string]string
		want []int
	}{
		{map[string]string{"deptid": "3"}, []int{29, 26, 23, 20, 17, 14, 11, 8, 5, 2}},
		{map[string]string{"email": "GUEST@example.com"}, []int{30, 25, 20, 15, 10, 5}},
		{map[string]string{"clientid": "1", "deptid": "1", "limitnum": "3"}, []int{27, 24, 21}},
		{map[string]string{"status": "Closed"}, []int{2}},
		{map[string]string{"status": "Awaiting Reply", "deptid": "3", "limitnum": "2"}, []int{29, 26}},
		{map[string]string{"status": "My Flagged Tickets"}, []int{5}},
		{map[string]string{"subject": "ject 1"}, []int{19, 18, 17, 16, 15, 14, 13, 12, 11, 10}},
	} {
		got := ids(get(merge(map[string]string{"ignore_dept_assignments": "1"}, tc.p)))
		if !slices.Equal(got, tc.want) {
			t.Errorf("%v: %v, want %v", tc.p, got, tc.want)
		}
	}
	one := get(map[string]string{"ignore_dept_assignments": "1", "limitnum": "1"}).m["tickets"].(map[string]any)["ticket"].([]any)[0].(map[string]any)
	for _, k := range []string{"id", "tid", "deptid", "userid", "name", "owner_name", "email", "requestor_name", "requestor_email", "requestor_type", "cc", "c", "date", "subject", "status", "priority", "admin", "attachment", "attachments", "attachments_removed", "lastreply", "flag", "service"} {
		if _, has := one[k]; !has {
			t.Errorf("ticket lacks %q", k)
		}
	}
}

func TestSupportCalls(t *testing.T) {
	s := newTestServer(t, Options{})
	open(t, s, map[string]string{"deptid": "2"})
	id := open(t, s, map[string]string{"deptid": "2"})
	ok(t, post(t, s, map[string]string{"action": "UpdateTicket", "ticketid": id, "status": "Answered"}))

	a := ok(t, post(t, s, map[string]string{"action": "GetSupportDepartments"}))
	d := a.m["departments"].(map[string]any)["department"].([]any)
	d2 := d[1].(map[string]any)
	if a.m["totalresults"] != float64(3) || d2["name"] != "Technical Support" || d2["opentickets"] != float64(2) || d2["awaitingreply"] != float64(1) {
		t.Fatalf("departments %s", a.body)
	}

	a = ok(t, post(t, s, map[string]string{"action": "GetSupportStatuses", "deptid": "2"}))
	st := a.m["statuses"].(map[string]any)["status"].([]any)
	if len(st) != 6 || st[0].(map[string]any)["title"] != "Open" || st[0].(map[string]any)["count"] != float64(1) || st[1].(map[string]any)["color"] == "" {
		t.Fatalf("statuses %s", a.body)
	}
	if a := ok(t, post(t, s, map[string]string{"action": "GetSupportStatuses", "deptid": "1"})); a.m["statuses"].(map[string]any)["status"].([]any)[0].(map[string]any)["count"] != float64(0) {
		t.Fatalf("dept 1 statuses %s", a.body)
	}

	clients := func(p map[string]string) []float64 {
		a := ok(t, post(t, s, merge(map[string]string{"action": "GetClients"}, p)))
		var ids []float64
		if c, has := a.m["clients"]; has {
			for _, x := range c.(map[string]any)["client"].([]any) {
				ids = append(ids, x.(map[string]any)["id"].(float64))
			}
		}
		if a.m["numreturned"] != float64(len(ids)) {
			t.Fatalf("numreturned %s", a.body)
		}
		return ids
	}
	for _, tc := range []struct {
		p    map[string]string
		want []float64
	}{
		{nil, []float64{1, 2, 3}},
		{map[string]string{"search": "bob@"}, []float64{2}},
		{map[string]string{"search": "cynthia reil"}, []float64{1}}, // full name prefix
		{map[string]string{"search": "reilly"}, []float64{1}},       // last name
		{map[string]string{"search": "example"}, nil},               // prefix, not substring
		{map[string]string{"search": "durand &"}, []float64{3}},     // company
		{map[string]string{"status": "Inactive"}, []float64{3}},
		{map[string]string{"limitstart": "1", "limitnum": "1"}, []float64{2}},
		{map[string]string{"sorting": "DESC"}, []float64{3, 2, 1}},
	} {
		if got := clients(tc.p); !slices.Equal(got, tc.want) {
			t.Errorf("GetClients %v: %v, want %v", tc.p, got, tc.want)
		}
	}

	a = post(t, s, map[string]string{"action": "GetAdminUsers"})
	if _, has := a.m["result"]; has || a.status != 200 || a.m["count"] != float64(2) {
		t.Fatalf("admins %s", a.body)
	}
	a = post(t, s, map[string]string{"action": "GetAdminUsers", "include_disabled": "1", "email": "former@"})
	u := a.m["admin_users"].([]any)
	if len(u) != 1 || u[0].(map[string]any)["username"] != "former" || u[0].(map[string]any)["isDisabled"] != true {
		t.Fatalf("admins %s", a.body)
	}
}

func TestDeleteTicket(t *testing.T) {
	s := newTestServer(t, Options{})
	id := open(t, s, nil)
	keep := open(t, s, nil)
	ok(t, post(t, s, map[string]string{"action": "AddTicketReply", "ticketid": id, "message": "r", "clientid": "1"}))
	ok(t, post(t, s, map[string]string{"action": "AddTicketNote", "ticketid": id, "message": "n"}))
	ok(t, post(t, s, map[string]string{"action": "DeleteTicket", "ticketid": id}))
	wantErr(t, post(t, s, map[string]string{"action": "DeleteTicket", "ticketid": id}), 200, "Ticket ID not found")
	wantErr(t, post(t, s, map[string]string{"action": "GetTicket", "ticketid": id}), 200, "Ticket ID Not Found")
	st := s.State()
	if len(st.Tickets) != 1 || strconv.FormatInt(st.Tickets[0].ID, 10) != keep {
		t.Fatalf("state %+v", st.Tickets)
	}
	// ids are not reused
	if next := open(t, s, nil); next != "3" {
		t.Fatalf("next id %s", next)
	}
	if st := s.State(); st.Calls["DeleteTicket"] != 1 || st.WriteCalls != 6 || st.Refusals["DeleteTicket: Ticket ID not found"] != 1 {
		t.Fatalf("calls %v writes %d", st.Calls, st.WriteCalls)
	}
}
