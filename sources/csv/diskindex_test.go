package csv

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// Past its memory budget the messages.csv index moves to disk, and a read
// gives exactly what it gives in memory: the same tickets, entries and
// problems in the same order, malformed rows, duplicate tickets, messages
// of unknown tickets and skipped threads included; and it leaves no file
// behind.
func TestDiskIndexReadsAsMemory(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"tickets.csv": "id,subject,email,updated\n" +
			"T1,fine,a@example.com,2025-01-02 10:00:00\n" +
			"T2,bare \"quote,b@example.com,2025-01-02 10:00:00\n" +
			"T3,fine,c@example.com,2025-01-02 10:00:00\n" +
			"T1,duplicate,a@example.com,2025-01-02 10:00:00\n" +
			"T6,fine,f@example.com,2025-01-02 10:00:00\n" +
			"T8,held,h@example.com,2025-01-01 09:00:00\n",
		"messages.csv": "ticket_id,id,created,body,attachments\n" +
			"T9,m1,2025-01-01 09:00:00,unknown ticket first,\n" +
			"T1,m1,2025-01-01 10:00:00,one,a.txt\n" +
			"T3,m1,2025-01-01 10:00:00,\"three\"oops,\n" +
			"T6,m1,2025-01-01 10:00:00,six,\n" +
			"T\"7,m1,2025-01-01 10:00:00,lost,\n" +
			",m0,2025-01-01 10:00:00,no ticket id,\n" +
			"T3,m2,2025-01-01 11:00:00,three again,\n" +
			"T8,m1,2025-01-01 09:00:00,held,b.txt\n" +
			"T2,m1,2025-01-01 10:00:00,two,\n" +
			"T9,m2,2025-01-01 12:00:00,unknown again,\n" +
			"T10,m1,2025-01-01 12:00:00,another unknown,\n" +
			"T6,m2,2025-01-01 11:00:00,\"six\nmultiline\",b.txt;a.txt\n" +
			"T1,m2,2025-01-01 12:00:00,one more,\n",
		"a.txt": "file a",
		"b.txt": "file b",
	})
	opts := sources.ReadOptions{Held: &sources.Held{Versions: sources.VersionsOf(map[string]int64{"T8": time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC).Unix()}),
		Settled: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)}}
	read := func(budget int) string {
		s, err := Open(Options{Path: dir, MemoryIndexMessages: budget}, sources.Env{Location: time.UTC})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		b, err := json.MarshalIndent(snapshot(t, readAll(t, s, opts)), "", " ")
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	before, _ := filepath.Glob(filepath.Join(os.TempDir(), "whmcs-migrate-csv-index-*"))
	mem := read(0)
	for _, budget := range []int{1, 3, 5} {
		if disk := read(budget); disk != mem {
			t.Fatalf("budget %d: the disk index reads\n%s\nin memory\n%s", budget, disk, mem)
		}
	}
	after, _ := filepath.Glob(filepath.Join(os.TempDir(), "whmcs-migrate-csv-index-*"))
	if len(after) > len(before) {
		t.Errorf("index files left behind: %v", after)
	}
	for _, want := range []string{`"unknown_ticket"`, `"duplicate_ticket"`, `"csv_parse"`, `"ThreadSkipped": true`,
		`"T6/m2/b.txt (6 bytes, cid \"\"): file b",
  "T6/m2/a.txt (6 bytes, cid \"\"): file a"`} {
		if !strings.Contains(mem, want) {
			t.Errorf("the file does not exercise %s:\n%s", want, mem)
		}
	}
}

// snapshot is the tickets as JSON can encode them (not a func, even a nil
// one): each entry's attachments become lines in Files, in order, with
// their size, content id and the bytes read through Open.
func snapshot(t testing.TB, ts []*sources.Ticket) any {
	t.Helper()
	var files []string
	for _, tk := range ts {
		for i := range tk.Entries {
			e := &tk.Entries[i]
			for _, a := range e.Attachments {
				rc, err := a.Open()
				if err != nil {
					t.Fatal(err)
				}
				b, err := io.ReadAll(rc)
				if cerr := rc.Close(); err == nil {
					err = cerr
				}
				if err != nil {
					t.Fatal(err)
				}
				files = append(files, fmt.Sprintf("%s/%s/%s (%d bytes, cid %q): %s", tk.ID, e.ID, a.Name, a.Size, a.ContentID, b))
			}
			e.Attachments = nil
		}
	}
	return struct {
		Tickets []*sources.Ticket
		Files   []string
	}{ts, files}
}
