package csv

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// attachment resolves an attachment path from messages.csv, relative to the
// CSV directory, through sources.RootFile (so validate checks what run
// opens). "\" separates as "/" does. A path that is absolute (a drive
// letter included), climbs out with "..", or resolves
// through a symlink to a place outside the directory is refused; so is a
// missing file or one that is not a regular file. The problem's Origin is
// left for the caller.
func (s *Source) attachment(path string) (sources.Attachment, *sources.Problem) {
	path = strings.TrimSpace(path)
	escape := func(why string) (sources.Attachment, *sources.Problem) {
		return sources.Attachment{}, &sources.Problem{Severity: sources.Error, Code: sources.CodeAttachmentEscape, Field: "attachments",
			Message: fmt.Sprintf("attachment %q %s; attachments must be inside the CSV directory", path, why)}
	}
	missing := func(why string) (sources.Attachment, *sources.Problem) {
		return sources.Attachment{}, &sources.Problem{Severity: sources.Error, Code: sources.CodeAttachmentMissing, Field: "attachments",
			Message: fmt.Sprintf("attachment %q %s", path, why)}
	}
	// An export written on Windows separates with "\": it resolves as "/"
	// does (a file name holding a backslash is not supported). Messages
	// print the path as written.
	p := filepath.FromSlash(strings.ReplaceAll(path, `\`, "/"))
	if filepath.IsAbs(p) || strings.HasPrefix(path, "/") || strings.HasPrefix(path, `\`) || filepath.VolumeName(p) != "" ||
		(len(path) >= 2 && path[1] == ':' && isLetter(path[0])) {
		return escape("is an absolute path")
	}
	if strings.ContainsRune(path, 0) {
		return missing("holds a NUL byte")
	}
	joined := filepath.Join(s.dir, p)
	if rel, err := filepath.Rel(s.dir, joined); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return escape("leads out of the directory")
	}
	// The one root-confined resolver, as the importer opens the file.
	a, err := sources.RootFile(s.dir, p, filepath.Base(p))
	switch {
	case errors.Is(err, sources.ErrOutsideRoot):
		return escape("is a symlink leading out of the directory")
	case errors.Is(err, fs.ErrNotExist):
		return missing("does not exist")
	case errors.Is(err, sources.ErrNotRegular):
		return missing("is not a regular file")
	case err != nil:
		return missing(fmt.Sprintf("cannot be read: %v", unwrapPath(err)))
	}
	return a, nil
}

func isLetter(b byte) bool { return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' }

// unwrapPath drops the path from a *fs.PathError: the message names the
// attachment already.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
