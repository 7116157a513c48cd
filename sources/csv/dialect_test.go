package csv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// The files of one small data set in several dialects read as the same
// tickets, line numbers included, and the temporary UTF-8 copies go with
// Close.
func TestDialects(t *testing.T) {
	tickets := "id,subject,email,name\nT1,Grüße,a@example.com,Zoë\nT2,\"multi\nline, quoted\",b@example.com,\n"
	messages := "ticket_id,id,created,body\nT1,m1,2025-01-01 10:00:00,\"Bitte prüfen; danke\"\nT2,m1,2025-01-01 11:00:00,\"a \"\"b\"\"\nc\"\n"
	ref := readAll(t, openDir(t, writeDir(t, map[string]string{"tickets.csv": tickets, "messages.csv": messages}), time.UTC, nil), sources.ReadOptions{})
	if len(ref) != 2 || ref[0].Subject != "Grüße" || ref[0].Requester.Name != "Zoë" {
		t.Fatalf("reference read: %+v", ref)
	}
	resave := func(s string, comma, eol string) string {
		// The test data has no comma inside a quoted field but the one in
		// T2's subject, which stays quoted.
		s = strings.ReplaceAll(s, "\n", eol)
		if comma == "," {
			return s
		}
		var b strings.Builder
		inQuote := false
		for _, r := range s {
			if r == '"' {
				inQuote = !inQuote
			}
			if r == ',' && !inQuote {
				b.WriteString(comma)
				continue
			}
			b.WriteRune(r)
		}
		return b.String()
	}
	utf16 := func(s string) string {
		b, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	charmapOf := func(cm *charmap.Charmap) func(string) string {
		return func(s string) string {
			b, err := cm.NewEncoder().String(s)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	for _, tc := range []struct {
		name, delimiter, encoding, comma, eol string
		encode                                func(string) string
	}{
		{"semicolon windows-1252 crlf", ";", "windows-1252", ";", "\r\n", charmapOf(charmap.Windows1252)},
		{"tab iso-8859-1", "tab", "iso-8859-1", "\t", "\n", charmapOf(charmap.ISO8859_1)},
		{"utf-16 bom", "", "utf-16", ",", "\r\n", utf16},
		{"pipe utf-8", "|", "UTF-8", "|", "\n", func(s string) string { return s }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeDir(t, map[string]string{
				"tickets.csv":  tc.encode(resave(tickets, tc.comma, tc.eol)),
				"messages.csv": tc.encode(resave(messages, tc.comma, tc.eol)),
			})
			tmpBefore, _ := filepath.Glob(filepath.Join(os.TempDir(), "whmcs-migrate-*.utf8"))
			s, err := Open(Options{Path: dir, Delimiter: tc.delimiter, Encoding: tc.encoding}, sources.Env{Location: time.UTC})
			if err != nil {
				t.Fatal(err)
			}
			got := readAll(t, s, sources.ReadOptions{})
			if len(got) != len(ref) {
				t.Fatalf("%d tickets, want %d", len(got), len(ref))
			}
			for i := range ref {
				g, w := got[i], ref[i]
				if g.ID != w.ID || g.Origin != w.Origin || g.Subject != w.Subject || g.Requester != w.Requester || len(g.Problems) != 0 ||
					len(g.Entries) != len(w.Entries) || g.Entries[0].Body != w.Entries[0].Body || g.Entries[0].Origin != w.Entries[0].Origin {
					t.Errorf("ticket %d: %+v\nwant %+v", i, g, w)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			tmpAfter, _ := filepath.Glob(filepath.Join(os.TempDir(), "whmcs-migrate-*.utf8"))
			if len(tmpAfter) > len(tmpBefore) {
				t.Errorf("temporary copies left: %v", tmpAfter)
			}
		})
	}
}

// The usual mistakes get an error that names the option to set.
func TestDialectHints(t *testing.T) {
	semicolon := writeDir(t, map[string]string{
		"tickets.csv":  "id;subject;email\nT1;s;a@example.com\n",
		"messages.csv": "ticket_id;created;body\nT1;2025-01-01 10:00:00;b\n",
	})
	_, err := Open(Options{Path: semicolon}, sources.Env{})
	if err == nil || !strings.Contains(err.Error(), "source.delimiter") || strings.Contains(err.Error(), "columns") {
		t.Errorf("semicolon file read with commas: %v", err)
	}
	tab := writeDir(t, map[string]string{
		"tickets.csv":  "id\tsubject\temail\nT1\ts\ta@example.com\n",
		"messages.csv": "ticket_id,created,body\nT1,2025-01-01 10:00:00,b\n",
	})
	if _, err := Open(Options{Path: tab}, sources.Env{}); err == nil || !strings.Contains(err.Error(), "source.delimiter: tab") {
		t.Errorf("tab file read with commas: %v", err)
	}

	latin1 := "id,subject,email\nT1,Gr\xfc\xdfe,a@example.com\n"
	dir := writeDir(t, map[string]string{"tickets.csv": latin1, "messages.csv": "ticket_id,created,body\nT1,2025-01-01 10:00:00,b\n"})
	ts := readAll(t, openDir(t, dir, time.UTC, nil), sources.ReadOptions{})
	if len(ts) != 1 || len(ts[0].Problems) != 1 || ts[0].Problems[0].Code != sources.CodeInvalidUTF8 ||
		!strings.Contains(ts[0].Problems[0].Message, "source.encoding") {
		t.Errorf("Latin-1 row read as UTF-8: %+v", ts)
	}
	hdr := writeDir(t, map[string]string{"tickets.csv": "id,subj\xe9t,email\n", "messages.csv": "ticket_id,created,body\n"})
	if _, err := Open(Options{Path: hdr}, sources.Env{}); err == nil || !strings.Contains(err.Error(), "source.encoding") {
		t.Errorf("Latin-1 header read as UTF-8: %v", err)
	}
	utf16 := writeDir(t, map[string]string{"tickets.csv": "\xff\xfei\x00d\x00\n\x00", "messages.csv": "ticket_id,created,body\n"})
	if _, err := Open(Options{Path: utf16}, sources.Env{}); err == nil || !strings.Contains(err.Error(), "source.encoding") {
		t.Errorf("UTF-16 read as UTF-8: %v", err)
	}

	for _, o := range []Options{{Path: dir, Delimiter: "::"}, {Path: dir, Encoding: "ebcdic"}} {
		if _, err := Open(o, sources.Env{}); err == nil || !strings.Contains(err.Error(), "source.") {
			t.Errorf("%+v: %v", o, err)
		}
	}
}
