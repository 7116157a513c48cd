package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A lost checkpoint: validate says what is already in WHMCS, adopt
// previews without writing anything anywhere, adopt --yes rebuilds the
// checkpoint without writing to WHMCS, status shows it, and run then has
// nothing to send.
func TestAdoptCommand(t *testing.T) {
	e := newSyncEnv(t)
	src := syncSample(true)
	src.write(t, e.dir)
	if code, out, errb := e.run(t); code != exitOK {
		t.Fatalf("run exit %d:\n%s%s", code, out, errb)
	}
	n := len(src.tickets)
	cp := filepath.Join(e.work, "migration.db")
	for _, f := range []string{cp, cp + "-wal", cp + "-shm"} {
		os.Remove(f)
	}
	exec := func(args ...string) (int, string) {
		t.Helper()
		var out, errb bytes.Buffer
		code := execute(context.Background(), append(args, "--config", e.config), &out, &errb)
		if strings.Contains(out.String()+errb.String(), e.srv.Secret) {
			t.Errorf("the API secret is in the output")
		}
		return code, out.String() + errb.String()
	}
	writes := e.srv.WriteCalls()

	code, out := exec("validate")
	if code != exitOK || !strings.Contains(out, fmt.Sprintf("already in WHMCS: %d, would adopt", n)) {
		t.Fatalf("validate: exit %d\n%s", code, out)
	}
	code, out = exec("adopt")
	if code != exitOK || !strings.Contains(out, fmt.Sprintf("found      %d (%d whole in WHMCS", n, n)) ||
		!strings.Contains(out, "not found  0") || !strings.Contains(out, "Preview only") {
		t.Fatalf("adopt preview: exit %d\n%s", code, out)
	}
	code, out = exec("status")
	if code != exitOK || strings.Contains(out, "adopted") {
		t.Fatalf("status after the preview: exit %d (want no adoption recorded)\n%s", code, out)
	}
	code, out = exec("adopt", "--yes")
	if code != exitOK || !strings.Contains(out, fmt.Sprintf("Adopted %d tickets in the checkpoint", n)) {
		t.Fatalf("adopt --yes: exit %d\n%s", code, out)
	}
	if w := e.srv.WriteCalls() - writes; w != 0 {
		t.Fatalf("validate and adopt made %d write calls to WHMCS", w)
	}
	code, out = exec("status")
	if code != exitOK || !strings.Contains(out, fmt.Sprintf("adopted  %d of them", n)) || !strings.Contains(out, fmt.Sprintf("%d imported", n)) ||
		!strings.Contains(out, fmt.Sprintf("%d created (%d of them adopted)", n, n)) {
		t.Fatalf("status after adopt: exit %d\n%s", code, out)
	}
	if code, out, errb := e.run(t); code != exitOK || e.srv.WriteCalls() != writes {
		t.Fatalf("run after adopt: exit %d, %d writes\n%s%s", code, e.srv.WriteCalls()-writes, out, errb)
	}
	e.checkState(t, src)
}

// A lost checkpoint and run alone: the summary says what was adopted.
func TestRunAdoptsSummary(t *testing.T) {
	e := newSyncEnv(t)
	src := syncSample(true)
	src.write(t, e.dir)
	if code, out, errb := e.run(t); code != exitOK {
		t.Fatalf("run exit %d:\n%s%s", code, out, errb)
	}
	cp := filepath.Join(e.work, "migration.db")
	for _, f := range []string{cp, cp + "-wal", cp + "-shm"} {
		os.Remove(f)
	}
	writes := e.srv.WriteCalls()
	code, out, errb := e.run(t, "--report", filepath.Join(e.work, "r.json"), "--html", filepath.Join(e.work, "r.html"),
		"--metrics-file", filepath.Join(e.work, "m.prom"))
	if code != exitOK || e.srv.WriteCalls() != writes || !strings.Contains(out, fmt.Sprintf("adopted    %d already in WHMCS", len(src.tickets))) {
		t.Fatalf("run on a lost checkpoint: exit %d, %d writes\n%s%s", code, e.srv.WriteCalls()-writes, out, errb)
	}
	b, err := os.ReadFile(filepath.Join(e.work, "r.json"))
	if err != nil || !strings.Contains(string(b), fmt.Sprintf(`"adopted": %d`, len(src.tickets))) {
		t.Fatalf("report: %v\n%s", err, b)
	}
	for f, want := range map[string]string{"r.html": fmt.Sprintf(`Adopted (already in WHMCS)</th><td class="n">%d<`, len(src.tickets)),
		"m.prom": fmt.Sprintf(`whmcs_migrate_last_run_tickets{outcome="adopted"} %d`, len(src.tickets))} {
		if b, err := os.ReadFile(filepath.Join(e.work, f)); err != nil || !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %q (%v)", f, want, err)
		}
	}
	e.checkState(t, src)
}
