package policy

import (
	"sync"
	"sync/atomic"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// Stats counts what the policy layers saw. Safe for concurrent use.
type Stats struct {
	mu     sync.Mutex
	calls  map[string]int64 // successful calls by action
	failed map[string]int64 // failed attempts by action
	// Retries is the number of retries (Retrier): attempts after the first.
	Retries atomic.Int64
	// Throttled is the number of throttled (HTTP 429) attempts that were
	// retried (Retrier).
	Throttled atomic.Int64
	// Failed is the number of failed attempts, retried ones included
	// (Counter).
	Failed atomic.Int64
	// Latency is the total time, in nanoseconds, of every attempt, failed
	// ones included (Counter): over successful calls plus Failed, the mean.
	Latency atomic.Int64
}

// NewStats returns empty Stats.
func NewStats() *Stats { return &Stats{calls: map[string]int64{}, failed: map[string]int64{}} }

func (s *Stats) fail(action string) {
	s.Failed.Add(1)
	s.mu.Lock()
	s.failed[action]++
	s.mu.Unlock()
}

// FailedCalls returns the failed attempts by action, retried ones
// included (their sum is Failed).
func (s *Stats) FailedCalls() map[string]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(map[string]int64, len(s.failed))
	for k, v := range s.failed {
		m[k] = v
	}
	return m
}

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

// StatsOf returns the Stats of the Counter in c's stack, found by
// unwrapping (whmcs.Find); nil when c's stack has no Counter.
func StatsOf(c whmcs.Caller) *Stats {
	if ctr, ok := whmcs.Find[*Counter](c); ok {
		return ctr.Stats()
	}
	return nil
}
