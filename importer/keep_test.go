package importer

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/internal/policytest"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources/sourcetest"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// The report holds KeepFailures failures and counts the others; OnTicket
// sees every one (run --failures writes them as they come).
func TestReportKeepsFirstFailures(t *testing.T) {
	e := newEnv(t, whmcstest.Faults{})
	tickets := genTickets(6, 5)
	for _, tk := range tickets[1:] {
		for i := range tk.Entries {
			tk.Entries[i].Created = time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC) // after WHMCS's clock: fails at plan
		}
	}
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
	var seen atomic.Int64
	rep, err := Import(context.Background(), Config{Source: sourcetest.NewMemory(tickets), Client: client, Planner: planner,
		Store: e.store, KeepFailures: 2, OnTicket: func(r TicketResult) {
			if r.Outcome == Failed {
				seen.Add(1)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Tickets.Failed != 5 || rep.Tickets.Imported != 1 || len(rep.Failures) != 2 || rep.FailuresOmitted != 3 || seen.Load() != 5 {
		t.Fatalf("tickets %+v, %d failures kept, %d omitted, %d seen by OnTicket; want 5 failed, 2 kept, 3 omitted, 5 seen",
			rep.Tickets, len(rep.Failures), rep.FailuresOmitted, seen.Load())
	}
}
