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
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// TestCrashSafety runs the real binary as a subprocess against the sandbox
// (another subprocess, so that WHMCS's state outlives the importer),
// SIGKILLs the import at random moments, runs it again until it finishes,
// and compares WHMCS with the generated source: every ticket once, every
// reply and note once and in order, dates, authors, attachments, final
// status, nobody emailed.
func TestCrashSafety(t *testing.T) {
	dir := t.TempDir()
	bin := buildBinary(t, dir)
	seedFile := filepath.Join(dir, "seed.yaml")
	if err := os.WriteFile(seedFile, []byte(genSeed), 0o644); err != nil {
		t.Fatal(err)
	}
	csvDir := filepath.Join(dir, "csv")
	tickets := genCSV(t, csvDir, 150, 20240611)

	// The sandbox stores text as real installs do (sanitised, 3-byte
	// utf8): reconcile must recognise a write that landed although WHMCS
	// gives back other bytes than were sent. And as sent (--literal).
	t.Run("kills", func(t *testing.T) {
		sb := startSandbox(t, bin, seedFile)
		cfg := writeCrashConfig(t, sb, csvDir)
		checkLock(t, bin, sb, cfg)
		crashAndFinish(t, bin, sb, cfg, tickets, 1)
	})
	t.Run("kills with dropped answers and 429s", func(t *testing.T) {
		sb := startSandbox(t, bin, seedFile, "--drop-rate", "0.05", "--throttle-rate", "0.05", "--fault-seed", "11")
		cfg := writeCrashConfig(t, sb, csvDir)
		crashAndFinish(t, bin, sb, cfg, tickets, 2)
	})
	t.Run("literal: kills with dropped answers and 429s", func(t *testing.T) {
		sb := startSandbox(t, bin, seedFile, "--literal", "--drop-rate", "0.05", "--throttle-rate", "0.05", "--fault-seed", "12")
		cfg := writeCrashConfig(t, sb, csvDir)
		crashAndFinish(t, bin, sb, cfg, tickets, 3)
	})
}

func writeCrashConfig(t *testing.T, sb *sandboxProc, csvDir string) string {
	t.Helper()
	dir := t.TempDir()
	cfg := fmt.Sprintf(`source:
  type: csv
  path: %q
  timezone: UTC
target:
  url: %q
  identifier: %s
  secret: %s
  timezone: America/Chicago
  rate: 0
  concurrency: 2
%scheckpoint: %q
`, csvDir, sb.apiURL(), whmcstest.DefaultIdentifier, whmcstest.DefaultSecret, genMapping, filepath.Join(dir, "migration.db"))
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func runArgs(cfg string, extra ...string) []string {
	return append([]string{"run", "--config", cfg, "--concurrency", "4", "--rate", "0", "--no-progress"}, extra...)
}

// checkLock: a second run on a checkpoint whose lock a running import
// holds exits at once, naming the holder; once the holder is SIGKILLed,
// the next run takes the lock over.
func checkLock(t *testing.T, bin string, sb *sandboxProc, cfg string) {
	// A slow holder (2 calls/s), so that it surely still runs while the
	// second run tries.
	holder := startRun(t, bin, "run", "--config", cfg, "--concurrency", "1", "--rate", "2", "--no-progress")
	deadline := time.Now().Add(30 * time.Second)
	for sb.state(t).WriteCalls == 0 {
		if holder.exited() || time.Now().After(deadline) {
			t.Fatalf("the holder made no write call (exited %v); %s", holder.exited(), holder.output())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The holder has the lock: it is taken before any call.
	second := startRun(t, bin, runArgs(cfg)...)
	code := second.wait(t, 60*time.Second)
	if holder.exited() {
		t.Fatalf("the holder finished before the second run gave up; holder %s", holder.output())
	}
	host, _ := os.Hostname()
	msg := second.stderr.String()
	if code != exitFatal || !strings.Contains(msg, fmt.Sprintf("pid %d", holder.cmd.Process.Pid)) || !strings.Contains(msg, "on "+host) {
		t.Fatalf("second run on a locked checkpoint: exit %d, want %d with a message naming pid %d on %s; %s",
			code, exitFatal, holder.cmd.Process.Pid, host, second.output())
	}
	if !holder.kill() {
		t.Fatalf("the holder was not killed; %s", holder.output())
	}
	t.Logf("second run refused: %s", strings.TrimSpace(msg))
	// The next run (crashAndFinish's first) must take the dead holder's
	// lock over; it fails the test if it is refused.
}

// crashAndFinish SIGKILLs the import at ≥10 random moments spread over it
// (when the sandbox's write-call count passes random thresholds), then
// runs it until it exits 0 and checks WHMCS against the source.
func crashAndFinish(t *testing.T, bin string, sb *sandboxProc, cfg string, tickets []genTicket, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	entries := 0
	for _, tk := range tickets {
		entries += len(tk.entries)
	}
	// Every entry is one write at least: thresholds below the total are
	// reached before the import can be done.
	start := sb.state(t).WriteCalls
	const kills = 12
	thresholds := rng.Perm(entries * 9 / 10)[:kills] // distinct
	for i := range thresholds {
		thresholds[i] += start + 1
	}
	slices.Sort(thresholds)
	t.Logf("%d tickets, %d entries; kill thresholds (write calls): %v", len(tickets), entries, thresholds)

	killed := 0
	for i, thr := range thresholds {
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
		// A little more, so that kills do not always land just after a
		// call's answer.
		time.Sleep(time.Duration(rng.IntN(4000)) * time.Microsecond)
		if p.kill() {
			killed++
			continue
		}
		code := p.cmd.ProcessState.ExitCode()
		if strings.Contains(p.stderr.String(), "in use by") {
			t.Fatalf("run %d was refused the lock of a killed process; %s", i, p.output())
		}
		if code != exitOK && code != exitIncomplete {
			t.Fatalf("run %d exited %d before its kill; %s", i, code, p.output())
		}
		t.Logf("run %d finished (exit %d) before its kill at %d write calls", i, code, thr)
	}
	if killed < 10 {
		t.Fatalf("only %d of %d runs were killed mid-import", killed, kills)
	}

	runUntilDone(t, bin, cfg)
	st := sb.state(t)
	t.Logf("done after %d kills: %d write calls for %d entries; calls %v", killed, st.WriteCalls, entries, st.Calls)
	checkImported(t, st, cfg, tickets)

	// The checkpoint knows it is all there: a run makes no write call.
	p := startRun(t, bin, runArgs(cfg)...)
	if code := p.wait(t, time.Minute); code != exitOK {
		t.Fatalf("re-run exited %d; %s", code, p.output())
	}
	if w := sb.state(t).WriteCalls - st.WriteCalls; w != 0 {
		t.Fatalf("re-run of a finished import made %d write calls; %s", w, p.output())
	}
	// And verify agrees.
	v := startRun(t, bin, "verify", "--config", cfg)
	if code := v.wait(t, time.Minute); code != exitOK {
		t.Fatalf("verify after the crashes exited %d; %s", code, v.output())
	}
}

// checkImported compares WHMCS's state with the generated source and the
// checkpoint with WHMCS.
func checkImported(t *testing.T, st whmcstest.State, cfgPath string, tickets []genTicket) {
	t.Helper()
	if len(st.Emails) != 0 {
		t.Errorf("WHMCS emailed %d client(s), e.g. %+v", len(st.Emails), st.Emails[0])
	}
	// Tickets are found by their subject as this WHMCS stored it.
	bySubject := map[string][]whmcstest.TicketState{}
	for _, tk := range st.Tickets {
		bySubject[tk.Subject] = append(bySubject[tk.Subject], tk)
	}
	if !st.Storage.Sanitize || !st.Storage.ThreeByte {
		t.Logf("sandbox storage: %s", st.Storage)
	}
	if len(st.Tickets) != len(tickets) {
		t.Errorf("WHMCS holds %d tickets, the source %d", len(st.Tickets), len(tickets))
	}
	// writeCrashConfig puts the checkpoint beside the config.
	store, err := checkpoints.Open(filepath.Join(filepath.Dir(cfgPath), "migration.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()

	for _, src := range tickets {
		got := bySubject[st.Storage.StoredText(src.subject)]
		if len(got) != 1 {
			t.Errorf("ticket %s is in WHMCS %d times", src.id, len(got))
			if len(got) == 0 {
				continue
			}
		}
		w := got[0]
		if cp, err := store.Ticket(ctx, src.id); err != nil || cp == nil {
			t.Errorf("ticket %s: not in the checkpoint (%v)", src.id, err)
		} else if cp.State != checkpoints.StateImported || cp.WHMCSID != w.ID || len(cp.Entries) != len(src.entries) {
			t.Errorf("ticket %s: checkpoint state %s, WHMCS id %d (WHMCS has %d), %d entries (source %d)",
				src.id, cp.State, cp.WHMCSID, w.ID, len(cp.Entries), len(src.entries))
		}
		checkTicket(t, st.Storage, src, w)
	}
}

func checkTicket(t *testing.T, storage whmcstest.Storage, src genTicket, w whmcstest.TicketState) {
	t.Helper()
	replies, notes := src.sortedEntries()
	open := replies[0]
	if !sameWall(w.Date, open.created) {
		t.Errorf("ticket %s opened at %v, want %v", src.id, w.Date, open.created)
	}
	if !strings.Contains(firstLineOf(w.Message), open.marker) {
		t.Errorf("ticket %s opening message %q, want %s first", src.id, firstLineOf(w.Message), open.marker)
	}
	if src.clientID != 0 && w.UserID != src.clientID {
		t.Errorf("ticket %s: client %d, want %d", src.id, w.UserID, src.clientID)
	}
	if src.clientID == 0 && (w.UserID != 0 || !strings.EqualFold(w.Email, src.email)) {
		t.Errorf("ticket %s: client %d email %q, want the guest %s", src.id, w.UserID, w.Email, src.email)
	}
	if w.Status != src.wantStatus || w.Priority != src.wantPriority || w.DeptID != src.wantDept {
		t.Errorf("ticket %s: status %q priority %q dept %d, want %q %q %d (source %q %q %q)", src.id,
			w.Status, w.Priority, w.DeptID, src.wantStatus, src.wantPriority, src.wantDept, src.status, src.priority, src.department)
	}
	checkFiles(t, storage, src.id+" opening", w.Attachments, open.files)

	if len(w.Replies) != len(replies)-1 {
		t.Errorf("ticket %s has %d replies, want %d (duplicates or missing): %s", src.id, len(w.Replies), len(replies)-1, replyMarkers(w))
	} else {
		for i, rp := range w.Replies {
			want := replies[i+1]
			what := fmt.Sprintf("ticket %s reply %d", src.id, i+1)
			if !sameWall(rp.Date, want.created) {
				t.Errorf("%s at %v, want %v", what, rp.Date, want.created)
			}
			if !strings.Contains(firstLineOf(rp.Message), want.marker) {
				t.Errorf("%s begins %q, want %s (order)", what, firstLineOf(rp.Message), want.marker)
			}
			switch {
			case want.staff && rp.AdminUsername != want.wantAdmin:
				t.Errorf("%s by admin %q, want %q", what, rp.AdminUsername, want.wantAdmin)
			case !want.staff && src.clientID != 0 && rp.ClientID != src.clientID:
				t.Errorf("%s by client %d, want %d", what, rp.ClientID, src.clientID)
			case !want.staff && src.clientID == 0 && !strings.EqualFold(rp.Email, want.email):
				t.Errorf("%s by %q <%s>, want %s", what, rp.Name, rp.Email, want.email)
			}
			checkFiles(t, storage, what, rp.Attachments, want.files)
		}
	}
	if len(w.Notes) != len(notes) {
		t.Errorf("ticket %s has %d notes, want %d (duplicates or missing)", src.id, len(w.Notes), len(notes))
	} else {
		for i, n := range w.Notes {
			want := notes[i]
			what := fmt.Sprintf("ticket %s note %d", src.id, i+1)
			if !sameWall(n.Date, want.created) {
				t.Errorf("%s at %v, want %v", what, n.Date, want.created)
			}
			// Notes are prefixed with their author's name.
			if !strings.Contains(firstLineOf(n.Message), storage.StoredText(want.name)) || !strings.Contains(n.Message, want.marker) {
				t.Errorf("%s is %q, want %s's %s", what, n.Message, want.name, want.marker)
			}
			checkFiles(t, storage, what, n.Attachments, want.files)
		}
	}
}

func checkFiles(t *testing.T, storage whmcstest.Storage, what string, got []whmcstest.FileState, want []genFile) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s has %d attachments, want %d", what, len(got), len(want))
		return
	}
	for i := range got {
		if got[i].Name != storage.StoredFileName(want[i].name) || got[i].SHA256 != want[i].sha256 {
			t.Errorf("%s attachment %d is %s (sha256 %s), want %s (%s)", what, i, got[i].Name, got[i].SHA256, want[i].name, want[i].sha256)
		}
	}
}

func replyMarkers(w whmcstest.TicketState) string {
	var ms []string
	for _, rp := range w.Replies {
		ms = append(ms, firstLineOf(rp.Message))
	}
	return strings.Join(ms, " | ")
}

// whmcsZone is the sandbox's --timezone.
var whmcsZone = func() *time.Location {
	l, err := time.LoadLocation("America/Chicago")
	if err != nil {
		panic(err)
	}
	return l
}()

// sameWall reports whether WHMCS's date shows want, to the second, on the
// WHMCS server's wall clock. WHMCS stores wall-clock times: an instant in
// the hour repeated when clocks go back (2022-11-06 01:00-02:00 in
// Chicago) reads back as the earlier of the two, an hour off, and no
// importer can do better.
func sameWall(got, want time.Time) bool {
	const layout = "2006-01-02 15:04:05"
	return got.In(whmcsZone).Format(layout) == want.In(whmcsZone).Format(layout)
}

func firstLineOf(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return l
}

// runUntilDone runs the import with cfg until a run exits 0, at most 8
// runs, and returns that run: failed tickets (exit 3) are retried by the
// next run; any other exit fails the test.
func runUntilDone(t *testing.T, bin, cfg string) *runProc {
	t.Helper()
	var last *runProc
	for i := 0; ; i++ {
		if i == 8 {
			t.Fatalf("import not done after %d runs; last %s", i, last.output())
		}
		last = startRun(t, bin, runArgs(cfg)...)
		code := last.wait(t, 3*time.Minute)
		if code == exitOK {
			return last
		}
		if code != exitIncomplete {
			t.Fatalf("run exited %d; %s", code, last.output())
		}
	}
}
