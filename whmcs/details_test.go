package whmcs_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// GetWHMCSDetails: a read that names the WHMCS version.

func TestContractGetWHMCSDetails(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		version string
		want    whmcs.Details
	}{
		{"", whmcs.Details{Version: "8.13.1", CanonicalVersion: "8.13.1-release.1"}},
		{"7.10.2", whmcs.Details{Version: "7.10.2", CanonicalVersion: "7.10.2-release.1"}},
	} {
		e := newEnv(t, whmcstest.Options{Version: tc.version})
		d, err := e.client.GetWHMCSDetails(ctx)
		if err != nil || *d != tc.want {
			t.Fatalf("version %q: %+v %v", tc.version, d, err)
		}
		// a read: dry-run lets it through, and it is no write call
		if d, err := whmcs.NewClient(whmcs.ReadOnly(e.http), nil).GetWHMCSDetails(ctx); err != nil || *d != tc.want {
			t.Fatalf("read-only: %+v %v", d, err)
		}
		if e.srv.WriteCalls() != 0 || e.srv.Calls()["GetWHMCSDetails"] != 2 {
			t.Fatalf("calls %v, writes %d", e.srv.Calls(), e.srv.WriteCalls())
		}
	}
	var r whmcs.Request = &whmcs.GetWHMCSDetailsRequest{}
	v := url.Values{}
	r.Encode(v, nil)
	if r.Action() != "GetWHMCSDetails" || r.Write() || len(v) != 0 {
		t.Fatalf("request %s write=%v params %v", r.Action(), r.Write(), v)
	}

	// a role that denies it: an auth error, not processed
	e := newEnv(t, whmcstest.Options{DeniedActions: []string{"GetWHMCSDetails"}})
	_, err := e.client.GetWHMCSDetails(ctx)
	wantErr(t, err, whmcs.KindAuth, 403, `Invalid Permissions: API action "getwhmcsdetails" is not allowed`, false)
}

// fixedAnswer is a Caller answering every call with body, decoded as HTTP
// decodes a success answer.
func fixedAnswer(body string) whmcs.Caller {
	return whmcs.CallerFunc(func(_ context.Context, _ whmcs.Request, resp any) error {
		return json.Unmarshal([]byte(body), resp)
	})
}

func TestGetWHMCSDetailsDecoding(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		body string
		want whmcs.Details
	}{
		// the documented answer, with the keys the sandbox leaves out
		{`{"result":"success","whmcs":{"version":"8.13.1","major":8,"minor":13,"patch":1,"maturity":"release","canonicalversion":"8.13.1-release.1"}}`,
			whmcs.Details{Version: "8.13.1", CanonicalVersion: "8.13.1-release.1"}},
		// loose typing: a number, and no canonical version
		{`{"result":"success","whmcs":{"version":7.10}}`, whmcs.Details{Version: "7.10"}},
		{`{"whmcs":{"version":"8.0.0","canonicalversion":null}}`, whmcs.Details{Version: "8.0.0"}},
	} {
		d, err := whmcs.NewClient(fixedAnswer(tc.body), nil).GetWHMCSDetails(ctx)
		if err != nil || *d != tc.want {
			t.Errorf("%s: %+v %v", tc.body, d, err)
		}
	}
	// no version: unusable, but a read, so nothing to reconcile
	for _, body := range []string{`{"result":"success"}`, `{"result":"success","whmcs":{}}`} {
		_, err := whmcs.NewClient(fixedAnswer(body), nil).GetWHMCSDetails(ctx)
		var e *whmcs.Error
		if !errors.As(err, &e) || e.Kind != whmcs.KindServer || e.MaybeProcessed || e.Action != "GetWHMCSDetails" {
			t.Errorf("%s: %v", body, err)
		}
	}
}
