package mysql

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/internal/syncbenchtest"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// BenchmarkNoopSyncOsTicket: a no-op re-run over 100,000 imported osTicket
// tickets (500,000 thread entries) in the throwaway MariaDB, against its
// first run's source read. See internal/syncbenchtest for what is measured.
//
//	go test -run '^$' -bench NoopSyncOsTicket -benchtime 3x ./sources/mysql/
func BenchmarkNoopSyncOsTicket(b *testing.B) {
	const tickets = 100_000
	name, db := fixtureDB(b, "syncbench", osTicketSchema(b, "ost_"), osFixture)
	start := time.Now()
	n := strconv.Itoa(tickets)
	for _, q := range []string{
		"DELETE FROM ost_ticket", "DELETE FROM ost_thread", "DELETE FROM ost_thread_entry",
		"DELETE FROM ost_form_entry", "DELETE FROM ost_form_entry_values", "DELETE FROM ost_attachment",
		`INSERT INTO ost_ticket (ticket_id, number, user_id, status_id, dept_id, created, updated, lastupdate)
		 SELECT seq, LPAD(seq, 6, '0'), 1 + seq % 2, 1, 1 + seq % 3, '2024-01-01 00:00:00' + INTERVAL seq MINUTE,
		        '2024-06-01 00:00:00' + INTERVAL seq MINUTE, NULL FROM seq_1_to_` + n,
		`INSERT INTO ost_thread (id, object_id, object_type, created) SELECT seq, seq, 'T', NOW() FROM seq_1_to_` + n,
		`INSERT INTO ost_form_entry (id, form_id, object_id, object_type, created, updated)
		 SELECT seq, 2, seq, 'T', NOW(), NOW() FROM seq_1_to_` + n,
		`INSERT INTO ost_form_entry_values (entry_id, field_id, value, value_id)
		 SELECT seq, 20, CONCAT('Generated ticket ', seq), NULL FROM seq_1_to_` + n + `
		 UNION ALL SELECT seq, 22, 'Normal', 2 FROM seq_1_to_` + n,
		`INSERT INTO ost_thread_entry (id, pid, thread_id, staff_id, user_id, type, flags, poster, source, body, format, created, updated)
		 SELECT (t.seq - 1) * 5 + k.seq, 0, t.seq, IF(k.seq % 2 = 0, 1, 0), IF(k.seq % 2 = 0, 0, 1 + t.seq % 2),
		        ELT(k.seq, 'M', 'R', 'M', 'N', 'M'), IF(k.seq = 1, 1, 0), 'poster', '',
		        CONCAT('<p>Message ', k.seq, ' of ticket ', t.seq, '. ', REPEAT('Lorem ipsum dolor sit amet. ', 6), '</p>'),
		        'html', '2024-01-01 00:00:00' + INTERVAL t.seq MINUTE + INTERVAL k.seq SECOND, NOW()
		 FROM seq_1_to_` + n + ` t JOIN seq_1_to_5 k`,
	} {
		if _, err := db.Exec(q); err != nil {
			b.Fatalf("generate: %v\n%s", err, q)
		}
	}
	b.Logf("generated %d osTicket tickets in %s", tickets, time.Since(start).Round(time.Millisecond))
	syncbenchtest.Run(b, syncbenchtest.Options{
		Tickets: tickets,
		Open: func(ctx context.Context) (sources.Source, error) {
			return Open(ctx, Options{Preset: PresetOsTicket, DSN: srv.DSN(name)}, sources.Env{Location: time.UTC})
		},
	})
}
