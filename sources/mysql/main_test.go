package mysql

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/internal/mariadbtest"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

var (
	srv    *mariadbtest.Server
	srvErr error
)

func TestMain(m *testing.M) {
	// MariaDB's on-disk temporary tables go to a directory of our own, not
	// the shared /tmp that other processes may clean under it.
	tmp, err := os.MkdirTemp("", "mdbtmp")
	if err == nil {
		srv, srvErr = mariadbtest.Start(mariadbtest.Options{Args: []string{"--tmpdir=" + tmp}})
	} else {
		srv, srvErr = nil, err
	}
	code := m.Run()
	srv.Stop()
	if tmp != "" {
		os.RemoveAll(tmp)
	}
	os.Exit(code)
}

// fixtureDB creates a fresh database, runs the scripts in it and returns
// its name and a writable handle for further fixture rows.
func fixtureDB(t testing.TB, prefix string, scripts ...string) (string, *sql.DB) {
	t.Helper()
	s := mariadbtest.Require(t, srv, srvErr)
	name, err := s.CreateDatabase(prefix)
	if err != nil {
		t.Fatal(err)
	}
	db, err := s.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for i, sc := range scripts {
		if err := mariadbtest.Exec(db, sc); err != nil {
			t.Fatalf("fixture script %d: %v", i, err)
		}
	}
	return name, db
}

// osTicketSchema returns the osTicket 1.18 install SQL with prefix, from
// testdata (or ../shared/schemas as a fallback).
func osTicketSchema(t testing.TB, prefix string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "osticket-install-mysql.sql"))
	if err != nil {
		b, err = os.ReadFile(filepath.Join(moduleRoot(t), "..", "shared", "schemas", "osticket-install-mysql.sql"))
		if err != nil {
			t.Fatalf("osTicket schema: %v", err)
		}
	}
	return strings.ReplaceAll(string(b), "%TABLE_PREFIX%", prefix)
}

func moduleRoot(t testing.TB) string {
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the package")
		}
		dir = parent
	}
}

func openSource(t testing.TB, opts Options, env sources.Env) *Source {
	t.Helper()
	s, err := Open(context.Background(), opts, env)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func readAll(t testing.TB, s sources.Source) []*sources.Ticket {
	t.Helper()
	var out []*sources.Ticket
	for tk, err := range s.Tickets(context.Background(), sources.ReadOptions{}) {
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		out = append(out, tk)
	}
	return out
}

// view is a ticket rendered for exact comparison: times in UTC, attachments
// by name, size and sha256 of the bytes read through Open.
type view struct {
	ID, Subject, Department, Status, Priority string
	Requester                                 sources.Person
	ClientID                                  int64
	CC                                        []string
	Created, Updated                          string
	Entries                                   []entryView
	Problems                                  []string // code/field
}

// codeField renders a problem in view.Problems: "code/field".
func codeField(c sources.Code, field string) string { return string(c) + "/" + field }

type entryView struct {
	ID, Kind string
	Author   sources.Person
	Body     string
	Format   string
	Created  string
	Atts     []string // name size sha256[:12]
}

func utc(tm time.Time) string {
	if tm.IsZero() {
		return ""
	}
	return tm.UTC().Format(time.RFC3339)
}

func render(t testing.TB, tk *sources.Ticket) view {
	t.Helper()
	v := view{ID: tk.ID, Subject: tk.Subject, Department: tk.Department, Status: tk.Status, Priority: tk.Priority,
		Requester: tk.Requester, ClientID: tk.ClientID, CC: tk.CC, Created: utc(tk.Created), Updated: utc(tk.Updated)}
	for _, p := range tk.Problems {
		if p.Ticket != tk.ID || p.Origin == "" {
			t.Errorf("problem %v does not name its ticket and origin", p)
		}
		v.Problems = append(v.Problems, codeField(p.Code, p.Field))
	}
	for _, e := range tk.Entries {
		ev := entryView{ID: e.ID, Kind: e.Kind.String(), Author: e.Author, Body: e.Body, Format: e.Format.String(), Created: utc(e.Created)}
		for _, a := range e.Attachments {
			rc, err := a.Open()
			if err != nil {
				t.Fatalf("open attachment %q: %v", a.Name, err)
			}
			h := sha256.New()
			n, err := io.Copy(h, rc)
			rc.Close()
			if err != nil {
				t.Fatalf("read attachment %q: %v", a.Name, err)
			}
			if a.Size >= 0 && a.Size != n {
				t.Errorf("attachment %q: Size %d, read %d bytes", a.Name, a.Size, n)
			}
			ev.Atts = append(ev.Atts, fmt.Sprintf("%s %d %s", a.Name, n, hex.EncodeToString(h.Sum(nil))[:12]))
		}
		v.Entries = append(v.Entries, ev)
	}
	return v
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])[:12]
}

// compare fails t with a readable difference between got and want.
func compare(t *testing.T, got []*sources.Ticket, want []view) {
	t.Helper()
	if len(got) != len(want) {
		ids := []string{}
		for _, g := range got {
			ids = append(ids, g.ID)
		}
		t.Fatalf("got %d tickets %v, want %d", len(got), ids, len(want))
	}
	for i := range want {
		g := render(t, got[i])
		gs, ws := fmt.Sprintf("%#v", g), fmt.Sprintf("%#v", want[i])
		if gs != ws {
			t.Errorf("ticket %d differs\n got: %s\nwant: %s", i, pretty(g), pretty(want[i]))
		}
	}
}

func pretty(v view) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n  id=%q subject=%q dept=%q status=%q prio=%q req=%+v client=%d cc=%q created=%s updated=%s problems=%q",
		v.ID, v.Subject, v.Department, v.Status, v.Priority, v.Requester, v.ClientID, v.CC, v.Created, v.Updated, v.Problems)
	for _, e := range v.Entries {
		fmt.Fprintf(&b, "\n    %s %s %+v %s %s body=%q atts=%q", e.ID, e.Kind, e.Author, e.Format, e.Created, e.Body, e.Atts)
	}
	return b.String()
}
