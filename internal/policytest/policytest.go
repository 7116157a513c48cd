// Package policytest composes the client's policy layers (whmcs/policy) for
// tests and benchmarks, in the order the command composes them (counting,
// then the rate limiter, then retries), with backoffs short enough for a
// test. Production code composes its own stack in cmd.
package policytest

import (
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/policy"
)

// Options are the layers' settings a test chooses; zero is unlimited.
type Options struct {
	Rate  float64 // calls per second, 0 = unlimited
	Burst int
}

// Wrap returns c under counting, rate limit and retry layers. Their stats
// are policy.StatsOf the result.
func Wrap(c whmcs.Caller, o Options) whmcs.Caller {
	c = policy.Count(c, policy.NewStats())
	c = policy.Limit(c, policy.LimitOptions{Rate: o.Rate, Burst: o.Burst}, nil)
	return policy.Retry(c, policy.RetryOptions{BaseBackoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond,
		MaxRetryAfter: 50 * time.Millisecond}, nil)
}
