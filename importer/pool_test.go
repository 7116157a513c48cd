package importer

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

func TestPool(t *testing.T) {
	var mu sync.Mutex
	seen := map[int]int{}
	var active, most atomic.Int32
	err := Pool(context.Background(), 3, func(ctx context.Context, emit func(int) error) error {
		for i := range 100 {
			if err := emit(i); err != nil {
				return err
			}
		}
		return nil
	}, func(ctx context.Context, i int) error {
		n := active.Add(1)
		defer active.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		mu.Lock()
		seen[i]++
		mu.Unlock()
		return nil
	})
	if err != nil || len(seen) != 100 || most.Load() > 3 {
		t.Fatalf("err %v, %d items seen, %d at once", err, len(seen), most.Load())
	}
	for i, n := range seen {
		if n != 1 {
			t.Fatalf("item %d handled %d times", i, n)
		}
	}

	// A worker's error stops the producer and is the result.
	stop := errors.New("fatal")
	var produced atomic.Int32
	err = Pool(context.Background(), 2, func(ctx context.Context, emit func(int) error) error {
		for i := 0; ; i++ {
			if err := emit(i); err != nil {
				return err
			}
			produced.Add(1)
		}
	}, func(ctx context.Context, i int) error {
		if i == 10 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || produced.Load() > 20 {
		t.Fatalf("err %v after %d items", err, produced.Load())
	}
}
