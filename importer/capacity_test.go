package importer

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources/sourcetest"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/policy"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// phases resizes a sandbox's worker pool through its HTTP control
// (POST /_sandbox/capacity, as with `whmcs-migrate sandbox`) once the
// import made a given number of calls, and records the adaptive limit
// every 20 calls, by phase: the phases are counted in calls, never timed.
type phases struct {
	next    whmcs.Caller
	control string // the sandbox's control URL
	at      []int  // call counts at which the pool becomes workers[i]
	workers []int
	a       *policy.Adaptive
	t       *testing.T

	n      atomic.Int64
	mu     sync.Mutex
	limits [][]int // by phase: 0 before at[0], i+1 after at[i]
}

func (p *phases) Unwrap() whmcs.Caller { return p.next }

func (p *phases) Call(ctx context.Context, req whmcs.Request, resp any) error {
	err := p.next.Call(ctx, req, resp)
	n := int(p.n.Add(1))
	if i := slices.Index(p.at, n); i >= 0 {
		r, err := http.PostForm(p.control, url.Values{"workers": {strconv.Itoa(p.workers[i])}})
		if err != nil || r.StatusCode != http.StatusOK {
			p.t.Errorf("resize the pool to %d: %v %v", p.workers[i], err, r)
		}
		if r != nil {
			r.Body.Close()
		}
	}
	if n%20 == 0 {
		phase := 0
		for _, at := range p.at {
			if n > at {
				phase++
			}
		}
		p.mu.Lock()
		p.limits[phase] = append(p.limits[phase], p.a.Limit())
		p.mu.Unlock()
	}
	return err
}

// A whole import under rate: auto backs off when WHMCS's worker pool
// shrinks mid-run (set through the sandbox's control), grows again when
// it comes back, and imports every ticket exactly once.
func TestRunAutoFollowsThePool(t *testing.T) {
	if testing.Short() {
		t.Skip("an import of about 750 calls of 100 ms")
	}
	// Calls of 100 ms, so that this machine's own load (the race detector,
	// other tests) stays small beside WHMCS's latency.
	srv := whmcstest.NewServer(whmcstest.Options{TimeZone: chicago,
		Capacity: whmcstest.Capacity{Workers: 8, ServiceTime: 100 * time.Millisecond}})
	t.Cleanup(srv.Close)
	store, err := checkpoints.Open(filepath.Join(t.TempDir(), "cp.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	const workers = 32
	h := srv.HTTP(func(o *whmcs.Options) { o.MaxConns = workers; o.Location = chicago })
	a := policy.Adapt(policy.Count(h, policy.NewStats()), policy.AdaptOptions{Max: workers})
	ph := &phases{next: a, control: srv.URL + "/_sandbox/capacity", at: []int{300, 420}, workers: []int{2, 8},
		a: a, t: t, limits: make([][]int, 3)}
	client := whmcs.NewClient(policy.Retry(ph, policy.RetryOptions{}, nil), chicago)
	planner, err := mapping.NewPlanner(mapping.Options{Config: testConfig(), Clients: mapping.NewClientResolver(client)})
	if err != nil {
		t.Fatal(err)
	}
	const n = 200
	rep, err := Import(context.Background(), Config{Source: sourcetest.NewMemory(genTickets(n, 7)), Client: client,
		Planner: planner, Store: store, Concurrency: workers})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("limits every 20 calls: pool of 8 %v; of 2 %v; of 8 again %v", ph.limits[0], ph.limits[1], ph.limits[2])
	if rep.Tickets.Imported != n || len(srv.State().Tickets) != n {
		t.Fatalf("imported %+v, %d tickets in WHMCS, want %d", rep.Tickets, len(srv.State().Tickets), n)
	}
	full, shrunk, back := ph.limits[0], ph.limits[1], ph.limits[2]
	if len(full) < 5 || len(shrunk) < 5 || len(back) < 5 {
		t.Fatalf("phases too short: %v %v %v", full, shrunk, back)
	}
	if peak := slices.Max(full); peak < 6 || peak > 20 {
		t.Errorf("pool of 8: limits %v, want a peak near 8 (6..20)", full)
	}
	if l := slices.Min(shrunk[len(shrunk)/2:]); l > 4 {
		t.Errorf("pool shrunk to 2: limits %v, want it to back off to 4 or less", shrunk)
	}
	if l := slices.Max(back); l < 6 {
		t.Errorf("pool back to 8: limits %v, want it to grow again to 6 or more", back)
	}
	if q := srv.QueueStats(); q.TimedOut != 0 {
		t.Errorf("sandbox %+v: no call may time out in its queue", q)
	}
}
