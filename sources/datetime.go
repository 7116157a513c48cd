package sources

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrDSTGap is matched (errors.Is) by the error ParseTime returns for a
// local time that does not exist in its zone because the clocks jumped
// forward over it.
var ErrDSTGap = errors.New("local time in a DST gap")

// gapError is ParseTime's error for a local time in a DST gap.
type gapError struct {
	value string
	zone  string
}

func (e *gapError) Error() string {
	return fmt.Sprintf("%s does not exist in %s (DST gap)", e.value, e.zone)
}

func (e *gapError) Is(target error) bool { return target == ErrDSTGap }

// maxUnix bounds Unix seconds: 1e11 is the year 5138. A larger all-digit
// value is most likely milliseconds, which would silently land in the far
// future.
const maxUnix = 1e11

// offsetLayouts are the accepted forms with an explicit offset. Go accepts a
// fractional second after the seconds field even when the layout has none.
var offsetLayouts = []string{
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05Z07",
}

// localLayout is the accepted form without an offset (after the date/time
// separator is normalised to "T").
const localLayout = "2006-01-02T15:04:05"

// ParseTime reads a timestamp in one of the forms sources meet:
//
//   - RFC 3339 / ISO 8601 with an offset or Z, with or without fractional
//     seconds ("2025-03-30T01:30:00Z", "2025-03-30 03:30:00.25+02:00",
//     "2025-03-30T03:30:00+0200");
//   - "YYYY-MM-DD HH:MM:SS" or "YYYY-MM-DDTHH:MM:SS" (optionally with
//     fractional seconds), a wall-clock time in loc (UTC when nil);
//   - the same to the minute ("YYYY-MM-DD HH:MM", a spreadsheet's
//     default, or "YYYY-MM-DDTHH:MM" with or without an offset), read
//     with seconds 00;
//   - Unix seconds (digits only).
//
// A wall-clock time that does not exist in loc (skipped by a DST change) is
// an error matching ErrDSTGap. One that exists twice (the hour repeated when
// clocks go back) resolves to the earlier instant and returns a non-empty
// warning saying so. Surrounding spaces are ignored; an empty s is an error.
func ParseTime(s string, loc *time.Location) (t time.Time, warning string, err error) {
	if loc == nil {
		loc = time.UTC
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, "", errors.New("empty time")
	}
	if allDigits(s) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n >= maxUnix {
			return time.Time{}, "", fmt.Errorf("unix time %s out of range (milliseconds are not accepted)", s)
		}
		return time.Unix(n, 0).In(loc), "", nil
	}
	norm := normalize(s)
	if !wellFormed(norm) {
		return time.Time{}, "", fmt.Errorf("cannot parse time %q (want %s)", s, DefaultForms)
	}
	if hasOffset(norm) {
		for _, layout := range offsetLayouts {
			if t, err := time.Parse(layout, norm); err == nil {
				return t, "", nil
			}
		}
		return time.Time{}, "", fmt.Errorf("cannot parse time %q (want %s)", s, DefaultForms)
	}
	wall, err := time.Parse(localLayout, norm)
	if err != nil {
		return time.Time{}, "", fmt.Errorf("cannot parse time %q (want %s)", s, DefaultForms)
	}
	return resolveLocal(s, wall, loc)
}

// NeedsZone reports whether ParseTime reads s as a wall-clock time, whose
// instant depends on the zone it is given: a date without an offset. A
// date with an offset or Z, Unix seconds, and what ParseTime cannot read
// need none.
func NeedsZone(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" || allDigits(s) {
		return false
	}
	s = normalize(s)
	return wellFormed(s) && !hasOffset(s)
}

// DefaultForms names the forms ParseTime reads, for messages.
const DefaultForms = "RFC 3339, YYYY-MM-DD HH:MM[:SS] or Unix seconds"

// normalize rewrites the date/time separator to "T", a trailing "z" to "Z",
// and a minute-precision time ("YYYY-MM-DDTHH:MM", then the end, an offset
// or Z) to seconds 00. What is not of that shape is returned as it is.
func normalize(s string) string {
	if len(s) > 10 && (s[10] == ' ' || s[10] == 't') {
		s = s[:10] + "T" + s[11:]
	}
	if strings.HasSuffix(s, "z") {
		s = s[:len(s)-1] + "Z"
	}
	const minute = "dddd-dd-ddTdd:dd"
	if len(s) >= len(minute) && shaped(s, minute) {
		if len(s) == len(minute) || s[16] == 'Z' || s[16] == '+' || s[16] == '-' {
			s = s[:16] + ":00" + s[16:]
		}
	}
	return s
}

// resolveLocal finds the instants whose wall clock in loc is wall's (read as
// UTC fields). Zero instants is a DST gap; two is an overlap.
func resolveLocal(s string, wall time.Time, loc *time.Location) (time.Time, string, error) {
	u := wall.Unix() // the wall clock read as if it were UTC
	// Candidate offsets: those in force a day either side and at u, and the
	// one time.Date picks. Zones change offset at most once in a day.
	var offsets []int
	addOffset := func(t time.Time) {
		_, off := t.In(loc).Zone()
		for _, o := range offsets {
			if o == off {
				return
			}
		}
		offsets = append(offsets, off)
	}
	addOffset(time.Unix(u-86400, 0))
	addOffset(time.Unix(u, 0))
	addOffset(time.Unix(u+86400, 0))
	addOffset(time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), 0, loc))

	var found []time.Time
	for _, off := range offsets {
		c := time.Unix(u-int64(off), int64(wall.Nanosecond())).In(loc)
		if _, cOff := c.Zone(); cOff != off {
			continue
		}
		dup := false
		for _, f := range found {
			dup = dup || f.Equal(c)
		}
		if !dup {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 0:
		return time.Time{}, "", &gapError{value: s, zone: loc.String()}
	case 1:
		return found[0], "", nil
	}
	earliest := found[0]
	for _, f := range found[1:] {
		if f.Before(earliest) {
			earliest = f
		}
	}
	warning := fmt.Sprintf("%s is ambiguous in %s (DST overlap); took the earlier instant %s",
		s, loc, earliest.Format(time.RFC3339))
	return earliest, warning, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// wellFormed reports whether s starts "YYYY-MM-DDTHH:MM:SS" with every
// digit present (time.Parse alone would take a one-digit hour).
func wellFormed(s string) bool {
	const shape = "dddd-dd-ddTdd:dd:dd"
	return len(s) >= len(shape) && shaped(s, shape)
}

// shaped reports whether s starts with shape, where 'd' is any digit and
// every other byte itself. s must be at least as long as shape.
func shaped(s, shape string) bool {
	for i := 0; i < len(shape); i++ {
		if shape[i] == 'd' {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		} else if s[i] != shape[i] {
			return false
		}
	}
	return true
}

// hasOffset reports whether the time part (after "YYYY-MM-DDT") ends in Z or
// carries a +/- offset.
func hasOffset(s string) bool {
	if len(s) <= 11 {
		return false
	}
	rest := s[11:]
	return strings.HasSuffix(rest, "Z") || strings.ContainsAny(rest, "+-")
}
