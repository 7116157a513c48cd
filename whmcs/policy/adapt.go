package policy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// AdaptOptions configures Adapt.
type AdaptOptions struct {
	// Max is the highest limit: the workers calling through the layer
	// (--concurrency). At least 1.
	Max int
	// Initial is the limit at the start (default 1, so that the first
	// windows measure WHMCS unloaded, whatever its pool's size); it grows
	// from there by doubling until latency first rises (slow start).
	Initial int
	// History is how many windows the latency baseline remembers: the
	// baseline is the lowest window mean among the last History ones
	// (default 200), so that it follows a WHMCS that became slower for
	// good, long after.
	History int
	// Logger receives a warning each time 503 or 429 answers halve the
	// limit, and a debug line for each other change. Default: discard.
	Logger *slog.Logger
}

// Adaptive is the adaptive concurrency limiter: see Adapt.
type Adaptive struct {
	next    whmcs.Caller
	max     float64
	history int
	log     *slog.Logger

	mu       sync.Mutex
	limit    float64
	inflight int
	queue    []*slot
	// changed is when the limit last changed: samples of calls that
	// started before it describe the old limit and are left out.
	changed   time.Time
	slowStart bool
	calm      int // calm windows in a row since the last growth
	climb     int // growths since the last shrink: the next one's size
	// win is the current window's latencies; winPeak the most calls in
	// flight while it was collected.
	win     []time.Duration
	winPeak int
	means   []time.Duration // the last windows' means, oldest first
	base    time.Duration   // min(means): the unloaded latency
	last    time.Duration   // the latest window's mean
	// backoffs counts the 503/429 halvings, windows the windows judged.
	backoffs, windows int64
}

type slot struct {
	ready   chan struct{}
	granted bool
}

var _ whmcs.Unwrapper = (*Adaptive)(nil)

// The queue estimate (Vegas's): q = limit × (1 − baseline ÷ latency) is
// how many of the calls in flight are waiting in WHMCS's queue rather
// than being served. At or below max(calmQueue, calmShare × limit) the
// limit may grow; above it, it holds, or shrinks to what WHMCS serves:
// limit ÷ gradient (the pool's size when the calls queue), at least one
// less, at most halved. Growth after the slow start waits for calmWindows
// calm windows in a row, so that the limit spends little time above the
// pool's size.
//
// The calm queue grows with the limit (calmShare of it) because the cost
// of a queue is its share of the pool: q calls queued in front of a pool
// of P workers delay a call by q ÷ P of a call, and a latency rise of
// calmShare or less is within this machine's own noise (its scheduling
// delays), which at 32 calls at once would otherwise pass for a queue of
// 1.6 calls and hold the limit below the pool, or shrink it, for good.
const (
	calmQueue   = 0.5
	calmShare   = 0.05
	calmWindows = 3
	// A call is late when it took lateFactor × the baseline or more; the
	// limit shrinks for a queue of max(deepQueue, 2 × calmShare × limit)
	// calls or more, or for a smaller one above the calm one when more
	// than lateShareMax of the window's calls were late.
	deepQueue    = 2
	lateFactor   = 1.5
	lateShareMax = 0.05
)

// Adapt returns a Caller that lets at most Limit() calls to next be in
// flight at once, a limit it adjusts from what it measures, as TCP Vegas
// and the gradient concurrency limiters (Netflix's Gradient2, Envoy's
// adaptive concurrency) do:
//
//   - Each call's latency (the time next took to answer) goes into a
//     window; a window closes once it holds max(8, limit) samples of calls
//     that started after the limit's last change, about one round trip
//     (max(2, limit ÷ 2) during the slow start). The limit starts at 1, so
//     that the first windows measure WHMCS unloaded even when its pool is
//     small.
//   - The baseline is the lowest window mean among the last o.History
//     windows: WHMCS's latency when nothing queues.
//   - The gradient g is the window's mean ÷ the baseline (the mean, not
//     the median: with calls of even length, a queue a few calls deep
//     delays only some of them, but long), and q = limit × (1 − 1/g) the
//     calls waiting in WHMCS's queue (TCP Vegas's estimate).
//   - While q ≤ max(0.5, limit ÷ 20) (a latency within 5% of the
//     baseline at 10 calls at once or more: this machine's own noise), the
//     limit grows: each window until the first queue (slow start),
//     doubling up to 8 and by half beyond (the overshoot
//     past WHMCS's pool queues calls for two windows), then every third
//     calm window by 1, 2, 3... (one more for each growth since the last
//     shrink: probing gently at WHMCS's capacity, but back there fast
//     after a spurious shrink); it grows only while the calls use at
//     least half of it.
//   - When q > max(2, limit ÷ 10), or q is above the calm one and more
//     than 5% of the window's calls took 1.5 × the baseline or more (so
//     that noise in the latency does not pass for a queue), it shrinks to
//     limit ÷ g, what WHMCS serves without a queue (when calls queue,
//     latency grows with limit ÷ workers), at least by one, at most by
//     half. In between it holds. So the limit stays at the pool's size,
//     probing one above it now and then.
//   - A 503 or 429 answer halves it at once, at most once a window.
//
// The limit stays within [1, o.Max]. A call waits for a free slot in
// arrival order; waiting ends with ctx, and the call then fails without
// being sent. Answers that never came (transport errors) teach nothing.
//
// It goes innermost of the pacing layers, just outside Count, so that it
// times the round trip alone: a fixed rate (Limit, for --max-rate) and
// Retry go outside it.
func Adapt(next whmcs.Caller, o AdaptOptions) *Adaptive {
	o.Max = max(o.Max, 1)
	if o.Initial <= 0 {
		o.Initial = 1
	}
	if o.History <= 0 {
		o.History = 200
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Adaptive{next: next, max: float64(o.Max), history: o.History, log: o.Logger,
		limit: float64(min(o.Initial, o.Max)), slowStart: true, changed: time.Now()}
}

// Limit reports the current limit: how many calls may be in flight.
func (a *Adaptive) Limit() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return int(a.limit)
}

// AdaptiveState is what the limiter knows, for the progress line and the
// run report.
type AdaptiveState struct {
	Limit, Max int
	// Baseline is the unloaded latency; Latency the latest window's mean.
	Baseline, Latency time.Duration
	// Backoffs counts the halvings 503 and 429 answers caused.
	Backoffs int64
}

// State reports the current limit and what it was derived from.
func (a *Adaptive) State() AdaptiveState {
	a.mu.Lock()
	defer a.mu.Unlock()
	return AdaptiveState{Limit: int(a.limit), Max: int(a.max), Baseline: a.base, Latency: a.last, Backoffs: a.backoffs}
}

// Unwrap returns the Caller the Adaptive wraps.
func (a *Adaptive) Unwrap() whmcs.Caller { return a.next }

// Call implements whmcs.Caller.
func (a *Adaptive) Call(ctx context.Context, req whmcs.Request, resp any) error {
	if err := a.acquire(ctx); err != nil {
		return fmt.Errorf("%s: wait for the adaptive limiter: %w", req.Action(), err)
	}
	start := time.Now()
	err := a.next.Call(ctx, req, resp)
	a.release(start, time.Since(start), err)
	return err
}

func (a *Adaptive) acquire(ctx context.Context) error {
	a.mu.Lock()
	if len(a.queue) == 0 && a.inflight < int(a.limit) {
		a.inflight++
		a.winPeak = max(a.winPeak, a.inflight)
		a.mu.Unlock()
		return nil
	}
	s := &slot{ready: make(chan struct{})}
	a.queue = append(a.queue, s)
	a.mu.Unlock()
	select {
	case <-s.ready:
		return nil
	case <-ctx.Done():
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if s.granted {
		a.inflight--
		a.grantLocked()
	} else if i := slices.Index(a.queue, s); i >= 0 {
		a.queue = slices.Delete(a.queue, i, i+1)
	}
	return ctx.Err()
}

// grantLocked hands the free slots to the waiting calls, oldest first.
func (a *Adaptive) grantLocked() {
	for len(a.queue) > 0 && a.inflight < int(a.limit) {
		s := a.queue[0]
		a.queue = a.queue[1:]
		s.granted = true
		a.inflight++
		a.winPeak = max(a.winPeak, a.inflight)
		close(s.ready)
	}
}

func (a *Adaptive) release(start time.Time, rtt time.Duration, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.inflight--
	defer a.grantLocked()
	var we *whmcs.Error
	switch {
	case err == nil:
	case errors.As(err, &we) && (we.Kind == whmcs.KindThrottled || we.Status == 503):
		if start.Before(a.changed) {
			return // the limit already changed since this call left
		}
		if a.setLocked(a.limit/2, false) {
			a.backoffs++
			a.log.Warn("WHMCS is overloaded: fewer calls at once", "status", we.Status, "limit", int(a.limit))
		}
		return
	case errors.As(err, &we) && we.Status != 0 && we.Kind != whmcs.KindServer:
		// Answered (a business or permission error): its latency counts.
	default:
		return // no answer, or a server error page: nothing to learn
	}
	if start.Before(a.changed) {
		return
	}
	a.win = append(a.win, rtt)
	if len(a.win) < a.windowSize() {
		return
	}
	a.judgeLocked()
}

// windowSize is how many samples close a window: max(8, limit), but
// during the slow start max(2, limit ÷ 2), so that starting from one call
// at once does not take eight round trips, and each step of the slow
// start about one: the calls let in by a growth start at once, beside
// the ones already in flight, so the first half of the new limit's calls
// to end already waited in WHMCS's queue if the new limit is too many.
func (a *Adaptive) windowSize() int {
	if a.slowStart {
		return max(2, int(a.limit)/2)
	}
	return max(8, int(a.limit))
}

// judgeLocked closes the window and moves the limit by its queue
// estimate.
func (a *Adaptive) judgeLocked() {
	var sum time.Duration
	for _, d := range a.win {
		sum += d
	}
	mean := sum / time.Duration(len(a.win))
	a.last = mean
	a.means = append(a.means, mean)
	if len(a.means) > a.history {
		a.means = slices.Delete(a.means, 0, len(a.means)-a.history)
	}
	a.base = slices.Min(a.means)
	// late: the share of the window's calls that waited half a call or
	// more beyond the baseline (for a spike of noise to look like a queue,
	// it has to show in the mean as well).
	late := 0
	for _, d := range a.win {
		if float64(d) > lateFactor*float64(a.base) {
			late++
		}
	}
	lateShare := float64(late) / float64(len(a.win))
	peak := a.winPeak
	a.win, a.winPeak = a.win[:0], a.inflight
	a.windows++
	g := float64(mean) / float64(max(a.base, 1))
	q := a.limit * (1 - 1/g)
	calm := max(calmQueue, calmShare*a.limit)
	if q > calm && (lateShare > lateShareMax || q > max(deepQueue, 2*calmShare*a.limit)) {
		a.calm, a.climb = 0, 0
		a.setLocked(max(a.limit/2, min(a.limit-1, math.Round(a.limit/g))), false)
		return
	}
	if q > calm {
		a.calm = 0 // a hold: noise may do this, so the slow start goes on
		return
	}
	if 2*peak < int(a.limit) {
		return // the calls do not use the limit: growing it proves nothing
	}
	a.calm++
	switch {
	case a.slowStart && a.limit < 8:
		a.setLocked(a.limit*2, true)
	case a.slowStart:
		a.setLocked(a.limit*1.5, true)
	case a.calm >= calmWindows:
		a.calm = 0
		a.climb++
		a.setLocked(a.limit+float64(a.climb), false)
	}
}

// setLocked sets the limit within [1, max] and reports whether it
// changed; slowStart false ends the slow start.
func (a *Adaptive) setLocked(l float64, slowStart bool) bool {
	l = min(a.max, max(1, l))
	a.slowStart = a.slowStart && slowStart
	if l == a.limit {
		return false
	}
	if int(l) != int(a.limit) {
		a.log.Debug("adaptive limit", "limit", int(l), "latency", a.last, "baseline", a.base)
	}
	a.limit = l
	a.changed = time.Now()
	a.win, a.winPeak = a.win[:0], a.inflight
	return true
}

// Pacing is how a composed stack paces its calls, found by unwrapping:
// for the progress line and the run report.
type Pacing struct {
	// Auto: an Adaptive limits the calls in flight (Adaptive's state);
	// Rate is then max_rate's fixed ceiling, if any.
	Auto     bool
	Adaptive AdaptiveState
	// Rate is the fixed limiter's current rate in calls per second, as
	// throttling lowered it; 0 = none.
	Rate float64
}

// PacingOf finds the pacing layers of c's stack.
func PacingOf(c whmcs.Caller) Pacing {
	var p Pacing
	if a, ok := whmcs.Find[*Adaptive](c); ok {
		p.Auto, p.Adaptive = true, a.State()
	}
	if l, ok := whmcs.Find[*Limiter](c); ok {
		p.Rate = l.Rate()
	}
	return p
}

// roundLatency is d for people: to the millisecond, or to the
// microsecond below one ("0s a call" said nothing of a fast WHMCS).
func roundLatency(d time.Duration) time.Duration {
	if d < time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(time.Millisecond)
}

// String is the pacing in a few words: "auto: 9 calls at once (up to 64),
// 41ms a call (unloaded 40ms)", "10 calls/s", "unlimited".
func (p Pacing) String() string {
	var s string
	if p.Auto {
		a := p.Adaptive
		calls := "calls"
		if a.Limit == 1 {
			calls = "call"
		}
		s = fmt.Sprintf("auto: %d %s at once (up to %d)", a.Limit, calls, a.Max)
		if a.Latency > 0 {
			s += fmt.Sprintf(", %s a call (unloaded %s)", roundLatency(a.Latency), roundLatency(a.Baseline))
		}
		if p.Rate > 0 {
			s += fmt.Sprintf(", at most %g calls/s", p.Rate)
		}
		return s
	}
	if p.Rate > 0 {
		return fmt.Sprintf("%.3g calls/s", p.Rate)
	}
	return "unlimited"
}
