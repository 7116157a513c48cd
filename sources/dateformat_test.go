package sources

import (
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/internal/zonetest"
)

func TestParseTimeMinutes(t *testing.T) {
	berlin := zonetest.Load(t, "Europe/Berlin")
	for in, want := range map[string]string{
		"2024-02-03 22:15":       "2024-02-03T21:15:00Z",
		"2024-02-03T22:15":       "2024-02-03T21:15:00Z",
		"2024-02-03T22:15Z":      "2024-02-03T22:15:00Z",
		"2024-02-03 22:15+02:00": "2024-02-03T20:15:00Z",
		"2024-02-03T22:15-0500":  "2024-02-04T03:15:00Z",
	} {
		got, _, err := ParseTime(in, berlin)
		if err != nil {
			t.Errorf("ParseTime(%q): %v", in, err)
			continue
		}
		if g := got.UTC().Format(time.RFC3339); g != want {
			t.Errorf("ParseTime(%q) = %s, want %s", in, g, want)
		}
	}
	if !NeedsZone("2024-02-03 22:15") || NeedsZone("2024-02-03 22:15Z") {
		t.Error("NeedsZone: a minute-precision date without an offset needs a zone; one with Z does not")
	}
	for _, bad := range []string{"2024-02-03 22:1", "2024-02-03 22:15.5", "2024-02-03 2:15", "2024-02-03 22:15x"} {
		if _, _, err := ParseTime(bad, berlin); err == nil {
			t.Errorf("ParseTime(%q) accepted", bad)
		}
	}
}

func TestDateFormat(t *testing.T) {
	berlin := zonetest.Load(t, "Europe/Berlin")
	cases := []struct{ format, in, want string }{
		{"%d/%m/%Y %H:%M:%S", "03/02/2024 22:15:09", "2024-02-03T21:15:09Z"},
		{"%d/%m/%Y %H:%M:%S", "3/2/2024 22:15:09", "2024-02-03T21:15:09Z"},
		{"%m/%d/%Y %I:%M %p", "10/01/2024 09:00 PM", "2024-10-01T19:00:00Z"},
		{"%m/%d/%Y %I:%M %p", "10/01/2024 09:00 AM", "2024-10-01T07:00:00Z"},
		{"%b %d, %Y %H:%M", "Feb 3, 2024 22:20", "2024-02-03T21:20:00Z"},
		{"%b %d, %Y %I:%M %p", "Feb 3, 2024 10:20 PM", "2024-02-03T21:20:00Z"},
		{"%d.%m.%Y %H:%M %z", "03.02.2024 22:15 +0000", "2024-02-03T22:15:00Z"},
		// ParseTime's forms still read, never ambiguous.
		{"%d/%m/%Y %H:%M:%S", "2024-02-03T22:15:09Z", "2024-02-03T22:15:09Z"},
	}
	for _, c := range cases {
		f, err := ParseDateFormat(c.format)
		if err != nil {
			t.Fatalf("ParseDateFormat(%q): %v", c.format, err)
		}
		got, _, err := f.Parse(c.in, berlin)
		if err != nil {
			t.Errorf("%q.Parse(%q): %v", c.format, c.in, err)
			continue
		}
		if g := got.UTC().Format(time.RFC3339); g != c.want {
			t.Errorf("%q.Parse(%q) = %s, want %s", c.format, c.in, g, c.want)
		}
	}
	f, _ := ParseDateFormat("%d/%m/%Y %H:%M")
	if !f.NeedsZone("03/02/2024 22:15") {
		t.Error("a date the format reads without an offset needs a zone")
	}
	if z, _ := ParseDateFormat("%d/%m/%Y %H:%M %z"); z.NeedsZone("03/02/2024 22:15 +0100") {
		t.Error("a date the format reads with an offset needs no zone")
	}
	if _, _, err := f.Parse("2024/02/03 22:15", berlin); err == nil || !strings.Contains(err.Error(), "date_format") {
		t.Errorf("a value the format does not read: %v, want an error naming date_format", err)
	}
	// The DST rules hold for a format's wall-clock times.
	if _, _, err := f.Parse("31/03/2024 02:30", berlin); err == nil {
		t.Error("a wall-clock time in the DST gap was accepted")
	}
	if _, w, err := f.Parse("27/10/2024 02:30", berlin); err != nil || w == "" {
		t.Errorf("a repeated hour: warning %q, err %v; want a warning", w, err)
	}
	for _, bad := range []string{"%Y-%m-%d %Q", "%H:%M", "%d/%m %H:%M", "%d/%m/%Y %k"} {
		if _, err := ParseDateFormat(bad); err == nil {
			t.Errorf("ParseDateFormat(%q) accepted", bad)
		}
	}
	if z, err := ParseDateFormat(""); err != nil || !z.IsZero() {
		t.Errorf("ParseDateFormat(\"\") = %v, %v; want the zero format", z, err)
	}
}

func TestLocalHint(t *testing.T) {
	for _, in := range []string{"03/02/2024 22:15:09", "10/01/2024 09:00", "3.2.2024", "Feb 3, 2024 10:20 PM"} {
		if h := LocalHint(in, "source.date_format"); !strings.Contains(h, "source.date_format") {
			t.Errorf("LocalHint(%q) = %q, want the option named", in, h)
		}
	}
	for _, in := range []string{"yesterday", "2024/02/03", ""} {
		if h := LocalHint(in, "source.date_format"); h != "" {
			t.Errorf("LocalHint(%q) = %q, want none", in, h)
		}
	}
}

// FuzzDateFormat: a format's Parse never panics, returns nothing with an
// error, and what it reads survives a round trip through RFC 3339.
func FuzzDateFormat(f *testing.F) {
	for _, s := range [][2]string{
		{"%d/%m/%Y %H:%M:%S", "03/02/2024 22:15:09"}, {"%m/%d/%Y %I:%M %p", "10/01/2024 09:00 PM"},
		{"%b %d, %Y %H:%M", "Feb 3, 2024 22:20"}, {"%d/%m/%Y %H:%M", "31/03/2024 02:30"},
		{"%d.%m.%Y %H:%M %z", "03.02.2024 22:15 +0100"}, {"%Y%m%d", "20240203"}, {"%d %Q", "x"},
	} {
		f.Add(s[0], s[1])
	}
	berlin := zonetest.Load(f, "Europe/Berlin")
	f.Fuzz(func(t *testing.T, format, s string) {
		df, err := ParseDateFormat(format)
		if err != nil {
			return
		}
		got, warning, err := df.Parse(s, berlin)
		if err != nil {
			if !got.IsZero() || warning != "" {
				t.Fatalf("Parse(%q, %q) returned %v, %q with error %v", format, s, got, warning, err)
			}
			return
		}
		if y := got.UTC().Year(); y < 1 || y > 9999 {
			return
		}
		back, _, err := ParseTime(got.UTC().Format(time.RFC3339Nano), berlin)
		if err != nil || !back.Equal(got) {
			t.Fatalf("Parse(%q, %q) = %v; reparsed as %v, %v", format, s, got, back, err)
		}
	})
}
