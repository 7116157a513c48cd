package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// The demo imports every sample ticket into the sandbox, exactly: each
// reply and note once, in order, dated to the second, with its author and
// attachments (sha256), the mapped final status, and no email sent. Text
// is expected as the sandbox stores it (StoredText): with entities and
// emoji folded by default, as real installs do, and as sent under
// --literal.
func TestDemoImportsSamplesExactly(t *testing.T) {
	for _, tc := range []struct {
		name    string
		literal bool
		text    string // the banner's storage mode
	}{
		{"realistic", false, `text: sanitised (<>&"' stored as entities), utf8 3-byte (emoji stored as ?)`},
		{"literal", true, "text: literal"},
	} {
		t.Run(tc.name, func(t *testing.T) { testDemoImports(t, tc.literal, tc.text) })
	}
}

func testDemoImports(t *testing.T, literal bool, mode string) {
	var out, errb bytes.Buffer
	g := &globals{stdout: &out, stderr: &errb, logFormat: "text", logLevel: "warn"}
	res, err := demo(context.Background(), g, demoFlags{samples: "../../samples", show: 3, noProgress: true, literal: literal})
	if res != nil && res.server != nil {
		defer res.server.Close()
	}
	if err != nil {
		t.Fatalf("demo: %v\n%s\n%s", err, out.String(), errb.String())
	}
	// --show 3 prints 3 tickets: the 2 richest, and one with a contact's
	// reply; each with its old number, custom fields and assignee.
	if !strings.Contains(out.String(), "emails sent to customers: 0") || strings.Count(out.String(), "── Ticket #") != 3 ||
		!strings.Contains(out.String(), mode+")") || strings.Count(out.String(), "   old number ") != 3 ||
		!strings.Contains(out.String(), "Ravi Patel (contact)") || !strings.Contains(out.String(), "assigned to ") {
		t.Errorf("demo output:\n%s", out.String())
	}
	// Each shown ticket's replies and notes are in date order, notes
	// among the replies where they were written.
	dated := regexp.MustCompile(`^   (\d{4}-\d\d-\d\d \d\d:\d\d) \S+  (note by )?`)
	shownNotes := 0
	for _, block := range strings.Split(out.String(), "── Ticket #")[1:] {
		prev := ""
		for _, l := range strings.Split(block, "\n") {
			m := dated.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			if m[2] != "" {
				shownNotes++
			}
			if m[1] < prev { // one zone per ticket, so the text sorts as the dates
				t.Errorf("demo prints %s after %s:\n%s", m[1], prev, block)
			}
			prev = m[1]
		}
	}
	if shownNotes == 0 {
		t.Errorf("the shown tickets have no note:\n%s", out.String())
	}
	st := res.server.State()
	if st.Storage.Sanitize == literal || st.Storage.ThreeByte == literal {
		t.Fatalf("sandbox storage %+v with literal=%v", st.Storage, literal)
	}
	stored := res.server.StoredText
	if len(st.Emails) != 0 {
		t.Errorf("emails sent: %+v", st.Emails)
	}
	if len(res.source) < 50 || len(st.Tickets) != len(res.source) {
		t.Fatalf("WHMCS has %d tickets for %d sample tickets", len(st.Tickets), len(res.source))
	}
	if res.report.Tickets.Imported != len(res.source) {
		t.Fatalf("report: %+v", res.report.Tickets)
	}
	byID := map[int64]whmcstest.TicketState{}
	for _, tk := range st.Tickets {
		byID[tk.ID] = tk
	}
	statuses := map[string]string{"new": "Open", "answered": "Answered", "waiting": "Customer-Reply", "resolved": "Closed",
		"pending": "On Hold", "in progress": "In Progress"}
	staff := map[string]string{"jane@helpdesk.example.com": "jane", "Mike Ross": "mike", "ana@helpdesk.example.com": "ana"}
	var attachments, notes, staffReplies, guests, specials int
	// What travels besides the thread (samples/csv.yaml: number in custom
	// field 1, plan 2, server 3; assignees through mapping.staff to the
	// seed's admin ids; Ravi Patel is contact 1 of client 4).
	admins := map[string]int64{"jane@helpdesk.example.com": 2, "Mike Ross": 3, "ana@helpdesk.example.com": 4}
	var numbers, customs, assigned, ccs, contacts int
	for _, src := range res.source {
		got, ok := byID[res.ids[src.ID]]
		if !ok {
			t.Errorf("ticket %s not in WHMCS", src.ID)
			continue
		}
		entries := append([]sources.Entry(nil), src.Entries...)
		sort.SliceStable(entries, func(i, j int) bool { return entries[i].Created.Before(entries[j].Created) })
		var replies, ns []sources.Entry
		for _, e := range entries {
			if e.Kind == sources.Note {
				ns = append(ns, e)
			} else {
				replies = append(replies, e)
			}
		}
		if want := stored(src.Subject); got.Subject != want {
			t.Errorf("ticket %s: subject %q, want %q", src.ID, got.Subject, want)
		}
		if got.UserID == 0 { // a guest: WHMCS holds the requester's name as sent
			guests++
			if want := stored(src.Requester.Name); got.Name != want {
				t.Errorf("ticket %s: guest name %q, want %q", src.ID, got.Name, want)
			}
			if strings.ContainsAny(src.Requester.Name, `<>&"'`) {
				specials++
			}
		}
		if !sameWall(got.Date, replies[0].Created) {
			t.Errorf("ticket %s: opened %v, want %v", src.ID, got.Date, replies[0].Created)
		}
		checkAttachments(t, res.server, src.ID+" opening", got.Attachments, replies[0].Attachments)
		attachments += len(replies[0].Attachments)
		if len(got.Replies) != len(replies)-1 {
			t.Errorf("ticket %s: %d replies, want %d", src.ID, len(got.Replies), len(replies)-1)
			continue
		}
		for i, rp := range got.Replies {
			want := replies[i+1]
			if !sameWall(rp.Date, want.Created) {
				t.Errorf("ticket %s reply %d: date %v, want %v", src.ID, i+1, rp.Date, want.Created)
			}
			if want.Kind == sources.StaffReply {
				staffReplies++
				u := staff[want.Author.Email]
				if u == "" {
					u = staff[want.Author.Name]
				}
				if u == "" {
					u = "admin"
				}
				if rp.AdminUsername != u {
					t.Errorf("ticket %s reply %d: by %q, want %q", src.ID, i+1, rp.AdminUsername, u)
				}
			} else if rp.AdminUsername != "" {
				t.Errorf("ticket %s reply %d: customer reply sent as admin %q", src.ID, i+1, rp.AdminUsername)
			}
			checkAttachments(t, res.server, src.ID+" reply", rp.Attachments, want.Attachments)
			attachments += len(want.Attachments)
		}
		if len(got.Notes) != len(ns) {
			t.Errorf("ticket %s: %d notes, want %d", src.ID, len(got.Notes), len(ns))
			continue
		}
		for i, n := range got.Notes {
			notes++
			if !sameWall(n.Date, ns[i].Created) || !strings.Contains(n.Message, stored(ns[i].Author.Name)) {
				t.Errorf("ticket %s note %d: %v %q", src.ID, i, n.Date, n.Message)
			}
			checkAttachments(t, res.server, src.ID+" note", n.Attachments, ns[i].Attachments)
		}
		want := statuses[strings.ToLower(src.Status)]
		if want == "" {
			want = src.Status
		}
		if want == "" {
			switch last := replies[len(replies)-1]; {
			case len(replies) == 1:
				want = "Open"
			case last.Kind == sources.StaffReply:
				want = "Answered"
			default:
				want = "Customer-Reply"
			}
		}
		if got.Status != want {
			t.Errorf("ticket %s: status %q, want %q (source %q)", src.ID, got.Status, want, src.Status)
		}
		fields := map[int]string{1: src.Number, 2: src.Fields["plan"], 3: src.Fields["server"]}
		for id, v := range fields {
			if v == "" {
				delete(fields, id)
			}
		}
		if !reflect.DeepEqual(got.CustomFields, fields) {
			t.Errorf("ticket %s: custom fields %v, want %v", src.ID, got.CustomFields, fields)
		}
		numbers += min(1, len(src.Number))
		customs += len(fields) - min(1, len(src.Number))
		if a := src.Assignee.Email + src.Assignee.Name; got.Flag != admins[a] {
			t.Errorf("ticket %s: assigned to admin %d, want %d (%q)", src.ID, got.Flag, admins[a], a)
		} else if got.Flag != 0 {
			assigned++
		}
		if cc := strings.Join(src.CC, ","); got.CC != stored(cc) {
			t.Errorf("ticket %s: cc %q, want %q", src.ID, got.CC, cc)
		} else if cc != "" {
			ccs++
		}
		for i, rp := range got.Replies {
			if replies[i+1].Author.Email == "ravi.patel@reilly.example" {
				if rp.ClientID != 4 || rp.ContactID != 1 {
					t.Errorf("ticket %s reply %d: Ravi Patel's as client %d contact %d, want client 4 contact 1", src.ID, i+1, rp.ClientID, rp.ContactID)
				}
				contacts++
			} else if rp.ContactID != 0 {
				t.Errorf("ticket %s reply %d: contact %d, want none", src.ID, i+1, rp.ContactID)
			}
		}
	}
	if numbers != len(res.source) || customs == 0 || assigned == 0 || ccs == 0 || contacts == 0 {
		t.Errorf("samples carry too little: %d numbers, %d custom field values, %d assignees, %d cc lists, %d contact replies",
			numbers, customs, assigned, ccs, contacts)
	}
	if attachments == 0 || notes == 0 || staffReplies == 0 || guests == 0 || specials == 0 {
		t.Errorf("samples exercise too little: %d attachments, %d notes, %d staff replies, %d guests (%d named with <>&\"')",
			attachments, notes, staffReplies, guests, specials)
	}
}

// checkAttachments compares stored attachments with the source's: names as
// sb stores them, content by sha256.
func checkAttachments(t *testing.T, sb *whmcstest.Server, where string, got []whmcstest.FileState, want []sources.Attachment) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d attachments, want %d", where, len(got), len(want))
		return
	}
	for i, a := range want {
		rc, err := a.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		sum := sha256.Sum256(data)
		if name := sb.StoredFileName(a.Name); got[i].Name != name || got[i].SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: attachment %d = %s %s, want %s %x", where, i, got[i].Name, got[i].SHA256, name, sum)
		}
	}
}

// demo --show N prints N tickets, not N+1.
func TestDemoShowN(t *testing.T) {
	for _, n := range []int{1, 5} {
		var out bytes.Buffer
		g := &globals{stdout: &out, stderr: io.Discard, logFormat: "text", logLevel: "warn"}
		res, err := demo(context.Background(), g, demoFlags{samples: "../../samples", show: n, noProgress: true})
		if res != nil && res.server != nil {
			res.server.Close()
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Count(out.String(), "── Ticket #"); got != n {
			t.Errorf("--show %d printed %d tickets", n, got)
		}
	}
}
