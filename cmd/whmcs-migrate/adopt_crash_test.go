package main

import (
	"context"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
)

// TestLostCheckpointCrash runs the real binary against the sandbox in its
// realistic mode (sanitised, 3-byte utf8) under dropped answers and 429s,
// SIGKILLs the import part way (tickets half-built), then loses the
// checkpoint: deleted, replaced by a stale copy from before a part of the
// import, or used in turn with a second checkpoint (a second machine). The
// next runs, killed too, must finish with WHMCS equal to the source: every
// ticket, reply and note once (checkImported), each checkpoint true to
// WHMCS, a re-run writes nothing, and verify agrees.
func TestLostCheckpointCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it many times")
	}
	dir := t.TempDir()
	bin := buildBinary(t, dir)
	seedFile := filepath.Join(dir, "seed.yaml")
	if err := os.WriteFile(seedFile, []byte(genSeed), 0o644); err != nil {
		t.Fatal(err)
	}
	csvDir := filepath.Join(dir, "csv")
	tickets := genCSV(t, csvDir, 100, 20261205)
	entries := 0
	for _, tk := range tickets {
		entries += len(tk.entries)
	}
	faults := []string{"--drop-rate", "0.05", "--throttle-rate", "0.05"}

	t.Run("deleted", func(t *testing.T) {
		sb := startSandbox(t, bin, seedFile, append(faults, "--fault-seed", "21")...)
		cfg := writeCrashConfig(t, sb, csvDir)
		rng := rand.New(rand.NewPCG(21, 1))
		killRuns(t, bin, sb, cfg, rng, 3, entries/2)
		removeCheckpoint(t, cfg)
		killRuns(t, bin, sb, cfg, rng, 2, entries*8/10)
		finishRuns(t, bin, sb, cfg, tickets)
	})
	t.Run("stale copy", func(t *testing.T) {
		sb := startSandbox(t, bin, seedFile, append(faults, "--fault-seed", "22")...)
		cfg := writeCrashConfig(t, sb, csvDir)
		rng := rand.New(rand.NewPCG(22, 1))
		killRuns(t, bin, sb, cfg, rng, 2, entries/4)
		stale := filepath.Join(t.TempDir(), "stale")
		copyCheckpoint(t, cfg, stale)
		killRuns(t, bin, sb, cfg, rng, 3, entries*7/10)
		removeCheckpoint(t, cfg)
		copyCheckpoint(t, stale, cfg)
		killRuns(t, bin, sb, cfg, rng, 1, entries*8/10)
		finishRuns(t, bin, sb, cfg, tickets)
	})
	t.Run("two checkpoints in turn", func(t *testing.T) {
		sb := startSandbox(t, bin, seedFile, append(faults, "--fault-seed", "23")...)
		a := writeCrashConfig(t, sb, csvDir)
		b := writeCrashConfig(t, sb, csvDir)
		rng := rand.New(rand.NewPCG(23, 1))
		killRuns(t, bin, sb, a, rng, 2, entries/4)
		killRuns(t, bin, sb, b, rng, 2, entries/2)
		killRuns(t, bin, sb, a, rng, 2, entries*7/10)
		finishRuns(t, bin, sb, b, tickets)
		// a knows a part of it, half-built: it adopts the rest, and sends
		// no message. A ticket a left with every entry sent but its final
		// UpdateTicket not yet may get that UpdateTicket again: it sets
		// the values WHMCS already holds (the read before writing finds
		// no conflict), so it changes nothing, and finishRuns checks the
		// state is exact.
		entryWrites := func() int {
			c := sb.state(t).Calls
			return c["OpenTicket"] + c["AddTicketReply"] + c["AddTicketNote"]
		}
		beforeEntries, before := entryWrites(), sb.state(t).Calls["UpdateTicket"]
		finishRuns(t, bin, sb, a, tickets)
		if w := entryWrites() - beforeEntries; w != 0 {
			t.Fatalf("the second checkpoint's runs sent %d messages on a finished import", w)
		}
		if u := sb.state(t).Calls["UpdateTicket"] - before; u != 0 {
			t.Logf("the second checkpoint's runs sent %d UpdateTicket again (the final state of tickets it left half-built; values unchanged)", u)
		}
	})
}

// killRuns starts n runs and SIGKILLs each once the sandbox's write calls
// pass a random threshold below upTo (a run that finishes first is fine).
func killRuns(t *testing.T, bin string, sb *sandboxProc, cfg string, rng *rand.Rand, n, upTo int) {
	t.Helper()
	start := sb.state(t).WriteCalls
	if upTo <= start+n {
		upTo = start + n + 10
	}
	thresholds := rng.Perm(upTo - start)[:n]
	slices.Sort(thresholds)
	for i, thr := range thresholds {
		thr += start + 1
		p := startRun(t, bin, runArgs(cfg)...)
		for !p.exited() {
			st, err := sb.tryState()
			if err != nil {
				t.Fatalf("sandbox state: %v; sandbox stderr:\n%s", err, sb.stderr)
			}
			if st.WriteCalls >= thr {
				break
			}
			time.Sleep(3 * time.Millisecond)
		}
		time.Sleep(time.Duration(rng.IntN(3000)) * time.Microsecond)
		if !p.kill() {
			code := p.cmd.ProcessState.ExitCode()
			if code != exitOK && code != exitIncomplete {
				t.Fatalf("run %d exited %d before its kill; %s", i, code, p.output())
			}
		}
	}
}

// finishRuns runs until a run exits 0, then checks WHMCS and cfg's
// checkpoint against the source; a re-run writes nothing, verify agrees.
func finishRuns(t *testing.T, bin string, sb *sandboxProc, cfg string, tickets []genTicket) {
	t.Helper()
	last := runUntilDone(t, bin, cfg)
	st := sb.state(t)
	checkImported(t, st, cfg, tickets)
	p := startRun(t, bin, runArgs(cfg)...)
	if code := p.wait(t, time.Minute); code != exitOK {
		t.Fatalf("re-run exited %d; %s", code, p.output())
	}
	if w := sb.state(t).WriteCalls - st.WriteCalls; w != 0 {
		t.Fatalf("re-run of a finished import made %d write calls; %s", w, p.output())
	}
	v := startRun(t, bin, "verify", "--config", cfg)
	if code := v.wait(t, time.Minute); code != exitOK {
		t.Fatalf("verify exited %d; %s", code, v.output())
	}
	// What the checkpoint did not know was adopted, not imported again.
	store, err := checkpoints.Open(checkpointFiles(cfg)[0])
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if n, err := store.Adopted(context.Background(), 0); err != nil || n == 0 {
		t.Errorf("the checkpoint adopted %d tickets (%v); last run %s", n, err, last.output())
	} else {
		t.Logf("%d tickets adopted", n)
	}
}

// checkpointFiles are the files of the checkpoint beside cfg (SQLite in
// WAL mode).
func checkpointFiles(cfg string) []string {
	db := cfg
	if strings.HasSuffix(cfg, ".yaml") {
		db = filepath.Join(filepath.Dir(cfg), "migration.db")
	}
	return []string{db, db + "-wal", db + "-shm"}
}

// removeCheckpoint deletes the checkpoint of cfg, as a lost disk would.
func removeCheckpoint(t *testing.T, cfg string) {
	t.Helper()
	for _, f := range checkpointFiles(cfg) {
		if err := os.Remove(f); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
}

// copyCheckpoint copies the checkpoint files of from (a config, or a
// copy's base path) to to's, while no process has them open.
func copyCheckpoint(t *testing.T, from, to string) {
	t.Helper()
	src, dst := checkpointFiles(from), checkpointFiles(to)
	for i := range src {
		in, err := os.Open(src[i])
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.OpenFile(dst[i], os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, in); err != nil {
			t.Fatal(err)
		}
		in.Close()
		if err := out.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
