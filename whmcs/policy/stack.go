package policy

import (
	"log/slog"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// StackOptions configures Stack: the settings of the layers it composes.
// The zero value is a fixed, unlimited rate with production backoffs.
type StackOptions struct {
	// Auto is rate: auto: an Adaptive lets as many calls be in flight as
	// WHMCS serves without queueing them, up to Max; Rate is then unused
	// and MaxRate, when above 0, is a hard ceiling in calls per second.
	Auto bool
	// Max is Auto's highest number of calls at once: the workers calling
	// through the stack (--concurrency). At least 1.
	Max int
	// Rate is the fixed rate in calls per second without Auto (0 =
	// unlimited); MaxRate the ceiling with Auto (0 = none).
	Rate, MaxRate float64
	// Burst is the rate limiter's token bucket (default 1).
	Burst int
	// Retry configures the retries; tests shorten its backoffs. Its
	// Logger defaults to Logger.
	Retry RetryOptions
	// Stats receives the counts (default a new Stats; StatsOf the result
	// finds it either way).
	Stats *Stats
	// Logger receives each layer's warnings and debug lines. Default:
	// discard.
	Logger *slog.Logger
}

// Stack returns c under the policy layers in the one order the program
// and its tests use, innermost first: Count (every attempt counted), Adapt
// (with o.Auto only: it times the round trip alone), Limit (every attempt
// paced, each retry too; with o.Auto the hard o.MaxRate), Retry
// (outermost, so that each retry waits for the limiter again and feeds its
// AIMD). Each layer is found again by unwrapping the result: StatsOf,
// PacingOf, whmcs.Find[*Adaptive].
func Stack(c whmcs.Caller, o StackOptions) whmcs.Caller {
	if o.Stats == nil {
		o.Stats = NewStats()
	}
	if o.Retry.Logger == nil {
		o.Retry.Logger = o.Logger
	}
	c = Count(c, o.Stats)
	rate := o.Rate
	if o.Auto {
		c = Adapt(c, AdaptOptions{Max: o.Max, Logger: o.Logger})
		rate = o.MaxRate
	}
	c = Limit(c, LimitOptions{Rate: rate, Burst: o.Burst, Logger: o.Logger}, o.Stats)
	return Retry(c, o.Retry, o.Stats)
}
