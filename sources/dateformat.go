package sources

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ncruces/go-strftime"
)

// DateFormat is a source's own date layout (the CSV source's
// source.date_format), a strftime format such as "%d/%m/%Y %H:%M:%S",
// "%m/%d/%Y %I:%M %p" or "%b %d, %Y %H:%M". The zero DateFormat reads
// only ParseTime's forms. Day-first and month-first dates are read only
// through one: "03/02/2024" is never guessed.
type DateFormat struct {
	spec   string // as configured
	offset bool   // the format carries a UTC offset (%z, %:z)
}

// ParseDateFormat checks a strftime format: its specifiers must be ones Go
// can parse (%Y %m %d %H %M %S %I %p %b %B %y %e %j %z %:z %a %A, %f and
// literals), and it must carry a year, a month and a day. "" is the zero DateFormat.
func ParseDateFormat(spec string) (DateFormat, error) {
	if strings.TrimSpace(spec) == "" {
		return DateFormat{}, nil
	}
	// Parsing "" fails either on the format (a specifier Go cannot
	// parse) or, the format being good, as a *time.ParseError.
	var pe *time.ParseError
	if _, err := strftime.Parse(spec, ""); err != nil && !errors.As(err, &pe) {
		return DateFormat{}, fmt.Errorf("%q is not a strftime format this tool can read: %w", spec, err)
	}
	has := func(specs ...string) bool {
		return slices.ContainsFunc(specs, func(x string) bool { return strings.Contains(spec, x) })
	}
	if !has("%Y", "%y") || !has("%d", "%-d", "%e", "%j") || !has("%m", "%-m", "%b", "%B", "%h", "%j") {
		return DateFormat{}, fmt.Errorf("%q lacks a year (%%Y), a month (%%m, %%b) or a day (%%d)", spec)
	}
	return DateFormat{spec: spec, offset: strings.Contains(spec, "%z") || strings.Contains(spec, "%:z")}, nil
}

// String is the format as configured.
func (f DateFormat) String() string { return f.spec }

// IsZero reports whether f is the zero DateFormat (ParseTime's forms only).
func (f DateFormat) IsZero() bool { return f.spec == "" }

// Parse reads s with the format, else (for an export that mixes them) with
// ParseTime's forms, which are never ambiguous. A value the format reads
// without an offset is a wall-clock time in loc (UTC when nil), with
// ParseTime's rules for DST gaps and overlaps. The zero DateFormat is
// ParseTime.
func (f DateFormat) Parse(s string, loc *time.Location) (time.Time, string, error) {
	if f.spec == "" {
		return ParseTime(s, loc)
	}
	if loc == nil {
		loc = time.UTC
	}
	v := strings.TrimSpace(s)
	t, err := strftime.Parse(f.spec, v)
	if err != nil {
		if t, warning, err2 := ParseTime(s, loc); err2 == nil {
			return t, warning, nil
		}
		return time.Time{}, "", fmt.Errorf("cannot parse time %q with date_format %q (nor as %s)", v, f.spec, DefaultForms)
	}
	if f.offset {
		return t, "", nil
	}
	return resolveLocal(v, t, loc)
}

// NeedsZone reports whether Parse reads s as a wall-clock time, whose
// instant depends on the zone: one the format reads and that carries no
// offset, or one of ParseTime's that NeedsZone says so of.
func (f DateFormat) NeedsZone(s string) bool {
	if f.spec == "" {
		return NeedsZone(s)
	}
	if _, err := strftime.Parse(f.spec, strings.TrimSpace(s)); err == nil {
		return !f.offset
	}
	return NeedsZone(s)
}

// LocalHint returns, for a value ParseTime cannot read, a hint naming
// option when the value looks like a date written the local way: digits
// with slashes, dots or dashes ("03/02/2024", which could be day-first or
// month-first and is never guessed), or a month's name ("Feb 3, 2024").
// Only a date format reads those. "" otherwise.
func LocalHint(s, option string) string {
	s = strings.TrimSpace(s)
	head, _, _ := strings.Cut(s, " ")
	if parts := strings.FieldsFunc(head, func(r rune) bool { return r == '/' || r == '.' || r == '-' }); len(parts) == 3 &&
		allDigits(parts[0]) && allDigits(parts[1]) && allDigits(parts[2]) && len(parts[0]) <= 2 && len(parts[1]) <= 2 {
		return fmt.Sprintf("%q could be day-first or month-first and is never guessed: set %s "+
			"(e.g. \"%%d/%%m/%%Y %%H:%%M\" or \"%%m/%%d/%%Y %%I:%%M %%p\")", s, option)
	}
	lower := strings.ToLower(s)
	for _, m := range []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"} {
		if strings.Contains(lower, m) {
			return fmt.Sprintf("%q names its month: set %s (e.g. \"%%b %%d, %%Y %%I:%%M %%p\")", s, option)
		}
	}
	return ""
}
