package policy

import (
	"testing"
	"time"
)

// The constructors fill the defaults once; a negative MaxRetries means
// none.
func TestDefaults(t *testing.T) {
	r := Retry(nil, RetryOptions{}, nil)
	if r.o.MaxRetries != 8 || r.o.BaseBackoff != 500*time.Millisecond || r.o.MaxBackoff != 30*time.Second ||
		r.o.MaxRetryAfter != 2*time.Minute || r.o.Logger == nil || r.st == nil {
		t.Errorf("retry defaults %+v", r.o)
	}
	if r := Retry(nil, RetryOptions{MaxRetries: -1}, nil); r.o.MaxRetries != -1 {
		t.Errorf("MaxRetries -1 became %d", r.o.MaxRetries)
	}
	l := Limit(nil, LimitOptions{Rate: 10}, nil)
	if l.lim.Burst() != 1 || l.log == nil || l.Rate() != 10 || l.floor != 0.2 {
		t.Errorf("limit defaults: burst %d, rate %v, floor %v", l.lim.Burst(), l.Rate(), l.floor)
	}
	if c := Count(nil, nil); c.Stats() == nil {
		t.Error("Count(nil stats) has no Stats")
	}
}

// Full jitter: before retry n the wait is uniform in
// [1ms, min(base·2ⁿ, max) + 1ms).
func TestBackoff(t *testing.T) {
	r := Retry(nil, RetryOptions{BaseBackoff: 10 * time.Millisecond, MaxBackoff: 300 * time.Millisecond}, nil)
	for attempt := range 70 {
		ceil := min(10*time.Millisecond<<min(attempt, 16), 300*time.Millisecond)
		var lo, hi time.Duration = time.Hour, 0
		for range 400 {
			d := r.backoff(attempt)
			if d < time.Millisecond || d >= ceil+time.Millisecond {
				t.Fatalf("attempt %d: backoff %v outside [1ms, %v)", attempt, d, ceil+time.Millisecond)
			}
			lo, hi = min(lo, d), max(hi, d)
		}
		if lo > ceil/4 || hi < ceil*3/4 {
			t.Errorf("attempt %d: backoffs in [%v, %v], want spread over [1ms, %v)", attempt, lo, hi, ceil)
		}
	}
	// A base so large that it overflows when shifted is capped too.
	r = Retry(nil, RetryOptions{BaseBackoff: 1 << 62, MaxBackoff: time.Second}, nil)
	for attempt := range 20 {
		if d := r.backoff(attempt); d < time.Millisecond || d > time.Second+time.Millisecond {
			t.Fatalf("attempt %d: backoff %v", attempt, d)
		}
	}
}
