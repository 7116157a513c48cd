package sandbox

import (
	"crypto/md5"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func md5hex(s string) string { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }

func TestAuthErrors(t *testing.T) {
	s := newTestServer(t, Options{AdminUsername: "admin", AdminPassword: "hunter2", AllowedActions: []string{"GetTicket", "openticket"}})
	const del = "\x00"
	for _, tc := range []struct {
		name   string
		params map[string]string
		status int
		msg    string
	}{
		{"no credentials", map[string]string{"action": "GetTicket", "identifier": del, "secret": del}, 403, "Authentication Failed"},
		{"wrong secret", map[string]string{"action": "GetTicket", "secret": "nope"}, 403, "Authentication Failed"},
		{"unknown identifier", map[string]string{"action": "GetTicket", "identifier": "who"}, 403, "Invalid or missing credentials"},
		{"wrong legacy password", map[string]string{"action": "GetTicket", "identifier": del, "secret": del, "username": "admin", "password": md5hex("wrong")}, 403, "Authentication Failed"},
		{"empty action", map[string]string{"action": ""}, 400, "Empty action request"},
		{"unknown action", map[string]string{"action": "FrobTicket"}, 400, `Invalid API Action: "frobticket" is not a valid API action`},
		{"not allowed", map[string]string{"action": "GetTickets"}, 403, `Invalid Permissions: API action "gettickets" is not allowed`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := post(t, s, tc.params)
			wantErr(t, a, tc.status, tc.msg)
			if ct := a.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
	if s.WriteCalls() != 0 {
		t.Errorf("WriteCalls %d after refused calls", s.WriteCalls())
	}
}

func TestAuthModes(t *testing.T) {
	s := newTestServer(t, Options{AdminUsername: "support", AdminPassword: "hunter2"})
	const del = "\x00"
	// identifier/secret in username/password
	ok(t, post(t, s, map[string]string{"action": "GetSupportStatuses", "identifier": del, "secret": del, "username": s.Identifier, "password": s.Secret}))
	// legacy md5: the caller is the seed admin "support", limited to department 2
	legacy := map[string]string{"action": "GetSupportDepartments", "identifier": del, "secret": del, "username": "support", "password": md5hex("hunter2")}
	a := ok(t, post(t, s, legacy))
	if a.m["totalresults"] != float64(1) {
		t.Fatalf("support admin should see 1 department: %s", a.body)
	}
	// case-insensitive action names
	for _, act := range []string{"getsupportdepartments", "GETSUPPORTDEPARTMENTS", "GetSupportDepartments"} {
		a := ok(t, post(t, s, map[string]string{"action": act}))
		if a.m["totalresults"] != float64(3) {
			t.Fatalf("%s: %s", act, a.body)
		}
	}
}

func TestDisabledLegacyAdmin(t *testing.T) {
	s := newTestServer(t, Options{AdminUsername: "former", AdminPassword: "pw"})
	wantErr(t, post(t, s, map[string]string{"action": "GetTickets", "identifier": "\x00", "secret": "\x00", "username": "former", "password": md5hex("pw")}), 403, "Administrator Account Disabled")
}

func TestAllowedIPs(t *testing.T) {
	for _, status := range []int{400, 403} {
		s := newTestServer(t, Options{AllowedIPs: []string{"192.0.2.1"}, InvalidIPStatus: status, AccessKey: "k3y!"})
		wantErr(t, post(t, s, map[string]string{"action": "GetTickets"}), status, "Invalid IP 127.0.0.1")
		wantErr(t, post(t, s, map[string]string{"action": "GetTickets", "accesskey": "wrong"}), status, "Invalid IP 127.0.0.1")
		ok(t, post(t, s, map[string]string{"action": "GetTickets", "accesskey": "k3y!"}))
		// accesskey bypasses the IP list, not the credentials
		wantErr(t, post(t, s, map[string]string{"action": "GetTickets", "accesskey": "k3y!", "secret": "x"}), 403, "Authentication Failed")
	}
	s := newTestServer(t, Options{AllowedIPs: []string{"127.0.0.1"}})
	ok(t, post(t, s, map[string]string{"action": "GetTickets"}))
}

func TestMultipartAndUnknownParams(t *testing.T) {
	s := newTestServer(t, Options{})
	a := ok(t, postMultipart(t, s, map[string]string{"action": "openticket", "deptid": "2", "subject": "multi", "message": "part", "clientid": "2", "frobnicate": "yes", "responsetype": "json"}))
	st := s.State()
	if len(st.Tickets) != 1 || st.Tickets[0].Subject != "multi" || st.Tickets[0].DeptID != 2 || a.str("id") != "1" {
		t.Fatalf("multipart ticket: %s %+v", a.body, st.Tickets)
	}
	wantErr(t, postMultipart(t, s, map[string]string{"action": "GetTicket", "ticketid": "99"}), 200, "Ticket ID Not Found")
}

func TestOversizeBodyIsEmptyForm(t *testing.T) {
	s := newTestServer(t, Options{MaxBodyBytes: 1024})
	big := strings.Repeat("x", 2000)
	wantErr(t, post(t, s, map[string]string{"action": "OpenTicket", "deptid": "1", "subject": "s", "message": big, "clientid": "1"}), 403, "Authentication Failed")
	wantErr(t, postMultipart(t, s, map[string]string{"action": "OpenTicket", "deptid": "1", "subject": "s", "message": big, "clientid": "1"}), 403, "Authentication Failed")
	if n := len(s.State().Tickets); n != 0 {
		t.Fatalf("%d tickets", n)
	}
	// just under the limit is processed
	ok(t, post(t, s, map[string]string{"action": "OpenTicket", "deptid": "1", "subject": "s", "message": strings.Repeat("x", 700), "clientid": "1"}))
}

func TestXMLResponseType(t *testing.T) {
	s := newTestServer(t, Options{})
	a := post(t, s, map[string]string{"action": "GetTickets", "responsetype": "xml"})
	if a.status != 200 || !strings.Contains(string(a.body), "<whmcsapi><result>error</result>") || a.header.Get("Content-Type") != "application/xml" {
		t.Fatalf("xml: %d %q %s", a.status, a.header.Get("Content-Type"), a.body)
	}
}

func TestStateEndpoint(t *testing.T) {
	s := newTestServer(t, Options{})
	open(t, s, map[string]string{"attachments": attach("a.txt", "hello")})
	resp, err := http.Get(s.URL + "/_sandbox/state")
	if err != nil {
		t.Fatal(err)
	}
	a := read(t, resp)
	tickets, _ := a.m["tickets"].([]any)
	if a.status != 200 || len(tickets) != 1 {
		t.Fatalf("state: %d %s", a.status, a.body)
	}
	att := tickets[0].(map[string]any)["attachments"].([]any)[0].(map[string]any)
	// sha256("hello")
	if att["name"] != "a.txt" || att["size"] != float64(5) || att["sha256"] != "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" {
		t.Fatalf("attachment %v", att)
	}
	// the API path refuses GET like an empty POST
	resp, err = http.Get(s.APIURL() + "?" + url.Values{"action": {"GetTickets"}, "identifier": {s.Identifier}, "secret": {s.Secret}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, read(t, resp), 403, "Authentication Failed")
}
