package policy_test

import (
	"context"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/policy"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// The policy layers against the sandbox (whmcstest) over real HTTP, its
// faults standing in for what sits in front of a real WHMCS.

func sandbox(t testing.TB, f whmcstest.Faults) *whmcstest.Server {
	t.Helper()
	s := whmcstest.NewServer(whmcstest.Options{Faults: f})
	t.Cleanup(s.Close)
	return s
}

// fast are retry options for tests: short waits, few retries.
var fast = policy.RetryOptions{MaxRetries: 3, BaseBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond,
	MaxRetryAfter: 5 * time.Millisecond}

// layers composes the layers around c with a fixed rate, through Stack,
// as the program does for target.rate: N.
func layers(c whmcs.Caller, lo policy.LimitOptions, ro policy.RetryOptions) (whmcs.Caller, *policy.Stats) {
	st := policy.NewStats()
	return policy.Stack(c, policy.StackOptions{Rate: lo.Rate, Burst: lo.Burst, Logger: lo.Logger, Retry: ro, Stats: st}), st
}

// Requests: a read, and a write that opens a ticket for a seed client.
func read() whmcs.Request { return &whmcs.GetSupportDepartmentsRequest{} }
func write() whmcs.Request {
	return &whmcs.OpenTicketRequest{DeptID: 1, Subject: "Printer on fire", Message: "Help", ClientID: 1, NoEmail: true}
}

// closedURL is an API URL where nothing listens: a call to it is refused
// before anything is sent.
func closedURL(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + "/includes/api.php"
}

type counts struct{ ok, failed, retries, throttled int64 }

func countsOf(st *policy.Stats) counts {
	return counts{st.TotalCalls(), st.Failed.Load(), st.Retries.Load(), st.Throttled.Load()}
}

// logRecorder keeps the log records' messages and attributes.
type logRecorder struct {
	mu   sync.Mutex
	recs []logRecord
}

type logRecord struct {
	level slog.Level
	msg   string
	attrs map[string]any
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	rec := logRecord{level: r.Level, msg: r.Message, attrs: map[string]any{}}
	r.Attrs(func(a slog.Attr) bool { rec.attrs[a.Key] = a.Value.Any(); return true })
	l.mu.Lock()
	l.recs = append(l.recs, rec)
	l.mu.Unlock()
	return nil
}
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecorder) WithGroup(string) slog.Handler      { return l }

func (l *logRecorder) records() []logRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]logRecord(nil), l.recs...)
}

// Count counts each success under its action and each failed attempt.
func TestCount(t *testing.T) {
	s := sandbox(t, whmcstest.Faults{})
	c := policy.Count(s.HTTP(), nil)
	ctx := context.Background()
	for range 2 {
		if err := c.Call(ctx, read(), nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Call(ctx, write(), nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Call(ctx, &whmcs.GetTicketRequest{TicketID: 999}, nil); whmcs.KindOf(err) != whmcs.KindBusiness {
		t.Fatalf("unknown ticket: %v", err)
	}
	st := c.Stats()
	if got := st.Calls(); len(got) != 2 || got["GetSupportDepartments"] != 2 || got["OpenTicket"] != 1 {
		t.Errorf("calls %v", got)
	}
	if got := countsOf(st); got != (counts{ok: 3, failed: 1}) {
		t.Errorf("counts %+v", got)
	}
	if got := st.FailedCalls(); len(got) != 1 || got["GetTicket"] != 1 {
		t.Errorf("failed calls %v, want GetTicket 1", got)
	}
	// Calls is a copy.
	st.Calls()["OpenTicket"] = 42
	if st.Calls()["OpenTicket"] != 1 {
		t.Error("Calls returned the Stats' own map")
	}
}

// StatsOf and whmcs.Find reach each layer of a composed stack, through a
// ReadOnly too; a Retrier given no Stats counts into its Counter's.
func TestFindLayers(t *testing.T) {
	s := sandbox(t, whmcstest.Faults{})
	h := s.HTTP()
	st := policy.NewStats()
	var c whmcs.Caller = policy.Count(whmcs.ReadOnly(h), st)
	c = policy.Limit(c, policy.LimitOptions{Rate: 1000}, st)
	c = policy.Retry(c, fast, nil)
	if got := policy.StatsOf(c); got != st {
		t.Errorf("StatsOf = %p, want %p", got, st)
	}
	if got := policy.StatsOf(h); got != nil {
		t.Errorf("StatsOf(*HTTP) = %v, want nil", got)
	}
	if l, ok := whmcs.Find[*policy.Limiter](c); !ok || l.Rate() != 1000 {
		t.Errorf("Find[*Limiter] = %v, %v", l, ok)
	}
	if got, ok := whmcs.Find[*whmcs.HTTP](c); !ok || got != h {
		t.Errorf("Find[*HTTP] = %v, %v", got, ok)
	}
	if !whmcs.IsReadOnly(c) {
		t.Error("IsReadOnly through the policy layers = false")
	}
	if policy.Limit(h, policy.LimitOptions{}, nil).Rate() != 0 {
		t.Error("an unlimited Limiter's Rate is not 0")
	}

	s.SetFaults(whmcstest.Faults{ThrottleRate: 1})
	if err := c.Call(context.Background(), read(), nil); whmcs.KindOf(err) != whmcs.KindThrottled {
		t.Fatalf("err = %v", err)
	}
	if got := countsOf(st); got != (counts{failed: 4, retries: 3, throttled: 3}) {
		t.Errorf("counts %+v, want the Retrier's in its Counter's Stats", got)
	}
}

// Under concurrent calls through one stack, every success, failed
// attempt, retry and throttle is counted once.
func TestStatsConcurrent(t *testing.T) {
	s := sandbox(t, whmcstest.Faults{Seed: 3, ThrottleRate: 0.2, FailRate: 0.1})
	h := s.HTTP(func(o *whmcs.Options) { o.MaxConns = 8 })
	ro := fast
	ro.MaxRetries = 50 // none runs out
	c, st := layers(h, policy.LimitOptions{}, ro)
	const workers, each = 8, 25
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				if err := c.Call(context.Background(), read(), nil); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	got := countsOf(st)
	if got.ok != workers*each || got.failed != got.retries || got.throttled == 0 || got.throttled >= got.retries {
		t.Errorf("counts %+v: want %d successes, one retry per failed attempt, some but not all throttled", got, workers*each)
	}
	if n := int64(s.Calls()["GetSupportDepartments"]); n != got.ok {
		t.Errorf("sandbox answered %d calls, stats say %d", n, got.ok)
	}
	if f := st.FailedCalls(); len(f) != 1 || f["GetSupportDepartments"] != got.failed {
		t.Errorf("failed calls by action %v, want GetSupportDepartments %d", f, got.failed)
	}
}
