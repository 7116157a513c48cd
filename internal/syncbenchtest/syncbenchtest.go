// Package syncbenchtest measures a no-op incremental sync: importer.Import over a
// source whose every ticket the checkpoint already holds, unchanged, at a
// size where per-ticket costs show (100,000 tickets). The CSV and MySQL
// benchmarks share it. It is test support only; nothing in the product
// imports it.
//
// Importing 100,000 tickets through the sandbox for real would take most
// of an hour, so the checkpoint is brought to the "imported" state
// directly through its API, as a finished run leaves it: one run begun and
// ended, and per ticket a Settle (its WHMCS id, status, priority) and a
// Finish with the source's last-change time. The sandbox behind the run
// is empty: a no-op run must not call it at all, and Run fails the
// benchmark if it does.
package syncbenchtest

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/importer"
	"github.com/whmcs-migrate/whmcs-migrate/internal/policytest"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// Options describe the source under test.
type Options struct {
	// Open opens the source afresh (each pass gets its own).
	Open func(ctx context.Context) (sources.Source, error)
	// Tickets is how many tickets the source holds; every one must have a
	// last-change time (Updated).
	Tickets int
	// Overlap is the run's overlap window (default 10m, the config's).
	Overlap time.Duration
}

// Run measures, in this order and in one process:
//
//   - first-read-s: a full pass over the source reading every thread, as
//     the first run's source reads are;
//   - skip-read-s: a pass whose Want declines every ticket, without the
//     checkpoint (what the source costs a no-op run);
//   - the benchmark's own time, s/op: importer.Import over the unchanged
//     source on the seeded checkpoint, reported also as noop-s and as
//     noop/first-read, the ratio of the two.
//
// Each timed run must report every ticket unchanged and the sandbox must
// see no call at all.
func Run(b *testing.B, o Options) {
	if o.Overlap == 0 {
		o.Overlap = 10 * time.Minute
	}
	ctx := context.Background()

	// The first run's read: every thread.
	type head struct {
		id      string
		updated time.Time
	}
	heads := make([]head, 0, o.Tickets)
	entries := 0
	start := time.Now()
	pass(b, ctx, o, sources.ReadOptions{}, func(t *sources.Ticket) error {
		switch {
		case t.ThreadSkipped:
			return fmt.Errorf("ticket %s: thread skipped without Want", t.ID)
		case t.Updated.IsZero():
			return fmt.Errorf("ticket %s has no last-change time (problems: %v)", t.ID, t.Problems)
		}
		entries += len(t.Entries)
		heads = append(heads, head{t.ID, t.Updated})
		return nil
	})
	firstRead := time.Since(start)
	if len(heads) != o.Tickets {
		b.Fatalf("the source holds %d tickets, want %d", len(heads), o.Tickets)
	}

	// The source alone, every thread declined.
	start = time.Now()
	n := 0
	pass(b, ctx, o, sources.ReadOptions{Threads: map[string]bool{}}, func(t *sources.Ticket) error {
		if !t.ThreadSkipped {
			return fmt.Errorf("ticket %s: thread read although no thread was wanted", t.ID)
		}
		n++
		return nil
	})
	skipRead := time.Since(start)
	if n != o.Tickets {
		b.Fatalf("skip pass read %d tickets, want %d", n, o.Tickets)
	}

	// The checkpoint as a finished import leaves it.
	path := filepath.Join(b.TempDir(), "migration.db")
	store, err := checkpoints.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := store.Close(); err != nil {
			b.Error(err)
		}
	}()
	start = time.Now()
	runID, err := store.BeginRun(ctx, "run")
	if err != nil {
		b.Fatal(err)
	}
	// Concurrent writers share group commits: 200,000 writes one at a
	// time would each wait for an fsync.
	const writers = 256
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(heads); i += writers {
				h := heads[i]
				out := checkpoints.Outcome{RunID: runID, WHMCSID: int64(i + 1), TID: fmt.Sprint(100000 + i), C: "c",
					Status: "Closed", Priority: "Medium", DeptID: 1}
				if err := store.Settle(ctx, h.id, 0, out); err != nil {
					errs <- err
					return
				}
				if err := store.Finish(ctx, h.id, h.updated); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	if err := store.EndRun(ctx, runID, "ok", "{}"); err != nil {
		b.Fatal(err)
	}
	b.Logf("source: %d tickets, %d entries; checkpoint seeded in %s", len(heads), entries, time.Since(start).Round(time.Millisecond))
	// The run just recorded started now, and the source's last-change
	// times are older than now minus the overlap: no backdating needed.
	for _, h := range heads {
		if !h.updated.Before(time.Now().Add(-o.Overlap)) {
			b.Fatalf("ticket %s changed within the overlap window (%s): it would be re-read", h.id, h.updated)
		}
	}
	heads = nil

	srv := whmcstest.NewServer(whmcstest.Options{})
	defer srv.Close()
	h, err := whmcs.NewHTTP(whmcs.Options{URL: srv.APIURL(), Identifier: srv.Identifier, Secret: srv.Secret,
		Location: time.UTC, Timeout: 10 * time.Second, MaxConns: 4})
	if err != nil {
		b.Fatal(err)
	}
	client := whmcs.NewClient(policytest.Wrap(h, policytest.Options{Max: 4}), time.UTC)
	planner, err := mapping.NewPlanner(mapping.Options{Config: mapping.Config{
		DefaultDepartment: mapping.DeptID(1), DefaultStaff: "admin", Clients: mapping.ClientsMatchEmail,
	}, Clients: mapping.NewClientResolver(client)})
	if err != nil {
		b.Fatal(err)
	}

	b.ResetTimer()
	for b.Loop() {
		src, err := o.Open(ctx)
		if err != nil {
			b.Fatal(err)
		}
		rep, err := importer.Import(ctx, importer.Config{Source: src, Client: client, Planner: planner, Store: store,
			Concurrency: 4, Overlap: o.Overlap})
		_ = src.Close()
		if err != nil {
			b.Fatal(err)
		}
		if rep.Tickets.Unchanged != o.Tickets || rep.Tickets.Total != o.Tickets {
			b.Fatalf("no-op run: %+v", rep.Tickets)
		}
	}
	b.StopTimer()
	if calls := srv.Calls(); len(calls) != 0 || srv.WriteCalls() != 0 {
		b.Fatalf("the no-op runs called WHMCS: %v (writes %d)", calls, srv.WriteCalls())
	}
	noop := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(noop, "noop-s")
	b.ReportMetric(firstRead.Seconds(), "first-read-s")
	b.ReportMetric(skipRead.Seconds(), "skip-read-s")
	b.ReportMetric(noop/firstRead.Seconds(), "noop/first-read")
}

// pass reads the source once, calling each on every ticket until it
// returns an error.
func pass(b *testing.B, ctx context.Context, o Options, ro sources.ReadOptions, each func(*sources.Ticket) error) {
	b.Helper()
	src, err := o.Open(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for t, rerr := range src.Tickets(ctx, ro) {
		if err = rerr; err == nil {
			err = each(t)
		}
		if err != nil {
			break
		}
	}
	_ = src.Close()
	if err != nil {
		b.Fatal(err)
	}
}
