package csv

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// TestMalformedRowFailsOnlyItsTicket: a row that cannot be parsed fails its
// own ticket (or a pseudo-ticket named by file:line), never the others.
func TestMalformedRowFailsOnlyItsTicket(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"tickets.csv": "id,subject,email\n" +
			"T1,fine,a@example.com\n" +
			"T2,bare \"quote,b@example.com\n" + // bare quote after the id
			"T3,fine,c@example.com\n" +
			"\"T4\"x,junk after quote,d@example.com\n" + // error inside the id field
			"T5,too,many,e@example.com\n" + // wrong field count
			"T6,fine,f@example.com\n",
		"messages.csv": "ticket_id,id,created,body\n" +
			"T1,m1,2025-01-01 10:00:00,one\n" +
			"T3,m1,2025-01-01 10:00:00,\"three\"oops\n" + // broken, ticket id recoverable
			"T6,m1,2025-01-01 10:00:00,six\n" +
			"T\"7,m1,2025-01-01 10:00:00,lost\n" + // broken inside ticket_id: unknown ticket
			"T3,m2,2025-01-01 11:00:00,three again\n" +
			"T2,m1,2025-01-01 10:00:00,two\n" +
			"T6,m2,2025-01-01 11:00:00,\"six\nmultiline\"\n" +
			"T6,m3,2025-01-01 12:00:00,x,extra\n", // wrong field count
	})
	ts := readAll(t, openDir(t, dir, time.UTC, nil), sources.ReadOptions{})
	var ids []string
	for _, tk := range ts {
		ids = append(ids, tk.ID)
	}
	wantIDs := []string{"T1", "T2", "T3", "tickets.csv:5", "T5", "T6", "messages.csv:5"}
	if !slices.Equal(ids, wantIDs) {
		t.Fatalf("tickets %q, want %q", ids, wantIDs)
	}
	m := byID(ts)
	if len(m["T1"].Problems) != 0 || len(m["T1"].Entries) != 1 {
		t.Errorf("T1 must be untouched: %v", m["T1"].Problems)
	}
	expect := func(id string, origins ...string) {
		t.Helper()
		tk := m[id]
		var got []string
		for _, p := range tk.Problems {
			if p.Code != sources.CodeCSVParse || p.Severity != sources.Error {
				t.Errorf("%s: unexpected %v", id, p)
			}
			got = append(got, p.Origin)
		}
		if !slices.Equal(got, origins) {
			t.Errorf("%s: csv_parse at %q, want %q (%v)", id, got, origins, tk.Problems)
		}
	}
	expect("T2", "tickets.csv:3")
	expect("T3", "messages.csv:3")
	expect("tickets.csv:5", "tickets.csv:5")
	expect("T5", "tickets.csv:6")
	expect("T6", "messages.csv:10")
	expect("messages.csv:5", "messages.csv:5")
	if e := m["T3"].Entries; len(e) != 1 || e[0].ID != "m2" {
		t.Errorf("T3 keeps its good entry: %+v", e)
	}
	if e := m["T6"].Entries; len(e) != 2 || e[1].Body != "six\nmultiline" || e[1].Origin != "messages.csv:8" {
		t.Errorf("T6 entries: %+v", e)
	}
	if m["T2"].Entries != nil {
		t.Errorf("T2's row is broken: its messages are not read")
	}
}

// TestUnterminatedQuote: a quote left open swallows the rest of the file;
// the rows before it are untouched and the broken one is reported.
func TestUnterminatedQuote(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"tickets.csv": "id,subject,email\nT1,fine,a@example.com\nT2,\"open quote,b@example.com\nT3,never seen,c@example.com\n",
		"messages.csv": "ticket_id,id,created,body\nT1,m1,2025-01-01 10:00:00,one\n" +
			"T1,m2,2025-01-01 10:00:00,\"unterminated\nT2,m1,2025-01-01 10:00:00,two\n",
	})
	ts := readAll(t, openDir(t, dir, time.UTC, nil), sources.ReadOptions{})
	if len(ts) != 2 || ts[0].ID != "T1" || ts[1].ID != "T2" {
		t.Fatalf("%d tickets: %+v", len(ts), ts)
	}
	if !slices.Equal(codes(ts[0].Problems), []sources.Code{sources.CodeCSVParse}) || ts[0].Problems[0].Origin != "messages.csv:3" || len(ts[0].Entries) != 1 {
		t.Errorf("T1: %v %d entries", ts[0].Problems, len(ts[0].Entries))
	}
	if !slices.Equal(codes(ts[1].Problems), []sources.Code{sources.CodeCSVParse}) || ts[1].Origin != "tickets.csv:3" {
		t.Errorf("T2: %v", ts[1].Problems)
	}
}

func TestDuplicateAndUnknownTickets(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"tickets.csv": "id,subject,email\nT1,first,a@example.com\nT2,s,b@example.com\nT1,second,c@example.com\n,no id,d@example.com\n",
		"messages.csv": "ticket_id,id,created,body\n" +
			"T9,m1,2025-01-01 10:00:00,orphan\n" +
			"T1,m1,2025-01-01 10:00:00,one\n" +
			",m1,2025-01-01 10:00:00,no ticket\n" +
			"T9,m2,2025-01-01 10:00:00,orphan 2\n" +
			"T8,m1,2025-01-01 10:00:00,orphan 3\n" +
			"T2,m1,2025-01-01 10:00:00,two\n",
	})
	ts := readAll(t, openDir(t, dir, time.UTC, nil), sources.ReadOptions{})
	var ids []string
	for _, tk := range ts {
		ids = append(ids, idCodes(tk.ID, codes(tk.Problems)...))
	}
	want := []string{idCodes("T1", sources.CodeDuplicateTicket), idCodes("T2"),
		idCodes("tickets.csv:5", sources.CodeMissingField), idCodes("T9", sources.CodeUnknownTicket),
		idCodes("messages.csv:4", sources.CodeMissingField), idCodes("T8", sources.CodeUnknownTicket)}
	if !slices.Equal(ids, want) {
		t.Fatalf("tickets %q\nwant %q", ids, want)
	}
	m := byID(ts)
	// Which T1 is right cannot be known: one ticket stands for both
	// copies, names both lines, and carries nothing else, not even its
	// messages (which are not reported as an unknown ticket's).
	dup := m["T1"]
	if dup.Origin != "tickets.csv:2" || len(dup.Entries) != 0 || dup.Subject != "" || len(dup.Problems) != 1 ||
		!strings.Contains(dup.Problems[0].Message, "2 rows of tickets.csv (lines 2, 4)") {
		t.Errorf("duplicate: %+v", dup)
	}
	if n, err := openDir(t, dir, time.UTC, nil).Count(context.Background()); err != nil || n != 3 {
		t.Errorf("Count = %d, %v; want 3 (T1 once, T2, the row without id)", n, err)
	}
	if p := m["T9"].Problems[0]; p.Origin != "messages.csv:2" || !strings.Contains(p.Message, "2 message(s)") || !strings.Contains(p.Message, "lines 2, 5") {
		t.Errorf("unknown ticket: %v", p)
	}
}

func TestAttachmentPaths(t *testing.T) {
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("secret"), 0o644)
	dir := writeDir(t, map[string]string{
		"tickets.csv": "id,subject,email\nT1,s,a@example.com\n",
		"messages.csv": "ticket_id,id,created,body,attachments\n" +
			"T1,ok,2025-01-01 10:00:00,b,files/a.txt ; files/link-in.txt;;\n" +
			"T1,abs,2025-01-01 10:00:00,b," + filepath.Join(outside, "secret.txt") + "\n" +
			"T1,dots,2025-01-01 10:00:00,b,../secret.txt\n" +
			"T1,dots2,2025-01-01 10:00:00,b,files/../../secret.txt\n" +
			"T1,inner,2025-01-01 10:00:00,b,files/../files/a.txt\n" +
			"T1,link,2025-01-01 10:00:00,b,files/link-out.txt\n" +
			"T1,dirlink,2025-01-01 10:00:00,b,outdir/secret.txt\n" +
			"T1,missing,2025-01-01 10:00:00,b,files/nope.txt\n" +
			"T1,dir,2025-01-01 10:00:00,b,files\n",
		"files/a.txt": "aaa",
	})
	if err := os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(dir, "files", "link-out.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("a.txt", filepath.Join(dir, "files", "link-in.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "outdir")); err != nil {
		t.Fatal(err)
	}
	tk := readAll(t, openDir(t, dir, time.UTC, nil), sources.ReadOptions{})[0]
	got := map[string]sources.Code{}
	for _, p := range tk.Problems {
		got[p.Entry] = p.Code
		if p.Field != "attachments" || p.Severity != sources.Error || !strings.HasPrefix(p.Origin, "messages.csv:") {
			t.Errorf("problem %v", p)
		}
	}
	want := map[string]sources.Code{
		"abs": sources.CodeAttachmentEscape, "dots": sources.CodeAttachmentEscape, "dots2": sources.CodeAttachmentEscape,
		"link": sources.CodeAttachmentEscape, "dirlink": sources.CodeAttachmentEscape,
		"missing": sources.CodeAttachmentMissing, "dir": sources.CodeAttachmentMissing,
	}
	if len(got) != len(want) {
		t.Errorf("problems %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("entry %s: %q, want %q", k, got[k], v)
		}
	}
	ok := tk.Entries[0].Attachments
	if len(ok) != 2 || ok[0].Name != "a.txt" || ok[1].Name != "link-in.txt" || ok[1].Size != 3 {
		t.Errorf("good attachments %+v", ok)
	}
	if in := tk.Entries[4].Attachments; len(in) != 1 || in[0].Size != 3 {
		t.Errorf("a path through .. that stays inside is fine: %+v", in)
	}
	// An escaped attachment is refused, never opened: no entry carries it.
	for _, e := range tk.Entries {
		for _, a := range e.Attachments {
			if a.Name == "secret.txt" {
				t.Errorf("entry %s carries %s", e.ID, a.Name)
			}
		}
	}
}

// TestAttachmentLazy: attachments are opened on demand, not when read.
func TestAttachmentLazy(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"tickets.csv":  "id,subject,email\nT1,s,a@example.com\n",
		"messages.csv": "ticket_id,created,body,attachments\nT1,2025-01-01 10:00:00,b,f.bin\n",
		"f.bin":        "v1",
	})
	tk := readAll(t, openDir(t, dir, time.UTC, nil), sources.ReadOptions{})[0]
	os.WriteFile(filepath.Join(dir, "f.bin"), []byte("version 2"), 0o644)
	rc, err := tk.Entries[0].Attachments[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b := make([]byte, 20)
	n, _ := rc.Read(b)
	if string(b[:n]) != "version 2" {
		t.Errorf("read %q: Open must read the file when called", b[:n])
	}
}

// TestUnsortedMessages: messages.csv in any order; each ticket's entries in
// file order; Want declines threads without reading them.
func TestUnsortedMessages(t *testing.T) {
	var tickets, msgs strings.Builder
	tickets.WriteString("id,subject,email,updated\n")
	msgs.WriteString("ticket_id,id,created,body\n")
	for i := 0; i < 50; i++ {
		tickets.WriteString("T" + itoa(i) + ",s,a@example.com,2025-01-01 10:00:00\n")
	}
	for j := 0; j < 5; j++ {
		for i := 49; i >= 0; i -= 1 + j%2 {
			msgs.WriteString("T" + itoa(i) + ",m" + itoa(j) + ",2025-01-01 10:00:00,\"body " + itoa(j) + "\nline 2\"\n")
		}
	}
	dir := writeDir(t, map[string]string{"tickets.csv": tickets.String(), "messages.csv": msgs.String()})
	s := openDir(t, dir, time.UTC, nil)
	ts := readAll(t, s, sources.ReadOptions{})
	if len(ts) != 50 {
		t.Fatalf("%d tickets", len(ts))
	}
	for i, tk := range ts {
		if tk.ID != "T"+itoa(i) {
			t.Fatalf("ticket %d is %s", i, tk.ID)
		}
		last := -1
		for _, e := range tk.Entries {
			j := int(e.ID[1] - '0')
			if j <= last || e.Body != "body "+itoa(j)+"\nline 2" {
				t.Errorf("%s: entry %s out of order or wrong body %q", tk.ID, e.ID, e.Body)
			}
			last = j
		}
		wantN := 3
		if i%2 == 1 { // odd tickets are hit by every pass
			wantN = 5
		}
		if len(tk.Entries) != wantN || len(tk.Problems) != 0 {
			t.Errorf("%s: %d entries, want %d; %v", tk.ID, len(tk.Entries), wantN, tk.Problems)
		}
	}
	// Want odd tickets' threads: even ones come without a thread, and
	// none of their messages are reported as belonging to an unknown
	// ticket.
	odd := map[string]bool{}
	for i := 1; i < 50; i += 2 {
		odd["T"+itoa(i)] = true
	}
	got := readAll(t, s, sources.ReadOptions{Threads: odd})
	if len(got) != 50 {
		t.Fatalf("with Threads: %d tickets", len(got))
	}
	for i, tk := range got {
		if skipped := i%2 == 0; tk.ThreadSkipped != skipped || (skipped && tk.Entries != nil) || (!skipped && len(tk.Entries) != 5) {
			t.Errorf("%s: skipped %v, %d entries", tk.ID, tk.ThreadSkipped, len(tk.Entries))
		}
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
