package whmcs

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// ActionGetAdminDetails is the API credential's own admin details, whose
// requesttime is the one date WHMCS stamps at the moment of a read: see
// CheckZone.
const ActionGetAdminDetails = "GetAdminDetails"

// GetAdminDetailsRequest asks for the API credential's admin details.
type GetAdminDetailsRequest struct{}

func (*GetAdminDetailsRequest) Action() string                    { return ActionGetAdminDetails }
func (*GetAdminDetailsRequest) Write() bool                       { return false }
func (*GetAdminDetailsRequest) Encode(url.Values, *time.Location) {}

// ErrZoneMismatch is wrapped by CheckZone's error when WHMCS's own clock,
// read in its zone, disagrees with the configured zone.
var ErrZoneMismatch = errors.New("the configured zone is not WHMCS's")

// ZoneCheck is what CheckZone saw.
type ZoneCheck struct {
	// Checked is false when WHMCS gave no evidence (the API role denies
	// GetAdminDetails, no requesttime, no Date header); Reason says why.
	Checked bool
	Reason  string
	// RequestTime is WHMCS's wall clock at the call (requesttime), At the
	// instant its answer's Date header gave.
	RequestTime string
	At          time.Time
	// Observed is WHMCS's UTC offset then (requesttime - Date, to the
	// quarter hour); Configured the configured zone's.
	Observed, Configured time.Duration
}

// CheckZone compares the configured zone (c.Location()) with the one WHMCS
// shows, without writing: GetAdminDetails answers a requesttime, the
// moment of the call in the wall clock of WHMCS's zone (PHP's
// date.timezone), and the same answer's HTTP Date header is that moment
// in UTC. Their difference, to the quarter hour, is WHMCS's UTC offset
// then; a configured zone with another offset at that instant is
// ErrZoneMismatch. Zones that share the offset at that instant (Europe/
// London and UTC in winter) cannot be told apart. A role that denies
// GetAdminDetails, or an answer without the evidence, is no error: the
// result says it was not checked, and why.
func CheckZone(ctx context.Context, c *Client) (*ZoneCheck, error) {
	h, ok := Find[*HTTP](c.Caller())
	if !ok {
		return &ZoneCheck{Reason: "no HTTP layer"}, nil
	}
	var w struct {
		RequestTime string `json:"requesttime"`
	}
	err := c.Caller().Call(ctx, &GetAdminDetailsRequest{}, &w)
	switch {
	case deniedAction(err, ActionGetAdminDetails):
		return &ZoneCheck{Reason: "the API role denies GetAdminDetails"}, nil
	case err != nil:
		return nil, fmt.Errorf("read WHMCS's clock: %w", err)
	}
	offset, dated := h.ServerClockOffset()
	if !dated {
		return &ZoneCheck{Reason: "WHMCS's answers carry no Date header"}, nil
	}
	at := time.Now().Add(offset).Truncate(time.Second)
	wall, err := time.Parse(DateLayout, strings.TrimSpace(w.RequestTime))
	if err != nil {
		return &ZoneCheck{Reason: fmt.Sprintf("GetAdminDetails gave no readable requesttime (%q)", w.RequestTime)}, nil
	}
	loc := c.Location()
	if loc == nil {
		loc = time.UTC
	}
	// wall read as UTC minus the true instant is the zone's offset, give or
	// take the second between the two stamps and the answer's travel.
	observed := wall.Sub(at).Round(15 * time.Minute)
	_, off := at.In(loc).Zone()
	zc := &ZoneCheck{Checked: true, RequestTime: w.RequestTime, At: at.UTC(), Observed: observed, Configured: time.Duration(off) * time.Second}
	if zc.Observed != zc.Configured {
		return zc, fmt.Errorf("%w: target.timezone %s is UTC%s at %s, but WHMCS's clock read %s then (GetAdminDetails' requesttime against "+
			"its HTTP Date header), which is UTC%s: set target.timezone to WHMCS's PHP date.timezone (Utilities > System > PHP Info)",
			ErrZoneMismatch, loc, fmtOffset(zc.Configured), at.UTC().Format(time.RFC3339), w.RequestTime, fmtOffset(observed))
	}
	return zc, nil
}

// fmtOffset renders a UTC offset: "+02:00", "-05:00", "+05:45".
func fmtOffset(d time.Duration) string {
	sign := "+"
	if d < 0 {
		sign, d = "-", -d
	}
	return fmt.Sprintf("%s%02d:%02d", sign, int(d.Hours()), int(d.Minutes())%60)
}
