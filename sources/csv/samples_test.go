package csv

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/internal/zonetest"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/sources/sourcetest"
)

var samplesDir = filepath.Join("..", "..", "samples", "csv")

// openSamples opens the demo data set as samples/csv.yaml does, its
// custom-field columns mapped.
func openSamples(t testing.TB) *Source {
	t.Helper()
	s, err := Open(Options{Path: samplesDir}, sources.Env{Location: zonetest.Load(t, "Europe/Berlin"), Fields: []string{"plan", "server"}})
	if err != nil {
		t.Fatalf("open %s: %v", samplesDir, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestSamplesConform runs the conformance suite on the demo data set.
func TestSamplesConform(t *testing.T) {
	sourcetest.Run(t, func(t *testing.T) sources.Source { return openSamples(t) })
}

// TestSamplesValid: the demo data set has no problems at all, and holds
// what samples/README.md promises.
func TestSamplesValid(t *testing.T) {
	ts := readAll(t, openSamples(t), sources.ReadOptions{})
	if len(ts) < 55 || len(ts) > 65 {
		t.Errorf("%d tickets, want about 60", len(ts))
	}
	kinds := map[sources.EntryKind]int{}
	formats := map[sources.Format]int{}
	statuses, depts := map[string]bool{}, map[string]bool{}
	atts, cc, clientID := 0, 0, 0
	var minT, maxT time.Time
	berlin := zonetest.Load(t, "Europe/Berlin")
	dstSpan := false
	for _, tk := range ts {
		for _, p := range tk.Problems {
			t.Errorf("%v", p)
		}
		statuses[tk.Status] = true
		depts[tk.Department] = true
		if len(tk.CC) > 0 {
			cc++
		}
		if tk.ClientID != 0 {
			clientID++
		}
		if len(tk.Entries) == 0 {
			t.Errorf("%s has no entries", tk.ID)
		}
		var prevOff int
		for i, e := range tk.Entries {
			kinds[e.Kind]++
			formats[e.Format]++
			atts += len(e.Attachments)
			if e.Created.IsZero() || e.Body == "" {
				t.Errorf("%s entry %s: no date or body", tk.ID, e.ID)
			}
			if minT.IsZero() || e.Created.Before(minT) {
				minT = e.Created
			}
			if e.Created.After(maxT) {
				maxT = e.Created
			}
			_, off := e.Created.In(berlin).Zone()
			if i > 0 && off != prevOff {
				dstSpan = true
			}
			prevOff = off
		}
	}
	for _, s := range []string{"new", "answered", "waiting", "resolved", "pending", "in progress", "Closed", ""} {
		if !statuses[s] {
			t.Errorf("no ticket with status %q", s)
		}
	}
	if len(depts) < 3 || kinds[sources.CustomerReply] == 0 || kinds[sources.StaffReply] == 0 || kinds[sources.Note] == 0 {
		t.Errorf("departments %v, kinds %v", depts, kinds)
	}
	if formats[sources.Text] == 0 || formats[sources.Markdown] == 0 || formats[sources.HTML] == 0 {
		t.Errorf("formats %v", formats)
	}
	if atts < 5 || cc == 0 || clientID == 0 || !dstSpan {
		t.Errorf("attachments %d, tickets with cc %d, with client_id %d, a thread across a DST change: %v", atts, cc, clientID, dstSpan)
	}
	if minT.Year() < 2024 || maxT.Year() > 2025 {
		t.Errorf("dates span %v .. %v, want 2024-2025", minT, maxT)
	}
}
