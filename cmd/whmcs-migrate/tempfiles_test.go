package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/internal/scratch"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// scratchDirs lists the scratch directories in tmp, with the files each
// holds.
func scratchDirs(t *testing.T, tmp string) map[string][]string {
	t.Helper()
	entries, err := os.ReadDir(tmp)
	must(t, err)
	dirs := map[string][]string{}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), scratch.Prefix) {
			t.Errorf("a temporary file outside the run's directory: %s", e.Name())
			continue
		}
		files, err := os.ReadDir(filepath.Join(tmp, e.Name()))
		must(t, err)
		for _, f := range files {
			dirs[e.Name()] = append(dirs[e.Name()], f.Name())
		}
	}
	return dirs
}

// A run of the real binary keeps its temporary copies of customer data
// (the decoded copy of a windows-1252 export, the message index on disk)
// in one directory of its own in $TMPDIR. SIGKILLed mid-run, it leaves
// them behind; the next run removes them (the killed run's process is
// gone), and its own when it ends: $TMPDIR is empty again.
func TestKilledRunsTemporaryFilesRemovedByTheNext(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t, t.TempDir())
	sb := whmcstest.NewServer(whmcstest.Options{Sanitize: true, ThreeByte: true})
	defer sb.Close()
	csvDir, tmp := t.TempDir(), t.TempDir()
	var tk, ms strings.Builder
	tk.WriteString("id,subject,department,email,name,created\n")
	ms.WriteString("ticket_id,id,created,body\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&tk, "T%d,Ticket %d,Sales,person%d@example.org,Person %d,2024-03-01 09:%02d:00\n", i, i, i, i, i)
		for j := 1; j <= 3; j++ {
			fmt.Fprintf(&ms, "T%d,%d,2024-03-01 1%d:%02d:00,Message %d of ticket %d\n", i, j, j, i, j, i)
		}
	}
	must(t, os.WriteFile(filepath.Join(csvDir, "tickets.csv"), []byte(tk.String()), 0o600))
	must(t, os.WriteFile(filepath.Join(csvDir, "messages.csv"), []byte(ms.String()), 0o600))
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	must(t, os.WriteFile(cfg, []byte(`source:
  type: csv
  path: `+csvDir+`
  timezone: UTC
  encoding: windows-1252
  memory_index_messages: 10
target:
  url: `+sb.APIURL()+`
  identifier: `+sb.Identifier+`
  secret: `+sb.Secret+`
  timezone: UTC
mapping:
  departments: {Sales: 1}
checkpoint: `+filepath.Join(filepath.Dir(cfg), "migration.db")+"\n"), 0o600))
	env := []string{"TMPDIR=" + tmp}

	// A slow run (5 calls/s), killed once it writes.
	killed := startRunEnv(t, bin, env, "run", "--config", cfg, "--rate", "5", "--concurrency", "1", "--no-progress")
	deadline := time.Now().Add(time.Minute)
	for sb.WriteCalls() < 3 {
		if killed.exited() || time.Now().After(deadline) {
			t.Fatalf("the run made no writes (exited %v); %s", killed.exited(), killed.output())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !killed.kill() {
		t.Fatalf("the run was not killed mid-run; %s", killed.output())
	}
	left := scratchDirs(t, tmp)
	dir := fmt.Sprintf("%s%d-", scratch.Prefix, killed.cmd.Process.Pid)
	var files []string
	for name, fs := range left {
		if strings.HasPrefix(name, dir) {
			files = fs
		}
	}
	joined := strings.Join(files, " ")
	if len(left) != 1 || !strings.Contains(joined, "tickets.csv") || !strings.Contains(joined, "messages.csv") || !strings.Contains(joined, "csv-index") {
		t.Fatalf("after SIGKILL, $TMPDIR holds %v; want one directory %s* with the decoded copies and the index", left, dir)
	}
	t.Logf("left by the killed run: %v", left)

	// The next run removes them, then its own.
	next := startRunEnv(t, bin, env, "run", "--config", cfg, "--rate", "0", "--no-progress")
	if code := next.wait(t, 2*time.Minute); code != exitOK {
		t.Fatalf("next run: exit %d; %s", code, next.output())
	}
	if !strings.Contains(next.stderr.String(), "removed the temporary files a killed run left") {
		t.Errorf("the next run does not say it removed the leftovers; %s", next.output())
	}
	if now := scratchDirs(t, tmp); len(now) != 0 {
		t.Errorf("after the next run, $TMPDIR still holds %v", now)
	}
	if n := len(sb.State().Tickets); n != 40 {
		t.Errorf("%d tickets in WHMCS, want 40", n)
	}
}
