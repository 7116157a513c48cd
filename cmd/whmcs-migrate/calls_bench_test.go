package main

import (
	"bytes"
	"context"
	stdcsv "encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// countedSandbox serves sb behind a handler that counts every API request
// it receives, answered or refused: the calls the run cost WHMCS.
func countedSandbox(tb testing.TB, sb *whmcstest.Server) (url string, calls *atomic.Int64) {
	tb.Helper()
	calls = new(atomic.Int64)
	h := sb.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/includes/api.php" {
			calls.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	tb.Cleanup(srv.Close)
	return srv.URL + "/includes/api.php", calls
}

// runCounted runs `run` with config against a counted sandbox and returns
// the API calls it made, preflight and canary included.
func runCounted(tb testing.TB, config string, calls *atomic.Int64) int64 {
	tb.Helper()
	before := calls.Load()
	var out, errb bytes.Buffer
	code := execute(context.Background(), []string{"run", "--config", config, "--no-progress", "--log-level", "warn"}, &out, &errb)
	if code != exitOK {
		tb.Fatalf("run: exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	return calls.Load() - before
}

// BenchmarkCallsPerEntry: the API calls a first run makes (preflight,
// canary, client look-ups and reads included) ÷ the source's entries
// (messages and notes), on the samples and on a generated CSV export of
// 10,000 tickets whose 3,000 requesters are in part clients of a WHMCS
// holding 2,000 (8 GetClients pages). Goal ≤ 1.05. calls/required divides
// by the calls the data itself needs instead: the entries, plus the
// UpdateTickets WHMCS carried out (an assignee, which only UpdateTicket
// flag sets, or a final status on a ticket with no reply after its
// opening to carry it), so that what is left above 1 is the run's own
// cost: the preflight, the read-backs and the look-ups.
//
//	go test -run '^$' -bench 'BenchmarkCallsPerEntry' -benchtime 1x ./cmd/whmcs-migrate/
func BenchmarkCallsPerEntry(b *testing.B) {
	b.Run("samples", func(b *testing.B) {
		samples, err := filepath.Abs("../../samples/csv")
		if err != nil {
			b.Fatal(err)
		}
		entries := csvRows(b, filepath.Join(samples, "messages.csv"))
		var calls, updates int64
		for range b.N {
			sb := samplesSandbox(b)
			url, n := countedSandbox(b, sb)
			calls += runCounted(b, samplesConfig(b, url, sb), n)
			updates += int64(sb.Calls()["UpdateTicket"])
			if b.N == 1 {
				b.Logf("samples: %v; refused %v", sb.Calls(), sb.State().Refusals)
			}
		}
		b.ReportMetric(float64(entries), "entries")
		b.ReportMetric(float64(calls)/float64(b.N), "calls/op")
		b.ReportMetric(float64(calls)/float64(b.N)/float64(entries), "calls/entry")
		b.ReportMetric(float64(calls)/(float64(updates)+float64(entries*b.N)), "calls/required")
	})
	b.Run("generated-10k", func(b *testing.B) {
		dir := b.TempDir()
		entries := genCallsCSV(b, dir, 10_000, 3_000)
		seed := whmcstest.DefaultSeed()
		for i := range 2000 {
			seed.Clients = append(seed.Clients, whmcstest.Client{ID: int64(100 + i), FirstName: "Client", LastName: fmt.Sprint(i),
				Email: fmt.Sprintf("person%d@example.com", i*2)}) // every other requester is a client
		}
		var calls, updates int64
		for range b.N {
			sb, err := whmcstest.New(whmcstest.Options{Seed: seed, TimeZone: syncDstZone})
			if err != nil {
				b.Fatal(err)
			}
			url, n := countedSandbox(b, sb)
			work := b.TempDir()
			cfg := `source:
  type: csv
  path: ` + dir + `
  timezone: Europe/Berlin
target:
  url: ` + url + `
  identifier: ` + sb.Identifier + `
  secret: ` + sb.Secret + `
  timezone: America/Chicago
  rate: 0
  concurrency: 16
mapping:
  departments: {Sales: 1, "Technical Support": 2, Billing: 3}
  statuses: {resolved: Closed}
  staff: {"jane@old.example": admin}
  clients: match_email
checkpoint: migration.db
`
			path := filepath.Join(work, "config.yaml")
			if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
				b.Fatal(err)
			}
			calls += runCounted(b, path, n)
			updates += int64(sb.Calls()["UpdateTicket"])
			if b.N == 1 {
				b.Logf("generated: %v; refused %v", sb.Calls(), sb.State().Refusals)
			}
		}
		b.ReportMetric(float64(entries), "entries")
		b.ReportMetric(float64(calls)/float64(b.N), "calls/op")
		b.ReportMetric(float64(calls)/float64(b.N)/float64(entries), "calls/entry")
		b.ReportMetric(float64(calls)/(float64(updates)+float64(entries*b.N)), "calls/required")
	})
}

// samplesSandbox is a realistic sandbox (sanitising, 3-byte) seeded as
// the demo's.
func samplesSandbox(tb testing.TB) *whmcstest.Server {
	tb.Helper()
	seed, err := whmcstest.LoadSeed("../../samples/sandbox-seed.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	sb, err := whmcstest.New(whmcstest.Options{Seed: seed, TimeZone: syncDstZone, Sanitize: true, ThreeByte: true})
	if err != nil {
		tb.Fatal(err)
	}
	return sb
}

// samplesConfig writes samples/csv.yaml, pointed at url and sb's
// credentials with no rate limit, into a temporary directory (its
// checkpoint goes next to it) and returns its path.
func samplesConfig(tb testing.TB, url string, sb *whmcstest.Server) string {
	tb.Helper()
	cfgText, err := os.ReadFile("../../samples/csv.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	samples, err := filepath.Abs("../../samples/csv")
	if err != nil {
		tb.Fatal(err)
	}
	cfg := strings.NewReplacer("http://127.0.0.1:8080/includes/api.php", url,
		"path: csv ", "path: "+samples+" ",
		"${WHMCS_API_IDENTIFIER}", sb.Identifier, "${WHMCS_API_SECRET}", sb.Secret,
		"rate: 20", "rate: 0").Replace(string(cfgText))
	cfg += "\n" // checkpoint: ./migration.db, next to the config
	path := filepath.Join(tb.TempDir(), "csv.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// csvRows counts the records of a CSV file, its header left out.
func csvRows(tb testing.TB, path string) int {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	recs, err := stdcsv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	return len(recs) - 1
}

// genCallsCSV writes a CSV export of n tickets from people requesters (1 to 6
// messages each, some of them staff replies and notes) into dir and
// returns how many messages it holds.
func genCallsCSV(tb testing.TB, dir string, n, people int) int {
	return writeCallsCSV(tb, dir, callsExport{n: n, people: people, messages: func(i int) int { return 1 + i*31%6 }})
}

// callsExport is a generated migration of n tickets from people
// requesters (person p is person<p>@example.com), ticket i with
// messages(i) entries: the requester's opening message, then in turn a
// staff reply, a staff note and a customer reply. Tickets are 13 minutes
// apart, or closer when n of them would not fit in three years from
// 2023: every date is in the past (the planner refuses future ones).
type callsExport struct {
	n, people int
	messages  func(i int) int
}

// callsTicket is one ticket of a callsExport.
type callsTicket struct {
	id, subject, department, status string
	person                          int // the requester
	email, name                     string
	created, updated                time.Time
	entries                         []callsEntry
}

// callsEntry is one message of a callsTicket.
type callsEntry struct {
	id, typ, author, name, email string
	created                      time.Time
	body                         string
}

// callsBase is the first ticket's date.
var callsBase = time.Date(2023, 1, 1, 8, 0, 0, 0, time.UTC)

// ticket returns ticket i.
func (x callsExport) ticket(i int) callsTicket {
	step := min(13*time.Minute, 3*365*24*time.Hour/time.Duration(max(1, x.n)))
	p := i * 7919 % x.people
	t := callsTicket{id: fmt.Sprintf("G%06d", i), subject: fmt.Sprintf("Question %d about my service", i),
		department: []string{"Sales", "Technical Support", "Billing"}[i%3], status: []string{"resolved", "Open", "Answered"}[i%3],
		person: p, email: fmt.Sprintf("person%d@example.com", p), name: fmt.Sprintf("Person %d", p),
		created: callsBase.Add(time.Duration(i) * step)}
	k := x.messages(i)
	t.updated = t.created.Add(time.Duration(k-1) * time.Hour)
	t.entries = make([]callsEntry, k)
	for j := range k {
		e := callsEntry{id: fmt.Sprintf("%s-%d", t.id, j), typ: "reply", author: "customer", name: t.name, email: t.email,
			created: t.created.Add(time.Duration(j) * time.Hour), body: fmt.Sprintf("Message %d of ticket %d.\nSecond line.", j, i)}
		switch {
		case j > 0 && j%3 == 1:
			e.author, e.name, e.email = "staff", "Jane Staff", "jane@old.example"
		case j > 0 && j%3 == 2:
			e.typ, e.author, e.name, e.email = "note", "staff", "Jane Staff", "jane@old.example"
		}
		t.entries[j] = e
	}
	return t
}

// writeCallsCSV writes x as a CSV export into dir and returns how many
// messages it holds.
func writeCallsCSV(tb testing.TB, dir string, x callsExport) int {
	tb.Helper()
	tf, err := os.Create(filepath.Join(dir, "tickets.csv"))
	if err != nil {
		tb.Fatal(err)
	}
	mf, err := os.Create(filepath.Join(dir, "messages.csv"))
	if err != nil {
		tb.Fatal(err)
	}
	tw, mw := stdcsv.NewWriter(tf), stdcsv.NewWriter(mf)
	tw.Write([]string{"id", "subject", "department", "status", "priority", "email", "name", "created", "updated"})
	mw.Write([]string{"ticket_id", "id", "type", "author", "name", "email", "created", "body"})
	entries := 0
	for i := range x.n {
		t := x.ticket(i)
		tw.Write([]string{t.id, t.subject, t.department, t.status, "", t.email, t.name,
			t.created.Format(time.RFC3339), t.updated.Format(time.RFC3339)})
		for _, e := range t.entries {
			mw.Write([]string{t.id, e.id, e.typ, e.author, e.name, e.email, e.created.Format(time.RFC3339), e.body})
			entries++
		}
	}
	tw.Flush()
	mw.Flush()
	for _, err := range []error{tw.Error(), mw.Error(), tf.Close(), mf.Close()} {
		if err != nil {
			tb.Fatal(err)
		}
	}
	return entries
}
