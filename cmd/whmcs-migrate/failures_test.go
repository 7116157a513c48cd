package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run --failures writes one JSON line per failed ticket, as they fail,
// into a file put in place at the end; no temporary file stays.
func TestRunFailuresFile(t *testing.T) {
	e := newSyncEnv(t)
	src := syncSample(true)
	src.ticket("T2").Created = "2099-01-01 10:00:00" // after WHMCS's clock: fails at plan
	for i := range src.msgs {
		if src.msgs[i].Ticket == "T2" {
			src.msgs[i].Created = "2099-01-01 10:00:00"
		}
	}
	src.write(t, e.dir)
	out := filepath.Join(e.work, "failed.jsonl")
	code, stdout, stderr := e.run(t, "--failures", out)
	if code != exitIncomplete {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, exitIncomplete, stdout, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	var fl struct{ Ticket, Step, Error string }
	if len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &fl) != nil || fl.Ticket != "T2" || fl.Step != "plan" || !strings.Contains(fl.Error, "future_date") {
		t.Fatalf("failures file:\n%s", b)
	}
	if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("failures file mode %v (%v), want 0600", st.Mode(), err)
	}
	if tmp, _ := filepath.Glob(filepath.Join(e.work, ".failed.jsonl.tmp-*")); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
}
