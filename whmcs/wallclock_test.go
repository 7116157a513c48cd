package whmcs

import (
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/internal/zonetest"
)

// In the hour repeated when clocks go back, WHMCS's wall clock reads back
// as the earlier instant: the later one is still the same wall second.
func TestSameWallSecond(t *testing.T) {
	chicago := zonetest.Load(t, "America/Chicago")
	first := time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC).In(chicago)  // 01:30 CDT
	second := time.Date(2026, 11, 1, 7, 30, 0, 0, time.UTC).In(chicago) // 01:30 CST
	if first.Hour() != 1 || second.Hour() != 1 {
		t.Fatalf("setup: %v and %v are not both 01:30", first, second)
	}
	for _, tt := range []struct {
		w, t time.Time
		want bool
	}{
		{first, first, true},
		{first, second.UTC(), true},                      // the repeated hour, as WHMCS holds it
		{first, first.Add(time.Second), false},           // another second
		{first, first.Add(500 * time.Millisecond), true}, // to the second
		{first, second.Add(time.Hour), false},
	} {
		if got := SameWallSecond(tt.w, tt.t); got != tt.want {
			t.Errorf("SameWallSecond(%v, %v) = %v, want %v", tt.w, tt.t, got, tt.want)
		}
	}
}
