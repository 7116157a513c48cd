package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var ansiRE = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)

// renderedWidths is the width of each line the bar drew into b: the
// segments between \r and \n, ANSI sequences left out.
func renderedWidths(b string) []int {
	var ws []int
	for _, seg := range strings.FieldsFunc(b, func(r rune) bool { return r == '\r' || r == '\n' }) {
		ws = append(ws, utf8.RuneCountInString(ansiRE.ReplaceAllString(seg, "")))
	}
	return ws
}

// The progress line, rendered, fits 80 columns at the worst: a million
// tickets, the longest description, the ETA in hours; and its bar keeps
// its width.
func TestProgressLineFits80Columns(t *testing.T) {
	var b bytes.Buffer
	bar := newBar(&b, 1_000_000)
	desc := barDescription(2*time.Hour, 999_999, 99_999_999, "256 at once")
	if len(desc) > maxBarDesc {
		t.Fatalf("description %q is %d long", desc, len(desc))
	}
	bar.Describe(desc)
	if err := bar.Set(999_999); err != nil {
		t.Fatal(err)
	}
	time.Sleep(250 * time.Millisecond) // past the throttle
	bar.Describe(desc)
	_ = bar.Add(0)
	ws := renderedWidths(b.String())
	if len(ws) == 0 {
		t.Fatal("the bar drew nothing")
	}
	// The ETA drawn here is [0s:0s]; a long run's, [2h46m40s:2h46m40s],
	// is longer by this much.
	eta := len("[2h46m40s:2h46m40s]") - len("[0s:0s]")
	if !strings.Contains(b.String(), "[0s:0s]") {
		t.Fatalf("no ETA in %q", b.String())
	}
	for i, w := range ws {
		if w+eta > barColumns {
			t.Errorf("rendered line %d is %d columns (%d with a long ETA), more than %d", i, w, w+eta, barColumns)
		}
	}
	if !strings.Contains(b.String(), "|"+strings.Repeat("█", barWidth-1)) {
		t.Errorf("the bar shrank: %q", b.String())
	}
}

// Rates are not shown until the run has warmed up: the first tick's
// "64725 tickets/s" measured nothing.
func TestProgressRatesStartSane(t *testing.T) {
	if d := barDescription(5*time.Millisecond, 1, 3, "4 at once"); d != "tickets" {
		t.Errorf("first tick: %q, want no rate", d)
	}
	if d := barDescription(10*time.Second, 3, 30, "4 at once"); d != "tickets" {
		t.Errorf("3 tickets: %q, want no rate", d)
	}
	if d := barDescription(10*time.Second, 31, 93, "4 at once"); d != "3.1 t/s 9 calls/s 4 at once" {
		t.Errorf("warmed up: %q", d)
	}
	if d := barDescription(10*time.Second, 31, 93, ""); d != "3.1 t/s 9 calls/s" {
		t.Errorf("no limit: %q", d)
	}
}
