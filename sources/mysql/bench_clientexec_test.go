package mysql

import (
	"strconv"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// BenchmarkClientExecRead reads 100,000 ClientExec tickets (500,000
// messages and notes plus 100,000 status lines left out, 10,000 files)
// from the throwaway MariaDB, and reports tickets/s and the process's peak
// RSS (VmHWM).
//
//	go test -run '^$' -bench ClientExecRead -benchtime 1x ./sources/mysql/
func BenchmarkClientExecRead(b *testing.B) {
	name, db := fixtureDB(b, "cebench", clientexecDDL, clientexecFixture)
	n := strconv.Itoa(benchTickets)
	start := time.Now()
	for _, q := range []string{
		"DELETE FROM troubleticket", "DELETE FROM troubleticket_log", "DELETE FROM troubleticket_files",
		// Every generated file row names the one file benchFile writes.
		"ALTER TABLE troubleticket_files DROP INDEX filekey",
		`INSERT INTO troubleticket (id, userid, subject, priority, datesubmitted, status, assignedtoid, assignedtodeptid, lastlog_datetime)
		 SELECT seq, IF(seq % 4, 101, 103), CONCAT('Generated ticket ', seq), 1 + seq % 3, '2024-01-01 00:00:00' + INTERVAL seq MINUTE,
		        ELT(1 + seq % 3, 0, 1, -1), IF(seq % 2, 102, 0), 1 + seq % 2, '2024-06-01 00:00:00' + INTERVAL seq MINUTE FROM seq_1_to_` + n,
		// Six rows each: customer message, staff reply, note, status line, customer message, staff reply.
		`INSERT INTO troubleticket_log (id, troubleticketid, logtype, newstate, message, userid, mydatetime, private)
		 SELECT (t.seq - 1) * 6 + k.seq, t.seq, IF(k.seq = 4, 1, 0), IF(k.seq = 4, 'Open', NULL),
		        IF(k.seq = 4, '', CONCAT('Message ', k.seq, ' of ticket ', t.seq, '. ', REPEAT('Lorem ipsum dolor sit amet. ', 6))),
		        IF(k.seq IN (1, 5), 101, 102), '2024-01-01 00:00:00' + INTERVAL t.seq MINUTE + INTERVAL k.seq SECOND, k.seq = 3
		 FROM seq_1_to_` + n + ` t JOIN seq_1_to_6 k`,
		// Every tenth ticket's first message has a file.
		`INSERT INTO troubleticket_files (ticketid, filename, dateadded, filekey, userid, troubleticket_log_id)
		 SELECT seq, 'a.txt', '2024-01-01 00:00:00', 'benchbenchbench0', 101, (seq - 1) * 6 + 1 FROM seq_1_to_` + n + ` WHERE seq % 10 = 0`,
	} {
		if _, err := db.Exec(q); err != nil {
			b.Fatalf("generate: %v\n%s", err, q)
		}
	}
	b.Logf("generated %d tickets, %d log rows in %s", benchTickets, 6*benchTickets, time.Since(start).Round(time.Millisecond))
	benchRead(b, Options{Preset: PresetClientExec, DSN: srv.DSN(name), AttachmentsDir: benchFile(b, "benchbenchbench0")},
		sources.Env{Location: time.UTC}, 5)
}
