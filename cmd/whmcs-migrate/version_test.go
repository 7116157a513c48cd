package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestReadBuildVersion(t *testing.T) {
	info := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.4.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
		{Key: "vcs.time", Value: "2026-11-30T12:00:00Z"},
		{Key: "vcs.modified", Value: "true"},
	}}
	v := readBuildVersion(info, true)
	want := "whmcs-migrate v1.4.0 (commit 0123456789ab with local changes, committed 2026-11-30T12:00:00Z) go1.26.8 " + v.Platform
	if got := v.String(); got != want {
		t.Errorf("String() = %q\nwant %q", got, want)
	}
	if got := readBuildVersion(nil, false).String(); !strings.HasPrefix(got, "whmcs-migrate (unknown) go") {
		t.Errorf("without build info: %q", got)
	}
	// version and --version print the same line, this test binary's.
	_, out, _ := cli(t, "version")
	_, out2, _ := cli(t, "--version")
	if out != currentVersion().String()+"\n" || out2 != out {
		t.Errorf("version %q, --version %q", out, out2)
	}
}

// A binary built from a git clone names its commit and the commit's date.
func TestVersionOfABuildFromAClone(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	head, err := exec.Command("git", "-C", root, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	dir := t.TempDir()
	clone := filepath.Join(dir, "src")
	if out, err := exec.Command("git", "clone", "-q", "--no-hardlinks", root, clone).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	bin := filepath.Join(dir, "whmcs-migrate")
	build := exec.Command("go", "build", "-buildvcs=true", "-o", bin, "./cmd/whmcs-migrate")
	build.Dir = clone
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GOFLAGS=") {
			build.Env = append(build.Env, kv)
		}
	}
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	if !strings.Contains(s, "commit "+strings.TrimSpace(string(head))[:12]+", committed 20") || strings.Contains(s, "local changes") {
		t.Errorf("version of a clean clone at %s: %s", head, s)
	}
}
