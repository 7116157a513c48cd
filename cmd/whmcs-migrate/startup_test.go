package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// The preflight passes on a WHMCS that fails 15% of its calls (HTML 500
// pages, HTML maintenance pages, dropped connections: 5% each), in 20 of
// 20 tries, each with its own fault sequence: a passing fault is tried
// again, never taken for an unreachable WHMCS.
func TestPreflightPassesFaultyWHMCS(t *testing.T) {
	for seed := int64(1); seed <= 20; seed++ {
		s := whmcstest.NewServer(whmcstest.Options{Faults: whmcstest.Faults{Seed: seed, FailRate: 0.05, HTMLRate: 0.05, DropRate: 0.05}})
		a, err := loadApp(&globals{stdout: io.Discard, stderr: io.Discard}, vtConfig(t, s, ""))
		if err != nil {
			t.Fatal(err)
		}
		client, err := a.client(false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.preflight(context.Background(), client, a.runActions(), false, nil, a.lookups(client)); err != nil {
			t.Errorf("seed %d: %v", seed, err)
		}
		s.Close()
	}
}

// Two runs of the real binary started at the same moment on one new
// checkpoint, each through its own counting door to the same sandbox: the
// one that loses the checkpoint's lock makes no WHMCS call at all (the
// lock is taken before the preflight) and names the holder (pid, host,
// since), never "database is locked", in 20 of 20 tries.
func TestSimultaneousStarts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts 40 runs")
	}
	bin := buildBinary(t, t.TempDir())
	sb := samplesSandbox(t)
	urlA, callsA := countedSandbox(t, sb)
	urlB, callsB := countedSandbox(t, sb)
	host, _ := os.Hostname()
	for try := range 20 {
		// Both configs in one directory: the same checkpoint, a new one
		// every try.
		cfgA := samplesConfig(t, urlA, sb)
		cfgB := filepath.Join(filepath.Dir(cfgA), "b.yaml")
		text, err := os.ReadFile(cfgA)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(cfgB, bytes.Replace(text, []byte(urlA), []byte(urlB), 1), 0o600); err != nil {
			t.Fatal(err)
		}
		a0, b0 := callsA.Load(), callsB.Load()
		// Slow enough (10 calls/s) that the winner still holds the lock
		// when the loser tries it.
		args := func(cfg string) []string {
			return []string{"run", "--config", cfg, "--rate", "10", "--limit", "1", "--no-progress"}
		}
		pa := startRun(t, bin, args(cfgA)...)
		pb := startRun(t, bin, args(cfgB)...)
		codeA, codeB := pa.wait(t, 2*time.Minute), pb.wait(t, 2*time.Minute)
		type side struct {
			p     *runProc
			code  int
			calls int64
		}
		sides := [2]side{{pa, codeA, callsA.Load() - a0}, {pb, codeB, callsB.Load() - b0}}
		var loser, winner *side
		for i := range sides {
			if sides[i].code == exitFatal {
				loser, winner = &sides[i], &sides[1-i]
			}
		}
		if loser == nil || winner.code != exitOK {
			t.Fatalf("try %d: exits %d and %d, want one %d (the loser) and one %d\nA %s\nB %s", try, codeA, codeB, exitFatal, exitOK, pa.output(), pb.output())
		}
		msg := loser.p.stderr.String()
		if loser.calls != 0 {
			t.Errorf("try %d: the loser made %d WHMCS calls, want 0; %s", try, loser.calls, loser.p.output())
		}
		if !strings.Contains(msg, fmt.Sprintf("pid %d on %s since", winner.p.cmd.Process.Pid, host)) || strings.Contains(msg, "database is locked") {
			t.Errorf("try %d: the loser does not name the holder (pid %d on %s): %s", try, winner.p.cmd.Process.Pid, host, msg)
		}
		if winner.calls == 0 {
			t.Errorf("try %d: the winner made no call", try)
		}
	}
}
