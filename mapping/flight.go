package mapping

import (
	"context"
	"errors"
	"sync"
)

// flight answers lookups by key once: concurrent callers for one key share
// one call of the lookup, and its answer is kept, found or not, for the
// flight's life. A failed lookup is forgotten, so the next caller tries
// again. It is the one home of the client and contact resolvers' caches.
type flight[V any] struct {
	mu sync.Mutex
	m  map[string]*flightCall[V]
}

type flightCall[V any] struct {
	done  chan struct{}
	v     V
	found bool
	err   error
}

// do returns key's answer, from the cache or from lookup. A caller that
// waits for another's lookup returns ctx.Err() when its own ctx ends, and
// makes the lookup itself when the other's failed only because its caller
// gave up.
func (f *flight[V]) do(ctx context.Context, key string, lookup func() (V, bool, error)) (V, bool, error) {
	var zero V
	for {
		f.mu.Lock()
		if f.m == nil {
			f.m = map[string]*flightCall[V]{}
		}
		c, ok := f.m[key]
		if !ok {
			c = &flightCall[V]{done: make(chan struct{})}
			f.m[key] = c
			f.mu.Unlock()
			c.v, c.found, c.err = lookup()
			if c.err != nil {
				f.mu.Lock()
				delete(f.m, key)
				f.mu.Unlock()
			}
			close(c.done)
			return c.v, c.found, c.err
		}
		f.mu.Unlock()
		select {
		case <-c.done:
		case <-ctx.Done():
			return zero, false, ctx.Err()
		}
		if c.err == nil {
			return c.v, c.found, nil
		}
		if ctx.Err() == nil && (errors.Is(c.err, context.Canceled) || errors.Is(c.err, context.DeadlineExceeded)) {
			continue
		}
		return zero, false, c.err
	}
}
