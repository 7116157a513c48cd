// Package zonetest loads time zones for tests, in one place.
//
// It embeds the IANA database (time/tzdata), so a zone loads even on a
// machine without /usr/share/zoneinfo: tests that need America/Chicago
// fail loudly on a bad name instead of skipping quietly. Only tests import
// it.
package zonetest

import (
	"testing"
	"time"
	_ "time/tzdata" // a fallback when the system has no zoneinfo
)

// Load returns the zone named name ("America/Chicago"), failing the test
// when it cannot be loaded.
func Load(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		tb.Fatalf("load time zone %s: %v", name, err)
	}
	return loc
}

// Must returns the zone named name and panics when it cannot be loaded,
// for package-level variables: var chicago = zonetest.Must("America/Chicago").
func Must(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic("testzone: " + err.Error())
	}
	return loc
}
