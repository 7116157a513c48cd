package report

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteFile writes data to path atomically with mode 0600: reports
// hold customer data (names, emails, subjects). It writes a temporary file
// in path's directory, syncs it and renames it over path, so a reader never
// sees a half-written report and a crash leaves the old file or the new one.
// An existing file at path is replaced, and ends up 0600 whatever its mode
// was.
func WriteFile(path string, data []byte) error {
	return WriteFileAtomic(path, data, 0o600)
}

// WriteFileAtomic writes data to path atomically with mode perm, as
// WriteFile does. The temporary file is named ".<base>.tmp-*", so a
// reader matching "*.prom" or "*.json" never picks it up.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	tmp := f.Name()
	done := false
	defer func() {
		if !done {
			// The write's error is the one returned; the temporary
			// file is not the report, whatever remains of it.
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	// CreateTemp makes the file 0600; Chmod sets perm before any byte is
	// written.
	if err := f.Chmod(perm); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	done = true
	return nil
}
