package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestPeakRSS measures the peak resident memory of the real binary
// importing generated CSV exports into `whmcs-migrate sandbox` (a
// separate process), as `/usr/bin/time -v` reports it. It is opt-in, and
// slow (a 100,000-ticket import is about 500,000 calls):
//
//	WHMCS_MIGRATE_RSS=10000,100000 go test -run TestPeakRSS -v -timeout 2h ./cmd/whmcs-migrate/
//
// A size may end in /N to stop after N tickets (run --limit N): the whole
// export is still read and indexed, which is what grows with its size,
// e.g. 1000000/20000. Debian's time package provides /usr/bin/time. The
// goal is a peak under 300 MB at any size.
func TestPeakRSS(t *testing.T) {
	sizes := os.Getenv("WHMCS_MIGRATE_RSS")
	if sizes == "" {
		t.Skip("opt-in: set WHMCS_MIGRATE_RSS=10000,100000 (tickets)")
	}
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		t.Fatal("/usr/bin/time is missing: apt-get install -y time")
	}
	work := t.TempDir()
	bin := buildBinary(t, work)
	seedFile, err := filepath.Abs("../../samples/sandbox-seed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	maxRSS := regexp.MustCompile(`Maximum resident set size \(kbytes\): (\d+)`)
	for _, size := range strings.Split(sizes, ",") {
		n, limit, _ := strings.Cut(strings.TrimSpace(size), "/")
		tickets, err := strconv.Atoi(n)
		if err != nil {
			t.Fatalf("WHMCS_MIGRATE_RSS: %q", size)
		}
		t.Run(size, func(t *testing.T) {
			dir := filepath.Join(work, "csv-"+n)
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			entries := genCallsCSV(t, dir, tickets, max(1, tickets/3))
			sb := startSandbox(t, bin, seedFile, "--literal")
			cfg := filepath.Join(dir, "config.yaml")
			if err := os.WriteFile(cfg, []byte(`source:
  type: csv
  path: `+dir+`
  timezone: UTC
target:
  url: `+sb.apiURL()+`
  identifier: sandbox-identifier
  secret: sandbox-secret
  timezone: America/Chicago
  rate: 0
  concurrency: 16
mapping:
  departments: {Sales: 1, "Technical Support": 2, Billing: 3}
  statuses: {resolved: Closed}
  staff: {"jane@old.example": admin}
  clients: match_email
checkpoint: migration.db
`), 0o600); err != nil {
				t.Fatal(err)
			}
			args := []string{"-v", bin, "run", "--config", cfg, "--no-progress", "--log-level", "warn"}
			if limit != "" {
				args = append(args, "--limit", limit)
			}
			out, err := exec.Command("/usr/bin/time", args...).CombinedOutput()
			if err != nil {
				t.Fatalf("run: %v\n%s", err, out)
			}
			m := maxRSS.FindSubmatch(out)
			if m == nil {
				t.Fatalf("no maximum RSS in:\n%s", out)
			}
			kb, _ := strconv.Atoi(string(m[1]))
			t.Logf("%d tickets (%d messages), run --limit %q: peak RSS %.1f MB", tickets, entries, limit, float64(kb)/1024)
			if kb > 300<<10 {
				t.Errorf("peak RSS %.1f MB, over 300 MB", float64(kb)/1024)
			}
		})
	}
}
