package sources

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// RootFile confines every path to its directory, links included, and its
// Attachment opens the file the same way.
func TestRootFile(t *testing.T) {
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "passwd"), []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sub", "a.txt"), []byte("aaa"), 0o644); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{
		"out": filepath.Join(outside, "passwd"), "outdir": outside, "rel-out": "../" + filepath.Base(outside) + "/passwd",
		"in": "sub/a.txt", "dangling-out": "/nonexistent/x",
	} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	for rel, want := range map[string]error{
		"out": ErrOutsideRoot, "outdir/passwd": ErrOutsideRoot, "rel-out": ErrOutsideRoot, "../x": ErrOutsideRoot,
		filepath.Join(outside, "passwd"): ErrOutsideRoot, "dangling-out": ErrOutsideRoot,
		"nope": fs.ErrNotExist, "sub": ErrNotRegular, "fifo": ErrNotRegular,
	} {
		_, err := RootFile(dir, rel, "x")
		if !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", rel, err, want)
		}
	}
	for _, rel := range []string{"sub/a.txt", "in", "sub/../sub/a.txt"} {
		a, err := RootFile(dir, rel, "a.txt")
		if err != nil || a.Size != 3 || a.Name != "a.txt" {
			t.Fatalf("%s: %+v, %v", rel, a, err)
		}
		rc, err := a.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if string(b) != "aaa" {
			t.Errorf("%s read %q", rel, b)
		}
	}
	// A file swapped for an escaping link after it was resolved is refused
	// when opened: the open is confined too, not only the check.
	a, err := RootFile(dir, "sub/a.txt", "a.txt")
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "sub", "a.txt"))
	if err := os.Symlink(filepath.Join(outside, "passwd"), filepath.Join(dir, "sub", "a.txt")); err != nil {
		t.Fatal(err)
	}
	if rc, err := a.Open(); err == nil || !errors.Is(err, ErrOutsideRoot) {
		if rc != nil {
			rc.Close()
		}
		t.Errorf("open after swap: %v, want ErrOutsideRoot", err)
	}
}
