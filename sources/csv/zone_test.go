package csv

import (
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// TestNoZone: without source.timezone a date without an offset is never
// read as UTC: it is a bad_date error of its ticket naming
// source.timezone; dates with an offset (or Unix seconds) need no zone;
// with the zone given the same date is read in it.
func TestNoZone(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"tickets.csv":  "id,subject,email,created\nT1,Local,a@example.com,2025-01-01 10:00:00\nT2,Offset,b@example.com,2025-01-01T10:00:00+02:00\n",
		"messages.csv": "ticket_id,body,created\nT1,hi,2025-01-01 10:00:00\nT2,hello,2025-01-01T10:00:00Z\nT2,again,1735732800\n",
	})
	read := func(loc *time.Location) map[string]*sources.Ticket {
		s, err := Open(Options{Path: dir}, sources.Env{Location: loc})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		m := map[string]*sources.Ticket{}
		for _, tk := range readAll(t, s, sources.ReadOptions{}) {
			m[tk.ID] = tk
		}
		return m
	}
	m := read(nil)
	var bad []sources.Problem
	for _, p := range m["T1"].Problems {
		if p.Code == sources.CodeBadDate && p.Severity == sources.Error {
			bad = append(bad, p)
		}
	}
	if len(bad) == 0 || !strings.Contains(bad[0].Message, "source.timezone") {
		t.Fatalf("T1 without a zone: want a bad_date error naming source.timezone, got %+v", m["T1"].Problems)
	}
	if !m["T1"].Created.IsZero() {
		t.Fatalf("T1's date was read in a default zone: %v", m["T1"].Created)
	}
	if len(m["T2"].Problems) != 0 || !m["T2"].Created.Equal(time.Date(2025, 1, 1, 8, 0, 0, 0, time.UTC)) {
		t.Fatalf("T2 (offsets only) needs no zone: %v %+v", m["T2"].Created, m["T2"].Problems)
	}

	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Skip(err)
	}
	m = read(chicago)
	if len(m["T1"].Problems) != 0 || !m["T1"].Created.Equal(time.Date(2025, 1, 1, 16, 0, 0, 0, time.UTC)) {
		t.Fatalf("T1 in Chicago: %v %+v", m["T1"].Created, m["T1"].Problems)
	}
}
