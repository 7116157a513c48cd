package sandbox

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// postStatuses sends one GetSupportStatuses and returns its status and body.
func postStatuses(t *testing.T, s *Server) (int, string) {
	t.Helper()
	resp, err := http.PostForm(s.APIURL(), url.Values{"action": {"GetSupportStatuses"}, "identifier": {s.Identifier}, "secret": {s.Secret}})
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// burst sends n calls at once and returns their statuses.
func burst(t *testing.T, s *Server, n int) []int {
	var wg sync.WaitGroup
	st := make([]int, n)
	for i := range n {
		wg.Go(func() { st[i], _ = postStatuses(t, s) })
	}
	wg.Wait()
	return st
}

func TestCapacityQueues(t *testing.T) {
	s := newTestServer(t, Options{Capacity: Capacity{Workers: 2, ServiceTime: 50 * time.Millisecond}})
	start := time.Now()
	for _, st := range burst(t, s, 6) {
		if st != 200 {
			t.Fatalf("status %d, want 200", st)
		}
	}
	// 6 calls on 2 workers of 50 ms: three rounds.
	if el := time.Since(start); el < 140*time.Millisecond {
		t.Errorf("6 calls on 2 workers of 50ms took %v, want at least 150ms", el)
	}
	q := s.QueueStats()
	if q.Calls != 6 || q.MaxBusy != 2 || q.TimedOut != 0 {
		t.Fatalf("stats %+v: want 6 calls, at most 2 at once", q)
	}
	// Two ran at once, two waited one service time, two waited two.
	if q.Max < 90*time.Millisecond {
		t.Errorf("delays %v: want the last calls to wait about 100ms", s.QueueDelays())
	}
	if st := s.State().Queue; st.Calls != 6 || st.Max != q.Max {
		t.Errorf("State().Queue = %+v, want %+v", st, q)
	}
}

func TestCapacityQueueTimeout503(t *testing.T) {
	s := newTestServer(t, Options{Capacity: Capacity{Workers: 1, ServiceTime: 200 * time.Millisecond, QueueTimeout: 50 * time.Millisecond}})
	var wg sync.WaitGroup
	wg.Go(func() { postStatuses(t, s) })
	time.Sleep(20 * time.Millisecond) // the first call holds the only worker
	st, body := postStatuses(t, s)
	wg.Wait()
	if st != http.StatusServiceUnavailable || !strings.Contains(body, "<html>") {
		t.Fatalf("queued past the timeout: %d %q, want 503 with an HTML page", st, body)
	}
	if q := s.QueueStats(); q.TimedOut != 1 || q.Calls != 2 {
		t.Fatalf("stats %+v: want 2 calls, 1 timed out", q)
	}
	if s.Calls()["GetSupportStatuses"] != 1 {
		t.Fatalf("calls %v: the timed-out call must not be processed", s.Calls())
	}
}

func TestCapacityResize(t *testing.T) {
	s := newTestServer(t, Options{Capacity: Capacity{Workers: 1, ServiceTime: 30 * time.Millisecond}})
	burst(t, s, 4)
	if q := s.QueueStats(); q.MaxBusy != 1 {
		t.Fatalf("max busy %d on a pool of 1", q.MaxBusy)
	}
	// Through the HTTP control, as with `whmcs-migrate sandbox`.
	resp, err := http.PostForm(s.URL+"/_sandbox/capacity", url.Values{"workers": {"4"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || s.QueueStats().Workers != 4 {
		t.Fatalf("resize: %d, workers %d", resp.StatusCode, s.QueueStats().Workers)
	}
	burst(t, s, 4)
	if q := s.QueueStats(); q.MaxBusy < 2 {
		t.Fatalf("max busy %d after growing the pool to 4", q.MaxBusy)
	}
}
