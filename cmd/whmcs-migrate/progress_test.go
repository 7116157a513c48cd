package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/importer"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/policy"
)

// A run's progress counts this run's work: after a resume, not the
// tickets the checkpoint holds; with --limit, no more than the limit.
func TestWorkTotal(t *testing.T) {
	for _, tc := range []struct{ total, imported, limit, want int }{
		{3000, 0, 0, 3000},
		{3000, 1200, 0, 1800}, // a resume: 1,200 already imported
		{3000, 1200, 20, 20},  // --limit 20
		{3000, 2990, 20, 10},  // fewer left than the limit
		{-1, 0, 0, -1},        // the source cannot count
		{-1, 0, 50, 50},
		{100, 120, 0, 0}, // tickets deleted at the source
	} {
		if got := workTotal(tc.total, tc.imported, tc.limit); got != tc.want {
			t.Errorf("workTotal(%d, %d, %d) = %d, want %d", tc.total, tc.imported, tc.limit, got, tc.want)
		}
	}
}

// Unchanged tickets (skipped in no time after a resume) do not advance the
// progress, nor make its rate; the log lines say the work done of the
// work to do, and the rate with one decimal.
func TestProgressCountsThisRunsWork(t *testing.T) {
	var logs bytes.Buffer
	a := &app{log: slog.New(slog.NewTextHandler(&logs, nil))}
	p := newProgress(&bytes.Buffer{}, 5, policy.Count(whmcs.CallerFunc(func(context.Context, whmcs.Request, any) error { return nil }), policy.NewStats()), a, true)
	p.every = 0
	for range 50 {
		p.ticket(importer.TicketResult{Outcome: importer.Unchanged})
	}
	for range 5 {
		p.ticket(importer.TicketResult{Outcome: importer.Imported})
	}
	p.ticket(importer.TicketResult{Outcome: importer.Updated}) // one more than foreseen
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 6 || !strings.Contains(lines[0], "tickets_done=1 tickets_total=5") ||
		!strings.Contains(lines[5], "tickets_done=6 tickets_total=6") {
		t.Fatalf("progress log:\n%s", logs.String())
	}
	if got := perSecond(10, 3*time.Second); got != 3.3 {
		t.Errorf("perSecond(10, 3s) = %v, want 3.3", got)
	}
}
