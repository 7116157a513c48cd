package whmcs_test

// Contract tests: the client against the in-memory WHMCS (whmcstest) over
// real HTTP. They pin what the client sends and how it reads every answer
// the sandbox gives, including every documented error of the five
// reference calls.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/whmcs-migrate/whmcs-migrate/internal/zonetest"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

type env struct {
	srv    *whmcstest.Server
	http   *whmcs.HTTP
	client *whmcs.Client
}

// newEnv starts a sandbox in America/Chicago and a client for it.
func newEnv(t testing.TB, o whmcstest.Options, tweak ...func(*whmcs.Options)) *env {
	t.Helper()
	if o.TimeZone == nil {
		o.TimeZone = zonetest.Load(t, "America/Chicago")
	}
	s := whmcstest.NewServer(o)
	t.Cleanup(s.Close)
	h := s.HTTP(tweak...)
	return &env{srv: s, http: h, client: whmcs.NewClient(h, h.Location())}
}

func wantErr(t *testing.T, err error, kind whmcs.Kind, status int, msg string, maybe bool) *whmcs.Error {
	t.Helper()
	var e *whmcs.Error
	if !errors.As(err, &e) {
		t.Fatalf("want *whmcs.Error %v %q, got %v", kind, msg, err)
	}
	if e.Kind != kind || e.Status != status || (msg != "" && e.Message != msg) || e.MaybeProcessed != maybe {
		t.Fatalf("got kind %v status %d message %q maybe %v; want %v %d %q %v", e.Kind, e.Status, e.Message, e.MaybeProcessed, kind, status, msg, maybe)
	}
	if strings.Contains(err.Error(), whmcstest.DefaultSecret) {
		t.Fatalf("error leaks the secret: %v", err)
	}
	return e
}

// raw is a Request with literal parameters, for what the typed requests
// cannot send (a malformed date, an empty or unknown action).
type raw struct {
	action string
	write  bool
	params url.Values
}

func (r raw) Action() string { return r.action }
func (r raw) Write() bool    { return r.write }
func (r raw) Encode(v url.Values, _ *time.Location) {
	for k, vs := range r.params {
		v[k] = vs
	}
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func TestContractTicketLifecycle(t *testing.T) {
	e := newEnv(t, whmcstest.Options{})
	ctx := context.Background()
	c := e.client
	loc := e.http.Location()

	opened := time.Date(2021, 3, 14, 15, 9, 26, 0, time.UTC) // an instant; 10:09:26 CDT
	png := []byte("\x89PNG\r\n\x1a\n fake image bytes")
	res, err := c.OpenTicket(ctx, &whmcs.OpenTicketRequest{
		DeptID: 2, Subject: "Printer on fire", Message: "It is **on fire**.", ClientID: 1,
		CC: []string{"boss@example.com", "ops@example.com"}, Priority: "High", Created: opened,
		NoEmail: true, Markdown: true, CustomFields: map[int]string{3: "Café", 12: ""},
		Attachments: []whmcs.Attachment{{Name: "fire.png", Data: png}}, PreventClientClosure: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.ID <= 0 || len(res.TID) != 6 || res.TID[0] == '0' || len(res.C) != 8 {
		t.Fatalf("OpenTicket answer %+v", res)
	}

	replyAt := opened.Add(time.Hour)
	if err := c.AddTicketReply(ctx, &whmcs.AddTicketReplyRequest{TicketID: res.ID, Message: "On our way.", AdminUsername: "support", NoEmail: true, Created: replyAt}); err != nil {
		t.Fatal(err)
	}
	if err := c.AddTicketReply(ctx, &whmcs.AddTicketReplyRequest{TicketID: res.ID, Message: "Thanks!", ClientID: 1, Created: replyAt.Add(time.Hour),
		Attachments: []whmcs.Attachment{{Name: "a.txt", Data: []byte("a")}, {Name: "b.txt", Data: []byte("bb")}}}); err != nil {
		t.Fatal(err)
	}
	if err := c.AddTicketReply(ctx, &whmcs.AddTicketReplyRequest{TicketID: res.ID, Message: "Me too", Name: "Guest Person", Email: "guest@example.org",
		Status: "On Hold", Created: replyAt.Add(2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := c.AddTicketNote(ctx, &whmcs.AddTicketNoteRequest{TicketID: res.ID, Message: "internal", Created: replyAt.Add(30 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := c.AddTicketNote(ctx, &whmcs.AddTicketNoteRequest{TicketNum: res.TID, Message: "by number", Markdown: true}); err != nil {
		t.Fatal(err)
	}
	if err := c.UpdateTicket(ctx, &whmcs.UpdateTicketRequest{TicketID: res.ID, Status: "Closed", Priority: "Low", Flag: 2, Subject: "Printer fire (resolved)"}); err != nil {
		t.Fatal(err)
	}

	tk, err := c.GetTicket(ctx, &whmcs.GetTicketRequest{TicketID: res.ID})
	if err != nil {
		t.Fatal(err)
	}
	if tk.TicketID != res.ID || tk.TID != res.TID || tk.C != res.C || tk.DeptID != 2 || tk.DeptName != "Technical Support" ||
		tk.UserID != 1 || tk.Status != "Closed" || tk.Priority != "Low" || tk.Flag != 2 || tk.Subject != "Printer fire (resolved)" ||
		tk.CC != "boss@example.com,ops@example.com" || tk.Email != "cynthia@example.com" || tk.RequestorType != "Owner" {
		t.Fatalf("GetTicket: %+v", tk)
	}
	if !tk.Date.Equal(opened) || tk.Date.Location() != loc {
		t.Fatalf("date %v, want the instant %v read in %v", tk.Date, opened, loc)
	}
	if !tk.LastReply.Equal(replyAt.Add(2 * time.Hour)) {
		t.Fatalf("lastreply %v", tk.LastReply)
	}
	if len(tk.Replies) != 4 {
		t.Fatalf("%d replies", len(tk.Replies))
	}
	r0, r1, r2, r3 := tk.Replies[0], tk.Replies[1], tk.Replies[2], tk.Replies[3]
	if r0.ReplyID != 0 || r0.Message != "It is **on fire**." || !r0.Date.Equal(opened) ||
		len(r0.Attachments) != 1 || r0.Attachments[0].Filename != "fire.png" || !strings.HasSuffix(r0.Attachment, "_fire.png") {
		t.Fatalf("opening message: %+v", r0)
	}
	if r1.Admin != "Sam Support" || r1.RequestorType != "Operator" || !r1.Date.Equal(replyAt) || r1.Attachments != nil {
		t.Fatalf("admin reply: %+v", r1)
	}
	if r2.RequestorType != "Owner" || len(r2.Attachments) != 2 || r2.Attachments[1].Filename != "b.txt" || r2.Attachments[1].Index != 1 ||
		strings.Count(r2.Attachment, "|") != 1 {
		t.Fatalf("client reply: %+v", r2)
	}
	if r3.RequestorType != "Guest" || r3.RequestorEmail != "guest@example.org" || r3.Message != "Me too" {
		t.Fatalf("guest reply: %+v", r3)
	}
	if len(tk.Notes) != 2 || tk.Notes[0].Message != "internal" || tk.Notes[0].Admin != "Demo Admin" || !tk.Notes[0].Date.Equal(replyAt.Add(30*time.Minute)) ||
		tk.Notes[1].Message != "by number" {
		t.Fatalf("notes: %+v", tk.Notes)
	}

	desc, err := c.GetTicket(ctx, &whmcs.GetTicketRequest{TicketNum: res.TID, RepliesSort: "DESC"})
	if err != nil || len(desc.Replies) != 4 || desc.Replies[0].Message != "Me too" || desc.Replies[3].ReplyID != 0 {
		t.Fatalf("DESC: %+v, %v", desc, err)
	}

	// What the sandbox stored is what the client meant.
	st := e.srv.State()
	if len(st.Tickets) != 1 {
		t.Fatalf("%d tickets", len(st.Tickets))
	}
	ts := st.Tickets[0]
	if !ts.Markdown || !ts.PreventClientClosure || ts.CustomFields[3] != "Café" || len(ts.CustomFields) != 2 ||
		len(ts.Attachments) != 1 || ts.Attachments[0].SHA256 != sha(png) || ts.Attachments[0].Size != len(png) {
		t.Fatalf("stored ticket: %+v", ts)
	}
	if len(st.Emails) != 0 {
		t.Fatalf("noemail everywhere, yet emails were logged: %+v", st.Emails)
	}
	// UpdateTicket removeFlag, then DeleteTicket.
	if err := c.UpdateTicket(ctx, &whmcs.UpdateTicketRequest{TicketID: res.ID, RemoveFlag: true}); err != nil {
		t.Fatal(err)
	}
	if tk, err := c.GetTicket(ctx, &whmcs.GetTicketRequest{TicketID: res.ID}); err != nil || tk.Flag != 0 {
		t.Fatalf("after removeFlag: %v, %v", tk, err)
	}
	if err := c.DeleteTicket(ctx, res.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetTicket(ctx, &whmcs.GetTicketRequest{TicketID: res.ID})
	wantErr(t, err, whmcs.KindBusiness, 200, "Ticket ID Not Found", false)
}

func TestContractEmailsWithoutNoEmail(t *testing.T) {
	e := newEnv(t, whmcstest.Options{})
	ctx := context.Background()
	res, err := e.client.OpenTicket(ctx, &whmcs.OpenTicketRequest{DeptID: 1, Subject: "s", Message: "m", Name: "Guest", Email: "g@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.client.AddTicketReply(ctx, &whmcs.AddTicketReplyRequest{TicketID: res.ID, Message: "r", AdminUsername: "admin"}); err != nil {
		t.Fatal(err)
	}
	if n := len(e.srv.Emails()); n != 2 {
		t.Fatalf("a false noemail must be omitted (so emails go out): %d emails", n)
	}
}

func TestContractReads(t *testing.T) {
	e := newEnv(t, whmcstest.Options{APIAdmin: "support"}) // support sees department 2 only
	ctx := context.Background()
	for i, dept := range []int64{1, 2, 2, 3, 2} {
		if _, err := e.client.OpenTicket(ctx, &whmcs.OpenTicketRequest{DeptID: dept, Subject: "subject " + string(rune('a'+i)), Message: "m", ClientID: 2, NoEmail: true}); err != nil {
			t.Fatal(err)
		}
	}
	deps, err := e.client.GetSupportDepartments(ctx)
	if err != nil || len(deps) != 3 || deps[1] != (whmcs.Department{ID: 2, Name: "Technical Support"}) {
		t.Fatalf("departments (ignore_dept_assignments set): %v, %v", deps, err)
	}
	scoped, err := e.client.GetTickets(ctx, &whmcs.GetTicketsRequest{})
	if err != nil || scoped.TotalResults != 3 {
		t.Fatalf("scoped GetTickets: %+v, %v", scoped, err)
	}
	all, err := e.client.GetTickets(ctx, &whmcs.GetTicketsRequest{IgnoreDeptAssignments: true, LimitNum: 2})
	if err != nil || all.TotalResults != 5 || all.NumReturned != 2 || len(all.Tickets) != 2 {
		t.Fatalf("GetTickets page 1: %+v, %v", all, err)
	}
	seen := map[int64]bool{}
	for start := 0; start < 5; start += 2 {
		p, err := e.client.GetTickets(ctx, &whmcs.GetTicketsRequest{IgnoreDeptAssignments: true, LimitStart: start, LimitNum: 2})
		if err != nil || p.StartNumber != start {
			t.Fatalf("page at %d: %+v, %v", start, p, err)
		}
		for _, tk := range p.Tickets {
			if seen[tk.ID] || tk.UserID != 2 || tk.Status != "Open" || tk.Date.IsZero() || tk.Date.Location() != e.http.Location() {
				t.Fatalf("ticket %+v", tk)
			}
			seen[tk.ID] = true
		}
	}
	if len(seen) != 5 {
		t.Fatalf("paging saw %d tickets", len(seen))
	}
	empty, err := e.client.GetTickets(ctx, &whmcs.GetTicketsRequest{IgnoreDeptAssignments: true, Subject: "no such"})
	if err != nil || empty.TotalResults != 0 || len(empty.Tickets) != 0 {
		t.Fatalf("empty page: %+v, %v", empty, err)
	}
	byDept, err := e.client.GetTickets(ctx, &whmcs.GetTicketsRequest{IgnoreDeptAssignments: true, DeptID: 1, Subject: "SUBJECT A"})
	if err != nil || byDept.TotalResults != 1 {
		t.Fatalf("filters: %+v, %v", byDept, err)
	}

	st, err := e.client.GetSupportStatuses(ctx, 2)
	if err != nil || len(st) != 6 || st[0].Title != "Open" || st[0].Count != 3 || st[0].Color == "" {
		t.Fatalf("statuses: %+v, %v", st, err)
	}
	cl, err := e.client.GetClients(ctx, &whmcs.GetClientsRequest{Search: "zo"})
	if err != nil || cl.TotalResults != 1 || len(cl.Clients) != 1 || cl.Clients[0].Email != "zoe.durand@example.net" || cl.Clients[0].Status != "Inactive" {
		t.Fatalf("clients: %+v, %v", cl, err)
	}
	none, err := e.client.GetClients(ctx, &whmcs.GetClientsRequest{Search: "nobody"})
	if err != nil || none.TotalResults != 0 || len(none.Clients) != 0 {
		t.Fatalf("no clients: %+v, %v", none, err)
	}
	admins, err := e.client.GetAdminUsers(ctx, nil)
	if err != nil || len(admins) != 2 {
		t.Fatalf("admins: %+v, %v", admins, err)
	}
	admins, err = e.client.GetAdminUsers(ctx, &whmcs.GetAdminUsersRequest{IncludeDisabled: true})
	if err != nil || len(admins) != 3 || admins[2].Username != "former" || !admins[2].IsDisabled {
		t.Fatalf("admins with disabled: %+v, %v", admins, err)
	}
}

func TestContractCreatedTimeZone(t *testing.T) {
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	e := newEnv(t, whmcstest.Options{TimeZone: tokyo})
	ctx := context.Background()
	// An instant from another zone is rendered in the server's zone.
	at := time.Date(2022, 11, 6, 1, 30, 0, 0, zonetest.Load(t, "America/Chicago")) // ambiguous wall clock in Chicago; one instant
	res, err := e.client.OpenTicket(ctx, &whmcs.OpenTicketRequest{DeptID: 1, Subject: "s", Message: "m", ClientID: 1, Created: at, NoEmail: true})
	if err != nil {
		t.Fatal(err)
	}
	tk, err := e.client.GetTicket(ctx, &whmcs.GetTicketRequest{TicketID: res.ID})
	if err != nil || !tk.Date.Equal(at) {
		t.Fatalf("date %v, want %v: %v", tk.Date, at, err)
	}
	if st := e.srv.State(); !st.Tickets[0].Date.Equal(at) {
		t.Fatalf("sandbox stored %v", st.Tickets[0].Date)
	}
}

func TestContractDocumentedErrors(t *testing.T) {
	e := newEnv(t, whmcstest.Options{})
	ctx := context.Background()
	c := e.client
	base, err := c.OpenTicket(ctx, &whmcs.OpenTicketRequest{DeptID: 1, Subject: "s", Message: "m", ClientID: 1, NoEmail: true})
	if err != nil {
		t.Fatal(err)
	}
	future := time.Now().Add(2 * time.Hour)
	ok := func() whmcs.OpenTicketRequest {
		return whmcs.OpenTicketRequest{DeptID: 1, Subject: "s", Message: "m", ClientID: 1, NoEmail: true}
	}
	open := func(f func(*whmcs.OpenTicketRequest)) error {
		r := ok()
		f(&r)
		_, err := c.OpenTicket(ctx, &r)
		return err
	}
	reply := func(r whmcs.AddTicketReplyRequest) error {
		if r.TicketID == 0 {
			r.TicketID = base.ID
		}
		return c.AddTicketReply(ctx, &r)
	}
	rawCall := func(action string, kv ...string) error {
		p := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			p.Set(kv[i], kv[i+1])
		}
		return e.http.Call(ctx, raw{action, true, p}, nil)
	}
	id := func(n int64) string { return strconv.FormatInt(n, 10) }

	for _, tc := range []struct {
		name string
		err  error
		msg  string
	}{
		// OpenTicket
		{"OpenTicket client", open(func(r *whmcs.OpenTicketRequest) { r.ClientID = 999 }), "Client ID Not Found"},
		{"OpenTicket user", open(func(r *whmcs.OpenTicketRequest) { r.UserID = 999 }), "The system cannot find the provided user ID."},
		{"OpenTicket contact", open(func(r *whmcs.OpenTicketRequest) { r.ContactID = 5 }), "Contact ID Not Found"},
		{"OpenTicket guest", open(func(r *whmcs.OpenTicketRequest) { r.ClientID, r.Name = 0, "Only Name" }), "Name and email address are required if not a client"},
		{"OpenTicket dept", open(func(r *whmcs.OpenTicketRequest) { r.DeptID = 99 }), "Department ID not found"},
		{"OpenTicket subject", open(func(r *whmcs.OpenTicketRequest) { r.Subject = "" }), "Subject is required"},
		{"OpenTicket message", open(func(r *whmcs.OpenTicketRequest) { r.Message = "" }), "Message is required"},
		{"OpenTicket service", open(func(r *whmcs.OpenTicketRequest) { r.ServiceID = 4 }), "Service ID Not Found"},
		{"OpenTicket domain", open(func(r *whmcs.OpenTicketRequest) { r.DomainID = 4 }), "Domain ID Not Found"},
		{"OpenTicket email", open(func(r *whmcs.OpenTicketRequest) { r.ClientID, r.Name, r.Email = 0, "G", "not-an-email" }), "Email Address Invalid"},
		{"OpenTicket date format", rawCall("OpenTicket", "deptid", "1", "subject", "s", "message", "m", "clientid", "1", "created", "14/03/2021"), "Invalid Date Format"},
		{"OpenTicket future", open(func(r *whmcs.OpenTicketRequest) { r.Created = future }), "Ticket creation date cannot be in the future"},
		// AddTicketReply
		{"AddTicketReply ticket", reply(whmcs.AddTicketReplyRequest{TicketID: 999, Message: "m", ClientID: 1}), "Ticket ID not found"},
		{"AddTicketReply client", reply(whmcs.AddTicketReplyRequest{Message: "m", ClientID: 999}), "Client ID Not Found"},
		{"AddTicketReply contact", reply(whmcs.AddTicketReplyRequest{Message: "m", ClientID: 1, ContactID: 3}), "Contact ID Not Found"},
		{"AddTicketReply guest", reply(whmcs.AddTicketReplyRequest{Message: "m", Email: "g@example.org"}), "Name and email address are required if not a client"},
		{"AddTicketReply message", reply(whmcs.AddTicketReplyRequest{ClientID: 1}), "Message is required"},
		{"AddTicketReply email", reply(whmcs.AddTicketReplyRequest{Message: "m", Name: "G", Email: "nope"}), "Email Address Invalid"},
		{"AddTicketReply status", reply(whmcs.AddTicketReplyRequest{Message: "m", ClientID: 1, Status: "Pending"}), "Invalid Ticket Status"},
		{"AddTicketReply date format", rawCall("AddTicketReply", "ticketid", id(base.ID), "message", "m", "clientid", "1", "created", "yesterday"), "Invalid Date Format"},
		{"AddTicketReply future", reply(whmcs.AddTicketReplyRequest{Message: "m", ClientID: 1, Created: future}), "Reply creation date cannot be in the future"},
		// AddTicketNote
		{"AddTicketNote ticket", c.AddTicketNote(ctx, &whmcs.AddTicketNoteRequest{TicketID: 999, Message: "m"}), "Ticket ID not found"},
		{"AddTicketNote ticketnum", c.AddTicketNote(ctx, &whmcs.AddTicketNoteRequest{TicketNum: "000000", Message: "m"}), "Ticket ID not found"},
		{"AddTicketNote message", c.AddTicketNote(ctx, &whmcs.AddTicketNoteRequest{TicketID: base.ID}), "Message is required"},
		{"AddTicketNote date format", rawCall("AddTicketNote", "ticketid", id(base.ID), "message", "m", "created", "2021-02-30 10:00:00"), "Invalid Date Format"},
		{"AddTicketNote future", c.AddTicketNote(ctx, &whmcs.AddTicketNoteRequest{TicketID: base.ID, Message: "m", Created: future}), "Ticket creation date cannot be in the future"},
		// UpdateTicket
		{"UpdateTicket ticket", c.UpdateTicket(ctx, &whmcs.UpdateTicketRequest{TicketID: 999, Status: "Closed"}), "Ticket ID Not Found"},
		{"UpdateTicket dept", c.UpdateTicket(ctx, &whmcs.UpdateTicketRequest{TicketID: base.ID, DeptID: 99}), "Department ID Not Found"},
		{"UpdateTicket priority", c.UpdateTicket(ctx, &whmcs.UpdateTicketRequest{TicketID: base.ID, Priority: "Urgent"}), "Invalid Ticket Priority. Valid priorities are: Low,Medium,High"},
		{"UpdateTicket status", c.UpdateTicket(ctx, &whmcs.UpdateTicketRequest{TicketID: base.ID, Status: "Pending"}), "Invalid Ticket Status. Valid statuses are: Open,Answered,Customer-Reply,Closed,On Hold,In Progress"},
		{"UpdateTicket date format", rawCall("UpdateTicket", "ticketid", id(base.ID), "created", "2021-01-01 24:00:00"), "Invalid Date Format"},
		{"UpdateTicket future", c.UpdateTicket(ctx, &whmcs.UpdateTicketRequest{TicketID: base.ID, Created: future}), "Ticket creation date cannot be in the future"},
		// GetTicket and DeleteTicket
		{"GetTicket", func() error { _, err := c.GetTicket(ctx, &whmcs.GetTicketRequest{TicketID: 999}); return err }(), "Ticket ID Not Found"},
		{"DeleteTicket", c.DeleteTicket(ctx, 999), "Ticket ID not found"},
		// Encodings the sandbox cannot decode (sent raw: the client's encoders cannot produce them)
		{"OpenTicket attachments", rawCall("OpenTicket", "deptid", "1", "subject", "s", "message", "m", "clientid", "1", "attachments", "not base64"), "Unable to decode attachments"},
		{"OpenTicket customfields", rawCall("OpenTicket", "deptid", "1", "subject", "s", "message", "m", "clientid", "1", "customfields", "YToxOntpOjE7czo3OiJHb29nbGUiO30="), "Unable to decode custom fields"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, tc.err, whmcs.KindBusiness, 200, tc.msg, false)
			if whmcs.Retryable(tc.err) {
				t.Fatal("a business error is not retryable")
			}
			if !strings.HasPrefix(tc.err.Error(), strings.Fields(tc.name)[0]+": HTTP 200: ") {
				t.Fatalf("Error() = %q", tc.err.Error())
			}
		})
	}
	st := e.srv.State()
	if len(st.Tickets) != 1 || len(st.Tickets[0].Replies) != 0 || len(st.Tickets[0].Notes) != 0 || st.Tickets[0].Status != "Open" || st.Tickets[0].Priority != "Medium" {
		t.Fatalf("a refused call changed the sandbox: %+v", st.Tickets)
	}
}

func TestContractUnableToGenerateTicketNumber(t *testing.T) {
	e := newEnv(t, whmcstest.Options{TicketMask: "FIXED"})
	ctx := context.Background()
	r := &whmcs.OpenTicketRequest{DeptID: 1, Subject: "s", Message: "m", ClientID: 1, NoEmail: true}
	if _, err := e.client.OpenTicket(ctx, r); err != nil {
		t.Fatal(err)
	}
	_, err := e.client.OpenTicket(ctx, r)
	wantErr(t, err, whmcs.KindBusiness, 200, "Unable to generate ticket number", false)
}

func TestContractAuthFailures(t *testing.T) {
	ctx := context.Background()
	read := &whmcs.GetTicketsRequest{IgnoreDeptAssignments: true}
	call := func(e *env) error { _, err := e.client.GetTickets(ctx, read); return err }

	e := newEnv(t, whmcstest.Options{}, func(o *whmcs.Options) { o.Secret = "wrong-secret-value" })
	err := call(e)
	wantErr(t, err, whmcs.KindAuth, 403, "Authentication Failed", false)
	if !whmcs.IsAuth(err) || whmcs.Retryable(err) || strings.Contains(err.Error(), "wrong-secret-value") {
		t.Fatalf("auth error: %v", err)
	}

	e = newEnv(t, whmcstest.Options{}, func(o *whmcs.Options) { o.Identifier = "who-is-this" })
	wantErr(t, call(e), whmcs.KindAuth, 403, "Invalid or missing credentials", false)

	for _, status := range []int{400, 403} {
		e = newEnv(t, whmcstest.Options{AllowedIPs: []string{"192.0.2.1"}, InvalidIPStatus: status})
		wantErr(t, call(e), whmcs.KindAuth, status, "Invalid IP 127.0.0.1", false)
	}
	// The access key bypasses the IP allow-list.
	e = newEnv(t, whmcstest.Options{AllowedIPs: []string{"192.0.2.1"}, AccessKey: "the-access-key"}, func(o *whmcs.Options) { o.AccessKey = "the-access-key" })
	if err := call(e); err != nil {
		t.Fatalf("with access key: %v", err)
	}

	e = newEnv(t, whmcstest.Options{AllowedActions: []string{"GetTickets"}})
	if err := call(e); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.OpenTicket(ctx, &whmcs.OpenTicketRequest{DeptID: 1, Subject: "s", Message: "m", ClientID: 1})
	wantErr(t, err, whmcs.KindAuth, 403, `Invalid Permissions: API action "openticket" is not allowed`, false)

	e = newEnv(t, whmcstest.Options{})
	wantErr(t, e.http.Call(ctx, raw{"", false, nil}, nil), whmcs.KindAuth, 400, "Empty action request", false)
	wantErr(t, e.http.Call(ctx, raw{"BlockTicketSender", true, nil}, nil), whmcs.KindAuth, 400, `Invalid API Action: "blockticketsender" is not a valid API action`, false)

	// Legacy admin login: username + md5(password).
	legacy := func(user, pass string) *env {
		return newEnv(t, whmcstest.Options{AdminUsername: user, AdminPassword: "correct horse"}, func(o *whmcs.Options) {
			o.Identifier, o.Secret, o.Username, o.Password = "", "", user, pass
		})
	}
	if err := call(legacy("admin", "correct horse")); err != nil {
		t.Fatalf("legacy login: %v", err)
	}
	err = call(legacy("admin", "battery staple"))
	wantErr(t, err, whmcs.KindAuth, 403, "Authentication Failed", false)
	if strings.Contains(err.Error(), "battery staple") {
		t.Fatal("password in error")
	}
	wantErr(t, call(legacy("former", "correct horse")), whmcs.KindAuth, 403, "Administrator Account Disabled", false)

	// A body over post_max_size reaches WHMCS as an empty form.
	e = newEnv(t, whmcstest.Options{MaxBodyBytes: 4 << 10})
	_, err = e.client.OpenTicket(ctx, &whmcs.OpenTicketRequest{DeptID: 1, Subject: "s", Message: "m", ClientID: 1,
		Attachments: []whmcs.Attachment{{Name: "big.bin", Data: make([]byte, 8<<10)}}})
	wantErr(t, err, whmcs.KindAuth, 403, "Authentication Failed", false)
	if n := e.srv.WriteCalls(); n != 0 {
		t.Fatalf("over-size body processed %d writes", n)
	}
}

func TestContractFaults(t *testing.T) {
	ctx := context.Background()
	open := &whmcs.OpenTicketRequest{DeptID: 1, Subject: "s", Message: "m", ClientID: 1, NoEmail: true}

	t.Run("429 Retry-After", func(t *testing.T) {
		e := newEnv(t, whmcstest.Options{Faults: whmcstest.Faults{ThrottleRate: 1}})
		_, err := e.client.OpenTicket(ctx, open)
		we := wantErr(t, err, whmcs.KindThrottled, 429, "", false)
		if d, ok := whmcs.RetryAfter(err); !ok || d != time.Second || we.RetryAfter != time.Second || !whmcs.Retryable(err) {
			t.Fatalf("Retry-After %v %v", d, ok)
		}
		if n := len(e.srv.State().Tickets); n != 0 {
			t.Fatalf("throttled call created %d tickets", n)
		}
	})
	t.Run("max rps", func(t *testing.T) {
		e := newEnv(t, whmcstest.Options{Faults: whmcstest.Faults{MaxRPS: 0.001}})
		if _, err := e.client.OpenTicket(ctx, open); err != nil {
			t.Fatal(err) // the bucket's one token
		}
		_, err := e.client.OpenTicket(ctx, open)
		wantErr(t, err, whmcs.KindThrottled, 429, "", false)
	})
	t.Run("HTML 500", func(t *testing.T) {
		e := newEnv(t, whmcstest.Options{Faults: whmcstest.Faults{FailRate: 1}})
		_, err := e.client.OpenTicket(ctx, open)
		we := wantErr(t, err, whmcs.KindServer, 500, "", true)
		if !strings.Contains(we.Message, "text/html") || !strings.Contains(we.Message, "Internal Server Error") || whmcs.Retryable(err) {
			t.Fatalf("HTML 500: %v", err)
		}
		_, err = e.client.GetTicket(ctx, &whmcs.GetTicketRequest{TicketID: 1})
		wantErr(t, err, whmcs.KindServer, 500, "", false)
		if !whmcs.Retryable(err) {
			t.Fatal("a read that met a 500 is retryable")
		}
	})
	t.Run("drop after commit", func(t *testing.T) {
		e := newEnv(t, whmcstest.Options{Faults: whmcstest.Faults{DropRate: 1}})
		_, err := e.client.OpenTicket(ctx, open)
		wantErr(t, err, whmcs.KindTransport, 0, "", true)
		if !whmcs.MaybeProcessed(err) || whmcs.Retryable(err) {
			t.Fatalf("dropped write: %v", err)
		}
		st := e.srv.State()
		if len(st.Tickets) != 1 || e.srv.WriteCalls() != 1 {
			t.Fatalf("the sandbox committed %d tickets in %d writes; want exactly 1 (no transport retry)", len(st.Tickets), e.srv.WriteCalls())
		}
		_, err = e.client.GetTicket(ctx, &whmcs.GetTicketRequest{TicketID: st.Tickets[0].ID})
		wantErr(t, err, whmcs.KindTransport, 0, "", false)
		// Reconcile by reading once the fault is gone.
		e.srv.SetFaults(whmcstest.Faults{})
		l, err := e.client.GetTickets(ctx, &whmcs.GetTicketsRequest{IgnoreDeptAssignments: true, ClientID: 1, Subject: "s"})
		if err != nil || l.TotalResults != 1 {
			t.Fatalf("reconcile: %+v, %v", l, err)
		}
	})
	t.Run("latency past the timeout", func(t *testing.T) {
		e := newEnv(t, whmcstest.Options{Faults: whmcstest.Faults{Latency: time.Minute}}, func(o *whmcs.Options) { o.Timeout = 300 * time.Millisecond })
		_, err := e.client.OpenTicket(ctx, open)
		// The request was sent; whether WHMCS acts on it is unknown.
		wantErr(t, err, whmcs.KindTransport, 0, "", true)
	})
}

func TestContractReadOnly(t *testing.T) {
	e := newEnv(t, whmcstest.Options{})
	ctx := context.Background()
	ro := whmcs.NewClient(whmcs.ReadOnly(e.http), e.http.Location())
	_, err := ro.OpenTicket(ctx, &whmcs.OpenTicketRequest{DeptID: 1, Subject: "s", Message: "m", ClientID: 1})
	if !errors.Is(err, whmcs.ErrReadOnly) || !strings.HasPrefix(err.Error(), "OpenTicket: ") {
		t.Fatalf("read-only OpenTicket: %v", err)
	}
	for _, err := range []error{
		ro.AddTicketReply(ctx, &whmcs.AddTicketReplyRequest{TicketID: 1, Message: "m"}),
		ro.AddTicketNote(ctx, &whmcs.AddTicketNoteRequest{TicketID: 1, Message: "m"}),
		ro.UpdateTicket(ctx, &whmcs.UpdateTicketRequest{TicketID: 1}),
		ro.DeleteTicket(ctx, 1),
	} {
		if !errors.Is(err, whmcs.ErrReadOnly) {
			t.Fatalf("read-only write: %v", err)
		}
	}
	if _, err := ro.GetSupportDepartments(ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.WriteCalls(); n != 0 {
		t.Fatalf("read-only client reached the sandbox with %d writes", n)
	}
	if c := e.srv.Calls(); c["GetSupportDepartments"] != 1 || len(c) != 1 {
		t.Fatalf("calls %v", c)
	}
}

func TestContractConcurrentOpen(t *testing.T) {
	e := newEnv(t, whmcstest.Options{}, func(o *whmcs.Options) { o.MaxConns = 4 })
	ctx := context.Background()
	errs := make(chan error, 40)
	tids := make(chan string, 40)
	for range 4 {
		go func() {
			for range 10 {
				res, err := e.client.OpenTicket(ctx, &whmcs.OpenTicketRequest{DeptID: 1, Subject: "s", Message: "m", ClientID: 1, NoEmail: true})
				errs <- err
				if err == nil {
					tids <- res.TID
				}
			}
		}()
	}
	var got []string
	for range 40 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		got = append(got, <-tids)
	}
	slices.Sort(got)
	if len(slices.Compact(got)) != 40 {
		t.Fatal("duplicate tids")
	}
}

func BenchmarkClientOpenTicket(b *testing.B) {
	e := newEnv(b, whmcstest.Options{})
	ctx := context.Background()
	req := &whmcs.OpenTicketRequest{
		DeptID: 1, Subject: "Printer on fire", Message: strings.Repeat("A reasonably long ticket message. ", 30),
		ClientID: 1, Priority: "High", Created: time.Now().Add(-time.Hour), NoEmail: true, Markdown: true,
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.client.OpenTicket(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}
