package importer

import (
	"context"

	"golang.org/x/sync/errgroup"
)

// Pool is the worker pool every pass over a migration shares (run,
// validate, verify, rollback): one producer and n workers (at least one).
//
// produce calls emit for each item, in its order; emit blocks until a
// worker is free and returns ctx's error once the pool is stopping. Each
// worker calls work for one item at a time, so an item is handled from
// start to end by one goroutine (one ticket's calls stay in order).
//
// Pool returns once the producer and every worker have returned. The first
// error returned by produce or by work cancels the ctx they were given and
// is Pool's result: work must return an error only for what stops the
// whole pass (a fatal error), and record an item's own failure itself.
func Pool[T any](ctx context.Context, n int, produce func(ctx context.Context, emit func(T) error) error, work func(ctx context.Context, item T) error) error {
	g, gctx := errgroup.WithContext(ctx)
	items := make(chan T)
	g.Go(func() error {
		defer close(items)
		return produce(gctx, func(it T) error {
			select {
			case items <- it:
				return nil
			case <-gctx.Done():
				return gctx.Err()
			}
		})
	})
	for range max(n, 1) {
		g.Go(func() error {
			for it := range items {
				if err := work(gctx, it); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return g.Wait()
}
