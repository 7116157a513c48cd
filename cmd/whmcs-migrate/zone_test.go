package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// A config without target.timezone is a config error (exit 2) that names
// the setting, what it is for and where an admin finds it, before any
// call: the sandbox, behind a counting proxy, sees no request from run,
// validate or verify.
func TestNoTargetZoneIsAConfigError(t *testing.T) {
	srv := whmcstest.NewServer(whmcstest.Options{TimeZone: syncDstZone})
	defer srv.Close()
	var calls atomic.Int64
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		srv.Handler().ServeHTTP(w, r)
	}))
	defer proxy.Close()
	cfg := honestConfig(t, srv, 3, 0, 0, 1)
	b, err := os.ReadFile(cfg)
	must(t, err)
	text := strings.Replace(string(b), srv.APIURL(), proxy.URL+"/includes/api.php", 1)
	text = strings.Replace(text, "  timezone: America/Chicago\n", "", 1)
	if strings.Contains(text, "America/Chicago") {
		t.Fatal("the target zone is still there")
	}
	must(t, os.WriteFile(cfg, []byte(text), 0o600))
	for _, args := range [][]string{{"run"}, {"validate"}, {"verify"}, {"run", "--dry-run"}} {
		code, out, errOut := cli(t, append(args, "--config", cfg)...)
		if code != exitUsage || !strings.Contains(errOut, "target.timezone is required") ||
			!strings.Contains(errOut, "date.timezone") || !strings.Contains(errOut, "PHP Info") {
			t.Errorf("%v: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", args, code, exitUsage, out, errOut)
		}
	}
	if n := calls.Load(); n != 0 {
		t.Fatalf("the sandbox saw %d calls, want none", n)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(cfg), "migration.db")); err == nil {
		t.Error("a checkpoint was created")
	}
}

// A CSV export whose dates carry no offset, without source.timezone: every
// such date is a bad_date error naming source.timezone (never read as
// UTC), so validate exits 3 and run imports nothing of those tickets.
func TestCSVWithoutSourceZone(t *testing.T) {
	srv := whmcstest.NewServer(whmcstest.Options{TimeZone: syncDstZone})
	defer srv.Close()
	cfg := honestConfig(t, srv, 3, 0, 0, 1)
	b, err := os.ReadFile(cfg)
	must(t, err)
	must(t, os.WriteFile(cfg, []byte(strings.Replace(string(b), "  timezone: UTC\n", "", 1)), 0o600))
	code, out, errOut := cli(t, "validate", "--config", cfg, "--offline")
	if code != exitIncomplete || !strings.Contains(out, "bad_date") || !strings.Contains(out+errOut, "source.timezone") {
		t.Fatalf("validate: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = cli(t, "run", "--config", cfg, "--no-progress")
	if code != exitIncomplete || srv.WriteCalls() != 0 || !strings.Contains(out, "3 failed") {
		t.Fatalf("run: exit %d, %d writes\n%s\n%s", code, srv.WriteCalls(), out, errOut)
	}
}

// A target.timezone that disagrees with the WHMCS's (the sandbox's
// Options.TimeZone, shown by GetAdminDetails' requesttime against the
// Date header) stops run, validate and verify with a config error naming
// both offsets, before any write.
func TestZoneMismatchStopsBeforeAnyWrite(t *testing.T) {
	srv := whmcstest.NewServer(whmcstest.Options{TimeZone: syncDstZone})
	defer srv.Close()
	cfg := honestConfig(t, srv, 3, 0, 0, 1)
	b, err := os.ReadFile(cfg)
	must(t, err)
	must(t, os.WriteFile(cfg, []byte(strings.Replace(string(b), "timezone: America/Chicago", "timezone: Asia/Tokyo", 1)), 0o600))
	for _, args := range [][]string{{"run", "--no-progress"}, {"validate"}, {"verify"}} {
		code, out, errOut := cli(t, append(args, "--config", cfg)...)
		if code != exitUsage || !strings.Contains(errOut, "Asia/Tokyo is UTC+09:00") || !strings.Contains(errOut, "UTC-0") ||
			!strings.Contains(errOut, "date.timezone") {
			t.Errorf("%v: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", args, code, exitUsage, out, errOut)
		}
	}
	if st := srv.State(); st.WriteCalls != 0 || len(st.Tickets) != 0 {
		t.Fatalf("%d writes, %d tickets", st.WriteCalls, len(st.Tickets))
	}
	// The right zone passes, and the run imports.
	must(t, os.WriteFile(cfg, b, 0o600))
	if code, out, errOut := cli(t, "run", "--no-progress", "--config", cfg); code != 0 {
		t.Fatalf("right zone: exit %d\n%s\n%s", code, out, errOut)
	}
}
