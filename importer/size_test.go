package importer

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/internal/policytest"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/sources/sourcetest"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// A ticket whose call is too large for WHMCS fails alone, with
// request_too_large, and the run goes on: planned over the limit, before
// any of its calls; or, when the limit is set above WHMCS's real one,
// refused by WHMCS (an empty POST answered Authentication Failed) after
// the preflight, never fatal. Failed calls are in the report.
func TestRunRequestTooLarge(t *testing.T) {
	for _, c := range []struct {
		name      string
		limit     int64 // the planner's max_request_size
		failCalls bool  // the refusal is a failed call
	}{
		{"planned", 1 << 20, false},
		{"refused by WHMCS", 64 << 20, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, whmcstest.Faults{})
			e.srv.Close()
			o := e.opts
			o.MaxBodyBytes = 1 << 20
			e.srv = whmcstest.NewServer(o)
			t.Cleanup(e.srv.Close)

			tickets := genTickets(12, 9)
			big := tickets[5]
			last := big.Entries[len(big.Entries)-1]
			big.Entries = append(big.Entries, sources.Entry{ID: "huge", Kind: sources.Note, Author: last.Author,
				Created: last.Created.Add(time.Minute), Body: strings.Repeat("z", 3<<19)})

			h, err := whmcs.NewHTTP(whmcs.Options{URL: e.srv.APIURL(), Identifier: e.srv.Identifier, Secret: e.srv.Secret,
				Location: chicago, Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			client := whmcs.NewClient(policytest.Wrap(h, policytest.Options{}), chicago)
			planner, err := mapping.NewPlanner(mapping.Options{Config: testConfig(), Clients: mapping.NewClientResolver(client),
				MaxRequestSize: c.limit, RequestOverhead: h.CredentialsSize()})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Import(context.Background(), Config{Source: sourcetest.NewMemory(tickets), Client: client, Planner: planner,
				Store: e.store, Concurrency: 4})
			if err != nil {
				t.Fatalf("the run stopped: %v", err)
			}
			if rep.Tickets.Imported != 11 || rep.Tickets.Failed != 1 || len(rep.Failures) != 1 ||
				rep.Failures[0].Ticket != big.ID || rep.Failures[0].Code != string(sources.CodeRequestTooLarge) {
				t.Fatalf("tickets %+v, failures %+v", rep.Tickets, rep.Failures)
			}
			if got := rep.FailedCalls[whmcs.ActionAddTicketNote] > 0; got != c.failCalls {
				t.Errorf("failed calls %v, want a failed AddTicketNote: %v", rep.FailedCalls, c.failCalls)
			}
			if !c.failCalls {
				for _, tk := range e.srv.State().Tickets {
					if tk.Subject == big.Subject || strings.Contains(tk.Subject, "Problem 5 ") {
						t.Fatalf("the oversized ticket was opened: %q", tk.Subject)
					}
				}
			}
		})
	}
}
