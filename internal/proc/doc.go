// Package proc tells whether a process runs: the one liveness check of the
// checkpoint's run lock (checkpoints) and of the temporary directories a
// killed command left behind (internal/scratch). It holds no state.
package proc
