package policy_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/policy"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// drive sends calls reads through c from workers goroutines and returns
// the limiter's limit after each window of 20 calls.
func drive(t *testing.T, c whmcs.Caller, a *policy.Adaptive, workers, calls int) []int {
	t.Helper()
	var next atomic.Int64
	var mu sync.Mutex
	var limits []int
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				n := next.Add(1)
				if n > int64(calls) {
					return
				}
				if err := c.Call(context.Background(), read(), nil); err != nil {
					t.Error(err)
					return
				}
				if n%20 == 0 {
					mu.Lock()
					limits = append(limits, a.Limit())
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return limits
}

// The adaptive limiter finds a sandbox's worker pool, backs off when the
// pool shrinks mid-run, and grows again when it comes back. The bounds are
// generous: the limit is judged over phases of hundreds of calls, never by
// the clock.
func TestAdaptiveFollowsThePool(t *testing.T) {
	// Calls of 50 ms, so that this machine's own load (the race detector,
	// other tests) stays small beside WHMCS's latency.
	s := whmcstest.NewServer(whmcstest.Options{Capacity: whmcstest.Capacity{Workers: 8, ServiceTime: 50 * time.Millisecond}})
	t.Cleanup(s.Close)
	const workers = 32
	h := s.HTTP(func(o *whmcs.Options) { o.MaxConns = workers })
	a := policy.Adapt(policy.Count(h, policy.NewStats()), policy.AdaptOptions{Max: workers})
	if a.Limit() != 1 {
		t.Fatalf("initial limit %d, want 1", a.Limit())
	}

	full := drive(t, a, a, workers, 300)
	if peak := maxOf(full); peak < 6 || peak > 20 {
		t.Fatalf("pool of 8: limits %v, want a peak near 8 (6..20)", full)
	}

	s.SetWorkers(2)
	shrunk := drive(t, a, a, workers, 160)
	if l := minOf(shrunk[len(shrunk)/2:]); l > 4 {
		t.Fatalf("pool shrunk to 2: limits %v, want it to back off to 4 or less", shrunk)
	}
	if st := a.State(); st.Baseline <= 0 || st.Latency <= 0 {
		t.Fatalf("state %+v: want a baseline and a latency", st)
	}

	s.SetWorkers(8)
	back := drive(t, a, a, workers, 300)
	t.Logf("limits every 20 calls: pool of 8 %v; of 2 %v; of 8 again %v", full, shrunk, back)
	if l := maxOf(back); l < 6 {
		t.Fatalf("pool back to 8: limits %v, want it to grow again to 6 or more", back)
	}
	if q := s.QueueStats(); q.MaxBusy > 8 || q.TimedOut != 0 {
		t.Fatalf("sandbox %+v", q)
	}
}

// Started against a pool smaller than the slow start's first steps, the
// limit still finds it: its first windows measure WHMCS unloaded.
func TestAdaptiveSmallPool(t *testing.T) {
	s := whmcstest.NewServer(whmcstest.Options{Capacity: whmcstest.Capacity{Workers: 2, ServiceTime: 20 * time.Millisecond}})
	t.Cleanup(s.Close)
	h := s.HTTP(func(o *whmcs.Options) { o.MaxConns = 16 })
	a := policy.Adapt(policy.Count(h, policy.NewStats()), policy.AdaptOptions{Max: 16})
	limits := drive(t, a, a, 16, 200)
	t.Logf("limits every 20 calls on a pool of 2: %v", limits)
	if l := minOf(limits[len(limits)/2:]); l > 3 {
		t.Fatalf("pool of 2: limits %v, want it to settle at 3 or less", limits)
	}
}

func maxOf(xs []int) int {
	m := xs[0]
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

func minOf(xs []int) int {
	m := xs[0]
	for _, x := range xs {
		m = min(m, x)
	}
	return m
}

// At most Limit calls are in flight, whatever the number of callers.
func TestAdaptiveBoundsInFlight(t *testing.T) {
	var in, peak atomic.Int64
	slow := whmcs.CallerFunc(func(context.Context, whmcs.Request, any) error {
		n := in.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(2 * time.Millisecond)
		in.Add(-1)
		return nil
	})
	a := policy.Adapt(slow, policy.AdaptOptions{Max: 3, Initial: 2})
	drive(t, a, a, 16, 50)
	if p := peak.Load(); p > 3 {
		t.Fatalf("%d calls in flight at once, over Max 3", p)
	}
	if a.Limit() > 3 || a.Limit() < 1 {
		t.Fatalf("limit %d outside [1, 3]", a.Limit())
	}
}

// 503 and 429 answers halve the limit; a call waiting for a slot gives up
// with its context, unsent.
func TestAdaptiveBacksOffOn503(t *testing.T) {
	var status atomic.Int64
	status.Store(http.StatusServiceUnavailable)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(int(status.Load()))
		w.Write([]byte("<html>busy</html>"))
	}))
	t.Cleanup(srv.Close)
	h, err := whmcs.NewHTTP(whmcs.Options{URL: srv.URL, Identifier: "i", Secret: "s", Location: time.UTC, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	a := policy.Adapt(h, policy.AdaptOptions{Max: 16, Initial: 16})
	for _, st := range []int64{503, 429} {
		status.Store(st)
		before := a.Limit()
		a.Call(context.Background(), read(), nil)
		if got := a.Limit(); got != before/2 {
			t.Fatalf("after a %d: limit %d, want %d", st, got, before/2)
		}
	}
	// At the floor of 1, more 503s change nothing and count no backoff.
	for range 3 {
		a.Call(context.Background(), read(), nil)
	}
	if a.Limit() != 1 || a.State().Backoffs != 4 {
		t.Fatalf("limit %d, backoffs %d; want 1 and 4 (16 to 8, 4, 2, 1)", a.Limit(), a.State().Backoffs)
	}

	block, entered := make(chan struct{}), make(chan struct{}, 1)
	held := policy.Adapt(whmcs.CallerFunc(func(context.Context, whmcs.Request, any) error {
		entered <- struct{}{}
		<-block
		return nil
	}), policy.AdaptOptions{Max: 1})
	go held.Call(context.Background(), read(), nil)
	<-entered // the first call holds the only slot
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := held.Call(ctx, read(), nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiting for a slot past its deadline: %v", err)
	}
	close(block)
}
