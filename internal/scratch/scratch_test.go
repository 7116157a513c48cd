package scratch

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func mkdir(t *testing.T, parent, name, owner string) string {
	t.Helper()
	p := filepath.Join(parent, name)
	if err := os.Mkdir(p, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p, "data.utf8"), []byte("customer data"), 0o600); err != nil {
		t.Fatal(err)
	}
	if owner != "" {
		if err := os.WriteFile(filepath.Join(p, ownerFile), []byte(owner), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// New sweeps the leftovers of dead processes of this host, and only
// those, then makes a directory of its own that Remove removes.
func TestNewSweepsDeadOwnersOnly(t *testing.T) {
	parent := t.TempDir()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("cannot run true:", err)
	}
	dead, live := cmd.Process.Pid, os.Getppid()
	host, _ := os.Hostname()
	gone := mkdir(t, parent, fmt.Sprintf("%s%d-123", Prefix, dead), fmt.Sprintf("%d %s 1700000000\n", dead, host))
	noOwner := mkdir(t, parent, fmt.Sprintf("%s%d-456", Prefix, dead), "") // killed before it wrote its owner file
	keep := []string{
		mkdir(t, parent, fmt.Sprintf("%s%d-789", Prefix, live), fmt.Sprintf("%d %s 1700000000\n", live, host)),        // a live run's
		mkdir(t, parent, fmt.Sprintf("%s%d-1", Prefix, dead), fmt.Sprintf("%d elsewhere.example 1700000000\n", dead)), // another host's
		mkdir(t, parent, Prefix+"demo-42", ""), // not a scratch directory's name
		mkdir(t, parent, "unrelated", ""),
	}
	d, err := New(Options{Parent: parent})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{gone, noOwner} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s: a dead process's leftover was not removed (%v)", p, err)
		}
	}
	for _, p := range keep {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed: %v", p, err)
		}
	}
	if filepath.Dir(d.Path()) != parent {
		t.Fatalf("Path %s is not in %s", d.Path(), parent)
	}
	if st, err := os.Stat(d.Path()); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("own directory: %v %v", st, err)
	}
	// A second sweep (another command at the same time) leaves it alone.
	if removed, err := Sweep(parent); err != nil || len(removed) != 0 {
		t.Errorf("second sweep removed %v (%v)", removed, err)
	}
	if err := d.Remove(); err != nil {
		t.Fatal(err)
	}
	if err := d.Remove(); err != nil {
		t.Fatalf("Remove twice: %v", err)
	}
	if _, err := os.Stat(d.Path()); !os.IsNotExist(err) {
		t.Errorf("Remove left %s", d.Path())
	}
}
