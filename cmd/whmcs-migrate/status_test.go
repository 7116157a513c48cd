package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// status reports the checkpoint's counts and every run with the tickets it
// created, so a user can choose one to roll back.
func TestStatus(t *testing.T) {
	e := newSyncEnv(t)
	status := func() string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := execute(context.Background(), []string{"status", "--config", e.config}, &out, &errb); code != exitOK {
			t.Fatalf("status exit %d: %s", code, errb.String())
		}
		return out.String()
	}
	// No checkpoint yet: an error, and no empty file made.
	var out0, errb0 bytes.Buffer
	if code := execute(context.Background(), []string{"status", "--config", e.config}, &out0, &errb0); code != exitFatal ||
		!strings.Contains(errb0.String(), "does not exist") {
		t.Fatalf("status without a checkpoint: exit %d\n%s%s", code, out0.String(), errb0.String())
	}
	if _, err := os.Stat(filepath.Join(e.work, "migration.db")); !os.IsNotExist(err) {
		t.Fatalf("status created the checkpoint: %v", err)
	}

	src := syncSample(true)
	src.write(t, e.dir)
	if code, out, errb := e.run(t, "--only", "T1,T2"); code != exitOK {
		t.Fatalf("run 1 exit %d:\n%s%s", code, out, errb)
	}
	if code, out, errb := e.run(t); code != exitOK {
		t.Fatalf("run 2 exit %d:\n%s%s", code, out, errb)
	}
	out := status()
	n := len(src.tickets)
	if !strings.Contains(out, strconv.Itoa(n)+" in the source: "+strconv.Itoa(n)+" imported, 0 failed, 0 not yet imported") {
		t.Errorf("counts missing:\n%s", out)
	}
	// What the canary learned of the sandbox (literal, utf8mb4): the
	// sample's texts hold <>&"' or emoji only if the sample does.
	if !strings.Contains(out, "WHMCS    version 8.13.1; text: ") {
		t.Errorf("the target's version and text handling are missing:\n%s", out)
	}
	if !strings.Contains(out, "last run 2 (run): ok") {
		t.Errorf("last run missing:\n%s", out)
	}
	row := regexp.MustCompile(`(?m)^(\d+)\s+(run|rollback)\s+\S+ \S+\s+\S+ \S+\s+ok\s+(.*)$`)
	rows := row.FindAllStringSubmatch(out, -1)
	if len(rows) != 2 || rows[0][1] != "1" || rows[0][3] != "2 created" || rows[1][1] != "2" || rows[1][3] != strconv.Itoa(n-2)+" created" {
		t.Errorf("run rows = %v, want run 1 created 2 and run 2 created %d:\n%s", rows, n-2, out)
	}

	// A rollback of run 1 is a line of its own; run 1 still says what it
	// created, and that it was rolled back.
	var rout, rerr bytes.Buffer
	if code := execute(context.Background(), []string{"rollback", "--config", e.config, "--run", "1", "--yes"}, &rout, &rerr); code != exitOK {
		t.Fatalf("rollback: exit %d\n%s%s", code, rout.String(), rerr.String())
	}
	out = status()
	rows = row.FindAllStringSubmatch(out, -1)
	if len(rows) != 3 || rows[0][3] != "2 created (2 since rolled back)" || rows[1][3] != strconv.Itoa(n-2)+" created" ||
		rows[2][2] != "rollback" || rows[2][3] != "2 deleted" {
		t.Errorf("after rollback, run rows = %q:\n%s", rows, out)
	}
	if !strings.Contains(out, strconv.Itoa(n)+" in the source: "+strconv.Itoa(n-2)+" imported, 0 failed, 2 not yet imported") {
		t.Errorf("counts after rollback:\n%s", out)
	}

	// --log-format json: one JSON document with the same facts.
	var jout, jerr bytes.Buffer
	if code := execute(context.Background(), []string{"status", "--config", e.config, "--log-format", "json"}, &jout, &jerr); code != exitOK {
		t.Fatalf("status json: exit %d %s", code, jerr.String())
	}
	var st statusJSON
	if err := json.Unmarshal(jout.Bytes(), &st); err != nil {
		t.Fatalf("status --log-format json is not JSON: %v\n%s", err, jout.String())
	}
	if st.Tickets.Source == nil || *st.Tickets.Source != n || st.Tickets.Imported != n-2 || *st.Tickets.NotImported != 2 ||
		len(st.Runs) != 3 || *st.Runs[0].Created != 2 || *st.Runs[0].StillHeld != 0 || *st.Runs[2].Deleted != 2 {
		t.Errorf("status JSON: %s", jout.String())
	}
}
