package csv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// writeDir writes files (name -> content) into a new temporary directory.
func writeDir(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func openDir(t testing.TB, dir string, loc *time.Location, cols map[string]string) *Source {
	t.Helper()
	s, err := Open(Options{Path: dir, Columns: cols}, sources.Env{Location: loc})
	if err != nil {
		t.Fatalf("open %s: %v", dir, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// readAll reads one pass, failing on a stream error.
func readAll(t testing.TB, s *Source, opts sources.ReadOptions) []*sources.Ticket {
	t.Helper()
	var out []*sources.Ticket
	for tk, err := range s.Tickets(context.Background(), opts) {
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		out = append(out, tk)
	}
	return out
}

func byID(ts []*sources.Ticket) map[string]*sources.Ticket {
	m := map[string]*sources.Ticket{}
	for _, t := range ts {
		m[t.ID] = t
	}
	return m
}

func codes(ps []sources.Problem) []sources.Code {
	var cs []sources.Code
	for _, p := range ps {
		cs = append(cs, p.Code)
	}
	return cs
}

// idCodes renders a ticket id and its problem codes as "id:[code code]".
func idCodes(id string, cs ...sources.Code) string {
	return id + ":" + fmt.Sprint(cs)
}
