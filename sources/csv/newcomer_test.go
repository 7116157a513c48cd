package csv

import (
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/internal/zonetest"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// TestWindowsAttachmentPaths: "\" separates as "/" does, through the same
// root-confined resolver, and messages print the path as written.
func TestWindowsAttachmentPaths(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"tickets.csv": "id,subject,email\nT1,s,a@example.com\n",
		"messages.csv": "ticket_id,id,created,body,attachments\n" +
			`T1,win,2025-01-01 10:00:00,b,attachments\quote-2024.pdf;attachments\sub\b.txt` + "\n" +
			`T1,missing,2025-01-01 10:00:00,b,attachments\nope.pdf` + "\n" +
			`T1,dots,2025-01-01 10:00:00,b,attachments\..\..\secret.txt` + "\n" +
			`T1,drive,2025-01-01 10:00:00,b,C:\export\attachments\quote-2024.pdf` + "\n" +
			`T1,unc,2025-01-01 10:00:00,b,\\server\share\a.txt` + "\n",
		"attachments/quote-2024.pdf": "%PDF",
		"attachments/sub/b.txt":      "bb",
	})
	tk := readAll(t, openDir(t, dir, time.UTC, nil), sources.ReadOptions{})[0]
	win := tk.Entries[0].Attachments
	if len(win) != 2 || win[0].Name != "quote-2024.pdf" || win[0].Size != 4 || win[1].Name != "b.txt" || win[1].Size != 2 {
		t.Fatalf("windows paths: %+v", win)
	}
	r, err := win[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	if string(b) != "%PDF" {
		t.Errorf("read %q", b)
	}
	want := map[string]sources.Code{
		"missing": sources.CodeAttachmentMissing, "dots": sources.CodeAttachmentEscape,
		"drive": sources.CodeAttachmentEscape, "unc": sources.CodeAttachmentEscape,
	}
	got := map[string]sources.Code{}
	for _, p := range tk.Problems {
		got[p.Entry] = p.Code
		if p.Entry == "missing" && !strings.Contains(p.Message, `"attachments\\nope.pdf"`) {
			t.Errorf("message %q: want the path as written", p.Message)
		}
	}
	if len(got) != len(want) {
		t.Errorf("problems %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("entry %s: %q, want %q", k, got[k], v)
		}
	}
}

// TestMissingColumnIsOneHeaderError: a missing subject column is one
// config error naming the file and the column, not one error per ticket.
func TestMissingColumnIsOneHeaderError(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"tickets.csv":  "id,title,email\nT1,s,a@example.com\nT2,s,b@example.com\n",
		"messages.csv": "ticket_id,created,body\nT1,2025-01-01 10:00:00,x\n",
	})
	_, err := Open(Options{Path: dir}, sources.Env{Location: time.UTC})
	if err == nil {
		t.Fatal("opened without a subject column")
	}
	if !errors.Is(err, sources.ErrConfig) {
		t.Errorf("%v: does not match sources.ErrConfig (exit 2)", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "tickets.csv:1: missing required column subject") || strings.Count(msg, "\n") > 0 {
		t.Errorf("error %q: want one line naming tickets.csv and subject", msg)
	}
	// A bad option is a config error too.
	dir = writeDir(t, map[string]string{
		"tickets.csv": "id,subject,email\n", "messages.csv": "ticket_id,created,body\n",
	})
	if _, err := Open(Options{Path: dir, DateFormat: "%H:%M"}, sources.Env{}); !errors.Is(err, sources.ErrConfig) ||
		!strings.Contains(err.Error(), "source.date_format") {
		t.Errorf("a bad date_format: %v, want a config error naming source.date_format", err)
	}
}

// TestManyUnknownColumnsBounded: 100,000 unknown columns give a warning of
// bounded size that names the first and counts the rest.
func TestManyUnknownColumnsBounded(t *testing.T) {
	var hdr, row strings.Builder
	hdr.WriteString("id,subject,email")
	row.WriteString("T1,s,a@example.com")
	for i := range 100000 {
		hdr.WriteString(",extra" + itoa(i))
		row.WriteString(",")
	}
	dir := writeDir(t, map[string]string{
		"tickets.csv":  hdr.String() + "\n" + row.String() + "\n",
		"messages.csv": "ticket_id,created,body\nT1,2025-01-01 10:00:00,x\n",
	})
	var logged strings.Builder
	s, err := Open(Options{Path: dir}, sources.Env{Location: time.UTC, Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if len(s.unknown) != 1 {
		t.Fatalf("unknown-column problems: %d, want 1", len(s.unknown))
	}
	msg := s.unknown[0].Message
	if len(msg) > 1000 || !strings.Contains(msg, "extra0, extra1") || !strings.Contains(msg, "99,980 more (100,000 in all)") {
		t.Errorf("warning (%d bytes) %q: want the first names and a count", len(msg), msg)
	}
	if len(s.unknown[0].Field) > 1000 || logged.Len() > 2000 {
		t.Errorf("field %d bytes, log %d bytes: want them bounded", len(s.unknown[0].Field), logged.Len())
	}
}

// TestDatesAsPeopleWriteThem: minute-precision dates read by default; a day-first date
// without date_format is a bad_date naming the option; with it, every date
// column reads it.
func TestDatesAsPeopleWriteThem(t *testing.T) {
	berlin := zonetest.Load(t, "Europe/Berlin")
	files := func(created, updated, msg string) map[string]string {
		return map[string]string{
			"tickets.csv":  "id,subject,email,created,updated\nT1,s,a@example.com," + created + "," + updated + "\n",
			"messages.csv": "ticket_id,created,body\nT1," + msg + ",x\n",
		}
	}
	read := func(opts Options, f map[string]string) *sources.Ticket {
		opts.Path = writeDir(t, f)
		s, err := Open(opts, sources.Env{Location: berlin})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		return readAll(t, s, sources.ReadOptions{})[0]
	}
	tk := read(Options{}, files("2024-02-03 22:15", "2024-02-03T22:16", "2024-02-03 22:17"))
	if len(tk.Problems) != 0 {
		t.Fatalf("minute-precision dates: %v", tk.Problems)
	}
	if got := tk.Entries[0].Created.UTC().Format(time.RFC3339); got != "2024-02-03T21:17:00Z" {
		t.Errorf("message created %s", got)
	}

	tk = read(Options{}, files("03/02/2024 22:15:09", "03/02/2024 22:15:09", "03/02/2024 22:15:09"))
	if len(tk.Problems) == 0 {
		t.Fatal("a day-first date without date_format was read")
	}
	for _, p := range tk.Problems {
		if p.Code != sources.CodeBadDate || !strings.Contains(p.Message, "source.date_format") || !strings.Contains(p.Message, "never guessed") {
			t.Errorf("problem %v: want bad_date naming source.date_format", p)
		}
	}

	tk = read(Options{DateFormat: "%d/%m/%Y %H:%M:%S"}, files("03/02/2024 22:15:09", "04/02/2024 08:00:00", "03/02/2024 22:15:09"))
	if len(tk.Problems) != 0 {
		t.Fatalf("with date_format: %v", tk.Problems)
	}
	if got := tk.Created.UTC().Format(time.RFC3339); got != "2024-02-03T21:15:09Z" {
		t.Errorf("ticket created %s, want 3 February", got)
	}
	if got := tk.Updated.UTC().Format(time.RFC3339); got != "2024-02-04T07:00:00Z" {
		t.Errorf("ticket updated %s", got)
	}

	// Without source.timezone a format's wall-clock date still needs one.
	opts := Options{Path: writeDir(t, files("03/02/2024 22:15:09", "", "03/02/2024 22:15:09")), DateFormat: "%d/%m/%Y %H:%M:%S"}
	s, err := Open(opts, sources.Env{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, p := range readAll(t, s, sources.ReadOptions{})[0].Problems {
		if p.Code != sources.CodeBadDate || !strings.Contains(p.Message, "source.timezone") {
			t.Errorf("problem %v: want bad_date naming source.timezone", p)
		}
	}
}
