package mysql

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// benchTickets is the size of the benchmark database; 5 entries each.
const benchTickets = 100_000

// BenchmarkOsTicketRead reads 100,000 osTicket tickets (500,000 thread
// entries, 10,000 attachments) from the throwaway MariaDB, and reports tickets/s and the
// process's peak RSS (VmHWM).
//
//	go test -run '^$' -bench OsTicketRead -benchtime 1x ./sources/mysql/
func BenchmarkOsTicketRead(b *testing.B) {
	name, db := fixtureDB(b, "bench", osTicketSchema(b, "ost_"), osFixture)
	start := time.Now()
	gen := []string{
		"DELETE FROM ost_ticket", "DELETE FROM ost_thread", "DELETE FROM ost_thread_entry", "DELETE FROM ost_form_entry", "DELETE FROM ost_form_entry_values", "DELETE FROM ost_attachment",
		`INSERT INTO ost_ticket (ticket_id, number, user_id, status_id, dept_id, created, updated, lastupdate)
		 SELECT seq, LPAD(seq, 6, '0'), 1 + seq % 2, 1, 1 + seq % 3, '2024-01-01 00:00:00' + INTERVAL seq MINUTE,
		        '2024-06-01 00:00:00' + INTERVAL seq MINUTE, NULL FROM seq_1_to_` + strconv.Itoa(benchTickets),
		`INSERT INTO ost_thread (id, object_id, object_type, created) SELECT seq, seq, 'T', NOW() FROM seq_1_to_` + strconv.Itoa(benchTickets),
		`INSERT INTO ost_form_entry (id, form_id, object_id, object_type, created, updated) SELECT seq, 2, seq, 'T', NOW(), NOW() FROM seq_1_to_` + strconv.Itoa(benchTickets),
		`INSERT INTO ost_form_entry_values (entry_id, field_id, value, value_id)
		 SELECT seq, 20, CONCAT('Generated ticket ', seq), NULL FROM seq_1_to_` + strconv.Itoa(benchTickets) + `
		 UNION ALL SELECT seq, 22, 'Normal', 2 FROM seq_1_to_` + strconv.Itoa(benchTickets),
		`INSERT INTO ost_thread_entry (id, pid, thread_id, staff_id, user_id, type, flags, poster, source, body, format, created, updated)
		 SELECT (t.seq - 1) * 5 + k.seq, 0, t.seq, IF(k.seq % 2 = 0, 1, 0), IF(k.seq % 2 = 0, 0, 1 + t.seq % 2),
		        ELT(k.seq, 'M', 'R', 'M', 'N', 'M'), IF(k.seq = 1, 1, 0), 'poster', '',
		        CONCAT('<p>Message ', k.seq, ' of ticket ', t.seq, '. ', REPEAT('Lorem ipsum dolor sit amet. ', 6), '</p>'),
		        'html', '2024-01-01 00:00:00' + INTERVAL t.seq MINUTE + INTERVAL k.seq SECOND, NOW()
		 FROM seq_1_to_` + strconv.Itoa(benchTickets) + ` t JOIN seq_1_to_5 k`,
		// Every tenth ticket's first message has an attachment.
		`INSERT INTO ost_attachment (object_id, type, file_id, name, inline)
		 SELECT (seq - 1) * 5 + 1, 'H', 2, NULL, 0 FROM seq_1_to_` + strconv.Itoa(benchTickets) + ` WHERE seq % 10 = 0`,
	}
	for _, q := range gen {
		if _, err := db.Exec(q); err != nil {
			b.Fatalf("generate: %v\n%s", err, q)
		}
	}
	b.Logf("generated %d tickets, %d entries in %s", benchTickets, 5*benchTickets, time.Since(start).Round(time.Millisecond))

	b.ResetTimer()
	var tickets, entries, atts int
	for b.Loop() {
		s, err := Open(context.Background(), Options{Preset: "osticket", DSN: srv.DSN(name)}, sources.Env{})
		if err != nil {
			b.Fatal(err)
		}
		for tk, err := range s.Tickets(context.Background(), sources.ReadOptions{}) {
			if err != nil {
				b.Fatal(err)
			}
			tickets++
			entries += len(tk.Entries)
			for _, e := range tk.Entries {
				atts += len(e.Attachments)
			}
		}
		s.Close()
	}
	b.StopTimer()
	if tickets != benchTickets*b.N || entries != 5*benchTickets*b.N || atts != benchTickets/10*b.N {
		b.Fatalf("read %d tickets, %d entries, %d attachments", tickets, entries, atts)
	}
	b.ReportMetric(float64(tickets)/b.Elapsed().Seconds(), "tickets/s")
	b.ReportMetric(float64(entries)/b.Elapsed().Seconds(), "entries/s")
	if hwm := vmHWM(); hwm > 0 {
		b.ReportMetric(float64(hwm)/1024, "peak-RSS-MiB")
	}
}

// vmHWM returns the process's peak resident set in KiB, 0 when unknown.
func vmHWM() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}
