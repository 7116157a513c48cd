package importer

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/sources/sourcetest"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/policy"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// The benchmarks import generated tickets (genTickets) into a fresh
// in-process sandbox and checkpoint per iteration, over real HTTP, and
// report throughput as ratios to what the setup allows, measured in the
// same run:
//
//	go test -run '^$' -bench 'BenchmarkRun' -benchtime 1x ./importer/
//
// calls/s counts successful API calls (reads included) over Import's wall
// time; allocs/call is every allocation of the process during Import (the
// in-process sandbox's too) per call.

// importResult is one benchmarked import.
type importResult struct {
	calls   int64
	elapsed time.Duration
	mallocs uint64
	// workerTime is conc × elapsed; httpTime the time spent in HTTP round
	// trips, policyTime in the policy layers (limiter waits and retries
	// included) around them, summed over calls.
	workerTime, httpTime, policyTime time.Duration
	httpCalls                        int64 // round trips, failed ones too
	// idealTime is the shortest the import could take with every call
	// lasting latency and no other cost: the tickets' calls scheduled on
	// conc workers in source order (0 when not computed).
	idealTime time.Duration
	// calling is the time from the first call's start to the last call's
	// end (Import's setup and closing commits excluded).
	calling time.Duration
	// midCalls calls ended within midTime, the middle 90% of the calls
	// (by end time): the steady state, without the first and last
	// tickets' ramp.
	midCalls int
	midTime  time.Duration
}

// timed sums the time calls spend in next, and notes when the first call
// began and the last ended.
type timed struct {
	next        whmcs.Caller
	ns, n       atomic.Int64
	mu          sync.Mutex
	first, last time.Time
	ends        []time.Time // every call's end, in order
}

func (t *timed) Unwrap() whmcs.Caller { return t.next }

func (t *timed) Call(ctx context.Context, req whmcs.Request, resp any) error {
	start := time.Now()
	err := t.next.Call(ctx, req, resp)
	end := time.Now()
	t.ns.Add(int64(end.Sub(start)))
	t.n.Add(1)
	t.mu.Lock()
	if t.first.IsZero() || start.Before(t.first) {
		t.first = start
	}
	if end.After(t.last) {
		t.last = end
	}
	t.ends = append(t.ends, end)
	t.mu.Unlock()
	return err
}

// benchImport imports n generated tickets into a new sandbox with faults,
// through the policy layers with pol, with conc workers.
func benchImport(b *testing.B, n int, faults whmcstest.Faults, pol policy.LimitOptions, conc int) importResult {
	b.Helper()
	srv := whmcstest.NewServer(whmcstest.Options{TimeZone: chicago, Faults: faults})
	defer srv.Close()
	store, err := checkpoints.Open(filepath.Join(b.TempDir(), "cp.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	h, err := whmcs.NewHTTP(whmcs.Options{URL: srv.APIURL(), Identifier: srv.Identifier, Secret: srv.Secret,
		Location: chicago, Timeout: 30 * time.Second, MaxConns: conc})
	if err != nil {
		b.Fatal(err)
	}
	// The layers as the command composes them, between two timers.
	inner := &timed{next: h}
	c := policy.Stack(inner, policy.StackOptions{Rate: pol.Rate, Burst: pol.Burst})
	outer := &timed{next: c}
	client := whmcs.NewClient(outer, chicago)
	planner, err := mapping.NewPlanner(mapping.Options{Config: testConfig(), Clients: mapping.NewClientResolver(client)})
	if err != nil {
		b.Fatal(err)
	}
	tickets := genTickets(n, 99)
	src := sourcetest.NewMemory(tickets)

	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	start := time.Now()
	rep, err := Import(context.Background(), Config{Source: src, Client: client, Planner: planner, Store: store, Concurrency: conc})
	elapsed := time.Since(start)
	runtime.ReadMemStats(&m1)
	if err != nil {
		b.Fatal(err)
	}
	if rep.Tickets.Imported != n {
		b.Fatalf("imported %+v, failures %+v", rep.Tickets, rep.Failures)
	}
	r := importResult{calls: policy.StatsOf(c).TotalCalls(), elapsed: elapsed, mallocs: m1.Mallocs - m0.Mallocs,
		workerTime: time.Duration(conc) * elapsed, httpTime: time.Duration(inner.ns.Load()), policyTime: time.Duration(outer.ns.Load()),
		httpCalls: inner.n.Load(), calling: outer.last.Sub(outer.first)}
	if n := len(outer.ends); n >= 20 {
		lo, hi := n/20, n-1-n/20
		r.midCalls, r.midTime = hi-lo, outer.ends[hi].Sub(outer.ends[lo])
	}
	if faults.Latency > 0 {
		r.idealTime = idealTime(b, planner, tickets, conc, faults.Latency)
	}
	return r
}

// idealTime schedules the tickets' calls (their plan's steps; the client
// look-ups are one GetClients, the sandbox's directory, left out) on conc
// workers in source order, each call lasting latency, and returns the
// makespan: what the tail (the last tickets' sequential calls) alone
// costs.
func idealTime(b *testing.B, planner *mapping.Planner, tickets []*sources.Ticket, conc int, latency time.Duration) time.Duration {
	b.Helper()
	free := make([]time.Duration, conc) // when each worker is next free
	var end time.Duration
	for _, t := range tickets {
		p, err := planner.Plan(context.Background(), t, nil)
		if err != nil {
			b.Fatal(err)
		}
		calls := len(p.Steps)
		w := 0
		for i := range free {
			if free[i] < free[w] {
				w = i
			}
		}
		free[w] += time.Duration(calls) * latency
		end = max(end, free[w])
	}
	return end
}

// report adds the common metrics and returns calls/s.
func (r importResult) report(b *testing.B) float64 {
	cps := float64(r.calls) / r.elapsed.Seconds()
	b.ReportMetric(cps, "calls/s")
	b.ReportMetric(float64(r.mallocs)/float64(r.calls), "allocs/call")
	b.ReportMetric(float64(r.calls)/float64(b.N), "calls/op")
	return cps
}

func (r *importResult) add(o importResult) {
	r.calls += o.calls
	r.elapsed += o.elapsed
	r.mallocs += o.mallocs
	r.workerTime += o.workerTime
	r.httpTime += o.httpTime
	r.policyTime += o.policyTime
	r.httpCalls += o.httpCalls
	r.idealTime += o.idealTime
	r.calling += o.calling
	r.midCalls += o.midCalls
	r.midTime += o.midTime
}

// reportShares reports how the workers spent their time: in HTTP round
// trips, in the policy layers around them (limiter waits, retries), and
// elsewhere (checkpoint commits and reads, planning, the source, and idle
// workers at the end).
func (r importResult) reportShares(b *testing.B) {
	w := float64(r.workerTime)
	b.ReportMetric(float64(r.httpTime)/w, "share-http")
	b.ReportMetric(float64(r.policyTime-r.httpTime)/w, "share-limiter")
	b.ReportMetric(1-float64(r.policyTime)/w, "share-other")
	b.ReportMetric((r.elapsed-r.calling).Seconds()/float64(b.N), "s-outside-calls/op")
	// Per round trip: its own duration, and the worker time outside the
	// policy layers (checkpoint, planning, idle).
	b.ReportMetric(r.httpTime.Seconds()*1000/float64(r.httpCalls), "http-ms/call")
	b.ReportMetric((r.workerTime-r.policyTime).Seconds()*1000/float64(r.httpCalls), "other-ms/call")
}

// loopback measures bare HTTP round trips to a trivial net/http handler on
// 127.0.0.1: calls POSTs of a small form, from conc goroutines sharing one
// keep-alive client, as the importer's do. It returns round trips/s and
// allocations per round trip (client and server).
func loopback(b *testing.B, calls, conc int) (float64, float64) {
	b.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"result":"success"}`)
	}))
	defer srv.Close()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = conc, conc
	client := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	body := "action=GetTicket&identifier=sandbox-identifier&secret=sandbox-secret&responsetype=json&ticketid=1"
	var next atomic.Int64
	var wg sync.WaitGroup
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	start := time.Now()
	for range conc {
		wg.Go(func() {
			for next.Add(1) <= int64(calls) {
				resp, err := client.Post(srv.URL, "application/x-www-form-urlencoded", strings.NewReader(body))
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	el := time.Since(start)
	runtime.ReadMemStats(&m1)
	return float64(calls) / el.Seconds(), float64(m1.Mallocs-m0.Mallocs) / float64(calls)
}

// BenchmarkRunUnthrottled: calls/s with no rate limit and no latency, and
// its ratio to bare loopback round trips at the same concurrency (how much
// of the HTTP stack's speed the importer, the sandbox and the checkpoint
// leave).
func BenchmarkRunUnthrottled(b *testing.B) {
	const tickets, conc = 200, 4
	b.ReportAllocs()
	var total importResult
	var loopRate, loopAllocs float64
	for range b.N {
		r := benchImport(b, tickets, whmcstest.Faults{}, policy.LimitOptions{}, conc)
		total.add(r)
		rate, allocs := loopback(b, int(r.calls), conc)
		loopRate += rate / float64(b.N)
		loopAllocs += allocs / float64(b.N)
	}
	cps := total.report(b)
	total.reportShares(b)
	b.ReportMetric(loopRate, "loopback-calls/s")
	b.ReportMetric(cps/loopRate, "ratio-to-loopback")
	b.ReportMetric(loopAllocs, "loopback-allocs/call")
}

// BenchmarkRunRate200: with Rate 200 the effective calls/s ÷ 200 (goal ≥
// 0.97), over more than 1000 calls so that the limiter's burst does not
// count. With the default 4 workers and burst 1; with 16 workers; and with
// 4 workers and burst 10. All workers wait on the checkpoint's one
// committer: when a commit stalls (fsync, WAL checkpoint) longer than the
// limiter slots queued by waiting workers, a burst-1 limiter loses those
// slots for good; more workers queue more slots, a burst banks them.
func BenchmarkRunRate200(b *testing.B) {
	for _, v := range []struct{ conc, burst int }{{4, 1}, {16, 1}, {4, 10}} {
		b.Run(fmt.Sprintf("workers=%d,burst=%d", v.conc, v.burst), func(b *testing.B) {
			const tickets = 310 // about 1,090 calls (one GetClients page answers every look-up)
			b.ReportAllocs()
			var total importResult
			for range b.N {
				r := benchImport(b, tickets, whmcstest.Faults{}, policy.LimitOptions{Rate: 200, Burst: v.burst}, v.conc)
				if r.calls < 1000 {
					b.Fatalf("only %d calls", r.calls)
				}
				total.add(r)
			}
			cps := total.report(b)
			total.reportShares(b)
			b.ReportMetric(cps/200, "ratio-to-rate")
			// The same from the first call to the last (without Import's
			// setup and closing commits), and over the middle 90% of calls
			// (without the first and last tickets' ramp).
			b.ReportMetric(float64(total.calls)/total.calling.Seconds()/200, "ratio-to-rate-while-calling")
			b.ReportMetric(float64(total.midCalls)/total.midTime.Seconds()/200, "ratio-to-rate-mid90")
		})
	}
}

// BenchmarkRunLatency50ms32Workers: with 50 ms added to every call and 32
// workers, calls/s ÷ (32 / 0.05 s) (goal ≥ 0.9): how well the workers and
// the checkpoint keep 32 calls in flight.
func BenchmarkRunLatency50ms32Workers(b *testing.B) {
	const tickets, conc, latency = 1000, 32, 50 * time.Millisecond
	b.ReportAllocs()
	var total importResult
	for range b.N {
		total.add(benchImport(b, tickets, whmcstest.Faults{Latency: latency}, policy.LimitOptions{}, conc))
	}
	cps := total.report(b)
	total.reportShares(b)
	b.ReportMetric(cps/(float64(conc)/latency.Seconds()), "ratio-to-ideal")
	b.ReportMetric(float64(total.midCalls)/total.midTime.Seconds()/(float64(conc)/latency.Seconds()), "ratio-to-ideal-mid90")
	// The best ratio this ticket mix allows: the tail's cost alone.
	b.ReportMetric(float64(total.calls)*latency.Seconds()/float64(conc)/total.idealTime.Seconds(), "ratio-bound-by-tail")
}
