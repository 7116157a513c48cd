package main

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/internal/zonetest"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// withURL writes beside cfg a copy of it whose target.url is url: the same
// source and the same checkpoint, another WHMCS address.
func withURL(t *testing.T, cfg, name, url string) string {
	t.Helper()
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "  url: ") {
			l = "  url: " + url
		}
		out = append(out, l)
	}
	p := filepath.Join(filepath.Dir(cfg), name)
	if err := os.WriteFile(p, []byte(strings.Join(out, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func checkpointTargetOf(t *testing.T, cfg string) whmcs.Identity {
	t.Helper()
	store, err := checkpoints.Open(filepath.Join(filepath.Dir(cfg), "migration.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	site, su, err := store.Target(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return whmcs.Identity{Site: site, SystemURL: su}
}

func setCheckpointTarget(t *testing.T, cfg string, id whmcs.Identity) {
	t.Helper()
	store, err := checkpoints.Open(filepath.Join(filepath.Dir(cfg), "migration.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.SetTarget(context.Background(), id.Site, id.SystemURL); err != nil {
		t.Fatal(err)
	}
}

// readsOnlyIdentity fails unless s was asked nothing but which WHMCS it is:
// no permission probe, no read of a ticket, no write.
func readsOnlyIdentity(t *testing.T, what string, s *whmcstest.Server) {
	t.Helper()
	for action, n := range s.Calls() {
		if n > 0 && action != "GetWHMCSDetails" && action != "GetConfigurationValue" {
			t.Errorf("%s: the other WHMCS was sent %s (%v)", what, action, s.Calls())
		}
	}
	if w := s.WriteCalls(); w != 0 || len(s.State().Tickets) != 0 {
		t.Errorf("%s: the other WHMCS saw %d writes and holds %d tickets", what, w, len(s.State().Tickets))
	}
}

// A checkpoint knows the WHMCS it belongs to (its API URL's site and the
// install's System URL): run, verify and rollback refuse another WHMCS
// (exit 2) before any write, naming both; --retarget moves it on purpose,
// for a WHMCS that moved to a new URL; a checkpoint of an earlier version
// is adopted by the WHMCS it is next used with.
func TestCheckpointTarget(t *testing.T) {
	// One install (X) that answers at two addresses, as a WHMCS moved to a
	// new URL does; another install (Y).
	x, err := whmcstest.New(whmcstest.Options{TimeZone: zonetest.Load(t, "America/Chicago"), SystemURL: "https://Support.Example.com/"})
	if err != nil {
		t.Fatal(err)
	}
	old, moved := httptest.NewServer(x.Handler()), httptest.NewServer(x.Handler())
	t.Cleanup(old.Close)
	t.Cleanup(moved.Close)
	x.URL = old.URL
	y := vfSandbox(t)

	cfg := vfConfig(t, x) // target.url: the old address
	cfgMoved := withURL(t, cfg, "moved.yaml", moved.URL+"/includes/api.php")
	cfgY := withURL(t, cfg, "other.yaml", y.APIURL())

	if code, out, errOut := cli(t, "run", "--config", cfg, "--no-progress"); code != exitOK {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errOut)
	}
	oldID := whmcs.Identity{Site: whmcs.SiteOf(old.URL + "/includes/api.php"), SystemURL: "https://support.example.com"}
	if got := checkpointTargetOf(t, cfg); got != oldID {
		t.Fatalf("the first run recorded %+v, want %+v", got, oldID)
	}
	xWrites, xTickets := x.WriteCalls(), len(x.State().Tickets)
	if code, out, _ := cli(t, "status", "--config", cfg); code != exitOK || !strings.Contains(out, "belongs  to the WHMCS at "+oldID.String()) {
		t.Errorf("status does not say which WHMCS the checkpoint belongs to:\n%s", out)
	}

	// Another install: refused before any write, naming both.
	ySite := whmcs.SiteOf(y.APIURL())
	for _, args := range [][]string{
		{"run", "--config", cfgY, "--no-progress"},
		{"run", "--config", cfgY, "--no-progress", "--only", "A1"},
		{"verify", "--config", cfgY},
		{"rollback", "--config", cfgY, "--all", "--yes"},
	} {
		code, out, errOut := cli(t, args...)
		what := strings.Join(args[:1], " ")
		if code != exitUsage {
			t.Errorf("%s against another WHMCS: exit %d, want %d\n%s\n%s", what, code, exitUsage, out, errOut)
		}
		for _, want := range []string{oldID.Site, "System URL https://support.example.com", ySite, "System URL " + strings.TrimSuffix(y.URL, "/"), "--retarget", "before any write"} {
			if !strings.Contains(errOut, want) {
				t.Errorf("%s: the refusal lacks %q:\n%s", what, want, errOut)
			}
		}
		readsOnlyIdentity(t, what, y)
		if what == "run" {
			t.Logf("refusal: %s", errOut)
		}
	}
	if x.WriteCalls() != xWrites || len(x.State().Tickets) != xTickets {
		t.Errorf("the refused commands changed the checkpoint's own WHMCS")
	}
	if got := checkpointTargetOf(t, cfg); got != oldID {
		t.Errorf("a refused command changed the checkpoint's WHMCS to %+v", got)
	}

	// The same install at a new URL: refused too (the site differs), until
	// --retarget; then nothing is written again (every ticket is there).
	if code, _, errOut := cli(t, "run", "--config", cfgMoved, "--no-progress"); code != exitUsage || !strings.Contains(errOut, whmcs.SiteOf(moved.URL+"/includes/api.php")) {
		t.Errorf("run at the new URL without --retarget: exit %d\n%s", code, errOut)
	}
	code, out, errOut := cli(t, "run", "--config", cfgMoved, "--no-progress", "--retarget")
	if code != exitOK || !strings.Contains(errOut, "re-targeted") {
		t.Fatalf("run --retarget: exit %d\n%s\n%s", code, out, errOut)
	}
	if x.WriteCalls() != xWrites || len(x.State().Tickets) != xTickets {
		t.Errorf("run --retarget wrote %d calls", x.WriteCalls()-xWrites)
	}
	movedID := whmcs.Identity{Site: whmcs.SiteOf(moved.URL + "/includes/api.php"), SystemURL: oldID.SystemURL}
	if got := checkpointTargetOf(t, cfg); got != movedID {
		t.Errorf("after --retarget the checkpoint belongs to %+v, want %+v", got, movedID)
	}
	if code, out, errOut := cli(t, "verify", "--config", cfgMoved); code != exitOK {
		t.Errorf("verify at the new URL: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, _, _ := cli(t, "run", "--config", cfg, "--no-progress"); code != exitUsage {
		t.Errorf("run at the old URL after the move: exit %d, want %d", code, exitUsage)
	}

	// The same site, another install (its System URL differs): refused.
	setCheckpointTarget(t, cfg, whmcs.Identity{Site: movedID.Site, SystemURL: "https://staging.example.com"})
	if code, _, errOut := cli(t, "run", "--config", cfgMoved, "--no-progress"); code != exitUsage ||
		!strings.Contains(errOut, "System URL https://staging.example.com") || !strings.Contains(errOut, "System URL https://support.example.com") {
		t.Errorf("run against another install at the same URL: exit %d\n%s", code, errOut)
	}

	// A checkpoint of an earlier version (imports, no WHMCS recorded) is
	// adopted by the WHMCS it is used with, said in an info line.
	setCheckpointTarget(t, cfg, whmcs.Identity{})
	if code, out, errOut := cli(t, "run", "--config", cfgMoved, "--no-progress"); code != exitOK || !strings.Contains(errOut, "earlier version") {
		t.Errorf("run on an earlier version's checkpoint: exit %d\n%s\n%s", code, out, errOut)
	}
	if got := checkpointTargetOf(t, cfg); got != movedID {
		t.Errorf("the earlier version's checkpoint now belongs to %+v, want %+v", got, movedID)
	}
	if x.WriteCalls() != xWrites {
		t.Errorf("the runs after the first wrote %d calls", x.WriteCalls()-xWrites)
	}
}
