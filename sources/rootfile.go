package sources

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Errors of RootFile, besides a wrapped fs.ErrNotExist for a missing file.
var (
	// ErrOutsideRoot: the path leads outside its directory, by being
	// absolute, by "..", or through a symbolic link pointing out.
	ErrOutsideRoot = errors.New("leads outside the directory")
	// ErrNotRegular: the path names a directory, a device, a pipe...
	ErrNotRegular = errors.New("is not a regular file")
)

// RootFile resolves an attachment's path rel under the directory dir, the
// one way attachment files are read: confined to dir by os.Root, which
// refuses absolute paths, ".." and symbolic links that lead out of dir
// (links inside it are followed). What validate checks is therefore what
// run opens: the returned Attachment (with name and the file's size) opens
// the file through the same confinement on every call.
//
// It returns ErrOutsideRoot, ErrNotRegular or an error matching
// fs.ErrNotExist (wrapped, without the path), or another I/O error.
func RootFile(dir, rel, name string) (Attachment, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return Attachment{}, err
	}
	defer root.Close()
	fi, err := root.Stat(rel)
	if err != nil {
		return Attachment{}, rootErr(err)
	}
	if !fi.Mode().IsRegular() {
		return Attachment{}, ErrNotRegular
	}
	return Attachment{
		Name: name,
		Size: fi.Size(),
		Open: func() (io.ReadCloser, error) {
			f, err := os.OpenInRoot(dir, rel)
			if err != nil {
				return nil, fmt.Errorf("open attachment %q: %w", name, rootErr(err))
			}
			return f, nil
		},
	}, nil
}

// rootErr classifies an os.Root error: a path escaping the root (the
// standard library does not export its error) is ErrOutsideRoot, and the
// path is dropped from the others (the caller names the attachment).
func rootErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	if err.Error() == "path escapes from parent" {
		return ErrOutsideRoot
	}
	return err
}
