package importer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// Policy is how calls to WHMCS are paced and retried.
type Policy struct {
	// Rate is the calls per second all workers share; 0 = unlimited.
	Rate float64
	// Burst is the limiter's burst (default 1).
	Burst int
	// MaxRetries bounds the retries of one call (default 8). Only calls that
	// certainly were not processed are retried (see whmcs.Retryable).
	MaxRetries int
	// BaseBackoff and MaxBackoff bound the exponential backoff with full
	// jitter (defaults 500ms and 30s).
	BaseBackoff, MaxBackoff time.Duration
	// MaxRetryAfter caps a server's Retry-After (default 2m).
	MaxRetryAfter time.Duration
	Logger        *slog.Logger
}

func (p *Policy) defaults() {
	if p.Burst <= 0 {
		p.Burst = 1
	}
	if p.MaxRetries == 0 {
		p.MaxRetries = 8
	}
	if p.BaseBackoff <= 0 {
		p.BaseBackoff = 500 * time.Millisecond
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = 30 * time.Second
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = 2 * time.Minute
	}
	if p.Logger == nil {
		p.Logger = slog.New(slog.DiscardHandler)
	}
}

// Stats counts what the policy layers saw. Safe for concurrent use.
type Stats struct {
	mu        sync.Mutex
	calls     map[string]int64 // successful calls by action
	Retries   atomic.Int64
	Throttled atomic.Int64
	Failed    atomic.Int64
}

// NewStats returns empty Stats.
func NewStats() *Stats { return &Stats{calls: map[string]int64{}} }

func (s *Stats) ok(action string) {
	s.mu.Lock()
	s.calls[action]++
	s.mu.Unlock()
}

// Calls returns the successful calls by action.
func (s *Stats) Calls() map[string]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(map[string]int64, len(s.calls))
	for k, v := range s.calls {
		m[k] = v
	}
	return m
}

// TotalCalls is the number of successful calls.
func (s *Stats) TotalCalls() int64 {
	var n int64
	for _, v := range s.Calls() {
		n += v
	}
	return n
}

// WithPolicy composes the policy layers around c, innermost first:
// counting, then the shared rate limiter (AIMD on throttling), then
// retries. Each retry waits for the limiter again. This is the one place
// the layers' order is decided.
func WithPolicy(c whmcs.Caller, p Policy, st *Stats) whmcs.Caller {
	p.defaults()
	counted := &counting{next: c, st: st}
	limited := newLimiter(counted, p, st)
	return &retrying{next: limited, p: p, st: st}
}

type counting struct {
	next whmcs.Caller
	st   *Stats
}

func (c *counting) Unwrap() whmcs.Caller { return c.next }

func (c *counting) Call(ctx context.Context, req whmcs.Request, resp any) error {
	err := c.next.Call(ctx, req, resp)
	if err == nil {
		c.st.ok(req.Action())
	} else {
		c.st.Failed.Add(1)
	}
	return err
}

// limiter paces calls through one token bucket shared by all workers. On a
// throttled or 503 answer it halves the rate (multiplicative decrease); each
// success gives back a fiftieth of the configured rate (additive increase).
type limiter struct {
	next  whmcs.Caller
	lim   *rate.Limiter // nil = unlimited
	max   rate.Limit
	floor rate.Limit
	st    *Stats
	log   *slog.Logger
}

func newLimiter(next whmcs.Caller, p Policy, st *Stats) *limiter {
	l := &limiter{next: next, st: st, log: p.Logger}
	if p.Rate > 0 {
		l.max = rate.Limit(p.Rate)
		l.floor = rate.Limit(min(p.Rate, 0.2))
		l.lim = rate.NewLimiter(l.max, p.Burst)
	}
	return l
}

func (l *limiter) Unwrap() whmcs.Caller { return l.next }

func (l *limiter) Call(ctx context.Context, req whmcs.Request, resp any) error {
	if l.lim != nil {
		if err := l.lim.Wait(ctx); err != nil {
			return fmt.Errorf("%s: wait for rate limiter: %w", req.Action(), err)
		}
	}
	err := l.next.Call(ctx, req, resp)
	if l.lim == nil {
		return err
	}
	var we *whmcs.Error
	switch {
	case err == nil:
		if cur := l.lim.Limit(); cur < l.max {
			l.lim.SetLimit(min(l.max, cur+l.max/50))
		}
	case errors.As(err, &we) && (we.Kind == whmcs.KindThrottled || we.Status == 503):
		cur := l.lim.Limit()
		next := max(l.floor, cur/2)
		if next < cur {
			l.lim.SetLimit(next)
			l.log.Warn("WHMCS is throttling: slowing down", "calls_per_second", float64(next))
		}
	}
	return err
}

// retrying retries calls that certainly were not processed, with
// exponential backoff and full jitter, or the server's Retry-After. A write
// that may have been processed is returned at once: only reconciliation
// may decide to send it again.
type retrying struct {
	next whmcs.Caller
	p    Policy
	st   *Stats
}

func (r *retrying) Unwrap() whmcs.Caller { return r.next }

func (r *retrying) Call(ctx context.Context, req whmcs.Request, resp any) error {
	for attempt := 0; ; attempt++ {
		callCtx := ctx
		if req.Write() {
			// A write in flight is let finish when the run is interrupted,
			// so its outcome is known and journaled.
			callCtx = context.WithoutCancel(ctx)
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("%s: %w", req.Action(), err)
			}
		}
		err := r.next.Call(callCtx, req, resp)
		if err == nil || !whmcs.Retryable(err) || attempt >= r.p.MaxRetries {
			return err
		}
		wait := r.backoff(attempt)
		if ra, ok := whmcs.RetryAfter(err); ok {
			wait = min(ra, r.p.MaxRetryAfter)
		}
		if whmcs.KindOf(err) == whmcs.KindThrottled {
			r.st.Throttled.Add(1)
		}
		r.st.Retries.Add(1)
		r.p.Logger.Debug("retrying", "action", req.Action(), "attempt", attempt+1, "wait", wait, "error", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%s: %w (after: %w)", req.Action(), ctx.Err(), err)
		case <-t.C:
		}
	}
}

func (r *retrying) backoff(attempt int) time.Duration {
	d := r.p.BaseBackoff << min(attempt, 16)
	if d <= 0 || d > r.p.MaxBackoff {
		d = r.p.MaxBackoff
	}
	return rand.N(d) + time.Millisecond
}
