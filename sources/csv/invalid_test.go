package csv

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/internal/zonetest"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// TestInvalidSamples checks the source's share of samples/invalid: each
// ticket carries exactly the source problem codes its README lists (the
// planner adds the rest), and the good tickets carry none.
func TestInvalidSamples(t *testing.T) {
	dir := filepath.Join("..", "..", "samples", "invalid")
	ts := readAll(t, openDir(t, dir, zonetest.Load(t, "Europe/Berlin"), nil), sources.ReadOptions{})
	want := map[string][]sources.Code{
		"BAD-DATE":       {sources.CodeBadDate},
		"BAD-DSTGAP":     {sources.CodeDSTGap},
		"WARN-DSTAMBIG":  {sources.CodeDSTAmbiguous},
		"BAD-ATTMISSING": {sources.CodeAttachmentMissing},
		"BAD-ATTOUTSIDE": {sources.CodeAttachmentEscape},
		"BAD-DUP":        {sources.CodeDuplicateTicket},
		"BAD-TYPE":       {sources.CodeBadValue},
		"BAD-MSGROW":     {sources.CodeCSVParse},
		"BAD-MALFORMED":  {sources.CodeCSVParse},
		"BAD-UTF8":       {sources.CodeInvalidUTF8},
		"GHOST-1":        {sources.CodeUnknownTicket},
		"WARN-BIG":       {sources.CodeAttachmentMissing}, // until the test creates attachments/large-scan.pdf
	}
	seen := map[string]bool{}
	for _, tk := range ts {
		seen[tk.ID] = true
		got := codes(tk.Problems)
		if !slices.Equal(got, want[tk.ID]) {
			t.Errorf("%s (%s): source problems %q, want %q", tk.ID, tk.Origin, got, want[tk.ID])
		}
	}
	for id := range want {
		if !seen[id] {
			t.Errorf("no ticket %s", id)
		}
	}
	for _, id := range []string{"GOOD-1", "GOOD-2", "BAD-NOSUBJECT", "BAD-NOMESSAGE", "WARN-HTML", "WARN-NOTE", "WARN-EXT"} {
		if !seen[id] {
			t.Errorf("no ticket %s", id)
		}
	}
}
