package checkpoints

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
)

func open(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cp.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func TestFileMode(t *testing.T) {
	_, path := open(t)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if m := fi.Mode().Perm(); m != 0o600 {
		t.Fatalf("checkpoint mode = %o, want 600", m)
	}
}

func TestIntentSettleLifecycle(t *testing.T) {
	ctx := context.Background()
	s, path := open(t)
	run, err := s.BeginRun(ctx, KindImport)
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	in := &Intent{RunID: run, SourceID: "T1", Step: "open", Action: "OpenTicket", Created: created,
		MessageHash: "mh", Subject: "Hello", Email: "a@example.com", EntryKey: "e1", EntryHash: "h1", Kind: "open"}
	if err := s.BeginIntent(ctx, in); err != nil {
		t.Fatal(err)
	}
	if in.ID == 0 {
		t.Fatal("intent id not set")
	}
	pend, err := s.Pending(ctx, "T1")
	if err != nil || len(pend) != 1 || pend[0].Subject != "Hello" || !pend[0].Created.Equal(created) {
		t.Fatalf("pending = %+v, %v", pend, err)
	}
	// Reopen: the intent survives a "crash".
	s.Close()
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if ids, _ := s.PendingTickets(ctx); len(ids) != 1 || ids[0] != "T1" {
		t.Fatalf("pending tickets after reopen = %v", ids)
	}
	err = s.Settle(ctx, "T1", in.ID, Outcome{RunID: run, WHMCSID: 42, TID: "123456", C: "abcdEFGH",
		EntryKey: "e1", EntryHash: "h1", Kind: "open", Created: created, MessageHash: "mh", Status: "Open", Priority: "High", DeptID: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Finish(ctx, "T1", created.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	tk, err := s.Ticket(ctx, "T1")
	if err != nil {
		t.Fatal(err)
	}
	if tk.WHMCSID != 42 || tk.TID != "123456" || tk.State != StateImported || tk.Status != "Open" || tk.Priority != "High" ||
		tk.DeptID != 2 || tk.CreatedRun != run || !tk.SourceUpdated.Equal(created.Add(time.Hour)) {
		t.Fatalf("ticket = %+v", tk)
	}
	if e := tk.Entries["e1"]; e.Hash != "h1" || !e.Created.Equal(created) || e.MessageHash != "mh" {
		t.Fatalf("entry = %+v", e)
	}
	if p, _ := s.Pending(ctx, "T1"); len(p) != 0 {
		t.Fatalf("intent not removed: %+v", p)
	}
	if id, _ := s.SourceIDByWHMCS(ctx, 42); id != "T1" {
		t.Fatalf("SourceIDByWHMCS = %q", id)
	}
	c, _ := s.Counts(ctx)
	if c.Imported != 1 || c.Unsettled != 0 {
		t.Fatalf("counts = %+v", c)
	}
	runs, _ := s.Runs(ctx)
	if len(runs) != 1 || runs[0].Created != 1 {
		t.Fatalf("runs = %+v", runs)
	}
	if err := s.Forget(ctx, "T1"); err != nil {
		t.Fatal(err)
	}
	if tk, _ := s.Ticket(ctx, "T1"); tk != nil {
		t.Fatalf("ticket after forget = %+v", tk)
	}
}

// Many goroutines writing at once: every write lands (group commit), and a
// failing write fails only its own caller.
func TestGroupCommitConcurrent(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	var wg sync.WaitGroup
	const n = 400
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := &Intent{RunID: 1, SourceID: fmt.Sprint("T", i%50), Step: fmt.Sprint("entry:", i), Action: "AddTicketReply"}
			if err := s.BeginIntent(ctx, in); err != nil {
				errs <- err
				return
			}
			if i%3 == 0 {
				errs <- s.Settle(ctx, in.SourceID, in.ID, Outcome{EntryKey: in.Step, EntryHash: "h", Kind: "reply"})
			}
		}()
	}
	// One poisoned write in the middle of the others.
	bad := s.write(ctx, func(tx *sqlx.Tx) error { return errors.New("boom") })
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if bad == nil || bad.Error() != "boom" {
		t.Fatalf("poisoned write error = %v", bad)
	}
	c, err := s.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := n - (n+2)/3; c.Unsettled != want {
		t.Fatalf("unsettled = %d, want %d", c.Unsettled, want)
	}
}

func TestLock(t *testing.T) {
	ctx := context.Background()
	s, path := open(t)
	release, err := s.Lock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A second store on the same file, pretending to be another process:
	// record a live foreign holder (our parent shell is alive).
	if err := release(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	s.write(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.Exec("INSERT INTO lock (id, pid, host, since, beat, token) VALUES (1, ?, ?, ?, ?, 'x')",
			os.Getppid(), host, time.Now().Unix(), time.Now().Unix())
		return err
	})
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	_, err = s2.Lock(ctx)
	var le *LockedError
	if !errors.As(err, &le) || !errors.Is(err, ErrLocked) || le.Holder.PID != os.Getppid() {
		t.Fatalf("lock held by live pid: err = %v", err)
	}

	// A dead holder's lock is taken over.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("cannot run true:", err)
	}
	dead := cmd.Process.Pid
	s.write(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.Exec("UPDATE lock SET pid = ? WHERE id = 1", dead)
		return err
	})
	rel, err := s2.Lock(ctx)
	if err != nil {
		t.Fatalf("dead holder's lock not taken over: %v", err)
	}
	rel()
	rel() // safe twice

	// Another host's lock with a stale heartbeat is taken over; a fresh one is not.
	s.write(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.Exec("INSERT INTO lock (id, pid, host, since, beat, token) VALUES (1, 1, 'elsewhere', ?, ?, 'y')",
			time.Now().Unix(), time.Now().Unix())
		return err
	})
	if _, err := s2.Lock(ctx); !errors.Is(err, ErrLocked) {
		t.Fatalf("fresh foreign lock: err = %v", err)
	}
	s.write(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.Exec("UPDATE lock SET beat = ? WHERE id = 1", time.Now().Add(-time.Hour).Unix())
		return err
	})
	if rel, err := s2.Lock(ctx); err != nil {
		t.Fatalf("stale foreign lock not taken over: %v", err)
	} else {
		rel()
	}
}

func TestCloseTwice(t *testing.T) {
	s, _ := open(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Fail(context.Background(), "T", "x"); !errors.Is(err, ErrClosed) {
		t.Fatalf("write after close: %v", err)
	}
}

// EachImported streams the imported tickets with a known last-change time,
// in bytewise source id order, and nothing else.
func TestEachImported(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	run, err := s.BeginRun(ctx, KindImport)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	for i, id := range []string{"b", "a", "B", "é", "pending", "failed", "undated"} {
		if err := s.Settle(ctx, id, 0, Outcome{RunID: run, WHMCSID: int64(i + 1), Status: "Open"}); err != nil {
			t.Fatal(err)
		}
		switch id {
		case "pending":
		case "failed":
			err = s.Fail(ctx, id, "boom")
		case "undated":
			err = s.Finish(ctx, id, time.Time{})
		default:
			err = s.Finish(ctx, id, at.Add(time.Duration(i)*time.Hour))
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	err = s.EachImported(ctx, func(id string, updated time.Time) error {
		got = append(got, fmt.Sprintf("%s@%s", id, updated.Format("15")))
		return nil
	})
	if want := "[B@12 a@11 b@10 é@13]"; err != nil || fmt.Sprint(got) != want {
		t.Fatalf("EachImported = %v, %v; want %s", got, err, want)
	}
	stop := errors.New("stop")
	n := 0
	err = s.EachImported(ctx, func(string, time.Time) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("EachImported with fn failing: %v after %d calls", err, n)
	}
}
