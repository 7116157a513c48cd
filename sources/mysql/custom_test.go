package mysql

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/sources/sourcetest"
)

const customFixture = `
CREATE TABLE issues (num int PRIMARY KEY, title text, team text, state text, email text, who text, opened datetime, changed bigint);
CREATE TABLE posts (id int PRIMARY KEY, issue int, kind text, by_staff tinyint, who text, mail text, at datetime, txt text, fmt text);
CREATE TABLE files (post int, fname text, rel text);
INSERT INTO issues VALUES (1, 'Printer on fire', 'Ops', 'open', 'pat@example.com', 'Pat', '2024-01-02 03:04:05', 1704164645),
  (2, 'Second', 'Ops', 'closed', 'sam@example.com', 'Sam', '2024-01-03 00:00:00', NULL);
INSERT INTO posts VALUES (10, 1, 'reply', 0, 'Pat', 'pat@example.com', '2024-01-02 03:04:05', 'It is **on fire**', 'markdown'),
  (11, 1, 'note', 1, 'Ann', 'ann@example.com', '2024-01-02 04:00:00', 'call the fire brigade', 'text'),
  (12, 1, 'reply', 1, 'Ann', 'ann@example.com', '2024-01-02 05:00:00', '<p>Done</p>', 'html'),
  (13, 2, 'shout', 1, 'Ann', 'ann@example.com', '0000-00-00 00:00:00', 'odd', 'rtf');
INSERT INTO files VALUES (12, 'report.txt', 'reports/r1.txt');
`

func customOpts(name, dir string) Options {
	return Options{Preset: "custom", DSN: srv.DSN(name), AttachmentsDir: dir,
		TicketsQuery: `SELECT num AS id, title AS subject, team AS department, state AS status, email, who AS name,
			opened AS created, changed AS updated FROM issues;`,
		EntriesQuery: `SELECT id, kind AS type, IF(by_staff, 'staff', 'customer') AS author, who AS name, mail AS email,
			at AS created, txt AS body, fmt AS format FROM posts WHERE issue = ? ORDER BY at, id`,
		AttachmentsQuery: `SELECT f.post AS entry_id, f.fname AS name, f.rel AS path FROM files f JOIN posts p ON p.id = f.post WHERE p.issue = ?`,
	}
}

func TestCustom(t *testing.T) {
	name, _ := fixtureDB(t, "custom", customFixture)
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "reports"), 0o755)
	os.WriteFile(filepath.Join(dir, "reports", "r1.txt"), []byte("ash"), 0o644)
	s := openSource(t, customOpts(name, dir), sources.Env{Location: time.FixedZone("X", 3600)})
	pat := sources.Person{Name: "Pat", Email: "pat@example.com"}
	ann := sources.Person{Name: "Ann", Email: "ann@example.com"}
	want := []view{{
		ID: "1", Subject: "Printer on fire", Department: "Ops", Status: "open", Requester: pat,
		Created: "2024-01-02T02:04:05Z", Updated: "2024-01-02T03:04:05Z",
		Entries: []entryView{
			{ID: "10", Kind: "customer reply", Author: pat, Format: "markdown", Created: "2024-01-02T02:04:05Z", Body: "It is **on fire**"},
			{ID: "11", Kind: "note", Author: ann, Format: "text", Created: "2024-01-02T03:00:00Z", Body: "call the fire brigade"},
			{ID: "12", Kind: "staff reply", Author: ann, Format: "html", Created: "2024-01-02T04:00:00Z", Body: "<p>Done</p>",
				Atts: []string{"report.txt 3 " + sha([]byte("ash"))}},
		},
	}, {
		ID: "2", Subject: "Second", Department: "Ops", Status: "closed", Requester: sources.Person{Name: "Sam", Email: "sam@example.com"},
		Created:  "2024-01-02T23:00:00Z",
		Problems: []string{codeField(sources.CodeBadValue, "format"), codeField(sources.CodeBadValue, "type"), codeField(sources.CodeMissingField, "created")},
		Entries:  []entryView{{ID: "13", Kind: "customer reply", Author: ann, Format: "text", Body: "odd"}},
	}}
	compare(t, readAll(t, s), want)
	if n, err := s.Count(context.Background()); err != nil || n != 2 {
		t.Errorf("Count = %d, %v", n, err)
	}
	sourcetest.Run(t, func(t *testing.T) sources.Source {
		o := customOpts(name, dir)
		o.PageSize = 1
		return openSourceNoCleanup(t, o)
	})
}

func TestCustomRejectsUnknownColumns(t *testing.T) {
	name, _ := fixtureDB(t, "customcols", customFixture)
	o := customOpts(name, "")
	o.TicketsQuery = "SELECT num AS id, title AS subjet FROM issues"
	_, err := Open(context.Background(), o, sources.Env{Location: time.UTC})
	if err == nil || !strings.Contains(err.Error(), `"subjet"`) {
		t.Errorf("open with a misspelt column: %v", err)
	}
	o = customOpts(name, "")
	o.EntriesQuery = "SELECT txt AS body FROM posts"
	if _, err := Open(context.Background(), o, sources.Env{}); err == nil {
		t.Errorf("entries_query without ? accepted")
	}
}

func TestConnectionErrorHidesPassword(t *testing.T) {
	s := mustServer(t)
	const pw = "S3cret-Pa55word"
	dsn := "nobody:" + pw + "@unix(" + s.Socket() + ")/helpdesk_db"
	_, err := Open(context.Background(), Options{Preset: "osticket", DSN: dsn}, sources.Env{})
	if err == nil {
		t.Fatal("connecting as an unknown user succeeded")
	}
	msg := err.Error()
	if strings.Contains(msg, pw) {
		t.Errorf("error shows the password: %s", msg)
	}
	if !strings.Contains(msg, s.Socket()) || !strings.Contains(msg, "helpdesk_db") {
		t.Errorf("error does not name the server and database: %s", msg)
	}
	var re *redactedError
	if !errors.As(err, &re) {
		t.Errorf("error %T does not keep its cause", err)
	}
	// Over TCP to a closed port, with a mysql:// URL.
	_, err = Open(context.Background(), Options{Preset: "whmcs", DSN: "mysql://u:" + pw + "@127.0.0.1:1/whmcs_old"}, sources.Env{Location: time.UTC})
	if err == nil || strings.Contains(err.Error(), pw) || !strings.Contains(err.Error(), "127.0.0.1:1") || !strings.Contains(err.Error(), "whmcs_old") {
		t.Errorf("tcp error: %v", err)
	}
}

// The presets whose DATETIMEs are a wall clock the database does not name
// need source.timezone: without it Open is a config error that says so and
// where to find the zone, before any connection (none is listening here).
func TestPresetsNeedZone(t *testing.T) {
	for preset, want := range map[string]string{PresetWHMCS: "date.timezone", PresetCustom: "DATETIME"} {
		o := Options{Preset: preset, DSN: "u:pw@tcp(127.0.0.1:1)/db"}
		if preset == PresetCustom {
			o = customOpts("db", t.TempDir())
			o.DSN = "u:pw@tcp(127.0.0.1:1)/db"
		}
		_, err := Open(context.Background(), o, sources.Env{})
		if !errors.Is(err, sources.ErrConfig) || !strings.Contains(err.Error(), "source.timezone") || !strings.Contains(err.Error(), want) {
			t.Errorf("%s without a zone: %v", preset, err)
		}
	}
}

func TestRedact(t *testing.T) {
	f := Factory()
	for _, dsn := range []string{"u:p@ss:w0rd!@tcp(db:3306)/x", "mysql://u:p%40ss%3Aw0rd%21@db/x", "u:p@ss:w0rd!@tcp(db:3306"} {
		o := f.NewOptions().(*Options)
		o.DSN = dsn
		got := f.Redact(o, "cannot use "+dsn+" (password p@ss:w0rd!)")
		if strings.Contains(got, "w0rd") {
			t.Errorf("Redact(%q) left the password: %s", dsn, got)
		}
	}
	o := &Options{DSN: "u@tcp(db:3306)/x"}
	if got := f.Redact(o, "no password here"); got != "no password here" {
		t.Errorf("Redact without a password changed the text: %q", got)
	}
}

func TestOptionsValidation(t *testing.T) {
	for _, o := range []Options{
		{Preset: "osticket"},
		{Preset: "zendesk", DSN: "u@/x"},
		{DSN: "u@/x"},
		{Preset: "osticket", DSN: "u@/x", TablePrefix: "ost_; DROP"},
		{Preset: "custom", DSN: "u@/x", TicketsQuery: "SELECT 1 AS id"},
	} {
		if _, err := Open(context.Background(), o, sources.Env{}); err == nil {
			t.Errorf("Open(%+v) accepted", o)
		}
	}
}

func mustServer(t *testing.T) interface{ Socket() string } {
	t.Helper()
	fixtureDB(t, "ping") // skips or fails when there is no server
	return srv
}
