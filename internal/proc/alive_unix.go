//go:build unix

package proc

import (
	"errors"
	"syscall"
)

// Alive reports whether process pid runs on this host: signal 0
// checks without sending anything (EPERM: it runs as another user).
func Alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
