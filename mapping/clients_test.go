package mapping

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// counting wraps the real HTTP caller and counts GetClients calls by
// search term.
type counting struct {
	next whmcs.Caller
	mu   sync.Mutex
	n    map[string]int
	all  atomic.Int64
	// gate, when set, holds every call until it is closed, so that
	// concurrent askers pile up behind the first lookup.
	gate chan struct{}
}

func (c *counting) Call(ctx context.Context, req whmcs.Request, resp any) error {
	if r, ok := req.(*whmcs.GetClientsRequest); ok {
		c.mu.Lock()
		c.n[r.Search]++
		c.mu.Unlock()
		c.all.Add(1)
	}
	if c.gate != nil {
		select {
		case <-c.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return c.next.Call(ctx, req, resp)
}

func (c *counting) count(search string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[search]
}

// sandbox starts the WHMCS sandbox with seed (nil = DefaultSeed) and
// returns a resolver over the real HTTP client, and its call counter.
func sandbox(t *testing.T, seed *whmcstest.Seed) (ClientResolver, *counting) {
	t.Helper()
	s := whmcstest.NewServer(whmcstest.Options{Seed: seed})
	t.Cleanup(s.Close)
	h, err := whmcs.NewHTTP(whmcs.Options{URL: s.APIURL(), Identifier: s.Identifier, Secret: s.Secret})
	if err != nil {
		t.Fatal(err)
	}
	c := &counting{next: h, n: map[string]int{}}
	return NewClientResolver(whmcs.NewClient(c, h.Location())), c
}

func TestClientResolverSandbox(t *testing.T) {
	r, c := sandbox(t, nil)
	ctx := context.Background()
	tests := []struct {
		email string
		id    int64
		found bool
	}{
		{"cynthia@example.com", 1, true},
		{"  Bob@Example.ORG ", 2, true},
		{"zoe.durand@example.net", 3, true}, // an Inactive client is still the client
		{"bob@example.o", 0, false},         // a prefix of bob's email: search finds him, exact match does not
		{"cynthia", 0, false},               // a first name prefix
		{"nobody@example.com", 0, false},
	}
	for _, tt := range tests {
		id, found, err := r.ClientByEmail(ctx, tt.email)
		if err != nil || id != tt.id || found != tt.found {
			t.Errorf("%q: %d %v %v, want %d %v", tt.email, id, found, err, tt.id, tt.found)
		}
	}
	calls := c.all.Load()
	// Asked again, in any case: answered from the cache, found or not.
	for _, tt := range tests {
		id, found, err := r.ClientByEmail(ctx, tt.email+" ")
		if err != nil || id != tt.id || found != tt.found {
			t.Errorf("again %q: %d %v %v", tt.email, id, found, err)
		}
	}
	// The default seed's clients fit one page: that one GetClients, the
	// whole directory, answered every lookup.
	if got := c.all.Load(); got != calls || calls != 1 || c.count("") != 1 {
		t.Errorf("GetClients calls: %d after first pass (want 1, the directory), %d after second", calls, got)
	}
}

// A directory of several pages: email searches until they cost as much as
// the pages left, then the rest of the directory; the calls never grow
// with the emails past twice the pages.
func TestClientResolverDirectory(t *testing.T) {
	seed := whmcstest.DefaultSeed()
	for i := range 1000 {
		seed.Clients = append(seed.Clients, whmcstest.Client{ID: int64(100 + i), FirstName: "C", LastName: fmt.Sprint(i), Email: fmt.Sprintf("c%d@example.com", i)})
	}
	seed.Clients = append(seed.Clients, whmcstest.Client{ID: 2000, FirstName: "Dup", Email: "C7@example.com"}) // a higher id, same email
	r, c := sandbox(t, seed)
	pages := (len(seed.Clients) + clientPage - 1) / clientPage // 5
	if est := r.(LookupEstimator).LookupCalls(300); est != 300 {
		t.Errorf("estimate before any lookup: %d, want one a email", est)
	}
	ctx := context.Background()
	for i := range 300 {
		email := fmt.Sprintf("C%d@example.com", i*7%1100) // some are not clients
		id, found, err := r.ClientByEmail(ctx, email)
		wantFound := i*7%1100 < 1000
		if err != nil || found != wantFound || found && id != int64(100+i*7%1100) {
			t.Fatalf("%s: %d %v %v, want found %v", email, id, found, err, wantFound)
		}
	}
	// 1 first page, pages-1 searches, pages-1 pages: 9.
	if n := c.all.Load(); n != int64(1+2*(pages-1)) {
		t.Errorf("%d GetClients calls for 300 emails, want %d (directory of %d pages)", n, 1+2*(pages-1), pages)
	}
	if est := r.(LookupEstimator).LookupCalls(300); est != 1+2*(pages-1) {
		t.Errorf("estimate %d, want %d", est, 1+2*(pages-1))
	}
	if est := r.(LookupEstimator).LookupCalls(2); est != 3 {
		t.Errorf("estimate for 2 emails %d, want 3 (the first page and 2 searches)", est)
	}
}

func TestClientResolverPaging(t *testing.T) {
	seed := whmcstest.DefaultSeed()
	// 600 clients whose first name is the email we look for, so that
	// GetClients' prefix search returns all of them; the one whose email
	// matches has the highest id and sits on the third page.
	for i := range 600 {
		seed.Clients = append(seed.Clients, whmcstest.Client{ID: int64(100 + i), FirstName: "ann@example.com", LastName: fmt.Sprint(i), Email: fmt.Sprintf("other%d@example.com", i)})
	}
	seed.Clients = append(seed.Clients, whmcstest.Client{ID: 900, FirstName: "Ann", Email: "Ann@Example.com"})
	r, c := sandbox(t, seed)
	id, found, err := r.ClientByEmail(context.Background(), "ann@example.com")
	if err != nil || !found || id != 900 {
		t.Fatalf("got %d %v %v", id, found, err)
	}
	if n := c.count("ann@example.com"); n != 3 {
		t.Errorf("%d GetClients pages, want 3 (601 results by %d)", n, clientPage)
	}
}

func TestClientResolverConcurrent(t *testing.T) {
	r, c := sandbox(t, nil)
	c.gate = make(chan struct{})
	emails := []string{"cynthia@example.com", "BOB@example.org", "nobody@example.com"}
	want := map[string]int64{"cynthia@example.com": 1, "BOB@example.org": 2, "nobody@example.com": 0}
	var wg sync.WaitGroup
	errs := make(chan error, 8*len(emails))
	for w := range 8 {
		for _, e := range emails {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id, _, err := r.ClientByEmail(context.Background(), e)
				if err == nil && id != want[e] {
					err = fmt.Errorf("worker %d %s: id %d", w, e, id)
				}
				if err != nil {
					errs <- err
				}
			}()
		}
	}
	// Let the 24 askers pile up behind the held directory read, then
	// release.
	for c.all.Load() < 1 {
		waitABit()
	}
	close(c.gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := c.all.Load(); n != 1 {
		t.Errorf("%d GetClients calls, want 1: the directory, read once for all", n)
	}
}

func TestClientResolverErrorsNotCached(t *testing.T) {
	s := whmcstest.NewServer(whmcstest.Options{})
	t.Cleanup(s.Close)
	// Wrong secret: a real auth failure from the sandbox.
	h, err := whmcs.NewHTTP(whmcs.Options{URL: s.APIURL(), Identifier: s.Identifier, Secret: "wrong"})
	if err != nil {
		t.Fatal(err)
	}
	c := &counting{next: h, n: map[string]int{}}
	r := NewClientResolver(whmcs.NewClient(c, nil))
	for range 2 {
		_, _, err := r.ClientByEmail(context.Background(), "cynthia@example.com")
		if !whmcs.IsAuth(err) {
			t.Fatalf("err = %v, want an auth error", err)
		}
	}
	if n := c.all.Load(); n != 2 {
		t.Errorf("a failed lookup was cached: %d calls", n)
	}
}

func TestClientResolverWaiterRetriesAfterLeaderCancel(t *testing.T) {
	r, c := sandbox(t, nil)
	c.gate = make(chan struct{})
	leaderCtx, cancel := context.WithCancel(context.Background())
	leaderErr := make(chan error, 1)
	go func() {
		_, _, err := r.ClientByEmail(leaderCtx, "bob@example.org")
		leaderErr <- err
	}()
	for c.all.Load() < 1 {
		waitABit()
	}
	type res struct {
		id  int64
		err error
	}
	waiter := make(chan res, 1)
	go func() {
		id, _, err := r.ClientByEmail(context.Background(), "bob@example.org")
		waiter <- res{id, err}
	}()
	cancel()
	if err := <-leaderErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("leader: %v", err)
	}
	close(c.gate)
	if w := <-waiter; w.err != nil || w.id != 2 {
		t.Errorf("waiter: %d %v", w.id, w.err)
	}
}

// waitABit yields while a test polls for other goroutines to get somewhere.
func waitABit() { time.Sleep(time.Millisecond) }
