package csv

import (
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/sources/sourcetest"
)

func TestSmoke(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"tickets.csv":  "id,subject,department,email\nT1,Hello,Sales,a@example.com\nT2,World,Sales,b@example.com\n",
		"messages.csv": "ticket_id,id,created,body,attachments\nT2,m1,2025-01-01 10:00:00,\"hi, there\",f.txt\nT1,m2,2025-01-01 11:00:00,one,\nT2,m3,1735725600,two,\n",
		"f.txt":        "file",
	})
	ts := readAll(t, openDir(t, dir, time.UTC, nil), sources.ReadOptions{})
	if len(ts) != 2 || ts[0].ID != "T1" || ts[1].ID != "T2" {
		t.Fatalf("got %d tickets", len(ts))
	}
	if len(ts[1].Entries) != 2 || ts[1].Entries[0].Body != "hi, there" || ts[1].Entries[1].ID != "m3" {
		t.Fatalf("T2 entries: %+v", ts[1].Entries)
	}
	for _, tk := range ts {
		if len(tk.Problems) != 0 {
			t.Errorf("%s: %v", tk.ID, tk.Problems)
		}
	}
	sourcetest.Run(t, func(t *testing.T) sources.Source { return openDir(t, dir, time.UTC, nil) })
}
