package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
)

// The progress bar's line fits an 80-column terminal, whatever the
// counts: the bar has a fixed width (it never shrinks to || and wraps),
// the description is bounded (barDescription), and the bar shows no
// ticket rate of its own (progressbar's, from the first tick, read
// "64725 tickets/s"). The rates appear once warmUp has passed and
// warmUpTickets were done: before that they measure nothing but the
// first calls.
const (
	barColumns    = 80
	barWidth      = 8
	maxBarDesc    = 27 // "3.1 t/s 9 calls/s 4 at once"
	warmUp        = 3 * time.Second
	warmUpTickets = 10
)

// newBar is run's, verify's and demo's progress bar on w: "DESC  50%
// |████████        | (1000/2000) [10s:10s]".
func newBar(w io.Writer, total int) *progressbar.ProgressBar {
	return progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("tickets"),
		progressbar.OptionSetWidth(barWidth),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
}

// barDescription is the bar's description after elapsed, done tickets
// and calls: "tickets" while warming up, then the rates and limit
// ("3.1 t/s 45 calls/s 9 at once"), at most maxBarDesc characters (the
// limit left out first, then the ticket rate).
func barDescription(elapsed time.Duration, done, calls int64, limit string) string {
	if elapsed < warmUp || done < warmUpTickets {
		return "tickets"
	}
	s := elapsed.Seconds()
	tr := fmt.Sprintf("%.1f t/s", float64(done)/s)
	cr := fmt.Sprintf("%.0f calls/s", float64(calls)/s)
	for _, d := range []string{tr + " " + cr + " " + limit, tr + " " + cr, cr} {
		if d = strings.TrimSpace(d); len(d) <= maxBarDesc {
			return d
		}
	}
	return cr[:maxBarDesc]
}
