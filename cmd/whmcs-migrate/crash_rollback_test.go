package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// TestRollbackCrashSafety: a rollback of a whole import, run by the real
// binary against the realistic sandbox (a subprocess) under faults
// (dropped answers, 429s, 500 pages), is SIGKILLed at random moments
// several times. After each kill: status shows the unfinished rollback;
// run refuses with no call to WHMCS at all, naming the rollback and the
// command that finishes it. Run again until it ends, the rollback removes
// every imported ticket and nothing else (tickets that were in WHMCS
// before the import stay, untouched); then run may import again.
func TestRollbackCrashSafety(t *testing.T) {
	dir := t.TempDir()
	bin := buildBinary(t, dir)
	seedFile := filepath.Join(dir, "seed.yaml")
	if err := os.WriteFile(seedFile, []byte(genSeed), 0o644); err != nil {
		t.Fatal(err)
	}
	csvDir := filepath.Join(dir, "csv")
	tickets := genCSV(t, csvDir, 60, 20261205)
	sb := startSandbox(t, bin, seedFile, "--drop-rate", "0.08", "--throttle-rate", "0.05", "--fail-rate", "0.05", "--fault-seed", "21")
	cfg := writeCrashConfig(t, sb, csvDir)

	// Tickets WHMCS holds before the import: the rollback must leave them.
	h, err := whmcs.NewHTTP(whmcs.Options{URL: sb.apiURL(), Identifier: whmcstest.DefaultIdentifier, Secret: whmcstest.DefaultSecret, Location: whmcsZone})
	if err != nil {
		t.Fatal(err)
	}
	direct := whmcs.NewClient(h, whmcsZone)
	before := map[int64]string{} // id -> subject
	for i := range 5 {
		var res *whmcs.OpenTicketResult
		for res == nil { // the sandbox's faults hit us too; a lost answer could duplicate, so check the count below
			res, err = direct.OpenTicket(context.Background(), &whmcs.OpenTicketRequest{DeptID: 1, ClientID: 1, NoEmail: true,
				Subject: fmt.Sprintf("Opened in WHMCS before the import %d", i), Message: "Keep me"})
			if err != nil && whmcs.MaybeProcessed(err) {
				t.Fatalf("open a pre-existing ticket: %v", err)
			}
		}
		before[res.ID] = res.TID
	}

	// The import, to its end.
	importAll := func() {
		t.Helper()
		for i := 0; ; i++ {
			if i == 8 {
				t.Fatal("import not done after 8 runs")
			}
			p := startRun(t, bin, runArgs(cfg)...)
			code := p.wait(t, 3*time.Minute)
			if code == exitOK {
				return
			}
			if code != exitIncomplete {
				t.Fatalf("import exited %d; %s", code, p.output())
			}
		}
	}
	importAll()
	st := sb.state(t)
	if len(st.Tickets) != len(tickets)+len(before) {
		t.Fatalf("WHMCS holds %d tickets after the import, want %d + %d", len(st.Tickets), len(tickets), len(before))
	}
	kept := map[int64]whmcstest.TicketState{}
	for _, tk := range st.Tickets {
		if _, ok := before[tk.ID]; ok {
			kept[tk.ID] = tk
		}
	}

	// Kill the rollback at random moments: when the sandbox's write calls
	// (the deletions it carried out) pass random thresholds.
	rng := rand.New(rand.NewPCG(5, 12))
	start := st.WriteCalls
	const kills = 6
	thresholds := rng.Perm(len(tickets) * 8 / 10)[:kills]
	for i := range thresholds {
		thresholds[i] += start + 1
	}
	slices.Sort(thresholds)
	t.Logf("%d imported tickets; kill thresholds (write calls): %v", len(tickets), thresholds)
	rollbackArgs := []string{"rollback", "--config", cfg, "--all", "--yes", "--concurrency", "3"}
	killed, unsettled := 0, 0
	for i, thr := range thresholds {
		p := startRun(t, bin, rollbackArgs...)
		for !p.exited() {
			s, err := sb.tryState()
			if err != nil {
				t.Fatalf("sandbox state: %v", err)
			}
			if s.WriteCalls >= thr {
				break
			}
			time.Sleep(2 * time.Millisecond)
		}
		time.Sleep(time.Duration(rng.IntN(3000)) * time.Microsecond)
		if !p.kill() {
			code := p.cmd.ProcessState.ExitCode()
			if code != exitOK && code != exitIncomplete {
				t.Fatalf("rollback %d exited %d before its kill; %s", i, code, p.output())
			}
			t.Logf("rollback %d ended (exit %d) before its kill at %d write calls", i, code, thr)
			if code == exitOK {
				break
			}
			continue
		}
		killed++
		unfinished := unfinishedRollbacks(t, cfg)
		if len(unfinished) == 0 {
			t.Logf("rollback %d was killed after it recorded its end", i)
			continue
		}
		for _, rb := range unfinished {
			t.Logf("after kill %d: rollback run %d unfinished: %d of %d deleted, %d left, %d deletions of unknown outcome",
				i, rb.Run.ID, rb.Deleted, rb.Planned, rb.Left, rb.Unsettled)
			unsettled += rb.Unsettled
		}
		checkRefusedRun(t, bin, sb, cfg, unfinished)
	}
	if killed < kills/2 {
		t.Fatalf("only %d of %d rollbacks were killed mid-way", killed, kills)
	}
	// Several deletions at once: kills leave some whose outcome WHMCS must
	// tell (their reconciliation is what this test is for).
	if unsettled == 0 {
		t.Errorf("no kill left a deletion of unknown outcome")
	}

	// Finish it: the same command, until it exits 0.
	var last *runProc
	for i := 0; ; i++ {
		if i == 8 {
			t.Fatalf("rollback not done after %d runs; last %s", i, last.output())
		}
		last = startRun(t, bin, rollbackArgs...)
		code := last.wait(t, 3*time.Minute)
		if code == exitOK {
			break
		}
		if code != exitIncomplete {
			t.Fatalf("rollback after the kills exited %d; %s", code, last.output())
		}
	}
	st = sb.state(t)
	t.Logf("rollback done after %d kills: calls %v", killed, st.Calls)
	if len(st.Tickets) != len(before) {
		var subjects []string
		for _, tk := range st.Tickets {
			subjects = append(subjects, tk.Subject)
		}
		t.Errorf("WHMCS holds %d tickets after the rollback, want the %d from before the import: %q", len(st.Tickets), len(before), subjects)
	}
	for _, tk := range st.Tickets {
		k, ok := kept[tk.ID]
		if !ok {
			t.Errorf("ticket %d (%s) was not deleted", tk.ID, tk.Subject)
			continue
		}
		if k.Subject != tk.Subject || k.Status != tk.Status || len(k.Replies) != len(tk.Replies) || k.LastReply != tk.LastReply {
			t.Errorf("pre-existing ticket %d changed: %+v -> %+v", tk.ID, k, tk)
		}
	}
	if len(kept) != len(before) {
		t.Errorf("%d of the %d pre-existing tickets were there after the import", len(kept), len(before))
	}
	store, err := checkpoints.Open(filepath.Join(filepath.Dir(cfg), "migration.db"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := store.Counts(context.Background())
	ins, ierr := store.DeleteIntents(context.Background())
	store.Close()
	if err != nil || ierr != nil || c != (checkpoints.Counts{}) || len(ins) != 0 {
		t.Errorf("checkpoint after the rollback: %+v, %d unsettled deletions (%v %v)", c, len(ins), err, ierr)
	}
	if left := unfinishedRollbacks(t, cfg); len(left) != 0 {
		t.Errorf("unfinished rollbacks after it ended: %+v", left)
	}
	s := startRun(t, bin, "status", "--config", cfg)
	if code := s.wait(t, time.Minute); code != exitOK || strings.Contains(s.stdout.String(), "UNFINISHED") {
		t.Errorf("status after the rollback: exit %d; %s", code, s.output())
	}

	// The run may write again: it imports every ticket anew.
	importAll()
	if n := len(sb.state(t).Tickets); n != len(tickets)+len(before) {
		t.Errorf("WHMCS holds %d tickets after the import that followed the rollback, want %d", n, len(tickets)+len(before))
	}
}

func unfinishedRollbacks(t *testing.T, cfg string) []checkpoints.Rollback {
	t.Helper()
	store, err := checkpoints.Open(filepath.Join(filepath.Dir(cfg), "migration.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	rbs, err := store.UnfinishedRollbacks(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rbs
}

// checkRefusedRun: while a rollback is unfinished, status shows it, and
// run (and run --only) exits 1 without one call to WHMCS, naming the
// rollback and the command that resumes it.
func checkRefusedRun(t *testing.T, bin string, sb *sandboxProc, cfg string, unfinished []checkpoints.Rollback) {
	t.Helper()
	rb := unfinished[len(unfinished)-1]
	s := startRun(t, bin, "status", "--config", cfg)
	if code := s.wait(t, time.Minute); code != exitOK ||
		!strings.Contains(s.stdout.String(), fmt.Sprintf("UNFINISHED rollback run %d", rb.Run.ID)) ||
		!strings.Contains(s.stdout.String(), "rollback --config "+cfg+" --all --yes") {
		t.Errorf("status does not show rollback run %d as unfinished: exit %d; %s", rb.Run.ID, code, s.output())
	}
	before := sb.state(t)
	for _, extra := range [][]string{nil, {"--only", "G0003"}} {
		p := startRun(t, bin, runArgs(cfg, extra...)...)
		code := p.wait(t, time.Minute)
		msg := p.stderr.String()
		for _, want := range []string{fmt.Sprintf("rollback run %d", rb.Run.ID), "unfinished", "deleting the tickets of every run",
			"started " + rb.Run.Started.Local().Format("2006-01-02 15:04:05"), "nothing was written", "rollback --config " + cfg + " --all --yes"} {
			if !strings.Contains(msg, want) {
				t.Errorf("run beside an unfinished rollback: the refusal lacks %q; %s", want, p.output())
			}
		}
		if code != exitFatal {
			t.Errorf("run beside an unfinished rollback: exit %d, want %d; %s", code, exitFatal, p.output())
		}
	}
	after := sb.state(t)
	if after.WriteCalls != before.WriteCalls || fmt.Sprint(after.Calls) != fmt.Sprint(before.Calls) || len(after.Tickets) != len(before.Tickets) {
		t.Errorf("the refused runs called WHMCS: write calls %d -> %d, calls %v -> %v", before.WriteCalls, after.WriteCalls, before.Calls, after.Calls)
	}
}
