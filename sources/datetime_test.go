package sources

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/internal/zonetest"
)

func TestParseTime(t *testing.T) {
	berlin := zonetest.Load(t, "Europe/Berlin")
	chicago := zonetest.Load(t, "America/Chicago")
	utc := time.UTC

	tests := []struct {
		in      string
		loc     *time.Location
		want    string // RFC 3339 with nanoseconds, in UTC
		warning bool
	}{
		// Offsets and Z: loc does not matter.
		{"2025-03-30T01:30:00Z", berlin, "2025-03-30T01:30:00Z", false},
		{"2025-03-30T01:30:00z", berlin, "2025-03-30T01:30:00Z", false},
		{"2025-03-30T03:30:00+02:00", utc, "2025-03-30T01:30:00Z", false},
		{"2025-03-30 03:30:00+02:00", utc, "2025-03-30T01:30:00Z", false},
		{"2025-03-30T03:30:00+0200", utc, "2025-03-30T01:30:00Z", false},
		{"2025-03-30T03:30:00+02", utc, "2025-03-30T01:30:00Z", false},
		{"2024-12-31T18:00:00-06:00", berlin, "2025-01-01T00:00:00Z", false},
		{"2025-03-30T01:30:00.123Z", utc, "2025-03-30T01:30:00.123Z", false},
		{"2025-03-30T03:30:00.5+02:00", utc, "2025-03-30T01:30:00.5Z", false},
		{"  2025-03-30T01:30:00Z  ", utc, "2025-03-30T01:30:00Z", false},
		// Local wall clock, both separators, in loc.
		{"2025-01-15 10:00:00", utc, "2025-01-15T10:00:00Z", false},
		{"2025-01-15T10:00:00", utc, "2025-01-15T10:00:00Z", false},
		{"2025-01-15 10:00:00", berlin, "2025-01-15T09:00:00Z", false},
		{"2025-07-15 10:00:00", berlin, "2025-07-15T08:00:00Z", false},
		{"2025-01-15 10:00:00.25", berlin, "2025-01-15T09:00:00.25Z", false},
		{"2025-07-15T10:00:00", chicago, "2025-07-15T15:00:00Z", false},
		{"2025-01-15 10:00:00", nil, "2025-01-15T10:00:00Z", false},
		// Berlin spring forward 2025-03-30 02:00 CET -> 03:00 CEST.
		{"2025-03-30 01:59:59", berlin, "2025-03-30T00:59:59Z", false},
		{"2025-03-30 03:00:00", berlin, "2025-03-30T01:00:00Z", false},
		// Berlin fall back 2025-10-26 03:00 CEST -> 02:00 CET: 02:xx twice.
		{"2025-10-26 02:30:00", berlin, "2025-10-26T00:30:00Z", true},
		{"2025-10-26 02:00:00", berlin, "2025-10-26T00:00:00Z", true},
		{"2025-10-26 01:59:59", berlin, "2025-10-25T23:59:59Z", false},
		{"2025-10-26 03:00:00", berlin, "2025-10-26T02:00:00Z", false},
		// Chicago spring forward 2025-03-09 02:00 CST -> 03:00 CDT.
		{"2025-03-09 01:59:59", chicago, "2025-03-09T07:59:59Z", false},
		{"2025-03-09 03:00:00", chicago, "2025-03-09T08:00:00Z", false},
		// Chicago fall back 2025-11-02 02:00 CDT -> 01:00 CST: 01:xx twice.
		{"2025-11-02 01:30:00", chicago, "2025-11-02T06:30:00Z", true},
		{"2025-11-02 00:59:59", chicago, "2025-11-02T05:59:59Z", false},
		{"2025-11-02 02:00:00", chicago, "2025-11-02T08:00:00Z", false},
		// Unix seconds.
		{"0", berlin, "1970-01-01T00:00:00Z", false},
		{"1743298200", berlin, "2025-03-30T01:30:00Z", false},
		{"1735689600", chicago, "2025-01-01T00:00:00Z", false},
	}
	for _, tt := range tests {
		got, warning, err := ParseTime(tt.in, tt.loc)
		if err != nil {
			t.Errorf("ParseTime(%q, %v): %v", tt.in, tt.loc, err)
			continue
		}
		if s := got.UTC().Format(time.RFC3339Nano); s != tt.want {
			t.Errorf("ParseTime(%q, %v) = %s, want %s", tt.in, tt.loc, s, tt.want)
		}
		if (warning != "") != tt.warning {
			t.Errorf("ParseTime(%q, %v) warning = %q, want warning: %v", tt.in, tt.loc, warning, tt.warning)
		}
		if tt.warning && !strings.Contains(warning, "DST overlap") {
			t.Errorf("ParseTime(%q) warning %q does not say DST overlap", tt.in, warning)
		}
		wantLoc := tt.loc
		if wantLoc == nil {
			wantLoc = time.UTC
		}
		if !strings.ContainsAny(strings.TrimSpace(tt.in)[min(len(strings.TrimSpace(tt.in)), 11):], "Zz+-") && got.Location() != wantLoc {
			t.Errorf("ParseTime(%q, %v) location = %v, want %v", tt.in, tt.loc, got.Location(), wantLoc)
		}
	}
}

func TestParseTimeGap(t *testing.T) {
	berlin := zonetest.Load(t, "Europe/Berlin")
	chicago := zonetest.Load(t, "America/Chicago")
	tests := []struct {
		in   string
		loc  *time.Location
		zone string
	}{
		{"2025-03-30 02:00:00", berlin, "Europe/Berlin"},
		{"2025-03-30 02:30:00", berlin, "Europe/Berlin"},
		{"2025-03-30T02:59:59", berlin, "Europe/Berlin"},
		{"2024-03-31 02:15:00", berlin, "Europe/Berlin"},
		{"2025-03-09 02:30:00", chicago, "America/Chicago"},
	}
	for _, tt := range tests {
		got, _, err := ParseTime(tt.in, tt.loc)
		if err == nil {
			t.Errorf("ParseTime(%q, %s) = %v, want DST gap error", tt.in, tt.zone, got)
			continue
		}
		if !errors.Is(err, ErrDSTGap) {
			t.Errorf("ParseTime(%q): error %v does not match ErrDSTGap", tt.in, err)
		}
		want := tt.in + " does not exist in " + tt.zone + " (DST gap)"
		if err.Error() != want {
			t.Errorf("ParseTime(%q) error = %q, want %q", tt.in, err, want)
		}
	}
}

func TestParseTimeInvalid(t *testing.T) {
	for _, in := range []string{
		"", "   ", "yesterday", "2025-13-01 10:00:00", "2025-02-30 10:00:00",
		"2025-01-15", "15/01/2025 10:00", "2025-01-15 25:00:00", "2025-01-15T10:00:00+25:00",
		"1743298200000", // milliseconds
		"99999999999999999999999",
		"-1743298200", "2025-01-15T10:00:00 Europe/Berlin", "2025-01-15 9:00:00",
	} {
		got, _, err := ParseTime(in, time.UTC)
		if err == nil {
			t.Errorf("ParseTime(%q) = %v, want error", in, got)
			continue
		}
		if errors.Is(err, ErrDSTGap) {
			t.Errorf("ParseTime(%q): %v wrongly matches ErrDSTGap", in, err)
		}
	}
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"2025-03-30T01:30:00Z", "2025-03-30 02:30:00", "2025-10-26 02:30:00",
		"2025-11-02T01:30:00", "2025-03-30T03:30:00.5+02:00", "1743298200",
		"2025-03-30T03:30:00+0200", "", "2025-01-15 10:00:00.25", "x",
	} {
		f.Add(s)
	}
	zones := []*time.Location{time.UTC, zonetest.Load(f, "Europe/Berlin"), zonetest.Load(f, "America/Chicago")}
	f.Fuzz(func(t *testing.T, s string) {
		for _, loc := range zones {
			got, warning, err := ParseTime(s, loc)
			if err != nil {
				if !got.IsZero() || warning != "" {
					t.Fatalf("ParseTime(%q) returned %v, %q with error %v", s, got, warning, err)
				}
				continue
			}
			// Parsing the result back in RFC 3339 must give the same instant.
			back, _, err := ParseTime(got.UTC().Format(time.RFC3339Nano), loc)
			if err != nil {
				if got.Year() < 0 || got.Year() > 9999 {
					continue
				}
				t.Fatalf("ParseTime(%q) = %v; reparsing %q: %v", s, got, got.Format(time.RFC3339Nano), err)
			}
			if !back.Equal(got) {
				t.Fatalf("ParseTime(%q) = %v; reparsed as %v", s, got, back)
			}
		}
	})
}
