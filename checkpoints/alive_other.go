//go:build !unix

package checkpoints

import "os"

// processAlive reports whether process pid runs on this host. On Windows
// os.FindProcess opens the process, and fails when there is none.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}
