package policy_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/policy"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// The Limiter spaces calls 1/Rate apart, shared by every goroutine, after
// a burst of Burst.
func TestLimiterPaces(t *testing.T) {
	s := sandbox(t, whmcstest.Faults{})
	h := s.HTTP(func(o *whmcs.Options) { o.MaxConns = 4 })
	for _, tc := range []struct {
		rate         float64
		burst, calls int
		min, max     time.Duration
	}{
		{rate: 200, burst: 0, calls: 41, min: 190 * time.Millisecond, max: 2 * time.Second}, // 40 waits of 5ms
		{rate: 10, burst: 5, calls: 5, min: 0, max: 80 * time.Millisecond},                  // the burst, at once
		{rate: 0, burst: 0, calls: 40, min: 0, max: 2 * time.Second},                        // unlimited
		{rate: 50, burst: 5, calls: 15, min: 190 * time.Millisecond, max: 2 * time.Second},  // 5 at once, then 10 waits of 20ms
	} {
		l := policy.Limit(h, policy.LimitOptions{Rate: tc.rate, Burst: tc.burst}, nil)
		var wg sync.WaitGroup
		next := make(chan struct{}, tc.calls)
		for range tc.calls {
			next <- struct{}{}
		}
		close(next)
		start := time.Now()
		for range 4 {
			wg.Go(func() {
				for range next {
					if err := l.Call(context.Background(), read(), nil); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
		if d := time.Since(start); d < tc.min || d > tc.max {
			t.Errorf("rate %v burst %d: %d calls took %v, want [%v, %v]", tc.rate, tc.burst, tc.calls, d, tc.min, tc.max)
		}
	}
}

// A throttled answer halves the rate, each success gives back a fiftieth
// of the configured rate up to it; a 500 changes nothing.
func TestLimiterAIMD(t *testing.T) {
	s := sandbox(t, whmcstest.Faults{ThrottleRate: 1})
	logs := &logRecorder{}
	l := policy.Limit(s.HTTP(), policy.LimitOptions{Rate: 1000, Logger: slog.New(logs)}, nil)
	ctx := context.Background()
	for _, want := range []float64{500, 250, 125} {
		if err := l.Call(ctx, read(), nil); whmcs.KindOf(err) != whmcs.KindThrottled {
			t.Fatalf("err = %v", err)
		}
		if got := l.Rate(); got != want {
			t.Fatalf("after a 429: rate %v, want %v", got, want)
		}
	}
	recs := logs.records()
	if len(recs) != 3 {
		t.Fatalf("%d log records, want a warning per slowdown: %+v", len(recs), recs)
	}
	for i, want := range []float64{500, 250, 125} {
		r := recs[i]
		if r.level != slog.LevelWarn || r.msg != "WHMCS is throttling: slowing down" || r.attrs["calls_per_second"] != want {
			t.Errorf("record %d = %+v", i, r)
		}
	}

	s.SetFaults(whmcstest.Faults{FailRate: 1})
	if err := l.Call(ctx, read(), nil); whmcs.KindOf(err) != whmcs.KindServer {
		t.Fatalf("err = %v", err)
	}
	if got := l.Rate(); got != 125 {
		t.Fatalf("after a 500: rate %v, want 125 (unchanged)", got)
	}

	s.SetFaults(whmcstest.Faults{})
	for i := 1; i <= 44; i++ { // (1000 - 125) / 20 = 43.75
		if err := l.Call(ctx, read(), nil); err != nil {
			t.Fatal(err)
		}
		if got, want := l.Rate(), min(1000, 125+20*float64(i)); got != want {
			t.Fatalf("after %d successes: rate %v, want %v", i, got, want)
		}
	}
	if err := l.Call(ctx, read(), nil); err != nil || l.Rate() != 1000 {
		t.Fatalf("a success at the configured rate: %v, rate %v", err, l.Rate())
	}
	if n := len(logs.records()); n != 3 {
		t.Errorf("%d log records after recovery, want 3", n)
	}
}

// Halving stops at min(Rate, 0.2) calls per second.
func TestLimiterFloor(t *testing.T) {
	s := sandbox(t, whmcstest.Faults{ThrottleRate: 1})
	for _, tc := range []struct{ rate, want float64 }{{0.3, 0.2}, {0.1, 0.1}} {
		logs := &logRecorder{}
		l := policy.Limit(s.HTTP(), policy.LimitOptions{Rate: tc.rate, Logger: slog.New(logs)}, nil)
		// The burst's one token: no wait.
		if err := l.Call(context.Background(), read(), nil); whmcs.KindOf(err) != whmcs.KindThrottled {
			t.Fatalf("err = %v", err)
		}
		if got := l.Rate(); got != tc.want {
			t.Errorf("rate %v after a 429: %v, want %v", tc.rate, got, tc.want)
		}
		if n := len(logs.records()); (tc.want < tc.rate) != (n == 1) {
			t.Errorf("rate %v: %d warnings", tc.rate, n)
		}
	}
}

// A 503 (a proxy's "Service Unavailable") slows down as a 429 does.
func TestLimiter503(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("<html><body>Service Unavailable</body></html>"))
	}))
	defer srv.Close()
	h, err := whmcs.NewHTTP(whmcs.Options{URL: srv.URL + "/includes/api.php", Identifier: "id", Secret: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	l := policy.Limit(h, policy.LimitOptions{Rate: 100}, nil)
	err = l.Call(context.Background(), read(), nil)
	var e *whmcs.Error
	if !errors.As(err, &e) || e.Kind != whmcs.KindServer || e.Status != 503 {
		t.Fatalf("err = %v", err)
	}
	if got := l.Rate(); got != 50 {
		t.Errorf("after a 503: rate %v, want 50", got)
	}
}

// A wait for a token ends with its context, and the call is not sent.
func TestLimiterWaitCancelled(t *testing.T) {
	s := sandbox(t, whmcstest.Faults{})
	c := policy.Count(s.HTTP(), nil)
	l := policy.Limit(c, policy.LimitOptions{Rate: 0.5}, nil)
	if err := l.Call(context.Background(), read(), nil); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := l.Call(ctx, write(), nil)
	if err == nil || whmcs.KindOf(err) != 0 || time.Since(start) > time.Second {
		t.Fatalf("err = %v after %v, want a limiter error at once", err, time.Since(start))
	}
	if got := countsOf(c.Stats()); got != (counts{ok: 1}) || s.WriteCalls() != 0 {
		t.Errorf("counts %+v, %d writes: the call was sent", got, s.WriteCalls())
	}
}
