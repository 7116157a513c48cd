package importer

import (
	"context"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/internal/policytest"
	"github.com/whmcs-migrate/whmcs-migrate/sources/sourcetest"

	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// Last-change times with fractions of a second (DATETIME(6), RFC 3339
// with fractions) skip unchanged tickets too, though the checkpoint keeps
// them to the second; on the whole source (versions loaded at the start)
// and with --only (looked up one by one). A change a second later is
// read.
func TestIncrementalSkipSubSecondUpdated(t *testing.T) {
	e := newEnv(t, whmcstest.Faults{})
	ctx := context.Background()
	tickets := genTickets(10, 3)
	for _, tk := range tickets {
		tk.Updated = tk.Entries[len(tk.Entries)-1].Created.Add(700 * time.Millisecond)
	}
	if rep, err := e.run(t, ctx, sourcetest.NewMemory(tickets), 4, policytest.Options{}); err != nil || rep.Tickets.Imported != 10 {
		t.Fatalf("first run: %+v, %v", rep, err)
	}

	src := &countingSource{Memory: sourcetest.NewMemory(tickets)}
	rep, err := e.run(t, ctx, src, 4, policytest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Tickets.Unchanged != 10 || src.threads.Load() != 0 {
		t.Errorf("whole source: %+v, %d threads read, want none", rep.Tickets, src.threads.Load())
	}

	only := []string{tickets[1].ID, tickets[2].ID}
	src = &countingSource{Memory: sourcetest.NewMemory(tickets)}
	rep, err = runOnly(t, e, src, only)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Tickets.Unchanged != 2 || rep.Tickets.Total != 2 || src.threads.Load() != 0 {
		t.Errorf("--only: %+v, %d threads read, want none", rep.Tickets, src.threads.Load())
	}

	changed := clone(tickets)
	changed[4].Updated = changed[4].Updated.Add(time.Second)
	for _, ids := range [][]string{nil, {changed[4].ID}} {
		src = &countingSource{Memory: sourcetest.NewMemory(changed)}
		if _, err := runOnly(t, e, src, ids); err != nil {
			t.Fatal(err)
		}
		if src.threads.Load() != 1 {
			t.Errorf("only %v: %d threads read, want the changed ticket's", ids, src.threads.Load())
		}
		// The run recorded the new version: undo, so the next pass sees
		// the change again.
		if err := e.store.Finish(ctx, changed[4].ID, tickets[4].Updated); err != nil {
			t.Fatal(err)
		}
	}
}

// runOnly is env.run with Config.Only.
func runOnly(t *testing.T, e *env, src *countingSource, only []string) (*report.Import, error) {
	t.Helper()
	h, err := whmcs.NewHTTP(whmcs.Options{URL: e.srv.APIURL(), Identifier: e.srv.Identifier, Secret: e.srv.Secret,
		Location: chicago, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	client := whmcs.NewClient(policytest.Wrap(h, policytest.Options{}), chicago)
	planner, err := mapping.NewPlanner(mapping.Options{Config: testConfig(), Clients: mapping.NewClientResolver(client)})
	if err != nil {
		t.Fatal(err)
	}
	return Import(context.Background(), Config{Source: src, Client: client, Planner: planner, Store: e.store, Only: only})
}
