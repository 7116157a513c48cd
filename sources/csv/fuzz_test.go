package csv

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/internal/zonetest"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// FuzzReadCSV feeds arbitrary tickets.csv and messages.csv to the source.
// It must never panic; a pass over files on disk never fails as a whole;
// every ticket has a unique, non-empty id and every problem names its
// ticket and origin. The seeds run as an ordinary test.
func FuzzReadCSV(f *testing.F) {
	seeds := [][2]string{
		{"id,subject,email\nT1,s,a@example.com\n", "ticket_id,id,created,body\nT1,m1,2025-01-01 10:00:00,hi\n"},
		{"\xEF\xBB\xBFID,Subject,Email\r\nT1,\"a,\"\"b\"\"\r\nc\",a@example.com\r\n", "Ticket_ID,Created,Body\r\nT1,1735725600,\"x\r\ny\"\r\n"},
		{"id,subject,email\nT1,bare \"quote,a@example.com\n\"T2\"x,y,z\n", "ticket_id,created,body\nT\"1,2025-01-01 10:00:00,x\nT1,2025-03-30 02:30:00,gap\n"},
		{"id,subject,email,cc,client_id\nT1,s,a@example.com,\"b@example.com,c@example.com\",7\nT1,dup,a@example.com,,x\n",
			"ticket_id,id,type,author,created,body,format,attachments\nT1,1,note,staff,2025-10-26 02:30:00,<p>x</p>,html,../x;/etc/passwd;a.txt\nT9,1,memo,robot,bad,b,rtf,\n"},
		{"id,subject,email\nT1,s,a@example.com\n", "ticket_id,created,body,attachments\nT1,03/02/2024 22:15,x,dir\\a.txt\nT1,31/03/2024 02:30,y,\n"},
		{"id,subject,email\nT1,\"open,a@example.com\n", "ticket_id,created,body\nT1,2025-01-01 10:00:00,\"unterminated\n"},
		{"id,subject,email\nT\xff1,caf\xe9,a@example.com\n", "ticket_id,created,body\nT\xff1,2025-01-01 10:00:00,x\n,,\n"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	for _, name := range []string{"bad"} {
		tk, err1 := os.ReadFile(filepath.Join("testdata", name, TicketsFile))
		msg, err2 := os.ReadFile(filepath.Join("testdata", name, MessagesFile))
		if err1 == nil && err2 == nil {
			f.Add(string(tk), string(msg))
		}
	}
	berlin := zonetest.Load(f, "Europe/Berlin")
	f.Fuzz(func(t *testing.T, tickets, messages string) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, TicketsFile), []byte(tickets), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, MessagesFile), []byte(messages), 0o644); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "a.txt"), []byte("a"), 0o644)
		opts := Options{Path: dir}
		if len(messages)%2 == 1 {
			opts.DateFormat = "%d/%m/%Y %H:%M" // day-first dates through the format, half the time
		}
		s, err := Open(opts, sources.Env{Location: berlin})
		if err != nil {
			return // a header the source refuses: a config error, not a panic
		}
		defer s.Close()
		n, err := s.Count(context.Background())
		if err != nil {
			t.Fatalf("count: %v", err)
		}
		seen := map[string]bool{}
		yielded := 0
		for tk, err := range s.Tickets(context.Background(), sources.ReadOptions{}) {
			if err != nil {
				t.Fatalf("pass failed: %v", err)
			}
			yielded++
			if tk.ID == "" || seen[tk.ID] {
				t.Fatalf("ticket id %q empty or repeated (origin %s)", tk.ID, tk.Origin)
			}
			seen[tk.ID] = true
			if tk.Origin == "" {
				t.Fatalf("ticket %s without origin", tk.ID)
			}
			for _, p := range tk.Problems {
				if p.Origin == "" || p.Code == "" || p.Ticket != tk.ID {
					t.Fatalf("ticket %s: incomplete problem %#v", tk.ID, p)
				}
			}
			for _, e := range tk.Entries {
				if e.Origin == "" {
					t.Fatalf("ticket %s: entry without origin", tk.ID)
				}
				if !e.Created.IsZero() && e.Created.Location() == nil {
					t.Fatalf("ticket %s: entry time without location", tk.ID)
				}
			}
		}
		if yielded < n {
			t.Fatalf("Count %d, but only %d tickets yielded: rows were dropped", n, yielded)
		}
	})
}
