package policy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"golang.org/x/time/rate"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// LimitOptions configures Limit.
type LimitOptions struct {
	// Rate is the calls per second shared by every goroutine calling
	// through the Limiter; 0 (or less) = unlimited.
	Rate float64
	// Burst is the token bucket's size (default 1).
	Burst int
	// Logger receives a warning each time WHMCS's throttling slows the
	// Limiter down. Default: discard.
	Logger *slog.Logger
}

// Limiter is the rate-limiting layer: see Limit.
type Limiter struct {
	next  whmcs.Caller
	lim   *rate.Limiter // nil = unlimited
	max   rate.Limit
	floor rate.Limit
	log   *slog.Logger
}

var _ whmcs.Unwrapper = (*Limiter)(nil)

// Limit returns a Caller that paces calls to next through one token
// bucket of o.Rate calls per second and o.Burst tokens, shared by all the
// goroutines calling through it, with AIMD: a throttled (429) or 503
// answer halves the current rate, down to min(o.Rate, 0.2) calls per
// second (multiplicative decrease, logged as a warning); each success gives
// back o.Rate/50, up to o.Rate (additive increase). Waiting for a token
// ends with ctx; the call then fails without being sent. With o.Rate 0 it
// only passes calls on.
//
// It goes between Count (inside) and Retry (outside), so that each retry
// waits for a token again and every attempt's answer feeds the AIMD. st
// is accepted so that the three constructors read alike; the Limiter
// counts nothing today (see Rate for what it is doing).
func Limit(next whmcs.Caller, o LimitOptions, st *Stats) *Limiter {
	if o.Burst <= 0 {
		o.Burst = 1
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	l := &Limiter{next: next, log: o.Logger}
	if o.Rate > 0 {
		l.max = rate.Limit(o.Rate)
		l.floor = rate.Limit(min(o.Rate, 0.2))
		l.lim = rate.NewLimiter(l.max, o.Burst)
	}
	return l
}

// Rate reports the current limit in calls per second, as throttling has
// lowered it; 0 when the Limiter is unlimited.
func (l *Limiter) Rate() float64 {
	if l.lim == nil {
		return 0
	}
	return float64(l.lim.Limit())
}

// Unwrap returns the Caller the Limiter wraps.
func (l *Limiter) Unwrap() whmcs.Caller { return l.next }

// Call implements whmcs.Caller.
func (l *Limiter) Call(ctx context.Context, req whmcs.Request, resp any) error {
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
