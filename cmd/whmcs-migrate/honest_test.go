package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// honestConfig writes n tickets of two replies each (ticket bigAt, when
// > 0, with a third reply of bigBytes) and a config for srv.
func honestConfig(t *testing.T, srv *whmcstest.Server, n, bigAt, bigBytes, concurrency int) string {
	t.Helper()
	data, work := t.TempDir(), t.TempDir()
	var tk, ms strings.Builder
	tk.WriteString("id,subject,department,email,name\n")
	ms.WriteString("ticket_id,id,type,author,name,email,created,body\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&tk, "H%04d,Question %d,Sales,guest%d@example.org,Guest %d\n", i, i, i, i)
		fmt.Fprintf(&ms, "H%04d,H%04d-1,reply,customer,Guest %d,guest%d@example.org,2024-03-01 09:%02d:%02d,Hello %d\n", i, i, i, i, i/60%60, i%60, i)
		fmt.Fprintf(&ms, "H%04d,H%04d-2,reply,staff,Jane,jane@old.example,2024-03-01 10:%02d:%02d,Answer %d\n", i, i, i/60%60, i%60, i)
		if i == bigAt {
			fmt.Fprintf(&ms, "H%04d,H%04d-3,reply,customer,Guest %d,guest%d@example.org,2024-03-01 11:00:00,%s\n", i, i, i, i, strings.Repeat("y", bigBytes))
		}
	}
	must(t, os.WriteFile(filepath.Join(data, "tickets.csv"), []byte(tk.String()), 0o600))
	must(t, os.WriteFile(filepath.Join(data, "messages.csv"), []byte(ms.String()), 0o600))
	cfg := filepath.Join(work, "config.yaml")
	must(t, os.WriteFile(cfg, []byte(`source:
  type: csv
  path: `+data+`
  timezone: UTC
target:
  url: `+srv.APIURL()+`
  identifier: `+srv.Identifier+`
  secret: `+srv.Secret+`
  timezone: America/Chicago
  rate: 0
  concurrency: `+strconv.Itoa(concurrency)+`
mapping:
  departments: {Sales: 1}
  staff: {"jane@old.example": admin}
checkpoint: migration.db
`), 0o600))
	return cfg
}

var doneBefore = regexp.MustCompile(`done before it stopped: (\d+) imported`)

// A WHMCS whose post_max_size (256K here) is below target.max_request_size
// (the default 8M) reads a 400 KB reply empty and answers Authentication
// Failed; on a request under 1 MiB that stays fatal. The summary says the
// run stopped, why (naming post_max_size and the request's size), what it
// did before, and counts the failed call: never "Nothing to do", never
// "calls none".
func TestSummaryAfterOversizedRequest(t *testing.T) {
	srv := whmcstest.NewServer(whmcstest.Options{MaxBodyBytes: 256 << 10, TimeZone: syncDstZone})
	defer srv.Close()
	cfg := honestConfig(t, srv, 10, 5, 400<<10, 1)
	code, out, errOut := cli(t, "run", "--config", cfg, "--no-progress")
	if code != exitFatal {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, exitFatal, out, errOut)
	}
	for _, want := range []string{"STOPPED before the end", "Authentication Failed", "post_max_size", "KiB",
		"done before it stopped: 4 imported", "1 failed (AddTicketReply 1)"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Nothing to do") || strings.Contains(out, "calls      none") {
		t.Errorf("summary:\n%s", out)
	}
}

// The disk fills mid-run: the real binary runs with a file size limit
// (RLIMIT_FSIZE through the shell's ulimit -f, 1 or 2 MB by the shell's
// block size), so that the checkpoint's writes fail once it has grown,
// portably and without root. The summary says the run stopped, why (the
// checkpoint write), and what it did before: the tickets WHMCS holds.
func TestSummaryAfterDiskFull(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no ulimit")
	}
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t, t.TempDir())
	srv := whmcstest.NewServer(whmcstest.Options{TimeZone: syncDstZone})
	defer srv.Close()
	cfg := honestConfig(t, srv, 600, 0, 0, 2)
	cmd := exec.Command("sh", "-c", `ulimit -f 2048 && exec "$0" "$@"`, bin, "run", "--config", cfg, "--no-progress")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := cmd.ProcessState.ExitCode()
	if code != exitFatal {
		t.Fatalf("exit %d (%v), want %d\nstdout:\n%s\nstderr:\n%s", code, err, exitFatal, out.String(), errOut.String())
	}
	o := out.String()
	m := doneBefore.FindStringSubmatch(o)
	if !strings.Contains(o, "STOPPED before the end") || m == nil || strings.Contains(o, "Nothing to do") {
		t.Fatalf("summary:\n%s\nstderr:\n%s", o, errOut.String())
	}
	if !regexp.MustCompile(`(?i)disk|full|too large|I/O`).MatchString(o) {
		t.Errorf("the summary does not say the write failed:\n%s", o)
	}
	imported, _ := strconv.Atoi(m[1])
	held := len(srv.State().Tickets)
	if imported == 0 || imported >= 600 || held < imported {
		t.Errorf("summary says %d imported; WHMCS holds %d of 600", imported, held)
	}
	t.Logf("stopped after %d imported (WHMCS holds %d):\n%s", imported, held, o)
}
