package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/importer"
	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/internal/importtest"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/sources/sourcetest"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

func verifyAll(t *testing.T, e *importtest.Env, src sources.Source, o Config) *report.Verify {
	t.Helper()
	o.Source, o.Client, o.Planner, o.Store = src, e.Client, e.Planner, e.Store
	if o.Concurrency == 0 {
		o.Concurrency = 4
	}
	rep, err := Tickets(context.Background(), o)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return rep
}

type fieldOf struct{ ticket, field, entry string }

func diffSet(ds []report.Difference) []fieldOf {
	var out []fieldOf
	for _, d := range ds {
		out = append(out, fieldOf{d.Ticket, d.Field, d.Entry})
	}
	return out
}

func TestVerifyPassesAfterImport(t *testing.T) { importtest.ForModes(t, testVerifyPassesAfterImport) }

func testVerifyPassesAfterImport(t *testing.T, mode whmcstest.Options) {
	e := importtest.NewWith(t, mode)
	src := sourcetest.NewMemory(importtest.Tickets(12))
	e.ImportAll(t, src)
	writes := e.Srv.WriteCalls()
	rep := verifyAll(t, e, src, Config{})
	if !rep.OK() || rep.Checked != 12 || rep.Matching != 12 || rep.Differing != 0 || rep.Missing != 0 || len(rep.Differences) != 0 {
		t.Fatalf("verify after import: %+v\n%s", rep, textOf(rep))
	}
	if w := e.Srv.WriteCalls(); w != writes {
		t.Errorf("verify made %d write calls", w-writes)
	}
	if !strings.Contains(textOf(rep), "Everything matches.") {
		t.Errorf("summary: %s", textOf(rep))
	}
}

func textOf(r *report.Verify) string {
	var b bytes.Buffer
	r.WriteText(&b)
	return b.String()
}

// The done-when of issue 8: every kind of tampering is found and named
// against the right ticket, and only there.
func TestVerifyDetectsTampering(t *testing.T) { importtest.ForModes(t, testVerifyDetectsTampering) }

func testVerifyDetectsTampering(t *testing.T, mode whmcstest.Options) {
	e := importtest.NewWith(t, mode)
	all := importtest.Tickets(10)
	src := sourcetest.NewMemory(all[:9]) // V009 is added to the source after the import
	e.ImportAll(t, src)
	ctx := context.Background()

	// V001: a reply's date moved by an hour (reply index 0 is entry 2, the
	// staff reply; V001 has an early note, so replies are still 2, 4, 5).
	if err := e.Srv.SetReplyDate(e.WHMCSID(t, "V001"), 0, all[1].Entries[1].Created.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// V002: the customer reply (entry 4) deleted.
	if err := e.Srv.DeleteReply(e.WHMCSID(t, "V002"), 1); err != nil {
		t.Fatal(err)
	}
	// V003: the note's text changed.
	if err := e.Srv.SetNoteMessage(e.WHMCSID(t, "V003"), 0, "**Mike:**\n\nInternal: nothing to see."); err != nil {
		t.Fatal(err)
	}
	// V004: a second copy, opened through the API as a re-run without a
	// checkpoint would.
	v4, err := e.Direct.GetTicket(ctx, &whmcs.GetTicketRequest{TicketID: e.WHMCSID(t, "V004")})
	if err != nil {
		t.Fatal(err)
	}
	// The source's subject, as the re-run would send it (v4.Subject is
	// what WHMCS made of it).
	dup, err := e.Direct.OpenTicket(ctx, &whmcs.OpenTicketRequest{DeptID: v4.DeptID, Subject: all[4].Subject, Message: "Hello again",
		Name: all[4].Requester.Name, Email: all[4].Requester.Email, Created: v4.Date, NoEmail: true})
	if err != nil {
		t.Fatal(err)
	}
	// V005: its status changed (it ends Customer-Reply... or whatever the
	// plan says: set something else).
	v5, err := e.Direct.GetTicket(ctx, &whmcs.GetTicketRequest{TicketID: e.WHMCSID(t, "V005")})
	if err != nil {
		t.Fatal(err)
	}
	newStatus := "In Progress"
	if v5.Status == newStatus {
		t.Fatalf("V005 already %s", newStatus)
	}
	if err := e.Direct.UpdateTicket(ctx, &whmcs.UpdateTicketRequest{TicketID: v5.TicketID, Status: newStatus}); err != nil {
		t.Fatal(err)
	}
	// V006: deleted in WHMCS.
	if err := e.Direct.DeleteTicket(ctx, e.WHMCSID(t, "V006")); err != nil {
		t.Fatal(err)
	}

	// V007: the note holds its text as sent, unsanitised and unfolded: a
	// difference on a WHMCS known to sanitise and fold, nothing on one
	// known to store text as sent.
	p7, err := e.Planner.Plan(ctx, all[7], nil)
	if err != nil {
		t.Fatal(err)
	}
	var note string
	for _, st := range p7.Steps {
		if st.Kind == mapping.StepNote {
			note = st.Message
		}
	}
	if err := e.Srv.SetNoteMessage(e.WHMCSID(t, "V007"), 0, note); err != nil {
		t.Fatal(err)
	}

	src = sourcetest.NewMemory(all)
	rep := verifyAll(t, e, src, Config{Concurrency: 3})
	want := []fieldOf{
		{"V001", "reply.date", "2"},
		{"V002", "reply", "4"},
		{"V003", "note.body", "3"},
		{"V004", report.FieldDuplicate, ""},
		{"V005", report.FieldStatus, ""},
		{"V006", report.FieldTicket, ""},
		{"V007", "note.body", "3"},
		{"V009", report.FieldNotImported, ""},
	}
	differing := 7
	if !mode.Sanitize {
		want = slices.DeleteFunc(want, func(f fieldOf) bool { return f.ticket == "V007" })
		differing = 6
	}
	if got := diffSet(rep.Differences); !slices.Equal(got, want) {
		t.Fatalf("differences:\n got %v\nwant %v\n%s", got, want, textOf(rep))
	}
	if rep.Checked != 9 || rep.Differing != differing || rep.Matching != 9-differing || rep.Missing != 1 || rep.OK() {
		t.Errorf("counts: %+v", rep)
	}
	byField := map[string]report.Difference{}
	for _, d := range rep.Differences {
		if d.Ticket != "V007" {
			byField[d.Field] = d
		}
	}
	wantDate := all[1].Entries[1].Created.In(e.Zone).Format(time.DateTime)
	gotDate := all[1].Entries[1].Created.Add(time.Hour).In(e.Zone).Format(time.DateTime)
	if d := byField["reply.date"]; d.Expected != wantDate || d.Actual != gotDate || d.WHMCSID != e.WHMCSID(t, "V001") {
		t.Errorf("reply.date: %+v, want %s -> %s", d, wantDate, gotDate)
	}
	if d := byField["reply"]; d.Actual != "absent" || !strings.Contains(d.Expected, "screenshot") {
		t.Errorf("deleted reply: %+v", d)
	}
	if d := byField["note.body"]; !strings.Contains(d.Expected, "VIP") || !strings.Contains(d.Actual, "nothing to see") {
		t.Errorf("note.body: %+v", d)
	}
	if d := byField[report.FieldDuplicate]; !strings.Contains(d.Actual, fmt.Sprintf("WHMCS ticket %d ", dup.ID)) {
		t.Errorf("duplicate: %+v (dup %d)", d, dup.ID)
	}
	if d := byField[report.FieldStatus]; d.Actual != newStatus || d.Expected != v5.Status {
		t.Errorf("status: %+v", d)
	}

	// The JSON report has the documented shape.
	b, err := rep.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var j struct {
		Tickets     map[string]int   `json:"tickets"`
		Differences []map[string]any `json:"differences"`
	}
	if err := json.Unmarshal(b, &j); err != nil {
		t.Fatal(err)
	}
	if j.Tickets["checked"] != 9 || j.Tickets["matching"] != 9-differing || j.Tickets["differing"] != differing || j.Tickets["missing"] != 1 || len(j.Differences) != len(want) {
		t.Errorf("JSON: %s", b)
	}
	for _, k := range []string{"ticket", "whmcs_id", "field", "entry", "expected", "actual"} {
		if _, ok := j.Differences[0][k]; !ok {
			t.Errorf("JSON difference lacks %q: %v", k, j.Differences[0])
		}
	}
	// The HTML page names every difference, escaped.
	var h bytes.Buffer
	if err := rep.WriteHTML(&h); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"V001", "reply.date", "V009", "not_imported", "**Mike:**"} {
		if !strings.Contains(h.String(), s) {
			t.Errorf("HTML lacks %q", s)
		}
	}
	if strings.Contains(h.String(), "<b>screenshot</b>") || strings.Contains(h.String(), "http") {
		t.Errorf("HTML not escaped or not self-contained")
	}

	// --only narrows to the tickets named; a --sample checks that many.
	rep = verifyAll(t, e, src, Config{Only: []string{"V000", "V003"}})
	if got := diffSet(rep.Differences); rep.Checked != 2 || !slices.Equal(got, []fieldOf{{"V003", "note.body", "3"}}) {
		t.Errorf("--only: checked %d, %v", rep.Checked, got)
	}
	rep = verifyAll(t, e, src, Config{Sample: 4, Rand: rand.New(rand.NewPCG(1, 2))})
	if rep.Checked != 4 || rep.Missing != 1 {
		t.Errorf("--sample 4: %+v", rep)
	}
}

// The comparison itself, against hand-built GetTicket answers: what each
// kind of change is called.
func TestVerifyCompare(t *testing.T) {
	zone := time.FixedZone("CST", -6*3600)
	planner, err := mapping.NewPlanner(mapping.Options{Config: mapping.Config{Departments: map[string]mapping.Department{"Sales": {ID: 1}},
		DefaultStaff: "admin", Clients: mapping.ClientsGuest}})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2022, 1, 3, 10, 0, 0, 0, time.UTC)
	src := &sources.Ticket{ID: "A", Subject: "Help", Department: "Sales", Status: "Closed",
		Requester: sources.Person{Name: "Ann", Email: "ann@example.com"},
		Entries: []sources.Entry{
			{ID: "1", Kind: sources.CustomerReply, Author: sources.Person{Email: "ann@example.com"}, Created: at, Body: "Hi"},
			{ID: "2", Kind: sources.StaffReply, Author: sources.Person{Name: "Bo"}, Created: at.Add(time.Hour), Body: "Hello Ann",
				Attachments: []sources.Attachment{importtest.Attachment("a.txt", "x")}},
			{ID: "3", Kind: sources.Note, Author: sources.Person{Name: "Bo"}, Created: at.Add(2 * time.Hour), Body: "note"},
		}}
	p, err := planner.Plan(context.Background(), src, nil)
	if err != nil || p.Failed() {
		t.Fatalf("plan: %v %+v", err, p.Problems)
	}
	exact := func() *whmcs.Ticket {
		return &whmcs.Ticket{TicketID: 7, DeptID: 1, Name: "Ann", Email: "ann@example.com", Subject: "Help", Status: "Closed", Priority: "Medium",
			Replies: []whmcs.Reply{
				{ReplyID: 0, Name: "Ann", Email: "ann@example.com", Date: at.In(zone), Message: "Hi"},
				{ReplyID: 4, Admin: "Demo Admin", Date: at.Add(time.Hour).In(zone), Message: "Hello Ann\r\n", Attachment: "123456_a.txt"},
			},
			Notes: []whmcs.Note{{NoteID: 2, Date: at.Add(2 * time.Hour), Message: "Bo:\n\nnote", Admin: "Demo Admin"}},
		}
	}
	v := &verifier{loc: zone, admins: map[string]string{"admin": "Demo Admin"}}
	base := report.Difference{Ticket: "A", WHMCSID: 7}
	if ds := v.compare(base, p, exact()); len(ds) != 0 {
		t.Fatalf("exact copy differs: %+v", ds)
	}
	for _, c := range []struct {
		name   string
		tamper func(*whmcs.Ticket)
		want   []fieldOf
	}{
		{"subject", func(w *whmcs.Ticket) { w.Subject = "Help!" }, []fieldOf{{"A", "subject", ""}}},
		{"department", func(w *whmcs.Ticket) { w.DeptID = 2 }, []fieldOf{{"A", "department", ""}}},
		{"requester", func(w *whmcs.Ticket) { w.Email = "other@example.com" }, []fieldOf{{"A", "requester", ""}}},
		{"requester is a client", func(w *whmcs.Ticket) { w.UserID = 3 }, []fieldOf{{"A", "requester", ""}}},
		{"priority", func(w *whmcs.Ticket) { w.Priority = "High" }, []fieldOf{{"A", "priority", ""}}},
		{"opening date", func(w *whmcs.Ticket) { w.Replies[0].Date = w.Replies[0].Date.Add(time.Second) }, []fieldOf{{"A", "opening.date", "1"}}},
		{"sub-second is not a difference", func(w *whmcs.Ticket) { w.Replies[0].Date = w.Replies[0].Date.Add(999 * time.Millisecond) }, nil},
		{"staff author", func(w *whmcs.Ticket) { w.Replies[1].Admin = "Sam Support" }, []fieldOf{{"A", "reply.author", "2"}}},
		{"staff reply now a guest's", func(w *whmcs.Ticket) { w.Replies[1].Admin, w.Replies[1].Name = "", "Bo" }, []fieldOf{{"A", "reply.author", "2"}}},
		{"attachment removed", func(w *whmcs.Ticket) { w.Replies[1].AttachmentsRemoved = true }, []fieldOf{{"A", "reply.attachments", "2"}}},
		{"attachment lost", func(w *whmcs.Ticket) { w.Replies[1].Attachment = "" }, []fieldOf{{"A", "reply.attachments", "2"}}},
		{"attachment renamed", func(w *whmcs.Ticket) {
			w.Replies[1].Attachments = []whmcs.AttachmentRef{{Filename: "b.txt"}}
		}, []fieldOf{{"A", "reply.attachments", "2"}}},
		{"body and date: absent and extra", func(w *whmcs.Ticket) {
			w.Replies[1].Message, w.Replies[1].Date = "edited", w.Replies[1].Date.Add(time.Minute)
		}, []fieldOf{{"A", "reply", "2"}, {"A", "reply", ""}}},
		{"extra reply", func(w *whmcs.Ticket) {
			w.Replies = append(w.Replies, whmcs.Reply{ReplyID: 9, Name: "X", Email: "x@example.com", Date: at, Message: "spam"})
		}, []fieldOf{{"A", "reply", ""}}},
		{"note missing", func(w *whmcs.Ticket) { w.Notes = nil }, []fieldOf{{"A", "note", "3"}}},
		{"note date", func(w *whmcs.Ticket) { w.Notes[0].Date = at }, []fieldOf{{"A", "note.date", "3"}}},
		{"html entities are a difference", func(w *whmcs.Ticket) { w.Replies[0].Message = "Hi&amp;" }, []fieldOf{{"A", "opening.body", "1"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := exact()
			c.tamper(w)
			if got := diffSet(v.compare(base, p, w)); !slices.Equal(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}

	// Without GetAdminUsers, any admin will do for a staff reply.
	v.admins = nil
	w := exact()
	w.Replies[1].Admin = "Sam Support"
	if ds := v.compare(base, p, w); len(ds) != 0 {
		t.Errorf("without admin names: %+v", ds)
	}
}

func TestExcerpts(t *testing.T) {
	long := strings.Repeat("a", 200)
	a, b := excerpts(long+"X tail", long+"Y tail")
	if !strings.HasPrefix(a, "…") || !strings.Contains(a, "X tail") || !strings.Contains(b, "Y tail") {
		t.Errorf("excerpts: %q %q", a, b)
	}
	if a, b := excerpts("same", "same"); a != "same" || b != "same" {
		t.Errorf("equal: %q %q", a, b)
	}
	if a, _ := excerpts(strings.Repeat("é", 500), ""); len([]rune(a)) != excerptLen+1 {
		t.Errorf("cut: %d runes", len([]rune(a)))
	}
}

// A role without GetAdminUsers still verifies: staff replies are then only
// checked to be by an admin. Any other authentication failure stops verify.
func TestVerifyWithoutGetAdminUsers(t *testing.T) {
	e := importtest.NewWith(t, whmcstest.Options{AllowedActions: []string{"OpenTicket", "AddTicketReply", "AddTicketNote",
		"UpdateTicket", "GetTicket", "GetTickets", "GetClients"}})
	src := sourcetest.NewMemory(importtest.Tickets(3))
	e.ImportAll(t, src)
	rep := verifyAll(t, e, src, Config{})
	if !rep.OK() || rep.Checked != 3 {
		t.Fatalf("verify without GetAdminUsers: %+v\n%s", rep, textOf(rep))
	}
	h, err := whmcs.NewHTTP(whmcs.Options{URL: e.Srv.APIURL(), Identifier: e.Srv.Identifier, Secret: "wrong", Location: e.Zone})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Tickets(context.Background(), Config{Source: src, Client: whmcs.NewClient(h, e.Zone), Planner: e.Planner, Store: e.Store})
	if !whmcs.IsAuth(err) {
		t.Errorf("verify with a wrong secret: %v", err)
	}
}

// Progress counts the tickets compared against the number to compare, and
// an interruption returns what was checked so far, marked, with
// importer.ErrInterrupted.
func TestVerifyProgressAndInterrupt(t *testing.T) {
	e := importtest.New(t)
	src := sourcetest.NewMemory(importtest.Tickets(12))
	e.ImportAll(t, src)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var calls []int
	rep, err := Tickets(ctx, Config{Source: src, Client: e.Client, Planner: e.Planner, Store: e.Store, Concurrency: 1,
		Progress: func(done, total int) {
			mu.Lock()
			defer mu.Unlock()
			if total != 12 {
				t.Errorf("total %d, want 12", total)
			}
			calls = append(calls, done)
			if done == 5 {
				cancel()
			}
		}})
	if !errors.Is(err, importer.ErrInterrupted) || rep == nil {
		t.Fatalf("Tickets = %v, %v; want a report and ErrInterrupted", rep, err)
	}
	if !rep.Interrupted || rep.Checked < 5 || rep.Checked >= 12 || rep.Checked != len(calls) || calls[0] != 1 {
		t.Errorf("interrupted report %+v after progress %v", rep, calls)
	}
	b, err := rep.JSON()
	if err != nil || !strings.Contains(string(b), `"interrupted": true`) || !strings.Contains(textOf(rep), "Interrupted") {
		t.Errorf("renderings do not say interrupted: %s\n%s", b, textOf(rep))
	}
}
