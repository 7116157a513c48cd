package sandbox

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// outcome posts one GetSupportStatuses call and names what happened.
func outcome(t *testing.T, s *Server) string {
	t.Helper()
	resp, err := http.PostForm(s.APIURL(), url.Values{"action": {"GetSupportStatuses"}, "identifier": {s.Identifier}, "secret": {s.Secret}})
	if err != nil {
		return "drop"
	}
	resp.Body.Close()
	return fmt.Sprint(resp.StatusCode)
}

func TestFaultsReproducible(t *testing.T) {
	f := Faults{Seed: 7, FailRate: 0.2, ThrottleRate: 0.2, DropRate: 0.2}
	run := func(s *Server) string {
		var b strings.Builder
		for range 60 {
			b.WriteString(outcome(t, s) + " ")
		}
		return b.String()
	}
	a := run(newTestServer(t, Options{Faults: f}))
	b := run(newTestServer(t, Options{Faults: f}))
	if a != b {
		t.Fatalf("same seed, different faults:\n%s\n%s", a, b)
	}
	for _, want := range []string{"200", "500", "429", "drop"} {
		if !strings.Contains(a, want) {
			t.Errorf("no %s in %s", want, a)
		}
	}
	f.Seed = 8
	s := newTestServer(t, Options{Faults: f})
	if c := run(s); c == a {
		t.Fatalf("seeds 7 and 8 gave the same faults: %s", c)
	}
	// SetFaults restarts the generator
	f.Seed = 7
	s.SetFaults(f)
	if c := run(s); c != a {
		t.Fatalf("after SetFaults(seed 7):\n%s\nwant\n%s", c, a)
	}
	s.SetFaults(Faults{})
	if o := outcome(t, s); o != "200" {
		t.Fatalf("faults cleared, got %s", o)
	}
}

func TestFaultPages(t *testing.T) {
	s := newTestServer(t, Options{Faults: Faults{ThrottleRate: 1}})
	a := post(t, s, map[string]string{"action": "OpenTicket", "deptid": "1", "subject": "s", "message": "m", "clientid": "1"})
	if a.status != 429 || a.header.Get("Retry-After") != "1" || !strings.HasPrefix(a.header.Get("Content-Type"), "text/html") || a.m != nil {
		t.Fatalf("throttle: %d %v %s", a.status, a.header, a.body)
	}
	s.SetFaults(Faults{FailRate: 1})
	a = post(t, s, map[string]string{"action": "OpenTicket", "deptid": "1", "subject": "s", "message": "m", "clientid": "1"})
	if a.status != 500 || !strings.Contains(string(a.body), "<html>") || a.m != nil {
		t.Fatalf("fail: %d %s", a.status, a.body)
	}
	if st := s.State(); len(st.Tickets) != 0 || st.WriteCalls != 0 {
		t.Fatalf("faults before processing changed state: %+v", st)
	}
	// MaxRPS: a bucket of one token refilled every 1000 s
	s.SetFaults(Faults{MaxRPS: 0.001})
	if o := outcome(t, s); o != "200" {
		t.Fatalf("first request under MaxRPS: %s", o)
	}
	a = post(t, s, map[string]string{"action": "GetTickets"})
	if a.status != 429 || a.header.Get("Retry-After") != "1" {
		t.Fatalf("over MaxRPS: %d", a.status)
	}
	// latency is added (a lower bound only: no timing upper bound)
	s.SetFaults(Faults{Latency: 30 * time.Millisecond})
	start := time.Now()
	outcome(t, s)
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Fatalf("latency %v", d)
	}
}

func TestBucket(t *testing.T) {
	b := bucket{rate: 2}
	t0 := time.Unix(1000, 0)
	got := ""
	for _, dt := range []time.Duration{0, 0, 0, 400 * time.Millisecond, 500 * time.Millisecond, 500 * time.Millisecond, 5 * time.Second} {
		if b.allow(t0.Add(dt)) {
			got += "y"
		} else {
			got += "n"
		}
	}
	// burst 2; at 0.4 s 0.8 token; at 0.5 s 1.0 token; then 0; at 5 s full
	if got != "yynnyny" {
		t.Fatalf("bucket %s", got)
	}
}

func TestDropCommitsThenCloses(t *testing.T) {
	s := newTestServer(t, Options{Faults: Faults{DropRate: 1}})
	v := url.Values{"action": {"OpenTicket"}, "identifier": {s.Identifier}, "secret": {s.Secret}, "deptid": {"1"}, "subject": {"dropped"}, "message": {"m"}, "clientid": {"1"}, "noemail": {"1"}}
	resp, err := http.PostForm(s.APIURL(), v)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got an answer, HTTP %d", resp.StatusCode)
	}
	st := s.State()
	if len(st.Tickets) != 1 || st.Tickets[0].Subject != "dropped" || st.WriteCalls != 1 || st.Calls["OpenTicket"] != 1 {
		t.Fatalf("state after drop: %+v", st)
	}
	// a refused call (business error) is not committed, dropped or not
	v.Set("deptid", "99")
	if resp, err := http.PostForm(s.APIURL(), v); err == nil {
		resp.Body.Close()
	}
	if st := s.State(); len(st.Tickets) != 1 || st.WriteCalls != 1 || st.Refusals["OpenTicket: Department ID not found"] != 1 {
		t.Fatalf("state: %+v", st)
	}
}
