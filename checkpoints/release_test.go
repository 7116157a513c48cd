package checkpoints

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// A lock that cannot be freed says so: release returns the error (its
// callers log it), and a second release is a no-op.
func TestReleaseReturnsUnlockError(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "migration.db"))
	if err != nil {
		t.Fatal(err)
	}
	release, err := s.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	err = release()
	if err == nil || !strings.Contains(err.Error(), "unlock checkpoint") {
		t.Fatalf("release after Close = %v, want the unlock's error", err)
	}
	if err := release(); err != nil {
		t.Errorf("second release = %v, want nil", err)
	}
}
