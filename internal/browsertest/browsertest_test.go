package browsertest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The check can fail: a script error is caught, and the DOM is the one the
// script left.
func TestRender(t *testing.T) {
	p := filepath.Join(t.TempDir(), "p.html")
	page := `<!DOCTYPE html><html><body><span id="x">before</span><script>
document.getElementById("x").textContent = "after " + location.hash.slice(1); nosuch();</script></body></html>`
	if err := os.WriteFile(p, []byte(page), 0o600); err != nil {
		t.Fatal(err)
	}
	got := Render(t, p, "q=abc")
	if !strings.Contains(got.DOM, `<span id="x">after q=abc</span>`) {
		t.Errorf("DOM:\n%s", got.DOM)
	}
	if errs := got.Errors(); len(errs) != 1 || !strings.Contains(errs[0], "nosuch is not defined") {
		t.Errorf("errors %q (console %q)", errs, got.Console)
	}
}
