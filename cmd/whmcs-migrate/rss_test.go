package main

import (
	"bytes"
	"cmp"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/internal/mariadbtest"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// TestPeakRSS measures the peak resident memory of the real binary
// importing a generated migration into `whmcs-migrate sandbox` (a separate
// process), as `/usr/bin/time -v` reports it, from each source named in
// WHMCS_MIGRATE_RSS_SOURCES (default csv,mysql): a CSV export, and a WHMCS
// database (the whmcs preset) in a throwaway MariaDB (internal/mariadbtest;
// skipped when MariaDB is not installed). It is opt-in, and slow (100,000
// tickets are about 500,000 calls, 4 to 7 minutes; 1,000,000 take about an
// hour a source on 2 cores):
//
//	WHMCS_MIGRATE_RSS=10000,100000,1000000 go test -run TestPeakRSS -v -timeout 6h ./cmd/whmcs-migrate/
//
// Both sources hold the same tickets (callsExport): 5 messages each (the
// opening message, a staff reply, a note, a customer reply, a staff
// reply) from a third as many requesters as tickets, every other one of
// them a client of the sandbox (so clients: match_email finds them, in a
// client list of several pages). Every ticket must be imported: a run
// whose tickets fail measures something else. Then the same command runs
// again over the same checkpoint: a sync that finds nothing to do (or,
// with --limit, the next tickets), which reads what the checkpoint holds
// of every ticket imported.
//
// A size may end in /N to stop after N tickets (run --limit N): the whole
// source is still counted and, for CSV, indexed, e.g. 1000000/20000. Each
// run logs its calls (the report's, preflight left out), its wall time,
// its peak RSS and its RSS along the run (sampled from /proc every few
// seconds). Debian's time package provides /usr/bin/time. The goal is a
// peak under 300 MB at any size.
func TestPeakRSS(t *testing.T) {
	sizes := os.Getenv("WHMCS_MIGRATE_RSS")
	if sizes == "" {
		t.Skip("opt-in: set WHMCS_MIGRATE_RSS=10000,100000 (tickets) and WHMCS_MIGRATE_RSS_SOURCES=csv,mysql (the default)")
	}
	kinds := strings.Split(cmp.Or(os.Getenv("WHMCS_MIGRATE_RSS_SOURCES"), "csv,mysql"), ",")
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		t.Fatal("/usr/bin/time is missing: apt-get install -y time")
	}
	work := t.TempDir()
	bin := buildBinary(t, work)
	baseSeed, err := whmcstest.LoadSeed("../../samples/sandbox-seed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var mdb rssMariaDB
	defer mdb.stop()
	for _, kind := range kinds {
		kind = strings.TrimSpace(kind)
		if kind != "csv" && kind != "mysql" {
			t.Fatalf("WHMCS_MIGRATE_RSS_SOURCES: %q is not csv or mysql", kind)
		}
		for _, size := range strings.Split(sizes, ",") {
			n, limit, _ := strings.Cut(strings.TrimSpace(size), "/")
			tickets, err := strconv.Atoi(n)
			if err != nil || tickets < 1 {
				t.Fatalf("WHMCS_MIGRATE_RSS: %q", size)
			}
			t.Run(kind+"/"+strings.ReplaceAll(size, "/", "-limit-"), func(t *testing.T) {
				dir := filepath.Join(work, kind+"-"+strings.ReplaceAll(size, "/", "-"))
				if err := os.Mkdir(dir, 0o700); err != nil {
					t.Fatal(err)
				}
				x := callsExport{n: tickets, people: max(1, tickets/3), messages: func(int) int { return 5 }}
				start := time.Now()
				var source string
				var entries int
				switch kind {
				case "csv":
					entries = writeCallsCSV(t, dir, x)
					source = "  type: csv\n  path: " + dir + "\n"
				case "mysql":
					srv := mdb.start(t)
					name, err := srv.CreateDatabase("rss")
					if err != nil {
						t.Fatal(err)
					}
					entries = writeCallsWHMCS(t, srv, name, x)
					source = "  type: mysql\n  preset: whmcs\n  dsn: " + strconv.Quote(srv.DSN(name)) + "\n"
				}
				t.Logf("generated %d tickets (%d messages) in %s", tickets, entries, time.Since(start).Round(time.Second))
				// WHMCS's default Ticket Mask runs out of numbers at 900,000
				// tickets: seven digits.
				sb := startSandbox(t, bin, writeRSSSeed(t, dir, baseSeed, x), "--literal", "--ticket-mask", "%n%n%n%n%n%n%n")
				cfg := filepath.Join(dir, "config.yaml")
				if err := os.WriteFile(cfg, []byte(`source:
`+source+`  timezone: UTC
target:
  url: `+sb.apiURL()+`
  identifier: sandbox-identifier
  secret: sandbox-secret
  timezone: America/Chicago
  rate: 0
  concurrency: 16
mapping:
  departments: {Sales: 1, "Technical Support": 2, Billing: 3}
  statuses: {resolved: Closed}
  staff: {"jane@old.example": admin}
  clients: match_email
checkpoint: migration.db
`), 0o600); err != nil {
					t.Fatal(err)
				}
				want := tickets
				if limit != "" {
					if want, err = strconv.Atoi(limit); err != nil {
						t.Fatalf("WHMCS_MIGRATE_RSS: %q", size)
					}
					want = min(want, tickets)
				}
				rep, m := runRSS(t, bin, cfg, limit)
				t.Logf("%s, %d tickets (%d messages), run --limit %q: imported %d, %d calls, peak RSS %.1f MB, %s; RSS along the run (MB): %s",
					kind, tickets, entries, limit, rep.Tickets.Imported, rep.totalCalls(), float64(m.peakKB)/1024, m.wall.Round(time.Second), m.along())
				if rep.Tickets.Imported != want || rep.Tickets.Failed != 0 {
					t.Errorf("tickets %+v, want %d imported, none failed", rep.Tickets, want)
				}
				if m.peakKB > 300<<10 {
					t.Errorf("peak RSS %.1f MB, over 300 MB", float64(m.peakKB)/1024)
				}
				// The same command again: a sync that finds nothing to do,
				// or with --limit the next tickets; either way it reads
				// what the checkpoint holds of every ticket imported.
				rep2, m2 := runRSS(t, bin, cfg, limit)
				t.Logf("%s, %d tickets, run again: imported %d, unchanged %d, %d calls, peak RSS %.1f MB, %s; RSS along the run (MB): %s",
					kind, tickets, rep2.Tickets.Imported, rep2.Tickets.Unchanged, rep2.totalCalls(), float64(m2.peakKB)/1024, m2.wall.Round(time.Second), m2.along())
				if want2 := min(want, tickets-want); rep2.Tickets.Imported != want2 || rep2.Tickets.Unchanged != want || rep2.Tickets.Failed != 0 {
					t.Errorf("run again: tickets %+v, want %d imported, %d unchanged, none failed", rep2.Tickets, want2, want)
				}
				if m2.peakKB > 300<<10 {
					t.Errorf("run again: peak RSS %.1f MB, over 300 MB", float64(m2.peakKB)/1024)
				}
			})
		}
	}
}

// rssReport is a run's report.
type rssReport struct{ report.Import }

// totalCalls is the run's calls, every action.
func (r rssReport) totalCalls() int64 {
	var n int64
	for _, c := range r.Calls {
		n += c
	}
	return n
}

// runRSS runs `run` with cfg (and --limit limit, unless "") under
// /usr/bin/time and returns its report and what measureRSS saw.
func runRSS(t *testing.T, bin, cfg, limit string) (rssReport, rssMeasure) {
	t.Helper()
	reportFile := filepath.Join(t.TempDir(), "report.json")
	args := []string{"-v", bin, "run", "--config", cfg, "--no-progress", "--log-level", "warn", "--report", reportFile}
	if limit != "" {
		args = append(args, "--limit", limit)
	}
	m := measureRSS(t, exec.Command("/usr/bin/time", args...))
	var rep rssReport
	if b, err := os.ReadFile(reportFile); err != nil {
		t.Fatal(err)
	} else if err := json.Unmarshal(b, &rep.Import); err != nil {
		t.Fatal(err)
	}
	return rep, m
}

// writeRSSSeed writes base with every other requester of x (the even
// persons) as a client into dir/seed.json and returns its path.
func writeRSSSeed(t *testing.T, dir string, base *whmcstest.Seed, x callsExport) string {
	t.Helper()
	seed := *base
	seed.Clients = append([]whmcstest.Client{}, base.Clients...)
	for p := 0; p < x.people; p += 2 {
		seed.Clients = append(seed.Clients, whmcstest.Client{ID: int64(1000 + p), FirstName: "Person", LastName: strconv.Itoa(p),
			Email: fmt.Sprintf("person%d@example.com", p), Status: "Active"})
	}
	b, err := json.Marshal(&seed)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "seed.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// rssMariaDB is the throwaway MariaDB of TestPeakRSS's mysql source,
// started by the first subtest that needs it.
type rssMariaDB struct {
	srv *mariadbtest.Server
	err error
	tmp string
}

func (m *rssMariaDB) start(t *testing.T) *mariadbtest.Server {
	t.Helper()
	if m.srv == nil && m.err == nil {
		// Its on-disk temporary tables go to a directory of its own; a
		// buffer pool that holds a million tickets' rows.
		if m.tmp, m.err = os.MkdirTemp("", "mdbtmp"); m.err == nil {
			m.srv, m.err = mariadbtest.Start(mariadbtest.Options{Args: []string{"--tmpdir=" + m.tmp, "--innodb-buffer-pool-size=2G"}})
		}
	}
	return mariadbtest.Require(t, m.srv, m.err)
}

func (m *rssMariaDB) stop() {
	m.srv.Stop()
	if m.tmp != "" {
		os.RemoveAll(m.tmp)
	}
}

// rssWHMCSSchema is the part of WHMCS 8's ticket tables the whmcs preset
// reads, with WHMCS's indexes on the replies' and notes' ticket ids.
const rssWHMCSSchema = `
CREATE TABLE tblticketdepartments (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE tblclients (id int PRIMARY KEY, firstname text, lastname text, companyname text, email text, status text);
CREATE TABLE tbladmins (id int PRIMARY KEY, username text, firstname text, lastname text, email text, disabled int DEFAULT 0);
CREATE TABLE tbltickets (id int PRIMARY KEY, tid varchar(128), did int, userid int, name text, email text, cc text,
  date datetime, title text, message text, status varchar(64), urgency text, admin text, attachment text, lastreply datetime);
CREATE TABLE tblticketreplies (id int PRIMARY KEY, tid int, userid int, name text, email text, date datetime, message text,
  admin text, attachment text, KEY tid (tid));
CREATE TABLE tblticketnotes (id int PRIMARY KEY, ticketid int, admin text, date datetime, message text, KEY ticketid (ticketid));
INSERT INTO tblticketdepartments VALUES (1, 'Sales'), (2, 'Technical Support'), (3, 'Billing');
INSERT INTO tbladmins (id, username, firstname, lastname, email) VALUES (1, 'jane', 'Jane', 'Staff', 'jane@old.example');
`

// writeCallsWHMCS loads x into database name as a WHMCS install holds it:
// the requesters are its clients (tblclients), a ticket's opening message
// is on its tbltickets row, replies in tblticketreplies (staff ones carry
// the admin's name), notes in tblticketnotes. It returns how many messages
// it holds.
func writeCallsWHMCS(t *testing.T, srv *mariadbtest.Server, name string, x callsExport) int {
	t.Helper()
	db, err := srv.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := mariadbtest.Exec(db, rssWHMCSSchema); err != nil {
		t.Fatal(err)
	}
	const dt = "2006-01-02 15:04:05"
	clients := newBulkInsert(db, "tblclients", "id, firstname, lastname, companyname, email, status")
	for p := range x.people {
		clients.add(t, p+1, "Person", strconv.Itoa(p), "", fmt.Sprintf("person%d@example.com", p), "Active")
	}
	clients.flush(t)
	tickets := newBulkInsert(db, "tbltickets", "id, tid, did, userid, name, email, cc, date, title, message, status, urgency, admin, attachment, lastreply")
	replies := newBulkInsert(db, "tblticketreplies", "id, tid, userid, name, email, date, message, admin, attachment")
	notes := newBulkInsert(db, "tblticketnotes", "id, ticketid, admin, date, message")
	depts := map[string]int{"Sales": 1, "Technical Support": 2, "Billing": 3}
	entries := 0
	for i := range x.n {
		tk := x.ticket(i)
		id := i + 1
		first := tk.entries[0] // the requester's
		tickets.add(t, id, tk.id, depts[tk.department], tk.person+1, "", "", "", tk.created.Format(dt), tk.subject, first.body,
			tk.status, "", "", "", tk.updated.Format(dt))
		for j, e := range tk.entries[1:] {
			eid := id*8 + j
			switch {
			case e.typ == "note":
				notes.add(t, eid, id, "Jane Staff", e.created.Format(dt), e.body)
			case e.author == "staff":
				replies.add(t, eid, id, 0, "", "", e.created.Format(dt), e.body, "Jane Staff", "")
			default:
				replies.add(t, eid, id, tk.person+1, "", "", e.created.Format(dt), e.body, "", "")
			}
		}
		entries += len(tk.entries)
	}
	tickets.flush(t)
	replies.flush(t)
	notes.flush(t)
	return entries
}

// bulkInsert inserts rows into a table a thousand at a time.
type bulkInsert struct {
	db   *sql.DB
	head string
	row  string // "(?, ?, ...)"
	args []any
	rows int
}

func newBulkInsert(db *sql.DB, table, cols string) *bulkInsert {
	n := strings.Count(cols, ",") + 1
	return &bulkInsert{db: db, head: "INSERT INTO " + table + " (" + cols + ") VALUES ",
		row: "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"}
}

func (b *bulkInsert) add(t *testing.T, vals ...any) {
	b.args = append(b.args, vals...)
	if b.rows++; b.rows == 1000 {
		b.flush(t)
	}
}

func (b *bulkInsert) flush(t *testing.T) {
	if b.rows == 0 {
		return
	}
	q := b.head + strings.TrimSuffix(strings.Repeat(b.row+", ", b.rows), ", ")
	if _, err := b.db.Exec(q, b.args...); err != nil {
		t.Fatalf("%.60s...: %v", q, err)
	}
	b.args, b.rows = b.args[:0], 0
}

// rssMeasure is what measureRSS saw of a run.
type rssMeasure struct {
	peakKB int
	wall   time.Duration
	// samples are the run's resident set in KB, every few seconds.
	samples []int
}

// along summarises the samples: the resident set at each tenth of the run.
func (m rssMeasure) along() string {
	if len(m.samples) == 0 {
		return "-"
	}
	var parts []string
	for k := 1; k <= 10; k++ {
		i := min(len(m.samples)-1, k*len(m.samples)/10)
		parts = append(parts, strconv.Itoa(m.samples[i]>>10))
	}
	return strings.Join(parts, " ")
}

var maxRSS = regexp.MustCompile(`Maximum resident set size \(kbytes\): (\d+)`)

// measureRSS runs timeCmd, /usr/bin/time -v over the binary, samples the
// binary's VmRSS while it runs and returns its peak RSS as time reports
// it. It fails t when the command does.
func measureRSS(t *testing.T, timeCmd *exec.Cmd) rssMeasure {
	t.Helper()
	var out bytes.Buffer
	timeCmd.Stdout, timeCmd.Stderr = &out, &out
	start := time.Now()
	if err := timeCmd.Start(); err != nil {
		t.Fatal(err)
	}
	var m rssMeasure
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(3 * time.Second)
		defer tick.Stop()
		pid := 0
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			if pid == 0 {
				// The binary is time's only child.
				b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", timeCmd.Process.Pid, timeCmd.Process.Pid))
				pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
			}
			if kb := vmRSS(pid); kb > 0 {
				m.samples = append(m.samples, kb)
			}
		}
	})
	err := timeCmd.Wait()
	m.wall = time.Since(start)
	close(done)
	wg.Wait()
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	sub := maxRSS.FindSubmatch(out.Bytes())
	if sub == nil {
		t.Fatalf("no maximum RSS in:\n%s", out.String())
	}
	m.peakKB, _ = strconv.Atoi(string(sub[1]))
	return m
}

// vmRSS returns pid's resident set in KB, 0 when unknown.
func vmRSS(pid int) int {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	return 0
}
