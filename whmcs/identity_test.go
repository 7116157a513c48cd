package whmcs_test

import (
	"context"
	"errors"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

func TestSiteOf(t *testing.T) {
	for in, want := range map[string]string{
		"https://Billing.Example.com/includes/api.php":      "https://billing.example.com/includes/api.php",
		"https://billing.example.com:443/includes/api.php/": "https://billing.example.com/includes/api.php",
		"http://billing.example.com:80/whmcs/":              "http://billing.example.com/whmcs",
		"https://billing.example.com:8443/includes/api.php": "https://billing.example.com:8443/includes/api.php",
		"https://user:pw@billing.example.com/x?a=1#f":       "https://billing.example.com/x",
		"http://[::1]:8080/includes/api.php":                "http://[::1]:8080/includes/api.php",
	} {
		if got := whmcs.SiteOf(in); got != want {
			t.Errorf("SiteOf(%q) = %q, want %q", in, got, want)
		}
	}
}

// Identify reads the install's System URL with one GetConfigurationValue;
// a role that denies it leaves the System URL unknown. Preflight with
// Expect refuses another WHMCS before any permission probe.
func TestIdentifyAndExpect(t *testing.T) {
	ctx := context.Background()
	s := whmcstest.NewServer(whmcstest.Options{SystemURL: "https://support.example.com/"})
	defer s.Close()
	id, err := s.Client().Identify(ctx)
	if err != nil || id.Site != whmcs.SiteOf(s.APIURL()) || id.SystemURL != "https://support.example.com" {
		t.Fatalf("Identify: %+v %v", id, err)
	}
	if s.Calls()["GetConfigurationValue"] != 1 {
		t.Errorf("calls: %v", s.Calls())
	}

	denied := whmcstest.NewServer(whmcstest.Options{DeniedActions: []string{"GetConfigurationValue"}})
	defer denied.Close()
	if id, err := denied.Client().Identify(ctx); err != nil || id.SystemURL != "" || id.Site == "" {
		t.Errorf("Identify with GetConfigurationValue denied: %+v %v", id, err)
	}
	if d := (whmcs.Identity{Site: id.Site}); !d.Same(id) || !id.Same(d) {
		t.Errorf("an unknown System URL should not tell two installs apart")
	}

	other := whmcstest.NewServer(whmcstest.Options{})
	defer other.Close()
	res, err := whmcs.Preflight(ctx, other.Client(), whmcs.PreflightOptions{Actions: []string{whmcs.ActionOpenTicket, whmcs.ActionGetTicket}, Expect: &id})
	var te *whmcs.TargetError
	if !errors.As(err, &te) || !errors.Is(err, whmcs.ErrOtherTarget) || te.Expected != id || te.Found != res.Identity || te.Found.SystemURL != other.URL {
		t.Fatalf("Preflight against another WHMCS: %v %+v", err, res)
	}
	for action, n := range other.Calls() {
		if n > 0 && action != "GetWHMCSDetails" && action != "GetConfigurationValue" {
			t.Errorf("the refused preflight sent %s", action)
		}
	}
	if res, err := whmcs.Preflight(ctx, s.Client(), whmcs.PreflightOptions{Actions: []string{whmcs.ActionGetTicket}, Expect: &id}); err != nil || res.Identity != id {
		t.Errorf("Preflight against the expected WHMCS: %v %+v", err, res)
	}
}
