package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Capacity models WHMCS's PHP worker pool (PHP-FPM's pm.max_children): at
// most Workers API calls run at once, each holding its worker for
// ServiceTime; the others wait in a FIFO queue. A call that waited longer
// than QueueTimeout for a worker is answered HTTP 503 with an HTML page,
// without being processed, as a web server in front of a saturated pool
// answers. The zero value is no pool: every call runs at once.
//
// The pool applies to POST /includes/api.php only, after Faults (which
// model what sits in front of WHMCS). Each call's queueing delay (the time
// it waited for a worker) is kept: see Server.QueueStats.
type Capacity struct {
	// Workers is the pool's size; 0 = unlimited (no queue).
	Workers int
	// ServiceTime is how long each call holds its worker before it is
	// processed.
	ServiceTime time.Duration
	// QueueTimeout is the longest a call waits for a worker before it is
	// answered 503; 0 = it waits for ever.
	QueueTimeout time.Duration
}

func (c Capacity) validate() error {
	if c.Workers < 0 || c.ServiceTime < 0 || c.QueueTimeout < 0 {
		return errors.New("sandbox: Capacity.Workers, ServiceTime and QueueTimeout must not be negative")
	}
	return nil
}

// QueueStats summarises the queueing delays of the calls the pool served
// (or timed out): how long each waited for a worker.
type QueueStats struct {
	Workers     int           `json:"workers"`
	ServiceTime time.Duration `json:"service_time_ns"`
	// Calls counts the calls that went through the pool; TimedOut of them
	// were answered 503 after QueueTimeout.
	Calls    int `json:"calls"`
	TimedOut int `json:"timed_out"`
	// MaxBusy is the most calls that ran at once.
	MaxBusy int           `json:"max_busy"`
	Mean    time.Duration `json:"mean_ns"`
	P50     time.Duration `json:"p50_ns"`
	P95     time.Duration `json:"p95_ns"`
	P99     time.Duration `json:"p99_ns"`
	Max     time.Duration `json:"max_ns"`
}

// pool is the worker pool of Capacity: a FIFO semaphore whose size can
// change while calls wait.
type pool struct {
	mu      sync.Mutex
	c       Capacity
	busy    int
	maxBusy int
	queue   []*waiter
	delays  []time.Duration // every call's queueing delay, in arrival order
	timeout int
}

type waiter struct {
	ready   chan struct{}
	granted bool
}

// setCapacity replaces the capacity; a larger pool starts queued calls at
// once, a smaller one lets running calls finish.
func (p *pool) setCapacity(c Capacity) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.c = c
	p.grantLocked()
}

func (p *pool) capacity() Capacity {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.c
}

// grantLocked hands free workers to the queue's head.
func (p *pool) grantLocked() {
	for len(p.queue) > 0 && (p.c.Workers <= 0 || p.busy < p.c.Workers) {
		w := p.queue[0]
		p.queue = p.queue[1:]
		w.granted = true
		p.busy++
		p.maxBusy = max(p.maxBusy, p.busy)
		close(w.ready)
	}
}

// acquire waits for a worker. ok false: the queue timeout passed (or ctx
// ended) first, and no worker is held.
func (p *pool) acquire(ctx context.Context) (ok bool) {
	start := time.Now()
	p.mu.Lock()
	if len(p.queue) == 0 && (p.c.Workers <= 0 || p.busy < p.c.Workers) {
		p.busy++
		p.maxBusy = max(p.maxBusy, p.busy)
		p.delays = append(p.delays, 0)
		p.mu.Unlock()
		return true
	}
	w := &waiter{ready: make(chan struct{})}
	p.queue = append(p.queue, w)
	timeout := p.c.QueueTimeout
	p.mu.Unlock()

	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	select {
	case <-w.ready:
	case <-expired:
	case <-ctx.Done():
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.delays = append(p.delays, time.Since(start))
	if w.granted {
		return true
	}
	if i := slices.Index(p.queue, w); i >= 0 {
		p.queue = slices.Delete(p.queue, i, i+1)
	}
	p.timeout++
	return false
}

func (p *pool) release() {
	p.mu.Lock()
	p.busy--
	p.grantLocked()
	p.mu.Unlock()
}

func (p *pool) stats() QueueStats {
	p.mu.Lock()
	d := slices.Clone(p.delays)
	st := QueueStats{Workers: p.c.Workers, ServiceTime: p.c.ServiceTime, Calls: len(d), TimedOut: p.timeout, MaxBusy: p.maxBusy}
	p.mu.Unlock()
	if len(d) == 0 {
		return st
	}
	slices.Sort(d)
	var sum time.Duration
	for _, x := range d {
		sum += x
	}
	q := func(f float64) time.Duration { return d[min(len(d)-1, int(f*float64(len(d))))] }
	st.Mean, st.P50, st.P95, st.P99, st.Max = sum/time.Duration(len(d)), q(0.50), q(0.95), q(0.99), d[len(d)-1]
	return st
}

// SetCapacity changes the worker pool while the server runs (see
// Capacity): a smaller pool lets the calls running finish and starts no
// new one until fewer than Workers run; a larger one starts queued calls
// at once. The queueing delays kept so far stay. A negative field is an
// error, and the pool is unchanged.
func (s *Server) SetCapacity(c Capacity) error {
	if err := c.validate(); err != nil {
		return err
	}
	s.pool.setCapacity(c)
	return nil
}

// SetWorkers changes only the pool's size: see SetCapacity.
func (s *Server) SetWorkers(n int) error {
	c := s.pool.capacity()
	c.Workers = n
	return s.SetCapacity(c)
}

// QueueStats summarises the queueing delay of every call so far.
func (s *Server) QueueStats() QueueStats { return s.pool.stats() }

// QueueDelays returns every call's queueing delay, in the order the calls
// left the queue.
func (s *Server) QueueDelays() []time.Duration {
	s.pool.mu.Lock()
	defer s.pool.mu.Unlock()
	return slices.Clone(s.pool.delays)
}

// enterPool holds a worker of the pool for the call's service time. ok
// false: an answer (503) was written, or the client went away.
func (s *Server) enterPool(ctx context.Context, w http.ResponseWriter) (release func(), status int, ok bool) {
	if !s.pool.acquire(ctx) {
		if ctx.Err() != nil {
			return nil, 0, false
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "<!DOCTYPE html>\n<html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1><p>The server is temporarily unable to service your request due to capacity problems (sandbox worker pool: queue timeout).</p></body></html>\n")
		return nil, http.StatusServiceUnavailable, false
	}
	if d := s.pool.capacity().ServiceTime; d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	return s.pool.release, 0, true
}

// serveCapacity is POST /_sandbox/capacity: workers=N sets the pool's
// size (SetWorkers), and the answer is the queue's stats.
func (s *Server) serveCapacity(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.FormValue("workers"))
	if err != nil || n < 0 {
		http.Error(w, "workers: want a whole number, 0 or more", http.StatusBadRequest)
		return
	}
	if err := s.SetWorkers(n); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(s.QueueStats())
}
