package policy

import (
	"context"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// Counter is the counting layer: see Count.
type Counter struct {
	next whmcs.Caller
	st   *Stats
}

var _ whmcs.Unwrapper = (*Counter)(nil)

// Count returns a Caller that passes every call to next and counts its
// outcome into st: a success under its action (Stats.Calls), a failure in
// Stats.Failed and under its action (Stats.FailedCalls). A nil st is a new Stats.
//
// It goes innermost, right around the *whmcs.HTTP (or the ReadOnly
// around it), under Limit and Retry, so that it counts every attempt
// rather than every call.
func Count(next whmcs.Caller, st *Stats) *Counter {
	if st == nil {
		st = NewStats()
	}
	return &Counter{next: next, st: st}
}

// Stats returns the Stats the Counter counts into.
func (c *Counter) Stats() *Stats { return c.st }

// Unwrap returns the Caller the Counter wraps.
func (c *Counter) Unwrap() whmcs.Caller { return c.next }

// Call implements whmcs.Caller.
func (c *Counter) Call(ctx context.Context, req whmcs.Request, resp any) error {
	start := time.Now()
	err := c.next.Call(ctx, req, resp)
	c.st.Latency.Add(int64(time.Since(start)))
	if err == nil {
		c.st.ok(req.Action())
	} else {
		c.st.fail(req.Action())
	}
	return err
}
