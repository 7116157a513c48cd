package whmcs

import "time"

// SameWallSecond reports whether w, a date read back from WHMCS (in the
// server's zone), shows the instant t to the second. WHMCS keeps wall-clock
// times, so an instant in the hour repeated when clocks go back reads back
// as the earlier of the two instants with that wall clock: compare what
// WHMCS can hold, the wall clock.
func SameWallSecond(w, t time.Time) bool {
	if w.Unix() == t.Unix() {
		return true
	}
	t = t.In(w.Location())
	y1, m1, d1 := w.Date()
	y2, m2, d2 := t.Date()
	h1, n1, s1 := w.Clock()
	h2, n2, s2 := t.Clock()
	return y1 == y2 && m1 == m2 && d1 == d2 && h1 == h2 && n1 == n2 && s1 == s2
}
