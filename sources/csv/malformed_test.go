package csv

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// BenchmarkMalformedRows reads sources where one row in five is malformed
// (a bare quote after the id, so the id is recovered from the row's first
// line), at two sizes: 10,000 and 40,000 bad rows in each file. Finding a
// bad row's line and id must cost the same whatever its place in the file,
// so ns/row must be about the same at both sizes (a rescan from the start
// of the file per bad row made the larger size about 4 times slower a row).
// The messages come four a ticket (thread=4), or all in one ticket
// (thread=all: a bad row among a long run of one ticket's messages).
//
//	go test -run '^$' -bench MalformedRows -benchtime 1x -count 2 ./sources/csv
func BenchmarkMalformedRows(b *testing.B) {
	for _, bad := range []int{10_000, 40_000} {
		for _, thread := range []int{4, 0} {
			name := fmt.Sprintf("thread=%d/bad=%d", thread, bad)
			if thread == 0 {
				name = fmt.Sprintf("thread=all/bad=%d", bad)
			}
			b.Run(name, func(b *testing.B) { benchMalformed(b, bad, thread) })
		}
	}
}

func benchMalformed(b *testing.B, bad, thread int) {
	rows := bad * 5
	dir := b.TempDir()
	generateMalformed(b, dir, rows, thread)
	s, err := Open(Options{Path: dir}, sources.Env{Location: time.UTC})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ResetTimer()
	for b.Loop() {
		n, problems := 0, 0
		for tk, err := range s.Tickets(context.Background(), sources.ReadOptions{}) {
			if err != nil {
				b.Fatal(err)
			}
			n++
			problems += len(tk.Problems)
		}
		if n != rows || problems != 2*bad {
			b.Fatalf("%d tickets with %d problems, want %d with %d", n, problems, rows, 2*bad)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(2*rows), "ns/row")
}

// generateMalformed writes a tickets.csv of rows tickets and a
// messages.csv of rows messages (thread a ticket, grouped by ticket; 0: all
// of them to T0), one row in five of each malformed, the id recoverable.
func generateMalformed(tb testing.TB, dir string, rows, thread int) {
	tb.Helper()
	write := func(name string, fill func(w *bufio.Writer)) {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			tb.Fatal(err)
		}
		w := bufio.NewWriterSize(f, 1<<20)
		fill(w)
		if err := w.Flush(); err != nil {
			tb.Fatal(err)
		}
		if err := f.Close(); err != nil {
			tb.Fatal(err)
		}
	}
	write(TicketsFile, func(w *bufio.Writer) {
		w.WriteString("id,subject,department,status,priority,email,name,created,updated\n")
		for i := range rows {
			subject := fmt.Sprintf("Subject of ticket %d", i)
			if i%5 == 2 {
				subject = `a "bare" quote`
			}
			fmt.Fprintf(w, "T%d,%s,Sales,Closed,Medium,user%d@example.com,User %d,2024-01-01 10:00:00,2024-06-01T10:00:00Z\n", i, subject, i, i)
		}
	})
	write(MessagesFile, func(w *bufio.Writer) {
		w.WriteString("ticket_id,id,type,author,name,email,created,body,format\n")
		for j := range rows {
			i := 0
			if thread > 0 {
				i = j / thread
			}
			if i%5 == 2 {
				i = (i/5)*5 + 1 // a broken ticket's messages are not read: give them to its neighbour
			}
			body := `"Hello,` + "\n" + `multi-line ""quoted"" body."`
			if j%5 == 3 {
				body = `a "bare" quote`
			}
			fmt.Fprintf(w, "T%d,m%d,reply,customer,User,user@example.com,2024-01-01 10:00:00,%s,text\n", i, j, body)
		}
	})
}

// TestManyMalformedRows: in files with a malformed row in five, each
// problem names its own row's line, and the reader goes on after each bad
// row exactly where the next one starts (every good message is read whole,
// in order), whether the bad rows fall among one long thread or among many
// short ones.
func TestManyMalformedRows(t *testing.T) {
	const rows = 600
	for _, thread := range []int{4, 0} {
		t.Run(fmt.Sprintf("thread=%d", thread), func(t *testing.T) {
			dir := t.TempDir()
			generateMalformed(t, dir, rows, thread)
			ts := readAll(t, openDir(t, dir, time.UTC, nil), sources.ReadOptions{})
			if len(ts) != rows {
				t.Fatalf("%d tickets, want %d", len(ts), rows)
			}
			// What each ticket should hold: its messages (good ones as
			// entries, bad ones as problems), with their first lines.
			type msg struct {
				id   string
				line int
				bad  bool
			}
			want := map[string][]msg{}
			line := 2
			for j := range rows {
				i := 0
				if thread > 0 {
					i = j / thread
				}
				if i%5 == 2 {
					i = (i/5)*5 + 1
				}
				bad := j%5 == 3
				id := fmt.Sprint("T", i)
				want[id] = append(want[id], msg{id: fmt.Sprint("m", j), line: line, bad: bad})
				if bad {
					line++
				} else {
					line += 2 // the body holds a line end
				}
			}
			for n, tk := range ts {
				if tk.ID != fmt.Sprint("T", n) || tk.Origin != fmt.Sprintf("%s:%d", TicketsFile, n+2) {
					t.Fatalf("ticket %d is %s at %s", n, tk.ID, tk.Origin)
				}
				if n%5 == 2 {
					if len(tk.Problems) != 1 || tk.Problems[0].Code != sources.CodeCSVParse || tk.Problems[0].Origin != tk.Origin {
						t.Errorf("%s: problems %v, want one csv_parse at %s", tk.ID, tk.Problems, tk.Origin)
					}
					continue
				}
				var entries, problems []string
				var wantEntries, wantProblems []string
				for _, e := range tk.Entries {
					if e.Body != "Hello,\nmulti-line \"quoted\" body." {
						t.Errorf("%s: entry %s at %s has body %q", tk.ID, e.ID, e.Origin, e.Body)
					}
					entries = append(entries, e.ID+"@"+e.Origin)
				}
				for _, p := range tk.Problems {
					problems = append(problems, string(p.Code)+"@"+p.Origin)
				}
				for _, m := range want[tk.ID] {
					origin := fmt.Sprintf("%s:%d", MessagesFile, m.line)
					if m.bad {
						wantProblems = append(wantProblems, string(sources.CodeCSVParse)+"@"+origin)
					} else {
						wantEntries = append(wantEntries, m.id+"@"+origin)
					}
				}
				if !slices.Equal(entries, wantEntries) || !slices.Equal(problems, wantProblems) {
					t.Fatalf("%s: entries %q, problems %q; want %q, %q", tk.ID, entries, problems, wantEntries, wantProblems)
				}
			}
		})
	}
}
