package policy_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/policy"
)

// layerNames lists c's stack from the outside in, by type.
func layerNames(c whmcs.Caller) string {
	var names []string
	for c != nil {
		names = append(names, strings.TrimPrefix(fmt.Sprintf("%T", c), "*policy."))
		u, ok := c.(whmcs.Unwrapper)
		if !ok {
			break
		}
		c = u.Unwrap()
	}
	return strings.Join(names, " > ")
}

// Stack composes the layers in the one order, with Adapt for rate: auto
// only, max_rate as auto's ceiling and the rate as the fixed one, and
// counts every call into the Stats it was given.
func TestStackOrder(t *testing.T) {
	nop := whmcs.CallerFunc(func(context.Context, whmcs.Request, any) error { return nil })
	for _, tc := range []struct {
		o      policy.StackOptions
		layers string
		pacing string
	}{
		{policy.StackOptions{Auto: true, Max: 16, Rate: 99, MaxRate: 50},
			"Retrier > Limiter > Adaptive > Counter > whmcs.CallerFunc", "auto: 1 call at once (up to 16), at most 50 calls/s"},
		{policy.StackOptions{Auto: true, Max: 8}, "Retrier > Limiter > Adaptive > Counter > whmcs.CallerFunc", "auto: 1 call at once (up to 8)"},
		{policy.StackOptions{Rate: 10, MaxRate: 50}, "Retrier > Limiter > Counter > whmcs.CallerFunc", "10 calls/s"},
		{policy.StackOptions{}, "Retrier > Limiter > Counter > whmcs.CallerFunc", "unlimited"},
	} {
		st := policy.NewStats()
		tc.o.Stats = st
		c := policy.Stack(nop, tc.o)
		if got := layerNames(c); got != tc.layers {
			t.Errorf("%+v: layers %s, want %s", tc.o, got, tc.layers)
		}
		if got := policy.PacingOf(c).String(); got != tc.pacing {
			t.Errorf("%+v: pacing %q, want %q", tc.o, got, tc.pacing)
		}
		for range 3 {
			if err := c.Call(context.Background(), read(), nil); err != nil {
				t.Fatal(err)
			}
		}
		if policy.StatsOf(c) != st || st.TotalCalls() != 3 {
			t.Errorf("%+v: StatsOf is the given Stats: %v, %d calls, want 3", tc.o, policy.StatsOf(c) == st, st.TotalCalls())
		}
	}
}

// The pacing reads right for one call at once and for a WHMCS faster
// than a millisecond.
func TestPacingWording(t *testing.T) {
	p := policy.Pacing{Auto: true, Adaptive: policy.AdaptiveState{Limit: 1, Max: 4, Latency: 420 * time.Microsecond, Baseline: 380 * time.Microsecond}}
	if got, want := p.String(), "auto: 1 call at once (up to 4), 420µs a call (unloaded 380µs)"; got != want {
		t.Errorf("pacing %q, want %q", got, want)
	}
	p.Adaptive = policy.AdaptiveState{Limit: 9, Max: 64, Latency: 41 * time.Millisecond, Baseline: 40 * time.Millisecond}
	if got, want := p.String(), "auto: 9 calls at once (up to 64), 41ms a call (unloaded 40ms)"; got != want {
		t.Errorf("pacing %q, want %q", got, want)
	}
}
