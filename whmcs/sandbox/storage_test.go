package sandbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// The storage options (Sanitize, ThreeByte, Version), DeniedActions and
// Faults.HTMLRate, over real HTTP with the project's client.

const (
	rawSubject = `Tom & Jerry <3 "quotes" 'single' &amp;`
	rawMessage = `if a < b && c > d { it's "ok" }`
	rawName    = `Zoë "Z" O'Neil <zo>`
)

func TestStoredText(t *testing.T) {
	for _, tc := range []struct {
		o        Options
		in, want string
	}{
		{Options{}, rawSubject, rawSubject},
		{Options{Sanitize: true}, rawSubject, `Tom &amp; Jerry &lt;3 &quot;quotes&quot; &#039;single&#039; &amp;amp;`},
		{Options{ThreeByte: true}, rawSubject, rawSubject},
		{Options{ThreeByte: true}, "Launch 🚀 at 10€, 日本 ✓ 👍🏽!", "Launch ? at 10€, 日本 ✓ ??!"},
		{Options{Sanitize: true}, "Launch 🚀", "Launch 🚀"},
		{Options{Sanitize: true, ThreeByte: true}, "<🚀> & \U0010FFFF", "&lt;?&gt; &amp; ?"},
		{Options{ThreeByte: true}, "bad \xff\xfe utf-8 \xf0\x9f", "bad \xff\xfe utf-8 \xf0\x9f"},
	} {
		if got := tc.o.StoredText(tc.in); got != tc.want {
			t.Errorf("%+v.StoredText(%q) = %q, want %q", tc.o, tc.in, got, tc.want)
		}
		st := Storage{Sanitize: tc.o.Sanitize, ThreeByte: tc.o.ThreeByte}
		if got := st.StoredText(tc.in); got != tc.want {
			t.Errorf("%+v.StoredText(%q) = %q, want %q", st, tc.in, got, tc.want)
		}
	}
	if got := (Options{Sanitize: true, ThreeByte: true}).StoredFileName("a&b <c> 🚀.txt"); got != "a&b <c> ?.txt" {
		t.Errorf("StoredFileName = %q", got)
	}
	if got := (Options{Sanitize: true}).StoredFileName("🚀.txt"); got != "🚀.txt" {
		t.Errorf("StoredFileName without ThreeByte = %q", got)
	}
}

// TestSanitizeRoundTrip opens, replies, notes and updates with <>&"' in
// every text field, and reads them back with GetTicket: entities under
// Sanitize, the text as sent without.
func TestSanitizeRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name                     string
		o                        Options
		subject, message, person string
		cc, note, reply, update  string
	}{
		{"literal", Options{}, rawSubject, rawMessage, rawName,
			"a&b@example.com", "<b>note</b>", "it's > 0", `new "subject"`},
		{"sanitised", Options{Sanitize: true},
			`Tom &amp; Jerry &lt;3 &quot;quotes&quot; &#039;single&#039; &amp;amp;`,
			`if a &lt; b &amp;&amp; c &gt; d { it&#039;s &quot;ok&quot; }`,
			`Zoë &quot;Z&quot; O&#039;Neil &lt;zo&gt;`,
			"a&amp;b@example.com", "&lt;b&gt;note&lt;/b&gt;", "it&#039;s &gt; 0", `new &quot;subject&quot;`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t, tc.o)
			c := s.Client()
			ctx := context.Background()
			res, err := c.OpenTicket(ctx, &whmcs.OpenTicketRequest{DeptID: 1, Subject: rawSubject, Message: rawMessage,
				Name: rawName, Email: "zoe@example.com", CC: []string{"a&b@example.com"}, NoEmail: true})
			if err != nil {
				t.Fatal(err)
			}
			if err := c.AddTicketReply(ctx, &whmcs.AddTicketReplyRequest{TicketID: res.ID, Message: "it's > 0", Name: rawName, Email: "zoe@example.com"}); err != nil {
				t.Fatal(err)
			}
			if err := c.AddTicketNote(ctx, &whmcs.AddTicketNoteRequest{TicketID: res.ID, Message: "<b>note</b>"}); err != nil {
				t.Fatal(err)
			}
			tk, err := c.GetTicket(ctx, &whmcs.GetTicketRequest{TicketID: res.ID})
			if err != nil {
				t.Fatal(err)
			}
			if tk.Subject != tc.subject || tk.Name != tc.person || tk.CC != tc.cc || tk.Email != "zoe@example.com" {
				t.Errorf("ticket: subject %q name %q cc %q email %q", tk.Subject, tk.Name, tk.CC, tk.Email)
			}
			if len(tk.Replies) != 2 || tk.Replies[0].Message != tc.message || tk.Replies[1].Message != tc.reply || tk.Replies[1].Name != tc.person {
				t.Fatalf("replies: %+v", tk.Replies)
			}
			if len(tk.Notes) != 1 || tk.Notes[0].Message != tc.note {
				t.Fatalf("notes: %+v", tk.Notes)
			}
			// what GetTicket says is what the state holds, and StoredText predicts both
			st := s.State()
			got := st.Tickets[0]
			if got.Subject != tc.subject || got.Message != tc.message || got.Name != tc.person || got.Replies[0].Message != tc.reply || got.Notes[0].Message != tc.note {
				t.Errorf("state: %+v", got)
			}
			if s.StoredText(rawSubject) != tc.subject || s.StoredText(rawMessage) != tc.message || s.StoredText(rawName) != tc.person {
				t.Errorf("StoredText disagrees with what was stored")
			}
			if st.Storage != (Storage{Sanitize: tc.o.Sanitize, Version: DefaultVersion}) {
				t.Errorf("state storage %+v", st.Storage)
			}

			// UpdateTicket is sanitised too
			if err := c.UpdateTicket(ctx, &whmcs.UpdateTicketRequest{TicketID: res.ID, Subject: `new "subject"`}); err != nil {
				t.Fatal(err)
			}
			if got := s.State().Tickets[0].Subject; got != tc.update {
				t.Errorf("updated subject %q, want %q", got, tc.update)
			}

			// GetTickets: the subject filter, sent as the original text,
			// finds the ticket whatever the mode
			l, err := c.GetTickets(ctx, &whmcs.GetTicketsRequest{Subject: `new "subj`})
			if err != nil {
				t.Fatal(err)
			}
			if l.TotalResults != 1 || l.Tickets[0].Subject != tc.update {
				t.Errorf("GetTickets subject filter: %+v", l)
			}
		})
	}
}

// TestSanitizedFilters: GetTickets' subject and email filters and
// GetClients' search compare the sanitised parameter with the sanitised
// stored value.
func TestSanitizedFilters(t *testing.T) {
	s := newTestServer(t, Options{Sanitize: true})
	c := s.Client()
	ctx := context.Background()
	a, err := c.OpenTicket(ctx, &whmcs.OpenTicketRequest{DeptID: 1, Subject: "Tom & Jerry", Message: "m", ClientID: 1, NoEmail: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.OpenTicket(ctx, &whmcs.OpenTicketRequest{DeptID: 1, Subject: "Tom &amp; Jerry", Message: "m", ClientID: 1, NoEmail: true}); err != nil {
		t.Fatal(err)
	}
	// UpdateTicket does not validate the email: an apostrophe is stored as &#039;
	if err := c.UpdateTicket(ctx, &whmcs.UpdateTicketRequest{TicketID: a.ID, Email: "o'neil@example.com"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		r    whmcs.GetTicketsRequest
		want []string // subjects, newest first
	}{
		{whmcs.GetTicketsRequest{Subject: "Tom & Jerry"}, []string{"Tom &amp; Jerry"}},
		{whmcs.GetTicketsRequest{Subject: "Tom &amp; Jerry"}, []string{"Tom &amp;amp; Jerry"}},
		{whmcs.GetTicketsRequest{Subject: "tom &"}, []string{"Tom &amp;amp; Jerry", "Tom &amp; Jerry"}},
		// the stored form itself is sanitised again, so it finds only the double-encoded one
		{whmcs.GetTicketsRequest{Subject: "Tom &amp;"}, []string{"Tom &amp;amp; Jerry"}},
		{whmcs.GetTicketsRequest{Email: "O'Neil@example.com"}, []string{"Tom &amp; Jerry"}},
		{whmcs.GetTicketsRequest{Email: "o&#039;neil@example.com"}, nil},
	} {
		l, err := c.GetTickets(ctx, &tc.r)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, tk := range l.Tickets {
			got = append(got, tk.Subject)
		}
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("GetTickets %+v: %q, want %q", tc.r, got, tc.want)
		}
	}
	if tk := s.State().Tickets[0]; tk.Email != "o&#039;neil@example.com" {
		t.Errorf("email stored %q", tk.Email)
	}

	// the default seed's client 3 is "Durand & Fils", held sanitised
	for _, q := range []string{"Durand & F", "durand & fils"} {
		l, err := c.GetClients(ctx, &whmcs.GetClientsRequest{Search: q})
		if err != nil {
			t.Fatal(err)
		}
		if l.TotalResults != 1 || l.Clients[0].ID != 3 || l.Clients[0].CompanyName != "Durand &amp; Fils" {
			t.Errorf("GetClients %q: %+v", q, l)
		}
	}
	if l, err := c.GetClients(ctx, &whmcs.GetClientsRequest{Search: "Durand &amp;"}); err != nil || l.TotalResults != 0 {
		t.Errorf("GetClients of the stored form: %+v %v", l, err)
	}
	// the caller's seed is left as it was
	if DefaultSeed().Clients[2].CompanyName != "Durand & Fils" {
		t.Fatal("default seed changed")
	}

	// a sandbox choice: validation sees the sanitised email
	wantErr(t, post(t, s, map[string]string{"action": "OpenTicket", "deptid": "1", "subject": "s", "message": "m",
		"name": "O'Neil", "email": "o'neil@example.com"}), 200, "Email Address Invalid")
}

func TestSanitizedSeedIsACopy(t *testing.T) {
	seed := DefaultSeed()
	seed.Admins[0].FirstName = "Ann & Co"
	s := newTestServer(t, Options{Seed: seed, Sanitize: true})
	if seed.Admins[0].FirstName != "Ann & Co" || seed.Clients[2].CompanyName != "Durand & Fils" {
		t.Fatalf("New changed the caller's seed: %+v", seed)
	}
	id := open(t, s, nil)
	ok(t, post(t, s, map[string]string{"action": "AddTicketNote", "ticketid": id, "message": "n"}))
	a := ok(t, post(t, s, map[string]string{"action": "GetTicket", "ticketid": id}))
	note := a.m["notes"].(map[string]any)["note"].([]any)[0].(map[string]any)
	if note["admin"] != "Ann &amp; Co Admin" {
		t.Fatalf("note admin %v", note["admin"])
	}
}

func TestThreeByte(t *testing.T) {
	for _, tc := range []struct {
		name                    string
		o                       Options
		subject, message, file  string
		stateFile, stateMessage string
	}{
		{"utf8mb4", Options{}, "Launch 🚀 € 日", "Thanks 👍🏽 <3", "rocket🚀.txt", "rocket🚀.txt", "Thanks 👍🏽 <3"},
		{"utf8mb3", Options{ThreeByte: true}, "Launch ? € 日", "Thanks ?? <3", "rocket?.txt", "rocket?.txt", "Thanks ?? <3"},
		{"utf8mb3 sanitised", Options{ThreeByte: true, Sanitize: true}, "Launch ? € 日", "Thanks ?? &lt;3", "rocket?.txt", "rocket?.txt", "Thanks ?? &lt;3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t, tc.o)
			c := s.Client()
			ctx := context.Background()
			res, err := c.OpenTicket(ctx, &whmcs.OpenTicketRequest{DeptID: 1, Subject: "Launch 🚀 € 日", Message: "m", ClientID: 1, NoEmail: true,
				CustomFields: map[int]string{1: "x"}})
			if err != nil {
				t.Fatal(err)
			}
			if err := c.AddTicketReply(ctx, &whmcs.AddTicketReplyRequest{TicketID: res.ID, Message: "Thanks 👍🏽 <3", ClientID: 1,
				Attachments: []whmcs.Attachment{{Name: "rocket🚀.txt", Data: []byte("🚀")}}}); err != nil {
				t.Fatal(err)
			}
			tk, err := c.GetTicket(ctx, &whmcs.GetTicketRequest{TicketID: res.ID})
			if err != nil {
				t.Fatal(err)
			}
			if tk.Subject != tc.subject || len(tk.Replies) != 2 || tk.Replies[1].Message != tc.message {
				t.Fatalf("ticket %q %+v", tk.Subject, tk.Replies)
			}
			r := tk.Replies[1]
			if len(r.Attachments) != 1 || r.Attachments[0].Filename != tc.file || !strings.HasSuffix(r.Attachment, "_"+tc.file) {
				t.Fatalf("attachment %q %+v", r.Attachment, r.Attachments)
			}
			f := s.State().Tickets[0].Replies[0].Attachments[0]
			// the file's content is bytes, never folded
			sum := sha256.Sum256([]byte("🚀"))
			if f.Name != tc.stateFile || f.Size != 4 || f.SHA256 != hex.EncodeToString(sum[:]) || !strings.HasSuffix(f.Stored, "_"+tc.stateFile) {
				t.Fatalf("stored file %+v", f)
			}
			if s.StoredFileName("rocket🚀.txt") != tc.file || s.StoredText("Launch 🚀 € 日") != tc.subject {
				t.Errorf("StoredFileName/StoredText disagree with what was stored")
			}
		})
	}
}

func TestVersion(t *testing.T) {
	for _, v := range []string{"8", "v8.1", "8.1.2.3", "8.x", "8.1-rc1", " 8.1"} {
		if _, err := New(Options{Version: v}); err == nil {
			t.Errorf("Version %q accepted", v)
		}
	}
	ctx := context.Background()
	d, err := newTestServer(t, Options{}).Client().GetWHMCSDetails(ctx)
	if err != nil || *d != (whmcs.Details{Version: "8.13.1", CanonicalVersion: "8.13.1-release.1"}) {
		t.Fatalf("default version: %+v %v", d, err)
	}
	d, err = newTestServer(t, Options{Version: "8.0"}).Client().GetWHMCSDetails(ctx)
	if err != nil || *d != (whmcs.Details{Version: "8.0", CanonicalVersion: "8.0.0-release.1"}) {
		t.Fatalf("8.0: %+v %v", d, err)
	}
	// the exact answer
	s := newTestServer(t, Options{Version: "7.10.2"})
	if a := post(t, s, map[string]string{"action": "getwhmcsdetails"}); a.status != 200 ||
		string(a.body) != `{"result":"success","whmcs":{"version":"7.10.2","canonicalversion":"7.10.2-release.1"}}` {
		t.Fatalf("GetWHMCSDetails: %d %s", a.status, a.body)
	}
	if st := s.State(); st.Storage.Version != "7.10.2" || st.Calls["GetWHMCSDetails"] != 1 || st.WriteCalls != 0 {
		t.Fatalf("state: %+v", st)
	}
}

// TestPre8IgnoresCreated: a WHMCS older than 8.0 does not know created:
// everything is dated now, and no date error comes from created.
func TestPre8IgnoresCreated(t *testing.T) {
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	now := fixedNow().In(chicago).Format(dateLayout) // 2026-03-10 07:00:00 CDT
	past, future := "2021-03-14 10:09:26", "2099-01-01 00:00:00"

	s := newTestServer(t, Options{Version: "7.10.2", TimeZone: chicago})
	c := s.Client()
	ctx := context.Background()
	d, err := c.GetWHMCSDetails(ctx)
	if err != nil || d.Version != "7.10.2" || d.CanonicalVersion != "7.10.2-release.1" {
		t.Fatalf("details %+v %v", d, err)
	}
	id := open(t, s, map[string]string{"created": past})
	ok(t, post(t, s, map[string]string{"action": "AddTicketReply", "ticketid": id, "message": "r", "clientid": "1", "created": future}))
	ok(t, post(t, s, map[string]string{"action": "AddTicketNote", "ticketid": id, "message": "n", "created": "not a date"}))
	ok(t, post(t, s, map[string]string{"action": "OpenTicket", "deptid": "1", "subject": "s", "message": "m", "clientid": "1", "created": "garbage"}))
	tk := s.State().Tickets[0]
	for what, d := range map[string]time.Time{"ticket": tk.Date, "reply": tk.Replies[0].Date, "note": tk.Notes[0].Date, "lastreply": tk.LastReply} {
		if got := d.In(chicago).Format(dateLayout); got != now {
			t.Errorf("%s dated %s, want now %s", what, got, now)
		}
	}
	// UpdateTicket with created changes nothing
	ok(t, post(t, s, map[string]string{"action": "UpdateTicket", "ticketid": id, "created": past}))
	if got := s.State().Tickets[0].Date.In(chicago).Format(dateLayout); got != now {
		t.Errorf("UpdateTicket created moved the date to %s", got)
	}

	// 8.0 and later honour it
	s8 := newTestServer(t, Options{Version: "8.0.0", TimeZone: chicago})
	open(t, s8, map[string]string{"created": past})
	if got := s8.State().Tickets[0].Date.Format(dateLayout); got != past {
		t.Errorf("8.0.0: dated %s, want %s", got, past)
	}
	wantErr(t, post(t, s8, map[string]string{"action": "AddTicketNote", "ticketid": "1", "message": "n", "created": "not a date"}), 200, "Invalid Date Format")
}

func TestDeniedActions(t *testing.T) {
	s := newTestServer(t, Options{DeniedActions: []string{"addticketnote", "GetWHMCSDetails"}})
	id := open(t, s, nil)
	wantErr(t, post(t, s, map[string]string{"action": "AddTicketNote", "ticketid": id, "message": "n"}), 403,
		`Invalid Permissions: API action "addticketnote" is not allowed`)
	wantErr(t, post(t, s, map[string]string{"action": "GETWHMCSDETAILS"}), 403,
		`Invalid Permissions: API action "getwhmcsdetails" is not allowed`)
	ok(t, post(t, s, map[string]string{"action": "GetTicket", "ticketid": id}))
	if st := s.State(); len(st.Tickets[0].Notes) != 0 || st.WriteCalls != 1 {
		t.Fatalf("a denied write reached the store: %+v", st)
	}

	// the client sees an auth error, never processed
	_, err := s.Client().GetWHMCSDetails(context.Background())
	var e *whmcs.Error
	if !errors.As(err, &e) || e.Kind != whmcs.KindAuth || e.Status != 403 || e.Message != `Invalid Permissions: API action "getwhmcsdetails" is not allowed` || e.MaybeProcessed {
		t.Fatalf("client: %v", err)
	}

	// DeniedActions wins over AllowedActions; GetWHMCSDetails needs allowing like any other
	s = newTestServer(t, Options{AllowedActions: []string{"OpenTicket", "AddTicketNote"}, DeniedActions: []string{"AddTicketNote"}})
	id = open(t, s, nil)
	wantErr(t, post(t, s, map[string]string{"action": "AddTicketNote", "ticketid": id, "message": "n"}), 403,
		`Invalid Permissions: API action "addticketnote" is not allowed`)
	wantErr(t, post(t, s, map[string]string{"action": "GetWHMCSDetails"}), 403,
		`Invalid Permissions: API action "getwhmcsdetails" is not allowed`)
}

func TestHTMLMaintenancePage(t *testing.T) {
	if _, err := New(Options{Faults: Faults{HTMLRate: 1.5}}); err == nil {
		t.Fatal("HTMLRate 1.5 accepted")
	}
	s := newTestServer(t, Options{Faults: Faults{HTMLRate: 1}})
	a := post(t, s, map[string]string{"action": "OpenTicket", "deptid": "1", "subject": "s", "message": "m", "clientid": "1"})
	if a.status != 200 || a.header.Get("Content-Type") != "text/html; charset=utf-8" || a.m != nil ||
		!strings.Contains(string(a.body), "<h1>Down for maintenance</h1>") {
		t.Fatalf("maintenance: %d %v %s", a.status, a.header, a.body)
	}
	// not processed, whatever the credentials
	a = post(t, s, map[string]string{"action": "OpenTicket", "secret": "wrong"})
	if a.status != 200 || a.m != nil {
		t.Fatalf("bad credentials under maintenance: %d %s", a.status, a.body)
	}
	if st := s.State(); len(st.Tickets) != 0 || st.WriteCalls != 0 || len(st.Calls) != 0 {
		t.Fatalf("maintenance page processed the call: %+v", st)
	}
	// the client cannot tell the page from a PHP error after a commit: a
	// write may have been processed, and it must be reconciled
	_, err := s.Client().OpenTicket(context.Background(), &whmcs.OpenTicketRequest{DeptID: 1, Subject: "s", Message: "m", ClientID: 1})
	var e *whmcs.Error
	if !errors.As(err, &e) || e.Kind != whmcs.KindServer || e.Status != 200 || !e.MaybeProcessed || !strings.Contains(e.Message, "Down for maintenance") {
		t.Fatalf("client: %v", err)
	}
	if len(s.State().Tickets) != 0 {
		t.Fatal("processed")
	}
}

// TestHTMLRateKeepsOtherFaults: HTMLRate 0 draws nothing, so a seed meets
// the same faults as before HTMLRate existed (this sequence was recorded
// from the sandbox at e154ef6, before HTMLRate); HTMLRate mixes in
// reproducibly.
func TestHTMLRateKeepsOtherFaults(t *testing.T) {
	f := Faults{Seed: 7, FailRate: 0.2, ThrottleRate: 0.2, DropRate: 0.2}
	run := func(s *Server, n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(htmlOutcome(t, s) + " ")
		}
		return b.String()
	}
	const before = "500 200 500 drop drop 200 drop drop 500 500 500 drop 500 200 200 500 200 500 200 429 "
	if got := run(newTestServer(t, Options{Faults: f}), 20); got != before {
		t.Errorf("HTMLRate 0 changed the fault sequence:\n%s\nwant\n%s", got, before)
	}
	f.HTMLRate = 0.3
	a := run(newTestServer(t, Options{Faults: f}), 60)
	if b := run(newTestServer(t, Options{Faults: f}), 60); a != b {
		t.Fatalf("same seed, different faults:\n%s\n%s", a, b)
	}
	for _, want := range []string{"200", "html", "500", "429", "drop"} {
		if !strings.Contains(a, want) {
			t.Errorf("no %s in %s", want, a)
		}
	}
}

// htmlOutcome is outcome telling a maintenance page ("html") from JSON.
func htmlOutcome(t *testing.T, s *Server) string {
	t.Helper()
	resp, err := http.PostForm(s.APIURL(), map[string][]string{"action": {"GetSupportStatuses"}, "identifier": {s.Identifier}, "secret": {s.Secret}})
	if err != nil {
		return "drop"
	}
	a := read(t, resp)
	if a.status == 200 && a.m == nil {
		return "html"
	}
	return strconv.Itoa(a.status)
}

func TestStateShowsStorage(t *testing.T) {
	s := newTestServer(t, Options{Sanitize: true, ThreeByte: true, Version: "7.10.2"})
	resp, err := http.Get(s.URL + "/_sandbox/state")
	if err != nil {
		t.Fatal(err)
	}
	a := read(t, resp)
	if !strings.Contains(string(a.body), `"storage": {
    "sanitize": true,
    "three_byte": true,
    "version": "7.10.2"
  },`) {
		t.Fatalf("state dump: %s", a.body)
	}
	if got := s.Storage().String(); got != `sanitised (<>&"' stored as entities), utf8 3-byte (emoji stored as ?)` {
		t.Errorf("Storage.String() = %q", got)
	}
	if got := newTestServer(t, Options{}).Storage(); got != (Storage{Version: DefaultVersion}) || got.String() != "literal" {
		t.Errorf("zero options: %+v %q", got, got.String())
	}
}
