package importer

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/internal/policytest"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/sources/sourcetest"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// BenchmarkAdopt measures what a run on a new checkpoint costs WHMCS to
// look for the tickets it does not know, in the realistic sandbox
// (sanitised, 3-byte utf8) holding 3,000 tickets: 1,000 of this source
// (half of them half-built, as a killed import leaves them) and 2,000 of
// another (same dates and requesters, other subjects).
//
//	go test -run '^$' -bench 'BenchmarkAdopt' -benchtime 1x ./importer/
//
// adopt-1000: the source is the 1,000 tickets WHMCS holds; the goal is
// list-pages + 1,000 GetTicket at most: lookups/bound ≤ 1, where lookups
// are GetTickets and GetTicket calls (the canary's read-back aside) and
// bound is pages + adopted. none-of-this-source: a source of 1,000
// tickets WHMCS does not hold; the goal is the pages alone:
// lookups/pages ≤ 1. writes/op is what the run sent: what the half-built
// tickets missed, or the whole new import.
func BenchmarkAdopt(b *testing.B) {
	const n, others = 1000, 2000
	tickets := genTickets(n, 31)
	// The other source: its tickets share dates and requesters with
	// these, not subjects.
	otherTickets := clone(genTickets(others, 32))
	for i, t := range otherTickets {
		t.ID, t.Subject = fmt.Sprintf("O%05d", i), "Other "+t.Subject
		t.Entries = t.Entries[:1]
	}
	fresh := clone(genTickets(n, 33))
	for _, t := range fresh {
		t.ID, t.Subject = "N"+t.ID, "New "+t.Subject
	}
	for _, c := range []struct {
		name    string
		src     []*sources.Ticket
		adopted int
	}{{"adopt-1000", tickets, n}, {"none-of-this-source", fresh, 0}} {
		b.Run(c.name, func(b *testing.B) {
			var lookups, pages, writes, getTicket, readBacks int64
			var elapsed time.Duration
			for range b.N {
				b.StopTimer()
				srv := whmcstest.NewServer(whmcstest.Options{TimeZone: chicago, Sanitize: true, ThreeByte: true})
				setup := benchStore(b)
				half := truncated(tickets)
				for i := 0; i < n; i += 2 {
					half[i] = tickets[i]
				}
				for _, src := range [][]*sources.Ticket{half, otherTickets} {
					if rep := benchRun(b, srv, setup, src); rep.Tickets.Failed != 0 {
						b.Fatalf("setup: %+v", rep.Failures)
					}
				}
				store := benchStore(b) // the new checkpoint
				writesBefore := srv.WriteCalls()
				b.StartTimer()
				start := time.Now()
				rep := benchRun(b, srv, store, c.src)
				elapsed += time.Since(start)
				b.StopTimer()
				if rep.Tickets.Adopted != c.adopted || rep.Tickets.Failed != 0 {
					b.Fatalf("tickets %+v, failures %+v", rep.Tickets, rep.Failures)
				}
				pages += rep.AdoptListPages
				getTicket += rep.Calls[whmcs.ActionGetTicket]
				readBacks += rep.ReadBacks
				lookups += rep.Calls[whmcs.ActionGetTickets] + rep.Calls[whmcs.ActionGetTicket] - rep.ReadBacks
				writes += int64(srv.WriteCalls() - writesBefore)
				if b.N == 1 {
					b.Logf("%s: %v; %d tickets listed in %d pages", c.name, rep.Calls, rep.AdoptListed, rep.AdoptListPages)
				}
				srv.Close()
				b.StartTimer()
			}
			N := float64(b.N)
			b.ReportMetric(float64(pages)/N, "list-pages")
			b.ReportMetric(float64(getTicket-readBacks)/N, "GetTicket/op")
			b.ReportMetric(float64(lookups)/N, "lookups/op")
			b.ReportMetric(float64(writes)/N, "writes/op")
			if c.adopted > 0 {
				b.ReportMetric(float64(lookups)/float64(pages+int64(c.adopted)*int64(b.N)), "lookups/bound")
			} else {
				b.ReportMetric(float64(lookups)/float64(pages), "lookups/pages")
			}
			b.ReportMetric(elapsed.Seconds()/N, "s/run")
		})
	}
}

func benchStore(b *testing.B) *checkpoints.Store {
	b.Helper()
	store, err := checkpoints.Open(filepath.Join(b.TempDir(), "cp.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	return store
}

func benchRun(b *testing.B, srv *whmcstest.Server, store *checkpoints.Store, src []*sources.Ticket) *report.Import {
	b.Helper()
	h, err := whmcs.NewHTTP(whmcs.Options{URL: srv.APIURL(), Identifier: srv.Identifier, Secret: srv.Secret,
		Location: chicago, Timeout: 30 * time.Second, MaxConns: 8})
	if err != nil {
		b.Fatal(err)
	}
	client := whmcs.NewClient(policytest.Wrap(h, policytest.Options{Max: 8}), chicago)
	planner, err := mapping.NewPlanner(mapping.Options{Config: testConfig(), Clients: mapping.NewClientResolver(client)})
	if err != nil {
		b.Fatal(err)
	}
	rep, err := Import(context.Background(), Config{Source: sourcetest.NewMemory(src), Client: client, Planner: planner, Store: store, Concurrency: 8})
	if err != nil {
		b.Fatal(err)
	}
	return rep
}
