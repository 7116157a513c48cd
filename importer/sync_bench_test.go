package importer_test

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/internal/syncbenchtest"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/sources/csv"
)

// BenchmarkNoopSyncCSV: a no-op re-run over 100,000 imported tickets of a
// CSV export (500,000 messages, about 300 bytes of body each), against its
// first run's source read. See internal/syncbenchtest for what is measured.
//
//	go test -run '^$' -bench NoopSyncCSV -benchtime 3x ./importer/
func BenchmarkNoopSyncCSV(b *testing.B) {
	const tickets, perTicket = 100_000, 5
	dir := b.TempDir()
	writeCSVExport(b, dir, tickets, perTicket)
	syncbenchtest.Run(b, syncbenchtest.Options{
		Tickets: tickets,
		Open: func(context.Context) (sources.Source, error) {
			return csv.Open(csv.Options{Path: dir}, sources.Env{Location: time.UTC})
		},
	})
}

// writeCSVExport writes tickets with perTicket messages each, in ticket
// order (as helpdesk exports are), every ticket with an updated time.
func writeCSVExport(b *testing.B, dir string, tickets, perTicket int) {
	b.Helper()
	tf, err := os.Create(filepath.Join(dir, csv.TicketsFile))
	if err != nil {
		b.Fatal(err)
	}
	defer tf.Close()
	mf, err := os.Create(filepath.Join(dir, csv.MessagesFile))
	if err != nil {
		b.Fatal(err)
	}
	defer mf.Close()
	tw, mw := bufio.NewWriterSize(tf, 1<<20), bufio.NewWriterSize(mf, 1<<20)
	tw.WriteString("id,subject,department,status,priority,email,name,created,updated\n")
	mw.WriteString("ticket_id,id,type,author,name,email,created,body,format\n")
	body := `"` + strings.Repeat("Lorem ipsum, dolor \"\"sit\"\" amet.\n", 9) + `"`
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	for i := range tickets {
		id := "T" + strconv.Itoa(i)
		at := base + int64(i)*600
		last := at + int64(perTicket-1)*3600
		tw.WriteString(id + ",Subject of ticket " + strconv.Itoa(i) + ",Sales,Closed,Medium,user" + strconv.Itoa(i) +
			"@example.com,User " + strconv.Itoa(i) + "," + strconv.FormatInt(at, 10) + "," + strconv.FormatInt(last, 10) + "\n")
		for j := range perTicket {
			kind := "reply,customer"
			switch j % 3 {
			case 1:
				kind = "reply,staff"
			case 2:
				kind = "note,staff"
			}
			mw.WriteString(id + ",m" + strconv.Itoa(j) + "," + kind + ",User,user@example.com," +
				strconv.FormatInt(at+int64(j)*3600, 10) + "," + body + ",text\n")
		}
	}
	for _, w := range []*bufio.Writer{tw, mw} {
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
	}
}
