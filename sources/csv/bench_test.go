package csv

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// BenchmarkStreamMillion streams a generated source of 100,000 tickets and
// 1,000,000 messages (about 300 bytes of body each, 0.3 GB in all). The
// messages are interleaved (every ticket's first message, then every
// ticket's second...), the worst order for the index. It reports messages
// per second and the process's peak RSS (VmHWM), whose goal is < 200 MB.
//
//	go test -run '^$' -bench StreamMillion -benchtime 1x ./sources/csv
func BenchmarkStreamMillion(b *testing.B) {
	tickets, perTicket := benchSize()
	dir := b.TempDir()
	generate(b, dir, tickets, perTicket)
	if hwm, err := peakRSS(); err == nil {
		b.Logf("peak RSS after generating the files: %.1f MB", hwm)
	}
	s, err := Open(Options{Path: dir}, sources.Env{Location: time.UTC})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ResetTimer()
	rows := 0
	for b.Loop() {
		n, bytes := 0, 0
		for tk, err := range s.Tickets(context.Background(), sources.ReadOptions{}) {
			if err != nil {
				b.Fatal(err)
			}
			if len(tk.Problems) > 0 {
				b.Fatalf("%s: %v", tk.ID, tk.Problems)
			}
			for _, e := range tk.Entries {
				bytes += len(e.Body)
			}
			n += len(tk.Entries)
		}
		if n != tickets*perTicket {
			b.Fatalf("read %d messages, want %d", n, tickets*perTicket)
		}
		rows += n
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	if hwm, err := peakRSS(); err == nil {
		b.ReportMetric(hwm, "peak-RSS-MB")
	} else {
		b.Logf("peak RSS unknown: %v", err)
	}
}

func generate(b *testing.B, dir string, tickets, perTicket int) {
	b.Helper()
	tf, err := os.Create(filepath.Join(dir, TicketsFile))
	if err != nil {
		b.Fatal(err)
	}
	tw := bufio.NewWriterSize(tf, 1<<20)
	tw.WriteString("id,subject,department,status,priority,email,name,created,updated\n")
	for i := range tickets {
		fmt.Fprintf(tw, "T%d,Subject of ticket %d,Sales,Closed,Medium,user%d@example.com,User %d,2024-01-01 10:00:00,2024-06-01T10:00:00Z\n", i, i, i, i)
	}
	mf, err := os.Create(filepath.Join(dir, MessagesFile))
	if err != nil {
		b.Fatal(err)
	}
	mw := bufio.NewWriterSize(mf, 1<<20)
	mw.WriteString("ticket_id,id,type,author,name,email,created,body,format\n")
	body := `"` + strings.Repeat(`Lorem ipsum, dolor ""sit"" amet.`+"\n", 9) + `"`
	for j := range perTicket {
		for i := range tickets {
			mw.WriteString("T" + strconv.Itoa(i) + ",m" + strconv.Itoa(j) + ",reply,customer,User,user@example.com,")
			mw.WriteString(strconv.Itoa(1704103200 + j*3600))
			mw.WriteString("," + body + ",text\n")
		}
	}
	for _, w := range []*bufio.Writer{tw, mw} {
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
	}
	tf.Close()
	mf.Close()
}

// peakRSS reads the process's peak resident set (VmHWM) in MB.
func peakRSS() (float64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			if err != nil {
				return 0, err
			}
			return kb / 1024, nil
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/self/status")
}

// benchSize is 100,000 tickets × 10 messages, or WHMCS_MIGRATE_BENCH_TICKETS
// tickets for a quicker look.
func benchSize() (int, int) {
	if n, err := strconv.Atoi(os.Getenv("WHMCS_MIGRATE_BENCH_TICKETS")); err == nil && n > 0 {
		return n, 10
	}
	return 100_000, 10
}
