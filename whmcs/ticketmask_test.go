package whmcs

import (
	"math"
	"testing"
)

func TestTicketMaskNumbers(t *testing.T) {
	for _, c := range []struct {
		mask             TicketMask
		n                float64
		unlimited, dated bool
	}{
		{DefaultTicketMask, 900_000, false, false},
		{"%n%n%n%n%n%n%n", 9_000_000, false, false},
		{"%n", 9, false, false},
		{"T-%A%n%n", 26 * 9 * 10, false, false},
		{"%y%m%d-%n%n%n", 900, false, true},
		{"%y%m%d-%i", math.Inf(1), true, true},
		{"%i", math.Inf(1), true, false},
		{"ABC", 1, false, false},
	} {
		n, unlimited, dated := c.mask.Numbers()
		if n != c.n || unlimited != c.unlimited || dated != c.dated {
			t.Errorf("%q: %v %v %v, want %v %v %v", c.mask, n, unlimited, dated, c.n, c.unlimited, c.dated)
		}
	}
	if TicketMask("%n%n%n%n%n%n%n%n").Check() == nil || TicketMask("").Check() == nil || DefaultTicketMask.Check() != nil {
		t.Error("Check")
	}
}
