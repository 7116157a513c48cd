package whmcs_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/internal/zonetest"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// CheckZone reads WHMCS's zone from GetAdminDetails' requesttime against
// its answer's Date header, without writing: the sandbox's zone passes,
// another offset is ErrZoneMismatch naming both, a zone with the same
// offset at that instant cannot be told apart, and a role that denies
// GetAdminDetails leaves it unchecked.
func TestCheckZone(t *testing.T) {
	chicago := zonetest.Load(t, "America/Chicago")
	winter := func() time.Time { return time.Date(2025, 1, 15, 12, 0, 0, 0, time.UTC) }
	check := func(t *testing.T, s *whmcstest.Server, loc *time.Location) (*whmcs.ZoneCheck, error) {
		h := s.HTTP(func(o *whmcs.Options) { o.Location = loc })
		return whmcs.CheckZone(context.Background(), whmcs.NewClient(h, loc))
	}
	s := whmcstest.NewServer(whmcstest.Options{TimeZone: chicago, Now: winter})
	defer s.Close()
	zc, err := check(t, s, chicago)
	if err != nil || !zc.Checked || zc.Observed != -6*time.Hour {
		t.Fatalf("the sandbox's own zone: %+v, %v", zc, err)
	}
	zc, err = check(t, s, time.UTC)
	if !errors.Is(err, whmcs.ErrZoneMismatch) || !strings.Contains(err.Error(), "UTC-06:00") || !strings.Contains(err.Error(), "UTC+00:00") ||
		!strings.Contains(err.Error(), "date.timezone") {
		t.Fatalf("UTC against Chicago: %+v, %v", zc, err)
	}
	if st := s.State(); st.WriteCalls != 0 {
		t.Fatalf("%d writes", st.WriteCalls)
	}

	// Europe/London is UTC+0 in January: the same offset, not told apart.
	utc := whmcstest.NewServer(whmcstest.Options{TimeZone: time.UTC, Now: winter})
	defer utc.Close()
	if zc, err := check(t, utc, zonetest.Load(t, "Europe/London")); err != nil || !zc.Checked {
		t.Fatalf("London in winter against UTC: %+v, %v", zc, err)
	}

	denied := whmcstest.NewServer(whmcstest.Options{TimeZone: chicago, DeniedActions: []string{"GetAdminDetails"}})
	defer denied.Close()
	if zc, err := check(t, denied, time.UTC); err != nil || zc.Checked || !strings.Contains(zc.Reason, "denies") {
		t.Fatalf("denied: %+v, %v", zc, err)
	}

	// Nepal's +05:45 and India's +05:30, to the quarter hour.
	kathmandu := zonetest.Load(t, "Asia/Kathmandu")
	np := whmcstest.NewServer(whmcstest.Options{TimeZone: kathmandu})
	defer np.Close()
	if zc, err := check(t, np, kathmandu); err != nil || zc.Observed != 5*time.Hour+45*time.Minute {
		t.Fatalf("Kathmandu: %+v, %v", zc, err)
	}
	if _, err := check(t, np, zonetest.Load(t, "Asia/Kolkata")); !errors.Is(err, whmcs.ErrZoneMismatch) {
		t.Fatalf("Kolkata against Kathmandu: %v", err)
	}
}
