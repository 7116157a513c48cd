package importer_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/importer"
	"github.com/whmcs-migrate/whmcs-migrate/internal/importtest"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/sources/sourcetest"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// BenchmarkSyncConflictReads: what a sync's conflict reads cost. 1,000
// tickets are imported through the sandbox; each op changes 100 of them at
// the source (a new reply each), 10 of which people also changed in WHMCS
// (a status), and syncs. A sync reads, before writing, only the tickets it
// changes: one GetTicket each, none for the 900 unchanged.
//
//	go test -run '^$' -bench SyncConflictReads -benchtime 5x ./importer/
//
// Metrics: gettickets/changed (every GetTicket the sandbox served ÷ tickets
// changed; the run's canary read-back adds one per run), conflict-reads/changed
// (the reads made before writing ÷ tickets changed), noop-gettickets (a
// sync with no change at the source), conflicts/op.
func BenchmarkSyncConflictReads(b *testing.B) {
	const total, changed, inWHMCS = 1000, 100, 10
	e := importtest.NewWith(b, whmcstest.Options{})
	tickets := importtest.Tickets(total)
	ctx := context.Background()
	sync := func() (int, int64, int) {
		b.Helper()
		before := e.Srv.Calls()["GetTicket"]
		rep, err := importer.Import(ctx, importer.Config{Source: sourcetest.NewMemory(cloneTickets(tickets)), Client: e.Client,
			Planner: e.Planner, Store: e.Store, Concurrency: 8})
		if err != nil || rep.Tickets.Failed != 0 {
			b.Fatalf("sync: %v %+v", err, rep.Failures)
		}
		return e.Srv.Calls()["GetTicket"] - before, rep.ConflictReads, len(rep.Conflicts)
	}
	sync() // the import
	noop, _, _ := sync()
	var reads, guards int64
	conflicts := 0
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		for j := range changed {
			tk := tickets[j*total/changed]
			last := tk.Entries[len(tk.Entries)-1].Created
			for _, en := range tk.Entries {
				if en.Created.After(last) {
					last = en.Created
				}
			}
			tk.Entries = append(tk.Entries, sources.Entry{ID: fmt.Sprintf("b%d", i), Kind: sources.StaffReply,
				Author: sources.Person{Name: "Jane Staff", Email: "jane@old.example"}, Created: last.Add(time.Minute), Body: fmt.Sprintf("Update %d.", i)})
			if j < inWHMCS {
				if err := e.Srv.Apply(whmcstest.Change{Action: whmcstest.ChangeStatus, TicketID: e.WHMCSID(b, tk.ID),
					Status: []string{"On Hold", "In Progress"}[i%2]}); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.StartTimer()
		n, g, c := sync()
		reads += int64(n)
		guards += g
		conflicts += c
	}
	b.ReportMetric(float64(reads)/float64(b.N*changed), "gettickets/changed")
	b.ReportMetric(float64(guards)/float64(b.N*changed), "conflict-reads/changed")
	b.ReportMetric(float64(noop), "noop-gettickets")
	b.ReportMetric(float64(conflicts)/float64(b.N), "conflicts/op")
}
