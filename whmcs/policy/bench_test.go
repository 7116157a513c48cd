package policy_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/policy"
)

// BenchmarkPolicyRate200 is the limiter alone: 1000 calls through the
// three policy layers at Rate 200 from 4 goroutines to a caller that
// returns at once. calls/s ÷ 200 (ratio-to-rate) is the best an import at
// Rate 200 can reach.
//
//	go test -run '^$' -bench PolicyRate200 ./whmcs/policy/
func BenchmarkPolicyRate200(b *testing.B) {
	const calls, conc = 1000, 4
	nop := whmcs.CallerFunc(func(context.Context, whmcs.Request, any) error { return nil })
	var elapsed time.Duration
	for range b.N {
		c, _ := layers(nop, policy.LimitOptions{Rate: 200}, policy.RetryOptions{})
		var next atomic.Int64
		var wg sync.WaitGroup
		start := time.Now()
		for range conc {
			wg.Go(func() {
				for next.Add(1) <= calls {
					if err := c.Call(context.Background(), &whmcs.GetTicketRequest{TicketID: 1}, nil); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		elapsed += time.Since(start)
	}
	b.ReportMetric(float64(calls*b.N)/elapsed.Seconds()/200, "ratio-to-rate")
}
