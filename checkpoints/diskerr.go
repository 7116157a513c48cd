package checkpoints

import (
	"errors"
	"syscall"

	"modernc.org/sqlite"
)

// SQLite's primary result codes for a write the disk refused.
const (
	sqliteIOErr = 10 // SQLITE_IOERR (a failed write: EFBIG, EIO...)
	sqliteFull  = 13 // SQLITE_FULL (ENOSPC)
)

// IsDiskWrite reports whether err is the checkpoint's disk refusing a
// write: the disk full, a file size limit, an I/O error. A run that meets
// it stops (its state cannot be recorded) and says so.
func IsDiskWrite(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqliteIOErr, sqliteFull:
			return true
		}
	}
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EFBIG) || errors.Is(err, syscall.EIO)
}
