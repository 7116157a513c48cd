//go:build !unix

package proc

import "os"

// Alive reports whether process pid runs on this host. On Windows
// os.FindProcess opens the process, and fails when there is none.
func Alive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}
