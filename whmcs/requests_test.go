package whmcs

import (
	"net/url"
	"testing"
	"time"
	_ "time/tzdata" // the zones below, whatever the machine has
)

func encode(r Request, loc *time.Location) url.Values {
	v := url.Values{}
	r.Encode(v, loc)
	return v
}

func TestEncodeFullRequests(t *testing.T) {
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	// 2024-07-01 17:04:05 UTC is 12:04:05 CDT.
	at := time.Date(2024, 7, 1, 17, 4, 5, 999, time.UTC)
	files := []Attachment{{Name: "sample_text_file.txt", Data: []byte("This is a sample text file contents")}}
	const filesB64 = "W3sibmFtZSI6InNhbXBsZV90ZXh0X2ZpbGUudHh0IiwiZGF0YSI6IlZHaHBjeUJwY3lCaElITmhiWEJzWlNCMFpYaDBJR1pwYkdVZ1kyOXVkR1Z1ZEhNPSJ9XQ=="
	const cfB64 = "YToxOntpOjE7czo2OiJHb29nbGUiO30="
	cf := map[int]string{1: "Google"}
	for _, tc := range []struct {
		req   Request
		write bool
		want  url.Values
	}{
		{&OpenTicketRequest{
			DeptID: 1, Subject: "S", Message: "M", ClientID: 2, ContactID: 3, UserID: 4, Name: "N", Email: "e@x.org",
			CC: []string{"a@x.org", "b@x.org"}, Priority: "High", Created: at, ServiceID: 5, DomainID: 6,
			Admin: true, NoEmail: true, Markdown: true, CustomFields: cf, Attachments: files, PreventClientClosure: true,
		}, true, url.Values{
			"deptid": {"1"}, "subject": {"S"}, "message": {"M"}, "clientid": {"2"}, "contactid": {"3"}, "userid": {"4"},
			"name": {"N"}, "email": {"e@x.org"}, "cc": {"a@x.org,b@x.org"}, "priority": {"High"},
			"created": {"2024-07-01 12:04:05"}, "serviceid": {"5"}, "domainid": {"6"}, "admin": {"1"}, "noemail": {"1"},
			"markdown": {"1"}, "customfields": {cfB64}, "attachments": {filesB64}, "preventClientClosure": {"1"},
		}},
		{&AddTicketReplyRequest{
			TicketID: 7, Message: "M", Markdown: true, ClientID: 2, ContactID: 3, AdminUsername: "admin", Name: "N",
			Email: "e@x.org", Status: "On Hold", NoEmail: true, CustomFields: cf, Attachments: files, Created: at,
		}, true, url.Values{
			"ticketid": {"7"}, "message": {"M"}, "markdown": {"1"}, "clientid": {"2"}, "contactid": {"3"},
			"adminusername": {"admin"}, "name": {"N"}, "email": {"e@x.org"}, "status": {"On Hold"}, "noemail": {"1"},
			"customfields": {cfB64}, "attachments": {filesB64}, "created": {"2024-07-01 12:04:05"},
		}},
		{&AddTicketNoteRequest{TicketID: 7, TicketNum: "123456", Message: "M", Markdown: true, Attachments: files, Created: at},
			true, url.Values{
				"ticketid": {"7"}, "ticketnum": {"123456"}, "message": {"M"}, "markdown": {"1"},
				"attachments": {filesB64}, "created": {"2024-07-01 12:04:05"},
			}},
		{&UpdateTicketRequest{
			TicketID: 7, DeptID: 2, Status: "Closed", Subject: "S", UserID: 4, Name: "N", Email: "e@x.org",
			CC: []string{"a@x.org"}, Priority: "Low", Created: at, Flag: 1, RemoveFlag: true, Message: "M",
			Markdown: true, CustomFields: cf, PreventClientClosure: true,
		}, true, url.Values{
			"ticketid": {"7"}, "deptid": {"2"}, "status": {"Closed"}, "subject": {"S"}, "userid": {"4"}, "name": {"N"},
			"email": {"e@x.org"}, "cc": {"a@x.org"}, "priority": {"Low"}, "created": {"2024-07-01 12:04:05"},
			"flag": {"1"}, "removeFlag": {"1"}, "message": {"M"}, "markdown": {"1"}, "customfields": {cfB64},
			"preventClientClosure": {"1"},
		}},
		{&GetTicketRequest{TicketID: 7, TicketNum: "123456", RepliesSort: "DESC"}, false,
			url.Values{"ticketid": {"7"}, "ticketnum": {"123456"}, "repliessort": {"DESC"}}},
		{&GetTicketsRequest{LimitStart: 25, LimitNum: 100, DeptID: 1, ClientID: 2, Email: "e@x.org", Status: "Open", Subject: "S", IgnoreDeptAssignments: true},
			false, url.Values{
				"limitstart": {"25"}, "limitnum": {"100"}, "deptid": {"1"}, "clientid": {"2"}, "email": {"e@x.org"},
				"status": {"Open"}, "subject": {"S"}, "ignore_dept_assignments": {"1"},
			}},
		{&GetSupportDepartmentsRequest{IgnoreDeptAssignments: true}, false, url.Values{"ignore_dept_assignments": {"1"}}},
		{&GetSupportStatusesRequest{DeptID: 3}, false, url.Values{"deptid": {"3"}}},
		{&GetClientsRequest{LimitStart: 1, LimitNum: 2, Search: "cyn", Status: "Active"}, false,
			url.Values{"limitstart": {"1"}, "limitnum": {"2"}, "search": {"cyn"}, "status": {"Active"}}},
		{&GetAdminUsersRequest{RoleID: 1, Email: "admin@", IncludeDisabled: true}, false,
			url.Values{"roleid": {"1"}, "email": {"admin@"}, "include_disabled": {"1"}}},
		{&DeleteTicketRequest{TicketID: 7}, true, url.Values{"ticketid": {"7"}}},
	} {
		got := encode(tc.req, chicago)
		if got.Encode() != tc.want.Encode() {
			t.Errorf("%s:\n got %s\nwant %s", tc.req.Action(), got.Encode(), tc.want.Encode())
		}
		if tc.req.Write() != tc.write {
			t.Errorf("%s: Write() = %v", tc.req.Action(), tc.req.Write())
		}
	}
}

// A false flag and every other zero value are omitted: PHP reads "false"
// (and "0" in some code paths) as true.
func TestZeroValuesOmitted(t *testing.T) {
	for _, r := range []Request{
		&OpenTicketRequest{CustomFields: map[int]string{}, Attachments: []Attachment{}, CC: []string{}},
		&AddTicketReplyRequest{}, &AddTicketNoteRequest{}, &UpdateTicketRequest{}, &GetTicketRequest{},
		&GetTicketsRequest{}, &GetSupportDepartmentsRequest{}, &GetSupportStatusesRequest{},
		&GetClientsRequest{}, &GetAdminUsersRequest{}, &DeleteTicketRequest{},
	} {
		if v := encode(r, time.UTC); len(v) != 0 {
			t.Errorf("%s: zero request sends %s", r.Action(), v.Encode())
		}
	}
	// Only the true flags appear, and as "1".
	v := encode(&OpenTicketRequest{DeptID: 1, NoEmail: true}, time.UTC)
	for _, k := range []string{"admin", "markdown", "preventClientClosure"} {
		if v.Has(k) {
			t.Errorf("false %s sent as %q", k, v.Get(k))
		}
	}
	if v.Get("noemail") != "1" {
		t.Errorf("noemail = %q", v.Get("noemail"))
	}
}

func TestCreatedRenderedInServerZone(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	for _, tc := range []struct {
		at   time.Time
		loc  *time.Location
		want string
	}{
		{time.Date(2023, 12, 31, 23, 30, 0, 0, time.UTC), berlin, "2024-01-01 00:30:00"},               // CET +1, crosses the year
		{time.Date(2023, 3, 26, 1, 0, 0, 0, time.UTC), berlin, "2023-03-26 03:00:00"},                  // first instant of CEST
		{time.Date(2023, 6, 1, 12, 0, 0, 0, time.FixedZone("x", -5*3600)), nil, "2023-06-01 17:00:00"}, // nil = UTC
		{time.Date(2023, 6, 1, 12, 0, 0, 500_000_000, time.UTC), time.UTC, "2023-06-01 12:00:00"},      // fraction dropped
	} {
		got := encode(&AddTicketNoteRequest{Created: tc.at}, tc.loc).Get("created")
		if got != tc.want {
			t.Errorf("%v in %v: got %s, want %s", tc.at, tc.loc, got, tc.want)
		}
	}
}
