package mapping

import (
	"context"
	"errors"
	"sync"
)

// lookupCache answers lookups by key once: concurrent callers for one key share
// one call of the lookup, and its answer is kept, found or not, for the
// cache's life. A failed lookup is forgotten, so the next caller tries
// again. It is the one home of the client and contact resolvers' caches.
type lookupCache[V any] struct {
	mu sync.Mutex
	m  map[string]*lookupCall[V]
}

type lookupCall[V any] struct {
	done  chan struct{}
	v     V
	found bool
	err   error
}

// do returns key's answer, from the cache or from lookup. A caller that
// waits for another's lookup returns ctx.Err() when its own ctx ends, and
// makes the lookup itself when the other's failed only because its caller
// gave up.
func (lc *lookupCache[V]) do(ctx context.Context, key string, lookup func() (V, bool, error)) (V, bool, error) {
	var zero V
	for {
		lc.mu.Lock()
		if lc.m == nil {
			lc.m = map[string]*lookupCall[V]{}
		}
		c, ok := lc.m[key]
		if !ok {
			c = &lookupCall[V]{done: make(chan struct{})}
			lc.m[key] = c
			lc.mu.Unlock()
			c.v, c.found, c.err = lookup()
			if c.err != nil {
				lc.mu.Lock()
				delete(lc.m, key)
				lc.mu.Unlock()
			}
			close(c.done)
			return c.v, c.found, c.err
		}
		lc.mu.Unlock()
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
