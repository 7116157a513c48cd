package policy

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// RetryOptions configures Retry. The zero value takes every default.
type RetryOptions struct {
	// MaxRetries bounds the retries of one call (default 8; negative: no
	// retry). Only calls that certainly were not processed are retried
	// (see whmcs.Retryable).
	MaxRetries int
	// BaseBackoff and MaxBackoff bound the exponential backoff with full
	// jitter (defaults 500ms and 30s): before retry n (from 0) the wait is
	// drawn uniformly below min(BaseBackoff·2ⁿ, MaxBackoff), plus 1ms.
	BaseBackoff, MaxBackoff time.Duration
	// MaxRetryAfter caps a server's Retry-After, which replaces the
	// backoff when the answer has one (default 2m).
	MaxRetryAfter time.Duration
	// Logger receives a debug line per retry (action, attempt, wait,
	// error). Default: discard.
	Logger *slog.Logger
}

// Retrier is the retrying layer: see Retry.
type Retrier struct {
	next whmcs.Caller
	o    RetryOptions
	st   *Stats
}

var _ whmcs.Unwrapper = (*Retrier)(nil)

// Retry returns a Caller that retries the calls to next that certainly
// were not processed (whmcs.Retryable: throttled, or a server or
// transport failure of a read, or of a write refused before WHMCS could
// act), up to o.MaxRetries times, waiting the server's Retry-After
// (capped at o.MaxRetryAfter) or else an exponential backoff with full
// jitter. Any other error, a write that may have been processed among
// them, is returned at once: only reconciliation, which reads WHMCS, may
// decide to send such a write again.
//
// A write is sent with context.WithoutCancel(ctx), so that one in flight
// when the run is interrupted finishes and its outcome is known (its wait
// for the Limiter inside included); a write is not sent (nor retried)
// once ctx is done. Cancelling ctx ends a
// backoff wait with an error wrapping both ctx.Err() and the last
// attempt's error.
//
// Each retry is counted in st.Retries, and in st.Throttled too when the
// attempt was throttled. A nil st is the Stats of the Counter in next's
// stack (StatsOf), or else a new one.
//
// It goes outermost, around Limit, so that each retry waits for the
// limiter again.
func Retry(next whmcs.Caller, o RetryOptions, st *Stats) *Retrier {
	if o.MaxRetries == 0 {
		o.MaxRetries = 8
	}
	if o.BaseBackoff <= 0 {
		o.BaseBackoff = 500 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 30 * time.Second
	}
	if o.MaxRetryAfter <= 0 {
		o.MaxRetryAfter = 2 * time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if st == nil {
		st = StatsOf(next)
	}
	if st == nil {
		st = NewStats()
	}
	return &Retrier{next: next, o: o, st: st}
}

// Unwrap returns the Caller the Retrier wraps.
func (r *Retrier) Unwrap() whmcs.Caller { return r.next }

// Call implements whmcs.Caller.
func (r *Retrier) Call(ctx context.Context, req whmcs.Request, resp any) error {
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
		if err == nil || !whmcs.Retryable(err) || attempt >= r.o.MaxRetries {
			return err
		}
		wait := r.backoff(attempt)
		if ra, ok := whmcs.RetryAfter(err); ok {
			wait = min(ra, r.o.MaxRetryAfter)
		}
		if whmcs.KindOf(err) == whmcs.KindThrottled {
			r.st.Throttled.Add(1)
		}
		r.st.Retries.Add(1)
		r.o.Logger.Debug("retrying", "action", req.Action(), "attempt", attempt+1, "wait", wait, "error", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%s: %w (after: %w)", req.Action(), ctx.Err(), err)
		case <-t.C:
		}
	}
}

// backoff is the wait before retry attempt+1: full jitter below
// BaseBackoff·2^attempt, capped at MaxBackoff.
func (r *Retrier) backoff(attempt int) time.Duration {
	d := r.o.BaseBackoff << min(attempt, 16)
	if d <= 0 || d > r.o.MaxBackoff {
		d = r.o.MaxBackoff
	}
	return rand.N(d) + time.Millisecond
}
