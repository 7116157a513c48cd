package importer

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/internal/policytest"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources/sourcetest"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// actionLog records the API actions a sandbox served, in order.
type actionLog struct {
	mu      sync.Mutex
	actions []string
}

func (l *actionLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *actionLog) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "action" {
			l.mu.Lock()
			l.actions = append(l.actions, strings.ToLower(a.Value.String()))
			l.mu.Unlock()
		}
		return true
	})
	return nil
}
func (l *actionLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *actionLog) WithGroup(string) slog.Handler      { return l }

func (l *actionLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.actions...)
}

var writeAction = map[string]bool{"openticket": true, "addticketreply": true, "addticketnote": true, "updateticket": true}

// The run's first write is read back before any other write is sent, and
// what it shows of the target's text handling is kept in the checkpoint.
func TestCanaryGoesFirstAndLearns(t *testing.T) {
	for name, want := range map[string]string{"literal": "escapes=no four_byte=no", "realistic": "escapes=yes four_byte=yes"} {
		t.Run(name, func(t *testing.T) {
			log := &actionLog{}
			mode := modes[name]
			mode.Logger = slog.New(log)
			e := newEnvMode(t, mode, whmcstest.Faults{Latency: time.Millisecond})
			tickets := genTickets(30, 5)
			rep, err := e.run(t, context.Background(), sourcetest.NewMemory(tickets), 8, policytest.Options{})
			if err != nil || rep.Tickets.Imported != 30 {
				t.Fatalf("run: %v, %+v", err, rep)
			}
			checkExact(t, e, tickets)
			acts := log.get()
			first := -1
			for i, a := range acts {
				if writeAction[a] {
					if first < 0 {
						first = i
						continue
					}
					// The second write comes after the canary's GetTicket.
					if !slices.Contains(acts[first:i], "getticket") {
						t.Fatalf("a second write (%s, call %d) before the canary was read back: %v", a, i, acts[:i+1])
					}
					break
				}
			}
			got, err := e.store.Meta(context.Background(), checkpoints.MetaTextProfile)
			if err != nil || got != want {
				t.Fatalf("learned profile %q (%v), want %q", got, err, want)
			}
			if rep.ReadBacks < 1 || rep.ReadBacks > 3 || rep.TextProfile != whmcs.ParseTextProfile(want).Describe() {
				t.Errorf("report: read-backs %d, profile %q", rep.ReadBacks, rep.TextProfile)
			}
		})
	}
}

// On a WHMCS before 8.0, `created` is ignored: the canary sees its date
// changed and the run stops with the canary as the only write.
func TestCanaryStopsOnUndatedWHMCS(t *testing.T) {
	e := newEnvMode(t, whmcstest.Options{Version: "7.10.2", Sanitize: true, ThreeByte: true}, whmcstest.Faults{})
	tickets := genTickets(20, 6)
	_, err := e.run(t, context.Background(), sourcetest.NewMemory(tickets), 8, policytest.Options{})
	if !errors.Is(err, ErrCanary) || !errors.Is(err, whmcs.ErrUndated) {
		t.Fatalf("err = %v, want ErrCanary and whmcs.ErrUndated", err)
	}
	for _, s := range []string{"8.0", "`created`", "date: sent", "rollback --config FILE --run 1 --yes", "--allow-undated"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error lacks %q: %v", s, err)
		}
	}
	st := e.srv.State()
	if len(st.Tickets) != 1 || len(st.Tickets[0].Replies) != 0 || len(st.Tickets[0].Notes) != 0 {
		t.Fatalf("WHMCS holds %d tickets (want the canary alone): %+v", len(st.Tickets), st.Tickets)
	}
	if e.srv.WriteCalls() != 1 {
		t.Fatalf("%d write calls, want 1", e.srv.WriteCalls())
	}
}

// --allow-undated imports into such a WHMCS anyway, once.
func TestCanaryAllowUndated(t *testing.T) {
	e := newEnvMode(t, whmcstest.Options{Version: "7.10.2"}, whmcstest.Faults{})
	tickets := genTickets(10, 7)
	h, err := whmcs.NewHTTP(whmcs.Options{URL: e.srv.APIURL(), Identifier: e.srv.Identifier, Secret: e.srv.Secret, Location: chicago})
	if err != nil {
		t.Fatal(err)
	}
	client := whmcs.NewClient(policytest.Wrap(h, policytest.Options{}), chicago)
	planner, err := mapping.NewPlanner(mapping.Options{Config: testConfig(), Clients: mapping.NewClientResolver(client)})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Import(context.Background(), Config{Source: sourcetest.NewMemory(tickets), Client: client, Planner: planner,
		Store: e.store, Concurrency: 4, AllowUndated: true})
	if err != nil || rep.Tickets.Imported != 10 {
		t.Fatalf("run: %v %+v", err, rep)
	}
	if n := len(e.srv.State().Tickets); n != 10 {
		t.Fatalf("%d tickets", n)
	}
}
