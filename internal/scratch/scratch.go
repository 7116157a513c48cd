package scratch

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/internal/proc"
)

// Prefix starts the name of every scratch directory.
const Prefix = "whmcs-migrate-"

// ownerFile, inside the directory, says who made it: "pid host since".
const ownerFile = "owner"

// Options configure New.
type Options struct {
	// Parent is where the directory is made and where leftovers are looked
	// for; "" = os.TempDir() ($TMPDIR on Unix).
	Parent string
	// Logger is told what the sweep removed. Nil discards it.
	Logger *slog.Logger
}

// Dir is a command's scratch directory.
type Dir struct {
	path string
	once sync.Once
	err  error
}

// New removes what killed commands left in the parent (see Sweep), then
// makes this process's directory.
func New(o Options) (*Dir, error) {
	parent := o.Parent
	if parent == "" {
		parent = os.TempDir()
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	removed, err := Sweep(parent)
	for _, r := range removed {
		log.Info("removed the temporary files a killed run left", "dir", r)
	}
	if err != nil {
		log.Warn("could not remove the temporary files a killed run left", "error", err)
	}
	path, err := os.MkdirTemp(parent, Prefix+strconv.Itoa(os.Getpid())+"-") // 0700
	if err != nil {
		return nil, fmt.Errorf("temporary directory: %w", err)
	}
	host, _ := os.Hostname()
	owner := fmt.Sprintf("%d %s %d\n", os.Getpid(), host, time.Now().Unix())
	if err := os.WriteFile(filepath.Join(path, ownerFile), []byte(owner), 0o600); err != nil {
		_ = os.RemoveAll(path)
		return nil, fmt.Errorf("temporary directory: %w", err)
	}
	return &Dir{path: path}, nil
}

// Path is the directory; "" for a nil Dir.
func (d *Dir) Path() string {
	if d == nil {
		return ""
	}
	return d.path
}

// Remove removes the directory and all it holds. Safe twice and on nil.
func (d *Dir) Remove() error {
	if d == nil {
		return nil
	}
	d.once.Do(func() { d.err = os.RemoveAll(d.path) })
	return d.err
}

// Sweep removes the scratch directories in parent whose process is gone:
// made on this host (its owner file says so; a directory without one is
// judged by the pid in its name) by a pid that no longer runs. It returns
// the directories removed. A directory of a live process, of another
// host, or whose name is not a scratch directory's is left alone.
func Sweep(parent string) (removed []string, err error) {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return nil, fmt.Errorf("look for leftover temporary files in %s: %w", parent, err)
	}
	host, _ := os.Hostname()
	var errs []error
	for _, e := range entries {
		pid, ok := pidOf(e.Name())
		if !ok || !e.IsDir() || pid == os.Getpid() {
			continue
		}
		path := filepath.Join(parent, e.Name())
		if b, err := os.ReadFile(filepath.Join(path, ownerFile)); err == nil {
			f := strings.Fields(string(b))
			if len(f) < 2 || f[0] != strconv.Itoa(pid) || f[1] != host {
				continue // another host's, or not ours
			}
		}
		if proc.Alive(pid) {
			continue
		}
		if err := os.RemoveAll(path); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, path)
	}
	return removed, errors.Join(errs...)
}

// pidOf reads the pid of a scratch directory's name,
// whmcs-migrate-<pid>-<random>.
func pidOf(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, Prefix)
	if !ok {
		return 0, false
	}
	digits, random, ok := strings.Cut(rest, "-")
	if !ok || random == "" {
		return 0, false
	}
	pid, err := strconv.Atoi(digits)
	if err != nil || pid <= 0 || strconv.Itoa(pid) != digits {
		return 0, false
	}
	return pid, true
}
