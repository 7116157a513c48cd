package main

import (
	"bytes"
	"context"
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
	if out := status(); !strings.Contains(out, "0 imported, 0 failed, 0 pending") || !strings.Contains(out, "no runs yet") {
		t.Fatalf("status before any run:\n%s", out)
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
	if !strings.Contains(out, strconv.Itoa(n)+" imported, 0 failed, 0 pending") {
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
	row := regexp.MustCompile(`(?m)^(\d+)\s+run\s+\S+ \S+\s+\S+ \S+\s+ok\s+(\d+)$`)
	rows := row.FindAllStringSubmatch(out, -1)
	if len(rows) != 2 || rows[0][1] != "1" || rows[0][2] != "2" || rows[1][1] != "2" || rows[1][2] != strconv.Itoa(n-2) {
		t.Errorf("run rows = %v, want run 1 created 2 and run 2 created %d:\n%s", rows, n-2, out)
	}
}
