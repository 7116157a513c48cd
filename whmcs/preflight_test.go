package whmcs_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

var runActions = []string{whmcs.ActionOpenTicket, whmcs.ActionAddTicketReply, whmcs.ActionAddTicketNote,
	whmcs.ActionUpdateTicket, whmcs.ActionGetTicket, whmcs.ActionGetTickets, whmcs.ActionGetClients}

func TestPreflightPasses(t *testing.T) {
	e := newEnv(t, whmcstest.Options{Version: "8.13.1"})
	res, err := whmcs.Preflight(context.Background(), e.client, whmcs.PreflightOptions{Actions: runActions})
	if err != nil {
		t.Fatal(err)
	}
	if res.Version != "8.13.1" || len(res.Checked) != len(runActions) || res.Calls != 1+len(runActions) {
		t.Fatalf("result %+v", res)
	}
	// Nothing was written: the probes are refused after the role check.
	if st := e.srv.State(); len(st.Tickets) != 0 || len(st.Emails) != 0 {
		t.Fatalf("state changed: %d tickets, %d emails", len(st.Tickets), len(st.Emails))
	}
}

func TestPreflightNamesEveryDeniedAction(t *testing.T) {
	e := newEnv(t, whmcstest.Options{DeniedActions: []string{"AddTicketNote", "UpdateTicket"}})
	_, err := whmcs.Preflight(context.Background(), e.client, whmcs.PreflightOptions{Actions: runActions})
	if !errors.Is(err, whmcs.ErrDenied) {
		t.Fatalf("err = %v, want ErrDenied", err)
	}
	for _, a := range []string{"AddTicketNote", "UpdateTicket"} {
		if !strings.Contains(err.Error(), a) {
			t.Errorf("error does not name %s: %v", a, err)
		}
	}
	if strings.Contains(err.Error(), "AddTicketReply") {
		t.Errorf("error names an allowed action: %v", err)
	}
}

func TestPreflightRefusesBefore8(t *testing.T) {
	e := newEnv(t, whmcstest.Options{Version: "7.10.2"})
	_, err := whmcs.Preflight(context.Background(), e.client, whmcs.PreflightOptions{Actions: runActions})
	if !errors.Is(err, whmcs.ErrUndated) || !strings.Contains(err.Error(), "7.10.2") || !strings.Contains(err.Error(), "8.0") {
		t.Fatalf("err = %v, want ErrUndated naming 7.10.2 and 8.0", err)
	}
	if _, err := whmcs.Preflight(context.Background(), e.client, whmcs.PreflightOptions{Actions: runActions, AllowUndated: true}); err != nil {
		t.Fatalf("AllowUndated: %v", err)
	}
}

func TestPreflightVersionUnknownWhenDenied(t *testing.T) {
	e := newEnv(t, whmcstest.Options{Version: "7.10.2", DeniedActions: []string{"GetWHMCSDetails"}})
	res, err := whmcs.Preflight(context.Background(), e.client, whmcs.PreflightOptions{Actions: runActions})
	if err != nil || res.Version != "" {
		t.Fatalf("res %+v, err %v: want an unknown version and no error (the canary decides)", res, err)
	}
}

func TestPreflightCredentialsAndIP(t *testing.T) {
	e := newEnv(t, whmcstest.Options{}, func(o *whmcs.Options) { o.Secret = "wrong-secret-value" })
	_, err := whmcs.Preflight(context.Background(), e.client, whmcs.PreflightOptions{Actions: runActions})
	if !whmcs.IsAuth(err) || !strings.Contains(err.Error(), "credentials") || strings.Contains(err.Error(), "wrong-secret-value") {
		t.Fatalf("wrong secret: %v", err)
	}
	e = newEnv(t, whmcstest.Options{AllowedIPs: []string{"203.0.113.7"}})
	_, err = whmcs.Preflight(context.Background(), e.client, whmcs.PreflightOptions{Actions: runActions})
	if !whmcs.IsAuth(err) || !strings.Contains(err.Error(), "Invalid IP 127.0.0.1") || !strings.Contains(err.Error(), "API IP Access") {
		t.Fatalf("IP: %v", err)
	}
}

func TestPreflightReadOnlySkipsWrites(t *testing.T) {
	e := newEnv(t, whmcstest.Options{})
	c := whmcs.NewClient(whmcs.ReadOnly(e.http), e.http.Location())
	res, err := whmcs.Preflight(context.Background(), c, whmcs.PreflightOptions{Actions: runActions})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Skipped) != 4 || e.srv.WriteCalls() != 0 {
		t.Fatalf("skipped %v, sandbox saw %d write calls", res.Skipped, e.srv.WriteCalls())
	}
}

func TestPreflightFailsFast(t *testing.T) {
	// A closed port.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	// calls is the calls each check may make: one, but for a persisting
	// HTML page, which a moment may cure: it is tried a few times.
	check := func(name, url string, want error, hint string, calls int) {
		t.Helper()
		h, err := whmcs.NewHTTP(whmcs.Options{URL: url, Identifier: "id", Secret: "s3cret-value"})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		res, err := whmcs.Preflight(context.Background(), whmcs.NewClient(h, nil), whmcs.PreflightOptions{Actions: runActions})
		if !errors.Is(err, want) || !strings.Contains(err.Error(), hint) || strings.Contains(err.Error(), "s3cret-value") {
			t.Errorf("%s: err = %v, want %v with %q", name, err, want, hint)
		}
		if res.Calls != calls {
			t.Errorf("%s: %d calls, want %d", name, res.Calls, calls)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%s: took %v", name, d)
		}
	}
	check("closed port", "http://"+addr+"/includes/api.php", whmcs.ErrUnreachable, addr, 1)
	check("unknown host", "http://whmcs-migrate-no-such-host.invalid/includes/api.php", whmcs.ErrUnreachable, "no-such-host", 1)

	mux := http.NewServeMux()
	mux.HandleFunc("/maintenance/includes/api.php", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html><body><h1>Down for maintenance</h1></body></html>"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	check("404", srv.URL+"/whmcs/api.php", whmcs.ErrNotAPI, "/includes/api.php", 1)
	check("HTML 200", srv.URL+"/maintenance/includes/api.php", whmcs.ErrNotAPI, "maintenance", 6)
}

// BenchmarkPreflight reports a run's preflight cost against a WHMCS 50 ms
// away: calls, seconds, and seconds ÷ (calls × latency), the share of its
// time that is the round trips themselves.
func BenchmarkPreflight(b *testing.B) {
	const latency = 50 * time.Millisecond
	s := whmcstest.NewServer(whmcstest.Options{Faults: whmcstest.Faults{Latency: latency}})
	defer s.Close()
	c := s.Client()
	var res *whmcs.PreflightResult
	var err error
	for b.Loop() {
		if res, err = whmcs.Preflight(context.Background(), c, whmcs.PreflightOptions{Actions: runActions}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(res.Calls), "calls")
	b.ReportMetric(res.Elapsed.Seconds(), "s/preflight")
	b.ReportMetric(res.Elapsed.Seconds()/(float64(res.Calls)*latency.Seconds()), "elapsed/round-trips")
}

// A read given in Reads stands for its action's probe: it is what is
// called, once, and a denial from it is reported as the probe's would be.
func TestPreflightReadsStandForProbes(t *testing.T) {
	e := newEnv(t, whmcstest.Options{DeniedActions: []string{"GetContacts"}})
	var clients, contacts int
	reads := map[string]func(context.Context) error{
		whmcs.ActionGetClients: func(ctx context.Context) error {
			clients++
			_, err := e.client.GetClients(ctx, &whmcs.GetClientsRequest{LimitNum: 250})
			return err
		},
		whmcs.ActionGetContacts: func(ctx context.Context) error {
			contacts++
			_, err := e.client.GetContacts(ctx, &whmcs.GetContactsRequest{LimitNum: 250})
			return err
		},
		// A write cannot be tried but by its probe: this one is ignored.
		whmcs.ActionOpenTicket: func(context.Context) error { t.Error("a write's read was called"); return nil },
	}
	before := e.srv.Calls()["GetClients"]
	_, err := whmcs.Preflight(context.Background(), e.client, whmcs.PreflightOptions{
		Actions: append(runActions, whmcs.ActionGetContacts), Reads: reads})
	if !errors.Is(err, whmcs.ErrDenied) || !strings.Contains(err.Error(), "GetContacts") {
		t.Fatalf("err = %v, want ErrDenied naming GetContacts", err)
	}
	if clients != 1 || contacts != 1 {
		t.Fatalf("reads called %d and %d times, want once each", clients, contacts)
	}
	if got := e.srv.Calls()["GetClients"] - before; got != 1 {
		t.Fatalf("%d GetClients calls, want 1: the read, with no probe of its own", got)
	}
}
