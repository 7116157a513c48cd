package validate

import (
	"context"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// A service or domain counts only as its own client's; answers are cached.
func TestLinkChecker(t *testing.T) {
	seed := whmcstest.DefaultSeed()
	seed.Services = []whmcstest.Owned{{ID: 12, ClientID: 1}}
	seed.Domains = []whmcstest.Owned{{ID: 3, ClientID: 2}}
	s := whmcstest.NewServer(whmcstest.Options{Seed: seed})
	defer s.Close()
	h := s.HTTP()
	l := NewLinkChecker(whmcs.NewClient(whmcs.ReadOnly(h), h.Location()))
	ctx := context.Background()
	for _, tc := range []struct {
		domain         bool
		client, linked int64
		want           bool
	}{{false, 1, 12, true}, {false, 2, 12, false}, {false, 1, 13, false}, {true, 2, 3, true}, {true, 1, 3, false}, {false, 1, 12, true}} {
		var got bool
		var err error
		if tc.domain {
			got, err = l.HasDomain(ctx, tc.client, tc.linked)
		} else {
			got, err = l.HasService(ctx, tc.client, tc.linked)
		}
		if err != nil || got != tc.want {
			t.Errorf("%+v: %v, %v", tc, got, err)
		}
	}
	if n := s.Calls()["GetClientsProducts"] + s.Calls()["GetClientsDomains"]; n != 5 {
		t.Errorf("%d lookups for 5 distinct questions (one asked twice)", n)
	}
}
