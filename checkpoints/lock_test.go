package checkpoints

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
)

// Two stores opening a new checkpoint and taking its lock at the same
// moment: one gets the lock, the other a *LockedError naming the holder,
// never a bare SQLITE_BUSY ("database is locked"), at open or at lock.
// Before the writer began its transactions IMMEDIATE, about 1 start in 40
// met SQLITE_BUSY.
func TestSimultaneousOpenAndLock(t *testing.T) {
	for i := range 100 {
		path := filepath.Join(t.TempDir(), "migration.db")
		var wg sync.WaitGroup
		var mu sync.Mutex
		var won, lost int
		for range 2 {
			wg.Go(func() {
				s, err := Open(path)
				if err != nil {
					t.Errorf("try %d: %v", i, err)
					return
				}
				defer s.Close()
				release, err := s.Lock(context.Background())
				var le *LockedError
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					won++
					if !s.Locked() {
						t.Errorf("try %d: Locked() false after Lock", i)
					}
					// Held until both tried: the other must meet it.
					t.Cleanup(func() { release() })
				case errors.As(err, &le) && le.Holder.PID != 0 && le.Holder.Host != "" && !le.Holder.Since.IsZero():
					lost++
				default:
					t.Errorf("try %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		if won+lost == 2 && won != 1 {
			t.Errorf("try %d: %d stores got the lock", i, won)
		}
	}
}
