package mysql

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// benchRead reads every ticket of the source opts opens, b.N times, checks
// the totals and reports tickets/s, entries/s and the process's peak RSS.
func benchRead(b *testing.B, opts Options, env sources.Env, entriesPer int) {
	b.ResetTimer()
	var tickets, entries, atts int
	for b.Loop() {
		s, err := Open(context.Background(), opts, env)
		if err != nil {
			b.Fatal(err)
		}
		for tk, err := range s.Tickets(context.Background(), sources.ReadOptions{}) {
			if err != nil {
				b.Fatal(err)
			}
			if len(tk.Problems) > 0 {
				b.Fatalf("ticket %s: %v", tk.ID, tk.Problems)
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
	if tickets != benchTickets*b.N || entries != entriesPer*benchTickets*b.N || atts != benchTickets/10*b.N {
		b.Fatalf("read %d tickets, %d entries, %d attachments", tickets, entries, atts)
	}
	b.ReportMetric(float64(tickets)/b.Elapsed().Seconds(), "tickets/s")
	b.ReportMetric(float64(entries)/b.Elapsed().Seconds(), "entries/s")
	if hwm := vmHWM(); hwm > 0 {
		b.ReportMetric(float64(hwm)/1024, "peak-RSS-MiB")
	}
}

// benchFile writes the one attachment file every generated attachment row
// names, under a fresh attachments_dir.
func benchFile(b *testing.B, rel string) string {
	dir := b.TempDir()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("attached\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}

// BenchmarkFreeScoutRead reads 100,000 FreeScout conversations (500,000
// migrated threads plus 100,000 line items left out, 10,000 attachments)
// from the throwaway MariaDB, and reports tickets/s and the process's peak
// RSS (VmHWM).
//
//	go test -run '^$' -bench FreeScoutRead -benchtime 1x ./sources/mysql/
func BenchmarkFreeScoutRead(b *testing.B) {
	name, db := fixtureDB(b, "fsbench", freescoutDDL, freescoutFixture)
	n := strconv.Itoa(benchTickets)
	start := time.Now()
	for _, q := range []string{
		"DELETE FROM conversations", "DELETE FROM threads", "DELETE FROM attachments",
		`INSERT INTO conversations (id, number, type, folder_id, status, state, subject, customer_email, cc, preview, mailbox_id, user_id, customer_id,
		   source_via, source_type, created_at, updated_at)
		 SELECT seq, 10000 + seq, 1, 1, 1 + seq % 3, 2, CONCAT('Generated conversation ', seq), IF(seq % 2, 'carol@example.com', ''),
		        IF(seq % 5 = 0, '["boss@acme.example"]', NULL), '', 1 + seq % 2, 1, 1 + seq % 2, 1, 1,
		        '2024-01-01 00:00:00' + INTERVAL seq MINUTE, '2024-06-01 00:00:00' + INTERVAL seq MINUTE FROM seq_1_to_` + n,
		// Six threads each: customer, agent, note, line item, customer, agent.
		`INSERT INTO threads (id, conversation_id, user_id, type, state, body, ` + "`from`" + `, source_via, source_type,
		   created_by_user_id, created_by_customer_id, first, created_at, updated_at)
		 SELECT (c.seq - 1) * 6 + k.seq, c.seq, 1, ELT(k.seq, 1, 2, 3, 4, 1, 2), 2,
		        IF(k.seq = 4, NULL, CONCAT('<div>Message ', k.seq, ' of conversation ', c.seq, '. ', REPEAT('Lorem ipsum dolor sit amet. ', 6), '</div>')),
		        IF(k.seq IN (1, 5), 'carol@example.com', NULL), 1, 1,
		        IF(k.seq IN (1, 5), NULL, 1), IF(k.seq IN (1, 5), 1 + c.seq % 2, NULL), k.seq = 1,
		        '2024-01-01 00:00:00' + INTERVAL c.seq MINUTE + INTERVAL k.seq SECOND, '2024-01-01 00:00:00' + INTERVAL c.seq MINUTE + INTERVAL k.seq SECOND
		 FROM seq_1_to_` + n + ` c JOIN seq_1_to_6 k`,
		// Every tenth conversation's first thread has an attachment.
		`INSERT INTO attachments (thread_id, file_dir, file_name, mime_type, type, size)
		 SELECT (seq - 1) * 6 + 1, '0/0/1/', 'a.txt', 'text/plain', 0, 9 FROM seq_1_to_` + n + ` WHERE seq % 10 = 0`,
	} {
		if _, err := db.Exec(q); err != nil {
			b.Fatalf("generate: %v\n%s", err, q)
		}
	}
	b.Logf("generated %d conversations, %d threads in %s", benchTickets, 6*benchTickets, time.Since(start).Round(time.Millisecond))
	benchRead(b, Options{Preset: PresetFreeScout, DSN: srv.DSN(name), AttachmentsDir: benchFile(b, "0/0/1/a.txt")},
		sources.Env{Location: time.UTC}, 5)
}

// BenchmarkBlestaRead reads 100,000 Blesta tickets (500,000 replies and
// notes plus 100,000 log rows left out, 10,000 attachments) from the
// throwaway MariaDB, and reports tickets/s and the process's peak RSS
// (VmHWM).
//
//	go test -run '^$' -bench BlestaRead -benchtime 1x ./sources/mysql/
func BenchmarkBlestaRead(b *testing.B) {
	name, db := fixtureDB(b, "blbench", blestaDDL, blestaFixture)
	n := strconv.Itoa(benchTickets)
	start := time.Now()
	for _, q := range []string{
		"DELETE FROM support_tickets", "DELETE FROM support_replies", "DELETE FROM support_attachments", "DELETE FROM support_ticket_recipients",
		`INSERT INTO support_tickets (id, code, department_id, staff_id, client_id, email, summary, priority, status, date_added, date_updated)
		 SELECT seq, 1000000 + seq, 1 + seq % 2, 1, IF(seq % 4, 10, NULL), IF(seq % 4, NULL, 'guest@example.net'), CONCAT('Generated ticket ', seq),
		        ELT(1 + seq % 5, 'emergency', 'critical', 'high', 'medium', 'low'), 'open',
		        '2024-01-01 00:00:00' + INTERVAL seq MINUTE, '2024-06-01 00:00:00' + INTERVAL seq MINUTE FROM seq_1_to_` + n,
		// Six rows each: client reply, staff reply, note, log, client reply, staff reply.
		`INSERT INTO support_replies (id, ticket_id, staff_id, type, details, date_added)
		 SELECT (t.seq - 1) * 6 + k.seq, t.seq, IF(k.seq IN (1, 5), NULL, 1), ELT(k.seq, 'reply', 'reply', 'note', 'log', 'reply', 'reply'),
		        CONCAT('Message ', k.seq, ' of ticket ', t.seq, '. ', REPEAT('Lorem *ipsum* dolor sit amet. ', 6)),
		        '2024-01-01 00:00:00' + INTERVAL t.seq MINUTE + INTERVAL k.seq SECOND
		 FROM seq_1_to_` + n + ` t JOIN seq_1_to_6 k`,
		`INSERT INTO support_ticket_recipients (ticket_id, email) SELECT seq, 'boss@acme.example' FROM seq_1_to_` + n + ` WHERE seq % 5 = 0`,
		// Every tenth ticket's first reply has an attachment.
		`INSERT INTO support_attachments (reply_id, name, file_name)
		 SELECT (seq - 1) * 6 + 1, 'a.txt', '/home/blesta/uploads/1/support_manager_files/a.txt' FROM seq_1_to_` + n + ` WHERE seq % 10 = 0`,
	} {
		if _, err := db.Exec(q); err != nil {
			b.Fatalf("generate: %v\n%s", err, q)
		}
	}
	b.Logf("generated %d tickets, %d replies in %s", benchTickets, 6*benchTickets, time.Since(start).Round(time.Millisecond))
	benchRead(b, Options{Preset: PresetBlesta, DSN: srv.DSN(name), AttachmentsDir: benchFile(b, "1/support_manager_files/a.txt")},
		sources.Env{}, 5)
}

// BenchmarkKayakoRead reads 100,000 Kayako tickets (400,000 posts, one of
// them private, and 100,000 ticket notes; 100,000 audit lines left out;
// 10,000 attachments in database chunks) from the throwaway MariaDB, and
// reports tickets/s and the process's peak RSS (VmHWM).
//
//	go test -run '^$' -bench KayakoRead -benchtime 1x ./sources/mysql/
func BenchmarkKayakoRead(b *testing.B) {
	name, db := fixtureDB(b, "kybench", kayakoDDL, kayakoFixture)
	n := strconv.Itoa(benchTickets)
	start := time.Now()
	for _, q := range []string{
		"DELETE FROM swtickets", "DELETE FROM swticketposts", "DELETE FROM swticketnotes", "DELETE FROM swattachments",
		"DELETE FROM swattachmentchunks", "DELETE FROM swticketrecipients", "DELETE FROM swticketauditlogs",
		`INSERT INTO swtickets (ticketid, ticketmaskid, departmentid, ticketstatusid, priorityid, userid, fullname, email, ownerstaffid,
		   subject, dateline, lastactivity, creator)
		 SELECT seq, CONCAT('ABC-', LPAD(seq % 1000, 3, '0'), '-', LPAD(seq, 5, '0')), 1 + seq % 2, 1 + seq % 3, 1 + seq % 4, 5,
		        'Carol Customer', 'carol@example.com', seq % 2, CONCAT('Generated ticket ', seq), 1704067200 + seq * 60, 1717200000 + seq * 60, 2
		 FROM seq_1_to_` + n,
		// Four posts each: customer (HTML), staff, private (a note), customer (text).
		`INSERT INTO swticketposts (ticketpostid, ticketid, dateline, fullname, email, creator, ishtml, staffid, isprivate, contents)
		 SELECT (t.seq - 1) * 4 + k.seq, t.seq, 1704067200 + t.seq * 60 + k.seq, IF(k.seq IN (1, 4), 'Carol Customer', 'Alice Agent'),
		        IF(k.seq IN (1, 4), 'carol@example.com', 'alice@example.com'), IF(k.seq IN (1, 4), 2, 1), k.seq = 1, IF(k.seq IN (1, 4), 0, 1), k.seq = 3,
		        CONCAT(IF(k.seq = 1, '<p>', ''), 'Message ', k.seq, ' of ticket ', t.seq, '. ', REPEAT('Lorem ipsum dolor sit amet. ', 6), IF(k.seq = 1, '</p>', ''))
		 FROM seq_1_to_` + n + ` t JOIN seq_1_to_4 k`,
		`INSERT INTO swticketnotes (linktype, linktypeid, staffid, staffname, dateline, note)
		 SELECT 1, seq, 2, 'Bob Builder', 1704067200 + seq * 60 + 10, CONCAT('Note on ticket ', seq) FROM seq_1_to_` + n,
		`INSERT INTO swticketauditlogs (ticketid, dateline, actiontype, actionmsg) SELECT seq, 1704067200 + seq * 60, 4, 'Status changed' FROM seq_1_to_` + n,
		`INSERT INTO swticketrecipients (ticketid, ticketemailid, recipienttype) SELECT seq, 2, 2 FROM seq_1_to_` + n + ` WHERE seq % 5 = 0`,
		// Every tenth ticket's first post has an attachment in the database.
		`INSERT INTO swattachments (attachmentid, linktype, linktypeid, ticketid, filename, filesize, attachmenttype)
		 SELECT seq, 1, (seq - 1) * 4 + 1, seq, 'a.txt', 9, 1 FROM seq_1_to_` + n + ` WHERE seq % 10 = 0`,
		`INSERT INTO swattachmentchunks (attachmentid, contents, notbase64) SELECT seq, 'attached\n', 1 FROM seq_1_to_` + n + ` WHERE seq % 10 = 0`,
	} {
		if _, err := db.Exec(q); err != nil {
			b.Fatalf("generate: %v\n%s", err, q)
		}
	}
	b.Logf("generated %d tickets, %d posts, %d notes in %s", benchTickets, 4*benchTickets, benchTickets, time.Since(start).Round(time.Millisecond))
	benchRead(b, Options{Preset: PresetKayako, DSN: srv.DSN(name)}, sources.Env{}, 5)
}
