package policy_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/policy"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// Only calls that certainly were not processed are retried: a write that
// may have been processed is returned at once, whatever the failure.
func TestRetryOnlyNotProcessed(t *testing.T) {
	wrongSecret := func(o *whmcs.Options) { o.Secret = "wrong-secret" }
	refused := func(t *testing.T) func(*whmcs.Options) {
		u := closedURL(t)
		return func(o *whmcs.Options) { o.URL = u }
	}
	for _, tc := range []struct {
		name     string
		faults   whmcstest.Faults
		tweak    func(*testing.T) func(*whmcs.Options)
		req      whmcs.Request
		attempts int64 // with MaxRetries 3
		kind     whmcs.Kind
		maybe    bool
		writes   int // carried out by the sandbox
	}{
		{name: "read throttled", faults: whmcstest.Faults{ThrottleRate: 1}, req: read(), attempts: 4, kind: whmcs.KindThrottled},
		{name: "read 500", faults: whmcstest.Faults{FailRate: 1}, req: read(), attempts: 4, kind: whmcs.KindServer},
		{name: "read HTML 200", faults: whmcstest.Faults{HTMLRate: 1}, req: read(), attempts: 4, kind: whmcs.KindServer},
		{name: "read dropped", faults: whmcstest.Faults{DropRate: 1}, req: read(), attempts: 4, kind: whmcs.KindTransport},
		{name: "read refused", tweak: refused, req: read(), attempts: 4, kind: whmcs.KindTransport},
		{name: "read business", req: &whmcs.GetTicketRequest{TicketID: 999}, attempts: 1, kind: whmcs.KindBusiness},
		{name: "read auth", tweak: func(*testing.T) func(*whmcs.Options) { return wrongSecret }, req: read(), attempts: 1, kind: whmcs.KindAuth},
		{name: "write throttled", faults: whmcstest.Faults{ThrottleRate: 1}, req: write(), attempts: 4, kind: whmcs.KindThrottled},
		{name: "write refused", tweak: refused, req: write(), attempts: 4, kind: whmcs.KindTransport},
		{name: "write 500", faults: whmcstest.Faults{FailRate: 1}, req: write(), attempts: 1, kind: whmcs.KindServer, maybe: true},
		{name: "write HTML 200", faults: whmcstest.Faults{HTMLRate: 1}, req: write(), attempts: 1, kind: whmcs.KindServer, maybe: true},
		{name: "write dropped", faults: whmcstest.Faults{DropRate: 1}, req: write(), attempts: 1, kind: whmcs.KindTransport, maybe: true, writes: 1},
		{name: "write business", req: &whmcs.OpenTicketRequest{DeptID: 99, Subject: "s", Message: "m", ClientID: 1, NoEmail: true},
			attempts: 1, kind: whmcs.KindBusiness},
		{name: "write auth", tweak: func(*testing.T) func(*whmcs.Options) { return wrongSecret }, req: write(), attempts: 1, kind: whmcs.KindAuth},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sandbox(t, tc.faults)
			var tweaks []func(*whmcs.Options)
			if tc.tweak != nil {
				tweaks = append(tweaks, tc.tweak(t))
			}
			c, st := layers(s.HTTP(tweaks...), policy.LimitOptions{}, fast)
			err := c.Call(context.Background(), tc.req, nil)
			var e *whmcs.Error
			if !errors.As(err, &e) || e.Kind != tc.kind || e.MaybeProcessed != tc.maybe {
				t.Fatalf("err = %v (%#v), want kind %v, may have been processed %v", err, e, tc.kind, tc.maybe)
			}
			want := counts{failed: tc.attempts, retries: tc.attempts - 1}
			if tc.kind == whmcs.KindThrottled {
				want.throttled = want.retries
			}
			if got := countsOf(st); got != want {
				t.Errorf("counts %+v, want %+v", got, want)
			}
			if got := s.WriteCalls(); got != tc.writes {
				t.Errorf("sandbox carried out %d writes, want %d", got, tc.writes)
			}
			if got := len(s.State().Tickets); got != tc.writes {
				t.Errorf("sandbox holds %d tickets, want %d", got, tc.writes)
			}
		})
	}
}

// A throttled write waits the server's Retry-After (rather than the
// backoff), is sent again and carried out once; the retry is logged.
func TestRetryAfterHonoured(t *testing.T) {
	s := sandbox(t, whmcstest.Faults{MaxRPS: 1}) // one call a second, then 429 Retry-After: 1
	logs := &logRecorder{}
	ro := fast
	ro.MaxRetryAfter, ro.Logger = 5*time.Second, slog.New(logs)
	c, st := layers(s.HTTP(), policy.LimitOptions{}, ro)
	ctx := context.Background()
	if err := c.Call(ctx, read(), nil); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res, err := whmcs.NewClient(c, nil).OpenTicket(ctx, write().(*whmcs.OpenTicketRequest))
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if took < 900*time.Millisecond || took > 3*time.Second {
		t.Errorf("took %v, want the Retry-After's 1s", took)
	}
	if got := countsOf(st); got != (counts{ok: 2, failed: 1, retries: 1, throttled: 1}) {
		t.Errorf("counts %+v", got)
	}
	if s.WriteCalls() != 1 || len(s.State().Tickets) != 1 || s.State().Tickets[0].ID != res.ID {
		t.Errorf("sandbox: %d writes, tickets %+v; opened %+v", s.WriteCalls(), s.State().Tickets, res)
	}
	recs := logs.records()
	if len(recs) != 1 {
		t.Fatalf("log records %+v, want one per retry", recs)
	}
	r := recs[0]
	if r.level != slog.LevelDebug || r.msg != "retrying" || r.attrs["action"] != "OpenTicket" || r.attrs["attempt"] != int64(1) ||
		r.attrs["wait"] != time.Second || whmcs.KindOf(r.attrs["error"].(error)) != whmcs.KindThrottled {
		t.Errorf("log record %+v", r)
	}
}

// A Retry-After longer than MaxRetryAfter is waited MaxRetryAfter.
func TestRetryAfterCapped(t *testing.T) {
	s := sandbox(t, whmcstest.Faults{MaxRPS: 1})
	ro := fast
	ro.MaxRetryAfter = 30 * time.Millisecond
	c, st := layers(s.HTTP(), policy.LimitOptions{}, ro)
	ctx := context.Background()
	if err := c.Call(ctx, read(), nil); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err := c.Call(ctx, read(), nil)
	took := time.Since(start)
	if d, ok := whmcs.RetryAfter(err); whmcs.KindOf(err) != whmcs.KindThrottled || !ok || d != time.Second {
		t.Fatalf("err = %v, want a 429 with Retry-After 1s", err)
	}
	// Three waits of 30ms, not of 1s, nor the 2ms backoff.
	if took < 90*time.Millisecond || took > 800*time.Millisecond {
		t.Errorf("took %v, want 3 × 30ms", took)
	}
	if got := countsOf(st); got != (counts{ok: 1, failed: 4, retries: 3, throttled: 3}) {
		t.Errorf("counts %+v", got)
	}
}

// An interrupted run lets a write in flight finish, so that its outcome
// is known; a read in flight is abandoned; nothing is sent after the
// interruption, nor retried.
func TestRetryInterrupted(t *testing.T) {
	cancelAfter := func(d time.Duration) context.Context {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(d, cancel)
		t.Cleanup(cancel)
		return ctx
	}

	t.Run("write in flight finishes", func(t *testing.T) {
		s := sandbox(t, whmcstest.Faults{Latency: 300 * time.Millisecond})
		c, st := layers(s.HTTP(), policy.LimitOptions{Rate: 100}, fast)
		ctx := cancelAfter(50 * time.Millisecond)
		res, err := whmcs.NewClient(c, nil).OpenTicket(ctx, write().(*whmcs.OpenTicketRequest))
		if err != nil || res.ID == 0 {
			t.Fatalf("interrupted write: %+v, %v; want it finished", res, err)
		}
		if ctx.Err() == nil {
			t.Fatal("the context was not cancelled during the call")
		}
		if s.WriteCalls() != 1 || countsOf(st) != (counts{ok: 1}) {
			t.Errorf("%d writes, counts %+v", s.WriteCalls(), countsOf(st))
		}
	})

	t.Run("read in flight is abandoned", func(t *testing.T) {
		s := sandbox(t, whmcstest.Faults{Latency: time.Second})
		c, _ := layers(s.HTTP(), policy.LimitOptions{Rate: 100}, fast)
		start := time.Now()
		err := c.Call(cancelAfter(50*time.Millisecond), read(), nil)
		if !errors.Is(err, context.Canceled) || time.Since(start) > 500*time.Millisecond {
			t.Fatalf("err = %v after %v, want context.Canceled at once", err, time.Since(start))
		}
	})

	t.Run("no write after the interruption", func(t *testing.T) {
		s := sandbox(t, whmcstest.Faults{})
		c, st := layers(s.HTTP(), policy.LimitOptions{}, fast)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := c.Call(ctx, write(), nil)
		if !errors.Is(err, context.Canceled) || whmcs.KindOf(err) != 0 {
			t.Fatalf("err = %v, want context.Canceled before sending", err)
		}
		if s.WriteCalls() != 0 || countsOf(st) != (counts{}) {
			t.Errorf("%d writes, counts %+v: the write was sent", s.WriteCalls(), countsOf(st))
		}
	})

	t.Run("no retry after the interruption", func(t *testing.T) {
		s := sandbox(t, whmcstest.Faults{ThrottleRate: 1}) // Retry-After: 1
		ro := fast
		ro.MaxRetryAfter = 10 * time.Second
		c, st := layers(s.HTTP(), policy.LimitOptions{}, ro)
		start := time.Now()
		err := c.Call(cancelAfter(100*time.Millisecond), write(), nil)
		if !errors.Is(err, context.Canceled) || whmcs.KindOf(err) != whmcs.KindThrottled || time.Since(start) > 800*time.Millisecond {
			t.Fatalf("err = %v after %v, want context.Canceled and the 429, at once", err, time.Since(start))
		}
		if got := countsOf(st); got != (counts{failed: 1, retries: 1, throttled: 1}) {
			t.Errorf("counts %+v, want one attempt", got)
		}
	})
}
