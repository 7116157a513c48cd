package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// setSecret rewrites the secret in a config written by vtConfig.
func setSecret(t *testing.T, cfg, from, to string) {
	t.Helper()
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte(strings.Replace(string(b), "secret: "+from, "secret: "+to, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
}

// A URL where nothing listens fails run and validate within seconds,
// naming the URL.
func TestPreflightClosedPort(t *testing.T) {
	s := whmcstest.NewServer(whmcstest.Options{})
	cfg := vtConfig(t, s, "")
	addr := strings.TrimPrefix(s.URL, "http://")
	s.Close()
	for _, cmd := range []string{"run", "validate"} {
		start := time.Now()
		code, out, errOut := cli(t, cmd, "--config", cfg)
		if took := time.Since(start); code != exitFatal || took > 15*time.Second {
			t.Errorf("%s: exit %d after %v, want %d within 15s; %s%s", cmd, code, took, exitFatal, out, errOut)
		}
		if !strings.Contains(errOut, addr) || !strings.Contains(errOut, "no connection") {
			t.Errorf("%s: the error does not name %s: %s", cmd, addr, errOut)
		}
	}
}

// A wrong secret fails every run, --only runs and runs with nothing to do
// included, so that cron learns of a revoked secret.
func TestPreflightWrongSecretFailsEveryRun(t *testing.T) {
	s := whmcstest.NewServer(whmcstest.Options{})
	defer s.Close()
	cfg := vtConfig(t, s, "")
	if code, out, errOut := cli(t, "run", "--config", cfg, "--no-progress"); code != exitIncomplete {
		t.Fatalf("first run: exit %d; %s%s", code, out, errOut) // the fixture has invalid tickets
	}
	writes := s.WriteCalls()
	setSecret(t, cfg, s.Secret, "revoked-secret-value")
	for _, args := range [][]string{{}, {"--only", "OK1"}} {
		code, out, errOut := cli(t, append([]string{"run", "--config", cfg, "--no-progress"}, args...)...)
		if code != exitFatal || !strings.Contains(errOut, "rejects the API credentials") || strings.Contains(out+errOut, "revoked-secret-value") {
			t.Errorf("run %v with a wrong secret: exit %d; %s%s", args, code, out, errOut)
		}
	}
	if s.WriteCalls() != writes {
		t.Errorf("runs with a wrong secret wrote %d times", s.WriteCalls()-writes)
	}
}

// A role without AddTicketNote: nothing is written, and the message names
// every missing action.
func TestPreflightDeniedAction(t *testing.T) {
	s := whmcstest.NewServer(whmcstest.Options{DeniedActions: []string{"AddTicketNote", "GetTickets"}})
	defer s.Close()
	cfg := vtConfig(t, s, "")
	code, out, errOut := cli(t, "run", "--config", cfg, "--no-progress")
	if code != exitFatal || !strings.Contains(errOut, "AddTicketNote") || !strings.Contains(errOut, "GetTickets") {
		t.Fatalf("exit %d, want %d naming AddTicketNote and GetTickets; %s%s", code, exitFatal, out, errOut)
	}
	if st := s.State(); st.WriteCalls != 0 || len(st.Tickets) != 0 {
		t.Fatalf("a run refused by the preflight wrote: %d write calls, %d tickets", st.WriteCalls, len(st.Tickets))
	}
	// validate says the same before anything is planned to be written.
	code, out, errOut = cli(t, "validate", "--config", cfg)
	if code != exitFatal || !strings.Contains(errOut, "GetTickets") {
		t.Fatalf("validate: exit %d; %s%s", code, out, errOut)
	}
}

// A WHMCS before 8.0 ignores created: the preflight refuses it by its
// version; when the role hides the version, the canary stops the run
// after its one write. Both name 8.0 and created.
func TestPreflightUndatedWHMCS(t *testing.T) {
	for name, o := range map[string]whmcstest.Options{
		"version known":  {Version: "7.10.2", Sanitize: true, ThreeByte: true},
		"version denied": {Version: "7.10.2", Sanitize: true, ThreeByte: true, DeniedActions: []string{"GetWHMCSDetails"}},
	} {
		t.Run(name, func(t *testing.T) {
			s := whmcstest.NewServer(o)
			defer s.Close()
			cfg := vtConfig(t, s, "")
			code, out, errOut := cli(t, "run", "--config", cfg, "--no-progress")
			if code != exitFatal || !strings.Contains(errOut, "8.0") || !strings.Contains(errOut, "`created`") {
				t.Fatalf("exit %d, want %d naming 8.0 and created; %s%s", code, exitFatal, out, errOut)
			}
			wantTickets := 0
			if len(o.DeniedActions) > 0 {
				wantTickets = 1 // the canary
				if !strings.Contains(errOut, "rollback --config FILE --run 1") {
					t.Errorf("the canary's message does not say how to remove it: %s", errOut)
				}
			}
			if st := s.State(); len(st.Tickets) != wantTickets || st.WriteCalls != wantTickets {
				t.Fatalf("%d tickets, %d write calls, want %d", len(st.Tickets), st.WriteCalls, wantTickets)
			}
		})
	}
}
