package importer

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources/sourcetest"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/policy"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// capacityResult is one import into a sandbox with a worker pool.
type capacityResult struct {
	calls   int64         // successful calls
	calling time.Duration // first call's start to last call's end
	// midCalls ended within midTime, the middle 90% of the calls.
	midCalls int
	midTime  time.Duration
	queue    whmcstest.QueueStats
	limit    int // rate: auto's limit at the end
}

// benchCapacity imports n generated tickets with conc workers into a
// sandbox whose WHMCS is a pool of capacity.Workers PHP workers, through
// the layers as the command composes them for rate: auto (auto) or no
// rate limit (a fixed concurrency of conc).
func benchCapacity(b *testing.B, n int, capacity whmcstest.Capacity, auto bool, conc int) capacityResult {
	b.Helper()
	srv := whmcstest.NewServer(whmcstest.Options{TimeZone: chicago, Capacity: capacity})
	defer srv.Close()
	store, err := checkpoints.Open(filepath.Join(b.TempDir(), "cp.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	h, err := whmcs.NewHTTP(whmcs.Options{URL: srv.APIURL(), Identifier: srv.Identifier, Secret: srv.Secret,
		Location: chicago, Timeout: 60 * time.Second, MaxConns: conc})
	if err != nil {
		b.Fatal(err)
	}
	c := policy.Stack(h, policy.StackOptions{Auto: auto, Max: conc})
	outer := &timed{next: c}
	client := whmcs.NewClient(outer, chicago)
	planner, err := mapping.NewPlanner(mapping.Options{Config: testConfig(), Clients: mapping.NewClientResolver(client)})
	if err != nil {
		b.Fatal(err)
	}
	rep, err := Import(context.Background(), Config{Source: sourcetest.NewMemory(genTickets(n, 99)), Client: client, Planner: planner, Store: store, Concurrency: conc})
	if err != nil {
		b.Fatal(err)
	}
	if rep.Tickets.Imported != n {
		b.Fatalf("imported %+v, failures %+v", rep.Tickets, rep.Failures)
	}
	r := capacityResult{calls: policy.StatsOf(c).TotalCalls(), calling: outer.last.Sub(outer.first), queue: srv.QueueStats(),
		limit: rep.ConcurrencyLimit}
	if k := len(outer.ends); k >= 20 {
		lo, hi := k/20, k-1-k/20
		r.midCalls, r.midTime = hi-lo, outer.ends[hi].Sub(outer.ends[lo])
	}
	return r
}

// BenchmarkRunCapacity: a WHMCS modelled as a pool of PHP workers (8 at
// 40 ms a call: 200 calls/s; 32 at 200 ms: 160 calls/s), imported into
// with 64 workers under rate: auto, beside a fixed concurrency of 8 and of
// 64 (no rate limit), and with the defaults (rate: auto bounded by
// DefaultWorkers(true), what a config with neither rate nor concurrency
// runs), in the same run. Each reports throughput ÷ the
// pool's capacity (over the calling time, and over the middle 90% of the
// calls: without the start's canary and ramp and the end's tail) and the
// p95 of the calls' queueing delay in WHMCS ÷ the service time. Goal for
// auto and for the defaults: ≥ 0.85 of capacity with p95 queueing ≤ 0.5
// of a call.
//
// Each import is 1,000 tickets (3,719 calls): about 20 s at capacity, so
// that a run's fixed costs weigh in it as in a migration of a few
// thousand tickets rather than dominate it: the canary's calls one at a
// time before any other write (about 1.2 s at 200 ms a call) and the
// tail, when fewer tickets are left than workers, cost fixed 64 workers
// 0.80 of capacity on a 5.5 s run of 250 tickets. Auto's slow start adds
// about six round trips at the start.
//
//	go test -run '^$' -bench 'BenchmarkRunCapacity' -benchtime 1x ./importer/
func BenchmarkRunCapacity(b *testing.B) {
	for _, pool := range []struct {
		tickets int
		cap     whmcstest.Capacity
	}{
		{1000, whmcstest.Capacity{Workers: 8, ServiceTime: 40 * time.Millisecond}},
		{1000, whmcstest.Capacity{Workers: 32, ServiceTime: 200 * time.Millisecond}},
	} {
		capacity := float64(pool.cap.Workers) / pool.cap.ServiceTime.Seconds()
		for _, v := range []struct {
			name string
			auto bool
			conc int
		}{{"defaults", true, DefaultWorkers(true)}, {"auto-64", true, 64}, {"fixed-8", false, 8}, {"fixed-64", false, 64}} {
			b.Run(fmt.Sprintf("pool=%dx%v/%s", pool.cap.Workers, pool.cap.ServiceTime, v.name), func(b *testing.B) {
				var calls, mid int64
				var calling, midTime time.Duration
				var p95, limit float64
				for range b.N {
					r := benchCapacity(b, pool.tickets, pool.cap, v.auto, v.conc)
					calls += r.calls
					calling += r.calling
					mid += int64(r.midCalls)
					midTime += r.midTime
					p95 += float64(r.queue.P95) / float64(pool.cap.ServiceTime) / float64(b.N)
					limit += float64(r.limit) / float64(b.N)
				}
				b.ReportMetric(float64(calls)/float64(b.N), "calls/op")
				b.ReportMetric(float64(calls)/calling.Seconds()/capacity, "ratio-to-capacity")
				b.ReportMetric(float64(mid)/midTime.Seconds()/capacity, "ratio-to-capacity-mid90")
				b.ReportMetric(p95, "p95-queueing/service")
				if v.auto {
					b.ReportMetric(limit, "limit-at-end")
				}
			})
		}
	}
}
