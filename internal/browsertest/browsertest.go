// Package browsertest renders a page in a real browser for tests: headless
// Chromium (Debian's chromium, which .ci/run installs), offline, with a
// throwaway profile. It returns the DOM after the page's scripts ran and
// the messages the page wrote to the console, so a test can check that
// the scripts raised nothing and that what they render is right.
//
// It is test support: nothing outside tests imports it.
package browsertest

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Browser finds Chromium. Without it the test is skipped, except in CI
// (CI=true), where a skipped check is a failure.
func Browser(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed (.ci/run installs Debian's chromium); in CI the HTML reports must be checked")
	}
	t.Skip("chromium is not installed: the HTML reports are not checked in a browser")
	return ""
}

// Page is a page as the browser left it.
type Page struct {
	DOM string // the document after its scripts ran (--dump-dom)
	// Console lists the console messages and uncaught errors, one each.
	Console []string
}

// Errors returns the console messages that are script errors.
func (p Page) Errors() []string {
	var out []string
	for _, m := range p.Console {
		if strings.Contains(m, "Uncaught") || strings.Contains(m, "Error") {
			out = append(out, m)
		}
	}
	return out
}

var consoleLine = regexp.MustCompile(`:CONSOLE[:(]\d+\)?\] (.*)$`)

// Render loads the file at path (with fragment, e.g. "q=A3", after #) in
// headless Chromium and returns the page.
func Render(t testing.TB, path, fragment string) Page {
	t.Helper()
	bin := Browser(t)
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	u := (&url.URL{Scheme: "file", Path: abs, Fragment: fragment}).String()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(), "--enable-logging=stderr", "--v=0", "--dump-dom", u)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\n%s", u, err, errb.String())
	}
	p := Page{DOM: out.String()}
	for _, l := range strings.Split(errb.String(), "\n") {
		if m := consoleLine.FindStringSubmatch(l); m != nil {
			p.Console = append(p.Console, m[1])
		}
	}
	if !strings.Contains(p.DOM, "</html>") {
		t.Fatalf("chromium gave no document for %s:\n%s", u, errb.String())
	}
	return p
}
