package checkpoints

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"
)

func TestIsDiskWrite(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("finish T1: %w", &os.PathError{Op: "write", Path: "x.db", Err: syscall.ENOSPC}), true},
		{fmt.Errorf("write: %w", syscall.EFBIG), true},
		{fmt.Errorf("write: %w", syscall.EIO), true},
		{ErrLocked, false},
		{errors.New("disk I/O error"), false}, // text alone is not the class
		{nil, false},
	} {
		if got := IsDiskWrite(c.err); got != c.want {
			t.Errorf("IsDiskWrite(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
