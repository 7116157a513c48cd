package whmcs

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestIntBoolText(t *testing.T) {
	for in, want := range map[string]Int{`1`: 1, `"1"`: 1, `" 42 "`: 42, `-3`: -3, `""`: 0, `null`: 0, `"12.0"`: 12, `1e3`: 1000} {
		var n Int
		if err := json.Unmarshal([]byte(in), &n); err != nil || n != want {
			t.Errorf("Int %s = %d, %v; want %d", in, n, err, want)
		}
	}
	for _, in := range []string{`"abc"`, `true`, `1.5`, `"1x"`, `[]`, `{}`} {
		var n Int
		if err := json.Unmarshal([]byte(in), &n); err == nil {
			t.Errorf("Int accepted %s as %d", in, n)
		}
	}
	for in, want := range map[string]Bool{`true`: true, `1`: true, `"1"`: true, `"true"`: true,
		`false`: false, `0`: false, `"0"`: false, `""`: false, `null`: false, `"false"`: false} {
		var f Bool = !want
		if err := json.Unmarshal([]byte(in), &f); err != nil || f != want {
			t.Errorf("Bool %s = %v, %v; want %v", in, f, err, want)
		}
	}
	for _, in := range []string{`2`, `"yes"`, `[]`, `{}`} {
		var f Bool
		if err := json.Unmarshal([]byte(in), &f); err == nil {
			t.Errorf("Bool accepted %s", in)
		}
	}
	for in, want := range map[string]Text{`"516757"`: "516757", `516757`: "516757", `null`: "", `"a\"b"`: `a"b`, `-1`: "-1"} {
		var s Text
		if err := json.Unmarshal([]byte(in), &s); err != nil || s != want {
			t.Errorf("Text %s = %q, %v; want %q", in, s, err, want)
		}
	}
	for _, in := range []string{`true`, `[]`, `{}`} {
		var s Text
		if err := json.Unmarshal([]byte(in), &s); err == nil {
			t.Errorf("Text accepted %s", in)
		}
	}
}

func TestWrappedListShapes(t *testing.T) {
	type holder struct {
		Tickets wrapped[ticketSummaryWire, ticketKey] `json:"tickets"`
	}
	ids := func(h holder) []int64 {
		out := []int64{}
		for _, t := range h.Tickets.Items {
			out = append(out, int64(t.ID))
		}
		return out
	}
	for _, tc := range []struct {
		name, in string
		want     []int64
	}{
		{"absent", `{}`, []int64{}},
		{"null", `{"tickets":null}`, []int64{}},
		{"empty string", `{"tickets":""}`, []int64{}},
		{"empty object", `{"tickets":{}}`, []int64{}},
		{"empty array", `{"tickets":[]}`, []int64{}},
		{"inner empty array", `{"tickets":{"ticket":[]}}`, []int64{}},
		{"inner empty object", `{"tickets":{"ticket":{}}}`, []int64{}},
		{"inner null", `{"tickets":{"ticket":null}}`, []int64{}},
		{"array", `{"tickets":{"ticket":[{"id":"1"},{"id":2}]}}`, []int64{1, 2}},
		{"single object", `{"tickets":{"ticket":{"id":"5"}}}`, []int64{5}},
		{"numeric-keyed inner", `{"tickets":{"ticket":{"1":{"id":11},"0":{"id":10},"10":{"id":20},"2":{"id":12}}}}`, []int64{10, 11, 12, 20}},
		{"numeric-keyed wrapper", `{"tickets":{"0":{"id":3},"1":{"id":4}}}`, []int64{3, 4}},
		{"bare list", `{"tickets":[{"id":8}]}`, []int64{8}},
		{"extra wrapper keys", `{"tickets":{"ticket":[{"id":9}],"count":1}}`, []int64{9}},
		{"nulls and [] skipped", `{"tickets":{"ticket":[null,{"id":1},[]]}}`, []int64{1}},
	} {
		var h holder
		if err := json.Unmarshal([]byte(tc.in), &h); err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got := ids(h); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
	for _, in := range []string{
		`{"tickets":{"tiket":[{"id":1}]}}`, // wrong wrapper key: not silently empty
		`{"tickets":"x"}`,
		`{"tickets":42}`,
		`{"tickets":{"ticket":"x"}}`,
		`{"tickets":{"ticket":[{"id":"one"}]}}`,
	} {
		var h holder
		if err := json.Unmarshal([]byte(in), &h); err == nil {
			t.Errorf("accepted %s as %v", in, ids(h))
		}
	}
}

func TestParseDate(t *testing.T) {
	chicago, _ := time.LoadLocation("America/Chicago")
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"2016-01-01 06:26:29", time.Date(2016, 1, 1, 6, 26, 29, 0, chicago)},
		{"2016-07-01 06:26:29", time.Date(2016, 7, 1, 11, 26, 29, 0, time.UTC)},
		{"2016-07-01", time.Date(2016, 7, 1, 0, 0, 0, 0, chicago)},
		{"2016-07-01T06:26:29+02:00", time.Date(2016, 7, 1, 4, 26, 29, 0, time.UTC)},
		{"", time.Time{}},
		{"0000-00-00 00:00:00", time.Time{}},
		{"0000-00-00", time.Time{}},
	} {
		got, err := ParseDate(tc.in, chicago)
		if err != nil || !got.Equal(tc.want) || got.IsZero() != tc.want.IsZero() {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"yesterday", "2016-13-01 00:00:00", "01/02/2016", "2016-01-01 25:00:00"} {
		if got, err := ParseDate(in, chicago); err == nil {
			t.Errorf("ParseDate accepted %q as %v", in, got)
		}
	}
}

// The GetTicket example of the reference page, verbatim.
const getTicketExample = `{
    "result": "success", "ticketid": "1", "tid": "516757", "c": "KPqH7yG3", "deptid": "1",
    "deptname": "Sample Support Department", "userid": "1", "contactid": "0", "name": "Cynthia Reilly",
    "email": "[email protected]", "cc": "", "date": "2016-01-01 06:26:29", "subject": "This is a sample ticket",
    "status": "Closed", "priority": "Medium", "admin": "", "lastreply": "2016-01-01 06:30:16", "flag": "0", "service": "",
    "replies": {"reply": [
        {"replyid": "0", "userid": "1", "contactid": "0", "name": "Cynthia Reilly", "email": "[email protected]",
         "requestor_name": "Cynthia Reilly", "requestor_email": "[email protected]", "requestor_type": "Owner",
         "date": "2016-01-01 06:26:29", "message": "Hey, \r\n\r\nThis is the first ticket message!\r\n\r\nThanks\r\n\r\nCynthia",
         "attachment": "123456_attachment_name.png", "attachments": [{"filename": "attachment_name.png", "index": 0}],
         "attachments_removed": true, "admin": ""},
        {"replyid": "1", "userid": "1", "contactid": "0", "name": "", "email": "", "requestor_name": "Demo Admin",
         "requestor_email": "", "requestor_type": "Operator", "date": "2016-01-01 06:27:01",
         "message": "Hello, \r\n\r\nThis is the first ticket reply by an admin user!\r\n\r\nThanks\r\n\r\nDemo Admin",
         "attachment": "", "attachments": [[]], "attachments_removed": false, "admin": "Demo Admin", "rating": "0"},
        {"replyid": "2", "userid": "1", "contactid": "0", "name": "", "email": "", "requestor_name": "Cynthia Reilly",
         "requestor_email": "[email protected]", "requestor_type": "Owner", "date": "2016-01-01 06:30:16",
         "message": "Hey, \r\n\r\nThis is a second reply!\r\n\r\nThanks\r\n\r\nCynthia", "attachment": "",
         "attachments": [[]], "attachments_removed": false, "admin": "", "rating": "0"}
    ]},
    "notes": {"note": [
        {"noteid": "1", "date": "2016-01-01 06:26:42", "message": "This is a ticket note", "attachment": "",
         "attachments": [[]], "attachments_removed": false, "admin": "Demo Admin"}
    ]}
}`

// answering is a Caller that answers every call with a fixed JSON body, as
// HTTP would decode it (the Client's own decoding is under test).
func answering(body string) Caller {
	return CallerFunc(func(_ context.Context, _ Request, resp any) error {
		return json.Unmarshal([]byte(body), resp)
	})
}

func TestClientDecodesGetTicketExample(t *testing.T) {
	loc := time.FixedZone("server", 3600)
	c := NewClient(answering(getTicketExample), loc)
	tk, err := c.GetTicket(context.Background(), &GetTicketRequest{TicketID: 1})
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time { d, _ := time.ParseInLocation(DateLayout, s, loc); return d }
	if tk.TicketID != 1 || tk.TID != "516757" || tk.C != "KPqH7yG3" || tk.DeptID != 1 || tk.UserID != 1 ||
		tk.Status != "Closed" || tk.Priority != "Medium" || tk.Flag != 0 || tk.Name != "Cynthia Reilly" ||
		!tk.Date.Equal(at("2016-01-01 06:26:29")) || !tk.LastReply.Equal(at("2016-01-01 06:30:16")) {
		t.Fatalf("ticket: %+v", tk)
	}
	if !tk.Date.Equal(time.Date(2016, 1, 1, 5, 26, 29, 0, time.UTC)) {
		t.Fatalf("date not read in the server zone: %v", tk.Date)
	}
	if len(tk.Replies) != 3 || tk.Replies[0].ReplyID != 0 || tk.Replies[1].Admin != "Demo Admin" || tk.Replies[2].ReplyID != 2 {
		t.Fatalf("replies: %+v", tk.Replies)
	}
	r0 := tk.Replies[0]
	if !r0.AttachmentsRemoved || r0.Attachment != "123456_attachment_name.png" ||
		!reflect.DeepEqual(r0.Attachments, []AttachmentRef{{Filename: "attachment_name.png", Index: 0}}) ||
		r0.RequestorType != "Owner" {
		t.Fatalf("opening message: %+v", r0)
	}
	if tk.Replies[1].Attachments != nil || tk.Replies[1].AttachmentsRemoved {
		t.Fatalf("[[]] is no attachment: %+v", tk.Replies[1])
	}
	if len(tk.Notes) != 1 || tk.Notes[0].NoteID != 1 || tk.Notes[0].Admin != "Demo Admin" || !tk.Notes[0].Date.Equal(at("2016-01-01 06:26:42")) {
		t.Fatalf("notes: %+v", tk.Notes)
	}
}

func TestClientDecodesListsAndTypes(t *testing.T) {
	ctx := context.Background()
	// Reference-style mixed typing: totalresults a string, numreturned an int.
	l, err := NewClient(answering(`{"result":"success","totalresults":"2","startnumber":0,"numreturned":1,
		"tickets":{"ticket":{"id":7,"tid":123456,"deptid":"1","date":"2020-02-02 10:00:00","lastreply":"0000-00-00 00:00:00","flag":"2"}}}`), nil).
		GetTickets(ctx, &GetTicketsRequest{})
	if err != nil || l.TotalResults != 2 || l.NumReturned != 1 || len(l.Tickets) != 1 || l.Tickets[0].TID != "123456" ||
		l.Tickets[0].Flag != 2 || !l.Tickets[0].LastReply.IsZero() || l.Tickets[0].Date.Year() != 2020 {
		t.Fatalf("GetTickets: %+v, %v", l, err)
	}
	// An empty page has no tickets key.
	l, err = NewClient(answering(`{"result":"success","totalresults":"0","startnumber":0,"numreturned":0}`), nil).GetTickets(ctx, &GetTicketsRequest{})
	if err != nil || len(l.Tickets) != 0 {
		t.Fatalf("empty GetTickets: %+v, %v", l, err)
	}
	d, err := NewClient(answering(`{"result":"success","totalresults":2,"departments":{"department":[{"id":"1","name":"Sales"},{"id":2,"name":"Support"}]}}`), nil).GetSupportDepartments(ctx)
	if err != nil || !reflect.DeepEqual(d, []Department{{1, "Sales"}, {2, "Support"}}) {
		t.Fatalf("departments: %v, %v", d, err)
	}
	s, err := NewClient(answering(`{"result":"success","statuses":{"status":[{"title":"Open","count":12,"color":"#779500"},{"title":"Closed","count":"3"}]}}`), nil).GetSupportStatuses(ctx, 0)
	if err != nil || !reflect.DeepEqual(s, []Status{{"Open", 12, "#779500"}, {"Closed", 3, ""}}) {
		t.Fatalf("statuses: %v, %v", s, err)
	}
	cl, err := NewClient(answering(`{"result":"success","totalresults":1,"startnumber":0,"numreturned":1,"clients":{"client":[{"id":2,"firstname":"A","lastname":"B","companyname":"","email":"a@b.c","status":"Active"}]}}`), nil).GetClients(ctx, &GetClientsRequest{})
	if err != nil || cl.TotalResults != 1 || len(cl.Clients) != 1 || cl.Clients[0] != (ClientSummary{ID: 2, FirstName: "A", LastName: "B", Email: "a@b.c", Status: "Active"}) {
		t.Fatalf("clients: %+v, %v", cl, err)
	}
	a, err := NewClient(answering(`{"count":2,"admin_users":[{"id":1,"username":"admin","isDisabled":false},{"id":"3","username":"former","isDisabled":1}]}`), nil).GetAdminUsers(ctx, nil)
	if err != nil || len(a) != 2 || a[0].Username != "admin" || a[0].IsDisabled || !a[1].IsDisabled || a[1].ID != 3 {
		t.Fatalf("admins: %+v, %v", a, err)
	}
}

func TestClientRejectsUnusableAnswers(t *testing.T) {
	ctx := context.Background()
	// OpenTicket said success but gave no id: processed, must be reconciled.
	_, err := NewClient(answering(`{"result":"success"}`), nil).OpenTicket(ctx, &OpenTicketRequest{})
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindServer || !e.MaybeProcessed || e.Action != "OpenTicket" {
		t.Fatalf("OpenTicket without id: %v", err)
	}
	// A date WHMCS would never write is an error, not a zero time.
	_, err = NewClient(answering(`{"result":"success","ticketid":"1","date":"soon"}`), nil).GetTicket(ctx, &GetTicketRequest{TicketID: 1})
	if !errors.As(err, &e) || e.Kind != KindServer || e.MaybeProcessed {
		t.Fatalf("bad date: %v", err)
	}
}

func TestReadOnly(t *testing.T) {
	var sent []string
	inner := CallerFunc(func(_ context.Context, req Request, _ any) error {
		sent = append(sent, req.Action())
		return nil
	})
	ro := ReadOnly(inner)
	for _, r := range []Request{&OpenTicketRequest{}, &AddTicketReplyRequest{}, &AddTicketNoteRequest{}, &UpdateTicketRequest{}, &DeleteTicketRequest{}} {
		err := ro.Call(context.Background(), r, nil)
		if !errors.Is(err, ErrReadOnly) || err.Error() != r.Action()+": "+ErrReadOnly.Error() {
			t.Errorf("%s: %v", r.Action(), err)
		}
		if Retryable(err) || MaybeProcessed(err) || IsAuth(err) {
			t.Errorf("%s: a refused write is final and unprocessed", r.Action())
		}
	}
	for _, r := range []Request{&GetTicketRequest{}, &GetTicketsRequest{}, &GetSupportDepartmentsRequest{}, &GetSupportStatusesRequest{}, &GetClientsRequest{}, &GetAdminUsersRequest{}} {
		if err := ro.Call(context.Background(), r, nil); err != nil {
			t.Errorf("%s refused: %v", r.Action(), err)
		}
	}
	if len(sent) != 6 || sent[0] != "GetTicket" {
		t.Fatalf("inner caller saw %v", sent)
	}
}
