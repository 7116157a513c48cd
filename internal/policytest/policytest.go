// Package policytest gives tests and benchmarks the client's policy
// layers as the command composes them (policy.Stack), by default as users
// run them (rate: auto), with backoffs short enough for a test.
package policytest

import (
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/policy"
)

// DefaultMax is rate: auto's ceiling on calls at once when Options.Max is
// 0: above the workers of any test, so that the workers bound the calls
// in flight and Adapt finds its limit below them.
const DefaultMax = 32

// Options are the layers' settings a test chooses. The zero value is
// rate: auto, the command's default.
type Options struct {
	// Fixed turns rate: auto off: the stack paces at Rate calls per second
	// alone (0 = unlimited), as target.rate: N does.
	Fixed bool
	// Rate is the fixed rate with Fixed, or else max_rate (0 = none).
	Rate float64
	// Burst is the rate limiter's bucket (default 1).
	Burst int
	// Max is rate: auto's ceiling on calls at once, the workers
	// (default DefaultMax).
	Max int
}

// Wrap returns c under policy.Stack with o, and the production retry
// policy (which calls are retried, how many times) with millisecond
// backoffs. Its stats are policy.StatsOf the result.
func Wrap(c whmcs.Caller, o Options) whmcs.Caller {
	retry := policy.RetryOptions{BaseBackoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond,
		MaxRetryAfter: 50 * time.Millisecond}
	s := policy.StackOptions{Auto: !o.Fixed, Max: o.Max, Burst: o.Burst, Retry: retry}
	if s.Max <= 0 {
		s.Max = DefaultMax
	}
	if o.Fixed {
		s.Rate = o.Rate
	} else {
		s.MaxRate = o.Rate
	}
	return policy.Stack(c, s)
}
