package mapping

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

var t0 = time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)

// at is t0 plus n minutes.
func at(n int) time.Time { return t0.Add(time.Duration(n) * time.Minute) }

func testNow() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }

var (
	jane     = sources.Person{Name: "Jane Staff", Email: "jane@old.example"}
	mike     = sources.Person{Name: "Mike Staff", Email: "mike@old.example"}
	cynthia  = sources.Person{Name: "Cynthia Reilly", Email: "cynthia@example.com"}
	stranger = sources.Person{Name: "Pat Other", Email: "pat@other.example"}
)

func cust(id string, min int, body string) sources.Entry {
	return sources.Entry{ID: id, Origin: "messages.csv:" + id, Kind: sources.CustomerReply, Author: cynthia, Body: body, Created: at(min)}
}

func staffE(id string, min int, body string) sources.Entry {
	return sources.Entry{ID: id, Origin: "messages.csv:" + id, Kind: sources.StaffReply, Author: jane, Body: body, Created: at(min)}
}

func note(id string, min int, body string) sources.Entry {
	return sources.Entry{ID: id, Origin: "messages.csv:" + id, Kind: sources.Note, Author: jane, Body: body, Created: at(min)}
}

func ticket(status string, es ...sources.Entry) *sources.Ticket {
	return &sources.Ticket{
		ID: "T1", Origin: "tickets.csv:2", Subject: "Server down", Department: "Technical Support",
		Status: status, Priority: "normal", Requester: cynthia, Created: at(0), Entries: es,
	}
}

func baseConfig() Config {
	return Config{
		Departments:       map[string]Department{"Sales": {ID: 1}, " technical support ": {ID: 2}},
		DefaultDepartment: DeptID(2),
		Statuses:          map[string]string{"resolved": "Closed", "pending": "On Hold"},
		Priorities:        map[string]string{"urgent": "High", "normal": "medium"},
		Staff:             map[string]string{"JANE@old.example": "jane", "Mike Staff": "mike"},
		DefaultStaff:      "admin",
		Clients:           ClientsGuest,
	}
}

// describe renders a step compactly: its action, its entry and the
// parameters that decide identity and final state.
func describe(s Step) string {
	var b strings.Builder
	b.WriteString(s.Kind.String())
	if s.Entry != nil {
		b.WriteString(" " + s.EntryKey)
	}
	switch {
	case s.Open != nil:
		if s.Open.ClientID != 0 {
			fmt.Fprintf(&b, " client=%d", s.Open.ClientID)
		} else {
			fmt.Fprintf(&b, " guest=%s", s.Open.Email)
		}
	case s.Reply != nil:
		r := s.Reply
		switch {
		case r.AdminUsername != "":
			b.WriteString(" admin=" + r.AdminUsername)
		case r.ClientID != 0:
			fmt.Fprintf(&b, " client=%d", r.ClientID)
		default:
			fmt.Fprintf(&b, " guest=%s", r.Email)
		}
		if r.Status != "" {
			b.WriteString(" status=" + r.Status)
		}
	case s.Update != nil:
		u := s.Update
		if u.Status != "" {
			b.WriteString(" status=" + u.Status)
		}
		if u.Priority != "" {
			b.WriteString(" priority=" + u.Priority)
		}
		if u.DeptID != 0 {
			fmt.Fprintf(&b, " dept=%d", u.DeptID)
		}
	}
	return b.String()
}

func describeAll(p *Plan) []string {
	out := []string{}
	for _, s := range p.Steps {
		out = append(out, describe(s))
	}
	return out
}

// codes renders problems as "severity:code", sorted.
func codes(ps []sources.Problem) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, severityCode(p.Severity, p.Code))
	}
	slices.Sort(out)
	return out
}

func severityCode(s sources.Severity, c sources.Code) string { return string(s) + ":" + string(c) }

// codeAt renders a problem as "code@entry".
func codeAt(c sources.Code, entry string) string { return string(c) + "@" + entry }

// asError and asWarning render a code as codes does for that severity.
func asError(c sources.Code) string   { return severityCode(sources.Error, c) }
func asWarning(c sources.Code) string { return severityCode(sources.Warning, c) }

// fakeClients is a ClientResolver over a fixed map, counting lookups; it
// stands in for WHMCS, not for the planner under test.
type fakeClients struct {
	mu    sync.Mutex
	ids   map[string]int64
	calls []string
	err   error
}

func (f *fakeClients) ClientByEmail(_ context.Context, email string) (int64, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, email)
	if f.err != nil {
		return 0, false, f.err
	}
	id, ok := f.ids[strings.ToLower(email)]
	return id, ok, nil
}

func newPlanner(t *testing.T, o Options) *Planner {
	t.Helper()
	if o.Now == nil {
		o.Now = testNow
	}
	p, err := NewPlanner(o)
	if err != nil {
		t.Fatalf("NewPlanner: %v", err)
	}
	return p
}

func mustPlan(t *testing.T, pl *Planner, tk *sources.Ticket, prior *Prior) *Plan {
	t.Helper()
	p, err := pl.Plan(context.Background(), tk, prior)
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	checkInvariants(t, p)
	return p
}

// checkInvariants holds for every plan: one request per step matching its
// kind, noemail on every OpenTicket and AddTicketReply, keys and messages
// consistent with the requests.
func checkInvariants(t *testing.T, p *Plan) {
	t.Helper()
	keys := map[string]bool{}
	for i, s := range p.Steps {
		n := 0
		for _, set := range []bool{s.Open != nil, s.Reply != nil, s.Note != nil, s.Update != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			t.Errorf("step %d (%s): %d requests set", i, s.Key, n)
		}
		if keys[s.Key] {
			t.Errorf("step %d: key %q twice", i, s.Key)
		}
		keys[s.Key] = true
		switch s.Kind {
		case StepOpen:
			if s.Open == nil || !s.Open.NoEmail || s.Key != "open" || s.Open.Message != s.Message || !s.Open.Created.Equal(s.Created) || i != 0 {
				t.Errorf("step %d: bad open %+v", i, s)
			}
		case StepReply:
			if s.Reply == nil || !s.Reply.NoEmail || s.Key != "entry:"+s.EntryKey || s.Reply.Message != s.Message || !s.Reply.Created.Equal(s.Created) {
				t.Errorf("step %d: bad reply %+v", i, s)
			}
		case StepNote:
			if s.Note == nil || s.Key != "entry:"+s.EntryKey || s.Note.Message != s.Message || !s.Note.Created.Equal(s.Created) {
				t.Errorf("step %d: bad note %+v", i, s)
			}
		case StepUpdate:
			if s.Update == nil || s.Key != "update" || s.Entry != nil || i != len(p.Steps)-1 {
				t.Errorf("step %d: bad update %+v", i, s)
			}
		}
		if s.Entry != nil && s.Hash != EntryHash(s.Entry) {
			t.Errorf("step %d: hash is not EntryHash", i)
		}
		if r := s.Request(); r == nil || r.Action() != s.Kind.String() {
			t.Errorf("step %d: Request() does not match kind %s", i, s.Kind)
		}
	}
}

func TestPlanNewSteps(t *testing.T) {
	tests := []struct {
		name   string
		t      *sources.Ticket
		config func(*Config)
		want   []string
		end    string // EndStatus
		probs  []string
	}{
		{
			name: "status folded into the last staff reply",
			t:    ticket("resolved", cust("1", 0, "help"), staffE("2", 10, "fixed")),
			want: []string{"OpenTicket 1 guest=cynthia@example.com", "AddTicketReply 2 admin=jane status=Closed"},
			end:  "Closed",
		},
		{
			name: "folded into the last reply even with a note after it",
			t:    ticket("Closed", cust("1", 0, "help"), staffE("2", 10, "fixed"), note("3", 20, "done")),
			want: []string{"OpenTicket 1 guest=cynthia@example.com", "AddTicketReply 2 admin=jane status=Closed", "AddTicketNote 3"},
			end:  "Closed",
		},
		{
			name:  "WHMCS arrives at Answered by itself",
			t:     ticket("answered", cust("1", 0, "help"), staffE("2", 10, "fixed")),
			want:  []string{"OpenTicket 1 guest=cynthia@example.com", "AddTicketReply 2 admin=jane"},
			end:   "Answered",
			probs: []string{asWarning(sources.CodeAutocloseStatus)},
		},
		{
			name:  "WHMCS arrives at Customer-Reply by itself",
			t:     ticket("Customer-Reply", cust("1", 0, "help"), staffE("2", 10, "try this"), cust("3", 20, "still down")),
			want:  []string{"OpenTicket 1 guest=cynthia@example.com", "AddTicketReply 2 admin=jane", "AddTicketReply 3 guest=cynthia@example.com"},
			end:   "Customer-Reply",
			probs: []string{asWarning(sources.CodeAutocloseStatus)},
		},
		{
			name: "OpenTicket alone leaves Open",
			t:    ticket("open", cust("1", 0, "help")),
			want: []string{"OpenTicket 1 guest=cynthia@example.com"},
			end:  "Open",
		},
		{
			name: "OpenTicket alone: another status needs UpdateTicket",
			t:    ticket("pending", cust("1", 0, "help")),
			want: []string{"OpenTicket 1 guest=cynthia@example.com", "UpdateTicket status=On Hold"},
			end:  "On Hold",
		},
		{
			name: "OpenTicket and notes only: UpdateTicket, notes change nothing",
			t:    ticket("Closed", cust("1", 0, "help"), note("2", 5, "looking")),
			want: []string{"OpenTicket 1 guest=cynthia@example.com", "AddTicketNote 2", "UpdateTicket status=Closed"},
			end:  "Closed",
		},
		{
			name:  "empty status leaves what WHMCS arrives at",
			t:     ticket("", cust("1", 0, "help"), staffE("2", 10, "fixed")),
			want:  []string{"OpenTicket 1 guest=cynthia@example.com", "AddTicketReply 2 admin=jane"},
			end:   "Answered",
			probs: []string{asWarning(sources.CodeAutocloseStatus)},
		},
		{
			name: "entries sorted by created; notes older than the first reply right after the opening",
			t:    ticket("Closed", staffE("4", 30, "answer"), note("2", -10, "early note"), cust("1", 0, "help"), note("3", -5, "second early note")),
			want: []string{"OpenTicket 1 guest=cynthia@example.com", "AddTicketNote 2", "AddTicketNote 3", "AddTicketReply 4 admin=jane status=Closed"},
			end:  "Closed",
		},
		{
			name: "ties keep source order",
			t: ticket("", cust("1", 0, "help"),
				staffE("b", 10, "first at 10"), cust("a", 10, "second at 10"), note("c", 10, "third at 10"), staffE("0", 10, "fourth at 10")),
			want:  []string{"OpenTicket 1 guest=cynthia@example.com", "AddTicketReply b admin=jane", "AddTicketReply a guest=cynthia@example.com", "AddTicketNote c", "AddTicketReply 0 admin=jane"},
			end:   "Answered",
			probs: []string{asWarning(sources.CodeAutocloseStatus), asWarning(sources.CodeNoteAuthorPrefixed)},
		},
		{
			name:  "tie at the opening: the first in source order opens",
			t:     ticket("", staffE("s", 0, "staff at 0"), cust("c", 0, "customer at 0")),
			want:  []string{"OpenTicket s guest=cynthia@example.com", "AddTicketReply c guest=cynthia@example.com"},
			end:   "Customer-Reply",
			probs: []string{asWarning(sources.CodeAutocloseStatus), asWarning(sources.CodeStaffOpened)},
		},
		{
			name:  "a staff reply opens: opened as the requester, warned",
			t:     ticket("Closed", staffE("1", 0, "we noticed an outage")),
			want:  []string{"OpenTicket 1 guest=cynthia@example.com", "UpdateTicket status=Closed"},
			end:   "Closed",
			probs: []string{asWarning(sources.CodeStaffOpened)},
		},
		{
			name:  "no reply at all: no_message, nothing planned",
			t:     ticket("Closed", note("1", 0, "internal only")),
			want:  []string{},
			probs: []string{asError(sources.CodeNoMessage)},
		},
		{
			name: "note prefix off",
			t:    ticket("", cust("1", 0, "help"), note("2", 5, "x")),
			config: func(c *Config) {
				off := false
				c.NoteAuthorPrefix = &off
			},
			want: []string{"OpenTicket 1 guest=cynthia@example.com", "AddTicketNote 2"},
			end:  "Open",
		},
		{
			name: "staff mapped by email, then name, then default",
			t: ticket("", cust("1", 0, "help"),
				sources.Entry{ID: "2", Kind: sources.StaffReply, Author: sources.Person{Name: "Whoever", Email: "Jane@Old.Example"}, Body: "a", Created: at(1)},
				sources.Entry{ID: "3", Kind: sources.StaffReply, Author: sources.Person{Name: " mike staff ", Email: "unknown@old.example"}, Body: "b", Created: at(2)},
				sources.Entry{ID: "4", Kind: sources.StaffReply, Author: sources.Person{Name: "Nobody"}, Body: "c", Created: at(3)},
				sources.Entry{ID: "5", Kind: sources.StaffReply, Author: sources.Person{Name: "Jane Staff", Email: "mike@old.example"}, Body: "d", Created: at(4)},
			),
			want:  []string{"OpenTicket 1 guest=cynthia@example.com", "AddTicketReply 2 admin=jane", "AddTicketReply 3 admin=mike", "AddTicketReply 4 admin=admin", "AddTicketReply 5 admin=admin"},
			end:   "Answered",
			probs: []string{asWarning(sources.CodeAutocloseStatus)},
		},
		{
			name:   "unmapped staff without default",
			t:      ticket("", cust("1", 0, "help"), sources.Entry{ID: "2", Kind: sources.StaffReply, Author: sources.Person{Name: "Nobody"}, Body: "c", Created: at(3)}),
			config: func(c *Config) { c.DefaultStaff = "" },
			want:   []string{"OpenTicket 1 guest=cynthia@example.com", "AddTicketReply 2 guest="},
			end:    "Answered",
			probs:  []string{asError(sources.CodeUnmappedStaff), asWarning(sources.CodeAutocloseStatus)},
		},
		{
			name: "customer replies: requester, someone else, no email",
			t: ticket("", cust("1", 0, "help"),
				sources.Entry{ID: "2", Kind: sources.CustomerReply, Author: stranger, Body: "me too", Created: at(1)},
				sources.Entry{ID: "3", Kind: sources.CustomerReply, Author: sources.Person{Name: "Anon"}, Body: "?", Created: at(2)},
				sources.Entry{ID: "4", Kind: sources.CustomerReply, Author: sources.Person{Email: "CYNTHIA@example.com"}, Body: "!", Created: at(3)},
			),
			want:  []string{"OpenTicket 1 guest=cynthia@example.com", "AddTicketReply 2 guest=pat@other.example", "AddTicketReply 3 guest=cynthia@example.com", "AddTicketReply 4 guest=CYNTHIA@example.com"},
			end:   "Customer-Reply",
			probs: []string{asWarning(sources.CodeAutocloseStatus)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := baseConfig()
			if tt.config != nil {
				tt.config(&c)
			}
			p := mustPlan(t, newPlanner(t, Options{Config: c}), tt.t, nil)
			if got := describeAll(p); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("steps\n got %q\nwant %q", got, tt.want)
			}
			if p.EndStatus != tt.end {
				t.Errorf("EndStatus = %q, want %q", p.EndStatus, tt.end)
			}
			want := slices.Clone(tt.probs)
			if want == nil {
				want = []string{}
			}
			// Notes are prefixed by default: each one warns.
			if c.NoteAuthorPrefix == nil {
				for _, e := range tt.t.Entries {
					if e.Kind == sources.Note && len(p.Steps) > 0 && !slices.Contains(want, asWarning(sources.CodeNoteAuthorPrefixed)) {
						want = append(want, asWarning(sources.CodeNoteAuthorPrefixed))
					}
				}
			}
			slices.Sort(want)
			got := slices.Compact(codes(p.Problems))
			if !reflect.DeepEqual(got, slices.Compact(want)) {
				t.Errorf("problems\n got %q\nwant %q\n%v", got, want, p.Problems)
			}
			if p.Failed() != slices.ContainsFunc(want, func(s string) bool { return strings.HasPrefix(s, "error:") }) {
				t.Errorf("Failed() = %v", p.Failed())
			}
		})
	}
}

func TestPlanOpenTicketFields(t *testing.T) {
	tk := ticket("resolved", cust("1", 0, "My **server** is down"), note("0", -1, "pre"))
	tk.Entries[0].Format = sources.Markdown
	tk.Priority = "URGENT"
	tk.CC = []string{" boss@example.com ", "", "ops@example.com"}
	tk.Requester = sources.Person{Email: "Someone@Example.com"}
	p := mustPlan(t, newPlanner(t, Options{Config: baseConfig()}), tk, nil)
	want := &whmcs.OpenTicketRequest{
		DeptID: 2, Subject: "Server down", Message: "My **server** is down", Priority: "High",
		Created: at(0), Name: "Someone", Email: "Someone@Example.com",
		CC: []string{"boss@example.com", "ops@example.com"}, NoEmail: true, Markdown: true,
	}
	if !reflect.DeepEqual(p.Steps[0].Open, want) {
		t.Errorf("open\n got %+v\nwant %+v", p.Steps[0].Open, want)
	}
	if p.DeptID != 2 || p.Priority != "High" || p.Status != "Closed" || p.ClientID != 0 {
		t.Errorf("plan header %d %q %q %d", p.DeptID, p.Priority, p.Status, p.ClientID)
	}
	if s := p.Steps[0]; s.EntryKey != "1" || s.Entry != &tk.Entries[0] {
		t.Errorf("open entry %q %p", s.EntryKey, s.Entry)
	}
	if got := p.Calls(); !reflect.DeepEqual(got, map[string]int{"OpenTicket": 1, "AddTicketNote": 1, "UpdateTicket": 1}) {
		t.Errorf("Calls = %v", got)
	}
}

func TestPlanReplyAndNoteFields(t *testing.T) {
	tk := ticket("", cust("1", 0, "help"),
		sources.Entry{ID: "2", Kind: sources.StaffReply, Author: jane, Body: "<p>Try <a href=\"https://kb.example/1\">this</a></p>", Format: sources.HTML, Created: at(5)},
		sources.Entry{ID: "3", Kind: sources.Note, Author: sources.Person{Name: "Jane *Star*"}, Body: "check *disk*", Format: sources.Markdown, Created: at(6)},
		sources.Entry{ID: "4", Kind: sources.Note, Author: sources.Person{Email: "mike@old.example"}, Body: "plain", Created: at(7)},
		sources.Entry{ID: "5", Kind: sources.Note, Body: "nobody wrote this", Created: at(8)},
		sources.Entry{ID: "6", Kind: sources.CustomerReply, Author: stranger, Body: "thanks", Created: at(9)},
	)
	p := mustPlan(t, newPlanner(t, Options{Config: baseConfig()}), tk, nil)
	wantReply := &whmcs.AddTicketReplyRequest{Message: "Try [this](https://kb.example/1)", Markdown: true, AdminUsername: "jane", NoEmail: true, Created: at(5)}
	if !reflect.DeepEqual(p.Steps[1].Reply, wantReply) {
		t.Errorf("reply\n got %+v\nwant %+v", p.Steps[1].Reply, wantReply)
	}
	notes := []*whmcs.AddTicketNoteRequest{
		{Message: "**Jane \\*Star\\*:**\n\ncheck *disk*", Markdown: true, Created: at(6)},
		{Message: "mike@old.example:\n\nplain", Created: at(7)},
		{Message: "nobody wrote this", Created: at(8)},
	}
	for i, w := range notes {
		if got := p.Steps[2+i].Note; !reflect.DeepEqual(got, w) {
			t.Errorf("note %d\n got %+v\nwant %+v", i, got, w)
		}
	}
	wantGuest := &whmcs.AddTicketReplyRequest{Message: "thanks", Name: "Pat Other", Email: "pat@other.example", NoEmail: true, Created: at(9)}
	if !reflect.DeepEqual(p.Steps[5].Reply, wantGuest) {
		t.Errorf("guest reply\n got %+v\nwant %+v", p.Steps[5].Reply, wantGuest)
	}
	var warned []string
	for _, pr := range p.Problems {
		if pr.Code == sources.CodeHTMLConverted || pr.Code == sources.CodeNoteAuthorPrefixed {
			warned = append(warned, codeAt(pr.Code, pr.Entry))
		}
	}
	if want := []string{codeAt(sources.CodeHTMLConverted, "2"), codeAt(sources.CodeNoteAuthorPrefixed, "3"), codeAt(sources.CodeNoteAuthorPrefixed, "4")}; !reflect.DeepEqual(warned, want) {
		t.Errorf("warnings %v, want %v", warned, want)
	}
}

func TestPlanRequesterClient(t *testing.T) {
	tests := []struct {
		name     string
		mode     string
		clientID int64
		email    string
		resolver bool
		wantID   int64
		lookups  int
		probs    []string
	}{
		{name: "source client id wins", mode: ClientsMatchEmail, clientID: 42, email: "cynthia@example.com", resolver: true, wantID: 42},
		{name: "source client id, no email", mode: ClientsMatchEmail, clientID: 42, resolver: true, wantID: 42},
		{name: "match_email finds the client", mode: ClientsMatchEmail, email: "Cynthia@Example.com", resolver: true, wantID: 7, lookups: 1},
		{name: "match_email, no match: guest, warned", mode: ClientsMatchEmail, email: "new@example.com", resolver: true, lookups: 1, probs: []string{asWarning(sources.CodeGuestRequester)}},
		{name: "match_email offline: guest, not warned", mode: ClientsMatchEmail, email: "cynthia@example.com"},
		{name: "guest mode never looks up", mode: ClientsGuest, email: "cynthia@example.com", resolver: true},
		{name: "no email, no client id", mode: ClientsMatchEmail, resolver: true, probs: []string{asError(sources.CodeMissingRequester)}},
		{name: "invalid email is not looked up", mode: ClientsMatchEmail, email: "not an email", resolver: true, probs: []string{asError(sources.CodeInvalidEmail)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := baseConfig()
			c.Clients = tt.mode
			fc := &fakeClients{ids: map[string]int64{"cynthia@example.com": 7}}
			o := Options{Config: c}
			if tt.resolver {
				o.Clients = fc
			}
			tk := ticket("",
				sources.Entry{ID: "1", Kind: sources.CustomerReply, Author: sources.Person{Email: tt.email}, Body: "help", Created: at(0)},
				sources.Entry{ID: "2", Kind: sources.CustomerReply, Author: sources.Person{Email: strings.ToUpper(tt.email)}, Body: "again", Created: at(1)},
				sources.Entry{ID: "3", Kind: sources.CustomerReply, Author: stranger, Body: "me too", Created: at(2)},
			)
			tk.Requester = sources.Person{Email: tt.email}
			tk.ClientID = tt.clientID
			p := mustPlan(t, newPlanner(t, o), tk, nil)
			if p.ClientID != tt.wantID || p.Steps[0].Open.ClientID != tt.wantID {
				t.Errorf("client id %d / open %d, want %d", p.ClientID, p.Steps[0].Open.ClientID, tt.wantID)
			}
			if len(fc.calls) != tt.lookups {
				t.Errorf("lookups %v, want %d", fc.calls, tt.lookups)
			}
			r := p.Steps[1].Reply
			if tt.wantID != 0 {
				if p.Steps[0].Open.Email != "" || r.ClientID != tt.wantID || r.Email != "" {
					t.Errorf("a client's ticket and reply should go by client id: %+v %+v", p.Steps[0].Open, r)
				}
			} else if tt.email != "" && p.Steps[0].Open.Email == "" {
				t.Errorf("a guest ticket needs name+email: %+v", p.Steps[0].Open)
			}
			if s := p.Steps[2].Reply; s.ClientID != 0 || s.Email != stranger.Email {
				t.Errorf("someone else's reply is a guest's: %+v", s)
			}
			got := slices.Compact(slices.DeleteFunc(codes(p.Problems), func(s string) bool { return s == asWarning(sources.CodeAutocloseStatus) }))
			want := tt.probs
			if want == nil {
				want = []string{}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("problems %q, want %q", got, want)
			}
		})
	}
}

func TestPlanRequesterNameDefault(t *testing.T) {
	tk := ticket("", cust("1", 0, "help"))
	tk.Requester = sources.Person{Email: "jo.smith@example.com"}
	p := mustPlan(t, newPlanner(t, Options{Config: baseConfig()}), tk, nil)
	if o := p.Steps[0].Open; o.Name != "jo.smith" || o.Email != "jo.smith@example.com" {
		t.Errorf("open %q %q", o.Name, o.Email)
	}
}

// A ticket with neither requester email nor client id: without
// fallback_requester it fails (missing_requester); with it, it opens as a
// guest from the fallback, never looked up, warned by name, and its
// customer replies without an email keep their author's name with the
// fallback's email. A ticket that has a requester is untouched.
func TestPlanFallbackRequester(t *testing.T) {
	ghost := sources.Person{Name: "Ghost Person"}
	orphan := func(requester sources.Person) *sources.Ticket {
		tk := ticket("",
			sources.Entry{ID: "1", Kind: sources.CustomerReply, Author: ghost, Body: "help", Created: at(0)},
			staffE("2", 1, "who are you?"),
			sources.Entry{ID: "3", Kind: sources.CustomerReply, Author: ghost, Body: "still me", Created: at(2)},
		)
		tk.ID, tk.Requester = "T3", requester
		return tk
	}
	fallback := &Requester{Name: "Deleted user", Email: "deleted-user@example.com"}
	tests := []struct {
		name      string
		fallback  *Requester
		requester sources.Person
		open      [2]string // name, email
		reply     [2]string
		probs     []string
		message   string // in the fallback_requester warning
	}{
		{name: "no fallback: fails", requester: sources.Person{}, probs: []string{asError(sources.CodeMissingRequester)}},
		{name: "fallback", fallback: fallback, open: [2]string{"Deleted user", "deleted-user@example.com"},
			reply: [2]string{"Ghost Person", "deleted-user@example.com"}, probs: []string{asWarning(sources.CodeFallbackRequester)},
			message: "the ticket names no requester and no client id: ticket T3 is opened as a guest from mapping.fallback_requester, Deleted user <deleted-user@example.com>"},
		{name: "fallback, the requester's name kept when the fallback has none", fallback: &Requester{Email: "gone@example.com"},
			requester: ghost, open: [2]string{"Ghost Person", "gone@example.com"}, reply: [2]string{"Ghost Person", "gone@example.com"},
			probs: []string{asWarning(sources.CodeFallbackRequester)}, message: `the requester "Ghost Person" has no email`},
		{name: "fallback with no name anywhere: the email's local part", fallback: &Requester{Email: "gone@example.com"},
			open: [2]string{"gone", "gone@example.com"}, reply: [2]string{"Ghost Person", "gone@example.com"}, probs: []string{asWarning(sources.CodeFallbackRequester)}},
		{name: "fallback unused when the requester has an email", fallback: fallback, requester: cynthia,
			open: [2]string{"Cynthia Reilly", "cynthia@example.com"}, reply: [2]string{"Ghost Person", "cynthia@example.com"}, probs: []string{asWarning(sources.CodeGuestRequester)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := baseConfig()
			c.Clients = ClientsMatchEmail
			c.FallbackRequester = tt.fallback
			fc := &fakeClients{ids: map[string]int64{"deleted-user@example.com": 99, "gone@example.com": 98}}
			p := mustPlan(t, newPlanner(t, Options{Config: c, Clients: fc}), orphan(tt.requester), nil)
			got := slices.DeleteFunc(codes(p.Problems), func(s string) bool { return s == asWarning(sources.CodeAutocloseStatus) })
			if !reflect.DeepEqual(got, tt.probs) {
				t.Fatalf("problems %q, want %q", got, tt.probs)
			}
			if p.Failed() {
				return
			}
			for _, e := range fc.calls {
				if e != "cynthia@example.com" {
					t.Errorf("looked up %q: the fallback is a guest, never a client", e)
				}
			}
			o, r := p.Steps[0].Open, p.Steps[2].Reply
			if o.ClientID != 0 || [2]string{o.Name, o.Email} != tt.open {
				t.Errorf("open as client %d %q %q, want a guest %q", o.ClientID, o.Name, o.Email, tt.open)
			}
			if r.ClientID != 0 || [2]string{r.Name, r.Email} != tt.reply {
				t.Errorf("reply as client %d %q %q, want a guest %q", r.ClientID, r.Name, r.Email, tt.reply)
			}
			for _, pr := range p.Problems {
				if pr.Code == sources.CodeFallbackRequester && (pr.Ticket != "T3" || pr.Field != "requester" || !strings.Contains(pr.Message, tt.message)) {
					t.Errorf("warning %+v, want one naming ticket T3 and saying %q", pr, tt.message)
				}
			}
		})
	}
}

func TestPlanResolverError(t *testing.T) {
	c := baseConfig()
	c.Clients = ClientsMatchEmail
	boom := errors.New("connection refused")
	pl := newPlanner(t, Options{Config: c, Clients: &fakeClients{err: boom}})
	_, err := pl.Plan(context.Background(), ticket("", cust("1", 0, "x")), nil)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "T1") {
		t.Errorf("err = %v", err)
	}
}

// problemCase is one ticket with exactly one kind of problem.
type problemCase struct {
	code, entry, field, origin string
	edit                       func(*sources.Ticket)
	opts                       func(*Options)
}

func TestPlanProblems(t *testing.T) {
	tests := []problemCase{
		{code: asError(sources.CodeMissingSubject), field: "subject", origin: "tickets.csv:2", edit: func(t *sources.Ticket) { t.Subject = "  " }},
		{code: asError(sources.CodeNoMessage), field: "entries", origin: "tickets.csv:2", edit: func(t *sources.Ticket) { t.Entries = []sources.Entry{note("2", 5, "x")} }},
		{code: asError(sources.CodeMissingRequester), field: "requester", origin: "tickets.csv:2", edit: func(t *sources.Ticket) { t.Requester = sources.Person{Name: "Nameless"} }},
		{code: asError(sources.CodeInvalidEmail), field: "requester_email", origin: "tickets.csv:2", edit: func(t *sources.Ticket) { t.Requester.Email = "cynthia at example.com" }},
		{code: asError(sources.CodeInvalidEmail), field: "cc", origin: "tickets.csv:2", edit: func(t *sources.Ticket) { t.CC = []string{"ok@example.com", "bad@"} }},
		{code: asError(sources.CodeInvalidEmail), entry: "2", field: "author_email", origin: "messages.csv:2", edit: func(t *sources.Ticket) { t.Entries[1].Author.Email = "jane@@old" }},
		{code: asError(sources.CodeUnmappedDepartment), field: "department", origin: "tickets.csv:2", edit: func(t *sources.Ticket) { t.Department = "Legal" }},
		{code: asError(sources.CodeUnmappedDepartment), field: "department", origin: "tickets.csv:2", edit: func(t *sources.Ticket) { t.Department = "" }, opts: func(o *Options) { o.Config.DefaultDepartment = DeptID(0) }},
		{code: asError(sources.CodeUnmappedStatus), field: "status", origin: "tickets.csv:2", edit: func(t *sources.Ticket) { t.Status = "escalated" }},
		{code: asError(sources.CodeUnmappedStatus), field: "status", origin: "tickets.csv:2", edit: func(t *sources.Ticket) { t.Status = "pending" },
			opts: func(o *Options) { o.KnownStatuses = []string{"Open", "Answered", "Customer-Reply", "Closed"} }},
		{code: asError(sources.CodeUnmappedPriority), field: "priority", origin: "tickets.csv:2", edit: func(t *sources.Ticket) { t.Priority = "critical" }},
		{code: asError(sources.CodeUnmappedStaff), entry: "2", field: "author", origin: "messages.csv:2", edit: func(*sources.Ticket) {},
			opts: func(o *Options) { o.KnownStaff = []string{"admin", "mike"} }},
		{code: asError(sources.CodeBadDate), entry: "2", field: "created", origin: "messages.csv:2", edit: func(t *sources.Ticket) { t.Entries[1].Created = time.Time{} }},
		{code: asError(sources.CodeFutureDate), entry: "3", field: "created", origin: "messages.csv:3", edit: func(t *sources.Ticket) { t.Entries[2].Created = testNow().Add(time.Second) }},
		{code: asError(sources.CodeEmptyBody), entry: "1", field: "body", origin: "messages.csv:1", edit: func(t *sources.Ticket) { t.Entries[0].Body = " \n " }},
		{code: asError(sources.CodeEmptyBody), entry: "3", field: "body", origin: "messages.csv:3", edit: func(t *sources.Ticket) { t.Entries[2].Body = "<p></p>"; t.Entries[2].Format = sources.HTML }},
		{code: asError(sources.CodeDuplicateEntryID), entry: "2", field: "id", origin: "messages.csv:3", edit: func(t *sources.Ticket) { t.Entries[2].ID = "2" }},
		{code: asWarning(sources.CodeHTMLConverted), entry: "3", field: "body", origin: "messages.csv:3", edit: func(t *sources.Ticket) { t.Entries[2].Format = sources.HTML }},
		{code: asWarning(sources.CodeNoteAuthorPrefixed), entry: "3", field: "author", origin: "messages.csv:3", edit: func(t *sources.Ticket) { t.Entries[2].Kind = sources.Note }},
		{code: asWarning(sources.CodeStaffOpened), entry: "1", field: "kind", origin: "messages.csv:1", edit: func(t *sources.Ticket) { t.Entries[0].Kind = sources.StaffReply }},
		{code: asWarning(sources.CodeAutocloseStatus), field: "status", origin: "tickets.csv:2", edit: func(t *sources.Ticket) { t.Status = "" }},
		{code: asWarning(sources.CodeGuestRequester), field: "requester_email", origin: "tickets.csv:2", edit: func(t *sources.Ticket) { t.Requester.Email = "new@example.com" },
			opts: func(o *Options) { o.Config.Clients = ClientsMatchEmail; o.Clients = &fakeClients{} }},
		{code: asError(sources.CodeCSVParse), field: "x", origin: "messages.csv:99", edit: func(t *sources.Ticket) {
			t.AddProblem(sources.Problem{Severity: sources.Error, Code: sources.CodeCSVParse, Origin: "messages.csv:99", Field: "x"})
		}},
		{code: asError(sources.CodeThreadSkipped), origin: "tickets.csv:2", edit: func(t *sources.Ticket) { t.ThreadSkipped = true; t.Entries = nil }},
	}
	for _, tt := range tests {
		t.Run(tt.code+"/"+tt.field, func(t *testing.T) {
			// A clean ticket: no problem at all.
			tk := ticket("resolved", cust("1", 0, "help"), staffE("2", 5, "fixed"), cust("3", 10, "thanks"))
			clean := mustPlan(t, newPlanner(t, Options{Config: baseConfig()}), tk, nil)
			if len(clean.Problems) != 0 {
				t.Fatalf("clean ticket has problems: %v", clean.Problems)
			}
			o := Options{Config: baseConfig()}
			if tt.opts != nil {
				tt.opts(&o)
			}
			tt.edit(tk)
			p := mustPlan(t, newPlanner(t, o), tk, nil)
			var found []sources.Problem
			for _, pr := range p.Problems {
				if severityCode(pr.Severity, pr.Code) == tt.code {
					found = append(found, pr)
				}
			}
			if len(found) != 1 {
				t.Fatalf("want one %s, got %v", tt.code, p.Problems)
			}
			pr := found[0]
			if pr.Ticket != "T1" || pr.Entry != tt.entry || pr.Field != tt.field || pr.Origin != tt.origin || (pr.Message == "" && pr.Code != sources.CodeCSVParse) {
				t.Errorf("problem %+v: want entry %q field %q origin %q", pr, tt.entry, tt.field, tt.origin)
			}
			if p.Failed() != (pr.Severity == sources.Error) {
				t.Errorf("Failed() = %v with %v", p.Failed(), p.Problems)
			}
		})
	}
}

func TestPlanMappingValues(t *testing.T) {
	tests := []struct {
		dept, status, prio string
		known              []string
		wantDept           int64
		wantStatus         string
		wantPrio           string
	}{
		{dept: "SALES ", status: "RESOLVED", prio: "Urgent", wantDept: 1, wantStatus: "Closed", wantPrio: "High"},
		{dept: "", status: "closed", prio: "low", wantDept: 2, wantStatus: "Closed", wantPrio: "Low"},
		{dept: "technical support", status: "on hold", prio: "", wantDept: 2, wantStatus: "On Hold", wantPrio: "Medium"},
		{dept: "Sales", status: "normal", prio: "NORMAL", wantDept: 1, wantStatus: "waiting", wantPrio: "Medium",
			known: []string{"Open", "Answered", "Customer-Reply", "Closed", "waiting"}},
		{dept: "Sales", status: "Waiting", prio: "High", wantDept: 1, wantStatus: "waiting", wantPrio: "High",
			known: []string{"Open", "Answered", "Customer-Reply", "Closed", "waiting"}},
		// Without known statuses, configured targets are trusted.
		{dept: "Sales", status: "normal", prio: "High", wantDept: 1, wantStatus: "Waiting", wantPrio: "High"},
	}
	for _, tt := range tests {
		t.Run(tt.dept+"/"+tt.status+"/"+tt.prio, func(t *testing.T) {
			c := baseConfig()
			c.Statuses["Normal"] = "Waiting"
			tk := ticket(tt.status, cust("1", 0, "help"))
			tk.Department, tk.Priority = tt.dept, tt.prio
			p := mustPlan(t, newPlanner(t, Options{Config: c, KnownStatuses: tt.known}), tk, nil)
			if p.Failed() {
				t.Fatalf("problems: %v", p.Problems)
			}
			if p.DeptID != tt.wantDept || p.Status != tt.wantStatus || p.Priority != tt.wantPrio || p.Steps[0].Open.DeptID != tt.wantDept || p.Steps[0].Open.Priority != tt.wantPrio {
				t.Errorf("got dept %d status %q prio %q", p.DeptID, p.Status, p.Priority)
			}
		})
	}
}

func TestPlanKnownStaffCanonical(t *testing.T) {
	c := baseConfig()
	c.Staff = map[string]string{"jane@old.example": "JANE"}
	p := mustPlan(t, newPlanner(t, Options{Config: c, KnownStaff: []string{"jane", "admin"}}), ticket("", cust("1", 0, "x"), staffE("2", 1, "y")), nil)
	if p.Failed() || p.Steps[1].Reply.AdminUsername != "jane" {
		t.Errorf("admin %q, problems %v", p.Steps[1].Reply.AdminUsername, p.Problems)
	}
}

func TestPlanDuplicateHashKeys(t *testing.T) {
	e := sources.Entry{Kind: sources.CustomerReply, Author: cynthia, Body: "ping", Created: at(1)}
	tk := ticket("", cust("1", 0, "help"), e, e, e)
	p := mustPlan(t, newPlanner(t, Options{Config: baseConfig()}), tk, nil)
	k := EntryKey(&e)
	want := []string{"1", k, k + "#2", k + "#3"}
	var got []string
	for _, s := range p.Steps {
		got = append(got, s.EntryKey)
	}
	if !reflect.DeepEqual(got, want) || p.Failed() {
		t.Errorf("keys %q, want %q; %v", got, want, p.Problems)
	}
}

// imported plans tk as new and returns the Prior a checkpoint would keep
// after running the plan.
func imported(t *testing.T, pl *Planner, tk *sources.Ticket) *Prior {
	t.Helper()
	p := mustPlan(t, pl, tk, nil)
	if p.Failed() {
		t.Fatalf("first import fails: %v", p.Problems)
	}
	pr := &Prior{TicketID: 99, Entries: map[string]string{}, Status: p.EndStatus, Priority: p.EndPriority, DeptID: p.EndDeptID, Fields: p.EndFields}
	for _, s := range p.Steps {
		if s.Entry != nil {
			pr.Entries[s.EntryKey] = s.Hash
		}
	}
	return pr
}

func TestPlanIncremental(t *testing.T) {
	base := func() *sources.Ticket {
		return ticket("resolved", cust("1", 0, "help"), note("2", 5, "look"), staffE("3", 10, "fixed"))
	}
	tests := []struct {
		name      string
		change    func(*sources.Ticket)
		applyDept bool
		want      []string
		drift     []string
		end       string
		endDept   int64
		changed   bool
	}{
		{name: "nothing new: zero steps", change: func(*sources.Ticket) {}, want: []string{}, end: "Closed", endDept: 2},
		{
			name: "new replies and a note, status unchanged: folded into the last new reply",
			change: func(t *sources.Ticket) {
				t.Entries = append(t.Entries, cust("4", 20, "broken again"), note("5", 25, "hm"), staffE("6", 30, "fixed again"))
			},
			want: []string{"AddTicketReply 4 guest=cynthia@example.com", "AddTicketNote 5", "AddTicketReply 6 admin=jane status=Closed"},
			end:  "Closed", endDept: 2,
		},
		{
			name:   "status change, no new reply: UpdateTicket",
			change: func(t *sources.Ticket) { t.Status = "pending" },
			want:   []string{"UpdateTicket status=On Hold"},
			end:    "On Hold", endDept: 2,
		},
		{
			name:   "status change and a new note only: UpdateTicket",
			change: func(t *sources.Ticket) { t.Status = "Open"; t.Entries = append(t.Entries, note("4", 20, "reopened")) },
			want:   []string{"AddTicketNote 4", "UpdateTicket status=Open"},
			end:    "Open", endDept: 2,
		},
		{
			name: "a new customer reply arrives at the new status by itself",
			change: func(t *sources.Ticket) {
				t.Status = "customer-reply"
				t.Entries = append(t.Entries, cust("4", 20, "again"))
			},
			want: []string{"AddTicketReply 4 guest=cynthia@example.com"},
			end:  "Customer-Reply", endDept: 2,
		},
		{
			name:   "empty status: a new reply leaves what WHMCS arrives at",
			change: func(t *sources.Ticket) { t.Status = ""; t.Entries = append(t.Entries, cust("4", 20, "again")) },
			want:   []string{"AddTicketReply 4 guest=cynthia@example.com"},
			end:    "Customer-Reply", endDept: 2,
		},
		{
			name:   "priority change: one UpdateTicket carries status and priority",
			change: func(t *sources.Ticket) { t.Priority = "urgent"; t.Entries = append(t.Entries, cust("4", 20, "again")) },
			want:   []string{"AddTicketReply 4 guest=cynthia@example.com", "UpdateTicket status=Closed priority=High"},
			end:    "Closed", endDept: 2,
		},
		{
			name:   "priority change alone",
			change: func(t *sources.Ticket) { t.Priority = "low" },
			want:   []string{"UpdateTicket priority=Low"},
			end:    "Closed", endDept: 2,
		},
		{
			name:   "edited entry: drift, nothing sent",
			change: func(t *sources.Ticket) { t.Entries[1].Body = "look closer" },
			want:   []string{},
			drift:  []string{codeAt(sources.CodeDriftEdited, "2")},
			end:    "Closed", endDept: 2,
		},
		{
			name:   "deleted entry: drift",
			change: func(t *sources.Ticket) { t.Entries = slices.Delete(t.Entries, 1, 2) },
			want:   []string{},
			drift:  []string{codeAt(sources.CodeDriftDeleted, "2")},
			end:    "Closed", endDept: 2,
		},
		{
			name:   "moved department: drift, not applied",
			change: func(t *sources.Ticket) { t.Department = "Sales" },
			want:   []string{},
			drift:  []string{codeAt(sources.CodeDriftDepartment, "")},
			end:    "Closed", endDept: 2, changed: true,
		},
		{
			name:      "moved department, applied",
			change:    func(t *sources.Ticket) { t.Department = "Sales" },
			applyDept: true,
			want:      []string{"UpdateTicket dept=1"},
			drift:     []string{codeAt(sources.CodeDriftDepartment, "")},
			end:       "Closed", endDept: 1, changed: true,
		},
		{
			name: "late entry older than imported ones is still sent, in created order",
			change: func(t *sources.Ticket) {
				t.Entries = append(t.Entries, staffE("9", 7, "late"), note("8", 6, "late note"))
			},
			want: []string{"AddTicketNote 8", "AddTicketReply 9 admin=jane status=Closed"},
			end:  "Closed", endDept: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pl := newPlanner(t, Options{Config: baseConfig(), ApplyDepartmentChanges: tt.applyDept})
			prior := imported(t, pl, base())
			tk := base()
			tt.change(tk)
			p := mustPlan(t, pl, tk, prior)
			if got := describeAll(p); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("steps\n got %q\nwant %q", got, tt.want)
			}
			var drift []string
			for _, d := range p.Drift {
				if d.Severity != sources.Warning || d.Ticket != "T1" || d.Message == "" {
					t.Errorf("bad drift %+v", d)
				}
				drift = append(drift, codeAt(d.Code, d.Entry))
			}
			if !reflect.DeepEqual(drift, tt.drift) {
				t.Errorf("drift %q, want %q", drift, tt.drift)
			}
			if p.EndStatus != tt.end || p.EndDeptID != tt.endDept || p.DeptChanged != tt.changed {
				t.Errorf("end %q dept %d changed %v", p.EndStatus, p.EndDeptID, p.DeptChanged)
			}
			if p.Failed() {
				t.Errorf("problems %v", p.Problems)
			}
			// Recording this run and planning again does nothing.
			next := &Prior{Entries: maps(prior.Entries), Status: p.EndStatus, Priority: p.EndPriority, DeptID: p.EndDeptID}
			for _, s := range p.Steps {
				if s.Entry != nil {
					next.Entries[s.EntryKey] = s.Hash
				}
			}
			again := mustPlan(t, pl, tk, next)
			if len(again.Steps) != 0 {
				t.Errorf("third run plans %q", describeAll(again))
			}
		})
	}
}

func maps(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func TestPlanIncrementalHashKeys(t *testing.T) {
	// Entries without source ids: identified by hash keys.
	strip := func(tk *sources.Ticket) *sources.Ticket {
		for i := range tk.Entries {
			tk.Entries[i].ID = ""
		}
		return tk
	}
	pl := newPlanner(t, Options{Config: baseConfig()})
	prior := imported(t, pl, strip(ticket("", cust("1", 0, "help"), staffE("2", 10, "fixed"))))
	tk := strip(ticket("", cust("1", 0, "help"), staffE("2", 10, "fixed"), cust("3", 20, "thanks")))
	p := mustPlan(t, pl, tk, prior)
	if len(p.Steps) != 1 || p.Steps[0].Entry.Body != "thanks" || len(p.Drift) != 0 {
		t.Errorf("steps %q drift %v", describeAll(p), p.Drift)
	}
}

func TestPlanIncrementalNoLookupWithoutCustomerReply(t *testing.T) {
	c := baseConfig()
	c.Clients = ClientsMatchEmail
	fc := &fakeClients{ids: map[string]int64{"cynthia@example.com": 7}}
	pl := newPlanner(t, Options{Config: c, Clients: fc})
	prior := imported(t, pl, ticket("", cust("1", 0, "help")))
	fc.calls = nil
	mustPlan(t, pl, ticket("", cust("1", 0, "help"), staffE("2", 5, "x")), prior)
	if len(fc.calls) != 0 {
		t.Errorf("looked up %v for a plan with no customer reply", fc.calls)
	}
	p := mustPlan(t, pl, ticket("", cust("1", 0, "help"), cust("2", 5, "x")), prior)
	if len(fc.calls) != 1 || p.Steps[0].Reply.ClientID != 7 {
		t.Errorf("lookups %v, reply %+v", fc.calls, p.Steps[0].Reply)
	}
}

func TestStepKindString(t *testing.T) {
	for k, want := range map[StepKind]string{StepOpen: "OpenTicket", StepReply: "AddTicketReply", StepNote: "AddTicketNote", StepUpdate: "UpdateTicket", 0: "StepKind(0)"} {
		if k.String() != want {
			t.Errorf("%d: %q", int(k), k.String())
		}
	}
}

// One root cause, one problem: a ticket whose own row the source could not
// read gets no planner problem beside it, a date the source could not read
// no second "no created date", and a dropped message row no no_message.
func TestPlanOneProblemPerRootCause(t *testing.T) {
	pl := newPlanner(t, Options{Config: baseConfig()})
	blank := func(code sources.Code, field string) *sources.Ticket {
		tk := &sources.Ticket{ID: "T1", Origin: "tickets.csv:2"} // no subject, requester, department, message
		tk.AddProblem(sources.Problem{Severity: sources.Error, Code: code, Origin: tk.Origin, Field: field})
		return tk
	}
	for _, tk := range []*sources.Ticket{
		blank(sources.CodeCSVParse, ""), blank(sources.CodeInvalidUTF8, "subject"), blank(sources.CodeDuplicateTicket, "id"),
		blank(sources.CodeUnknownTicket, "ticket_id"), blank(sources.CodeMissingField, "id"),
	} {
		if got := codes(mustPlan(t, pl, tk, nil).Problems); len(got) != 1 {
			t.Errorf("%s: problems %v, want the source's only", tk.Problems[0].Code, got)
		}
	}

	for _, code := range []sources.Code{sources.CodeBadDate, sources.CodeDSTGap} {
		tk := ticket("resolved", cust("1", 0, "help"), cust("2", 5, "more"))
		tk.Entries[1].Created = time.Time{}
		tk.AddProblem(sources.Problem{Severity: sources.Error, Code: code, Entry: "2", Origin: tk.Entries[1].Origin, Field: "created"})
		if got := codes(mustPlan(t, pl, tk, nil).Problems); !slices.Equal(got, []string{asError(code)}) {
			t.Errorf("%s: problems %v, want it alone", code, got)
		}
	}

	tk := ticket("resolved", note("2", 5, "internal"))
	tk.AddProblem(sources.Problem{Severity: sources.Error, Code: sources.CodeCSVParse, Origin: "messages.csv:7"})
	if got := codes(mustPlan(t, pl, tk, nil).Problems); !slices.Equal(got, []string{asError(sources.CodeCSVParse)}) {
		t.Errorf("dropped message row: problems %v, want csv_parse alone", got)
	}

	tk = ticket("resolved", cust("1", 0, "help"))
	tk.Requester.Email = "Cynthia <cynthia"
	p := mustPlan(t, pl, tk, nil)
	if len(p.Problems) != 1 || !strings.Contains(p.Problems[0].Message, "is not an email address") || strings.Contains(p.Problems[0].Message, "mail:") {
		t.Errorf("invalid email: %v", p.Problems)
	}
}
