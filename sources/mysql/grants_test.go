package mysql

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// Grants: a column or table a preset reads, hidden from the database user
// by its grants, fails Open (so validate and run, before any write), named
// with the GRANT that fixes it; it is never taken for absent. A column
// that an older schema really lacks still reads as absent.

const grantPassword = "s3cret-Pa55"

var grantUsers atomic.Int64

// grantDSN creates a database user that may read database name's tables
// whole, except: the tables in hidden are not granted at all, and the
// columns in hiddenCols ("table.column") are left out of their table's
// column-level grant. It returns a DSN for that user (with a password).
func grantDSN(t *testing.T, name string, hidden []string, hiddenCols ...string) string {
	t.Helper()
	root, err := srv.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	user := fmt.Sprintf("g%d", grantUsers.Add(1))
	stmts := []string{fmt.Sprintf("CREATE USER '%s'@'localhost' IDENTIFIED BY '%s'", user, grantPassword)}
	hideTab := map[string]bool{}
	for _, h := range hidden {
		hideTab[h] = true
	}
	hideCol := map[string]map[string]bool{}
	for _, tc := range hiddenCols {
		tab, col, _ := strings.Cut(tc, ".")
		if hideCol[tab] == nil {
			hideCol[tab] = map[string]bool{}
		}
		hideCol[tab][col] = true
	}
	rows, err := root.Query("SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION", name)
	if err != nil {
		t.Fatal(err)
	}
	cols := map[string][]string{}
	var tabs []string
	for rows.Next() {
		var tab, col string
		if err := rows.Scan(&tab, &col); err != nil {
			t.Fatal(err)
		}
		if cols[tab] == nil {
			tabs = append(tabs, tab)
		}
		if !hideCol[tab][col] {
			cols[tab] = append(cols[tab], "`"+col+"`")
		}
	}
	rows.Close()
	for _, tab := range tabs {
		switch {
		case hideTab[tab]:
		case hideCol[tab] != nil:
			stmts = append(stmts, fmt.Sprintf("GRANT SELECT (%s) ON `%s`.`%s` TO '%s'@'localhost'", strings.Join(cols[tab], ", "), name, tab, user))
		default:
			stmts = append(stmts, fmt.Sprintf("GRANT SELECT ON `%s`.`%s` TO '%s'@'localhost'", name, tab, user))
		}
	}
	for _, s := range stmts {
		if _, err := root.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	cfg, err := gomysql.ParseDSN(srv.DSN(name))
	if err != nil {
		t.Fatal(err)
	}
	cfg.User, cfg.Passwd = user, grantPassword
	return cfg.FormatDSN()
}

// dbGrantDSN creates a user granted SELECT on the whole database.
func dbGrantDSN(t *testing.T, name string) string {
	t.Helper()
	root, err := srv.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	user := fmt.Sprintf("g%d", grantUsers.Add(1))
	for _, s := range []string{fmt.Sprintf("CREATE USER '%s'@'localhost' IDENTIFIED BY '%s'", user, grantPassword),
		fmt.Sprintf("GRANT SELECT ON `%s`.* TO '%s'@'localhost'", name, user)} {
		if _, err := root.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	cfg, err := gomysql.ParseDSN(srv.DSN(name))
	if err != nil {
		t.Fatal(err)
	}
	cfg.User, cfg.Passwd = user, grantPassword
	return cfg.FormatDSN()
}

// openErr opens the source and returns its error (failing when it opens).
func openErr(t *testing.T, opts Options, env sources.Env) error {
	t.Helper()
	src, err := Factory().Open(context.Background(), &opts, env)
	if err == nil {
		src.Close()
		t.Fatal("open succeeded, want a grant error")
	}
	if strings.Contains(err.Error(), grantPassword) {
		t.Errorf("error leaks the password: %v", err)
	}
	return err
}

func wantAll(t *testing.T, err error, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error does not say %q:\n%v", w, err)
		}
	}
}

// Each preset, with a column it reads when present hidden by column-level
// grants: Open fails naming the table, the column and the GRANT, as a
// config error (validate and run exit 2 before any call).
func TestGrantHiddenColumn(t *testing.T) {
	cases := []struct {
		preset string
		db     func(t *testing.T) string
		opts   func(o *Options)
		hide   []string
		wants  []string
	}{
		{PresetWHMCS, func(t *testing.T) string { n, _ := fixtureDB(t, "gwhmcs", whmcsDDL, whmcsFixture); return n }, nil,
			[]string{"tbltickets.merged_ticket_id", "tblticketnotes.attachments"},
			[]string{"tbltickets.merged_ticket_id", "tblticketnotes.attachments",
				"GRANT SELECT (merged_ticket_id) ON `%s`.`tbltickets` TO '%s'@'localhost'",
				"GRANT SELECT (attachments) ON `%s`.`tblticketnotes` TO '%s'@'localhost'",
				"GRANT SELECT ON `%s`.`tbltickets` TO '%s'@'localhost'"}},
		{PresetOsTicket, func(t *testing.T) string { return osticketDB(t) }, nil,
			[]string{"ost_ticket.ticket_pid"},
			[]string{"ost_ticket.ticket_pid", "GRANT SELECT (ticket_pid) ON `%s`.`ost_ticket` TO '%s'@'localhost'"}},
		{PresetHESK, func(t *testing.T) string { n, _ := fixtureDB(t, "ghesk", heskDDL35, heskFixture35); return n }, nil,
			[]string{"hesk_tickets.owner"},
			[]string{"hesk_tickets.owner", "GRANT SELECT (owner) ON `%s`.`hesk_tickets` TO '%s'@'localhost'"}},
		{PresetFreeScout, func(t *testing.T) string { return freescoutDB(t) }, nil,
			[]string{"threads.meta"},
			[]string{"threads.meta", "GRANT SELECT (meta) ON `%s`.`threads` TO '%s'@'localhost'"}},
		{PresetBlesta, func(t *testing.T) string { return blestaDB(t) }, nil,
			[]string{"support_tickets.date_updated"},
			[]string{"support_tickets.date_updated", "GRANT SELECT (date_updated) ON `%s`.`support_tickets` TO '%s'@'localhost'"}},
		{PresetKayako, func(t *testing.T) string { return kayakoDB(t) }, nil,
			[]string{"swattachmentchunks.notbase64"},
			[]string{"swattachmentchunks.notbase64", "GRANT SELECT (notbase64) ON `%s`.`swattachmentchunks` TO '%s'@'localhost'"}},
		{PresetClientExec, func(t *testing.T) string { return clientexecDB(t) }, nil,
			[]string{"troubleticket_log.private"},
			[]string{"troubleticket_log.private", "GRANT SELECT (private) ON `%s`.`troubleticket_log` TO '%s'@'localhost'"}},
		{PresetCustom, func(t *testing.T) string { n, _ := fixtureDB(t, "gcustom", customFixture); return n },
			func(o *Options) { *o = customOpts("", o.AttachmentsDir) },
			[]string{"posts.txt"},
			[]string{"entries_query", "column posts.txt", "GRANT SELECT (txt) ON `%s`.`posts` TO '%s'@'localhost'"}},
	}
	for _, c := range cases {
		t.Run(c.preset, func(t *testing.T) {
			name := c.db(t)
			opts := Options{Preset: c.preset, AttachmentsDir: t.TempDir()}
			if c.opts != nil {
				c.opts(&opts)
			}
			opts.DSN = grantDSN(t, name, nil, c.hide...)
			err := openErr(t, opts, sources.Env{Location: time.UTC})
			user := fmt.Sprintf("g%d", grantUsers.Load())
			for _, w := range c.wants {
				if strings.Contains(w, "%s") {
					w = fmt.Sprintf(w, name, user)
				}
				wantAll(t, err, w)
			}
			if c.preset != PresetCustom && !errors.Is(err, sources.ErrConfig) {
				t.Errorf("a grant error is not a config error: %v", err)
			}
			if strings.Contains(err.Error(), "not found") {
				t.Errorf("a hidden column reported as not found: %v", err)
			}
		})
	}
}

// A table the user may not read is named with its grant, never "not
// found"; that holds for a table read when present (tblcontacts) too.
func TestGrantMissingTable(t *testing.T) {
	name, _ := fixtureDB(t, "gtab", whmcsDDL, whmcsFixture)
	for _, tab := range []string{"tblticketnotes", "tblcontacts"} {
		t.Run(tab, func(t *testing.T) {
			opts := Options{Preset: PresetWHMCS, DSN: grantDSN(t, name, []string{tab}), AttachmentsDir: t.TempDir()}
			err := openErr(t, opts, sources.Env{Location: time.UTC})
			user := fmt.Sprintf("g%d", grantUsers.Load())
			wantAll(t, err, "may not read table "+tab, fmt.Sprintf("GRANT SELECT ON `%s`.`%s` TO '%s'@'localhost'", name, tab, user))
			if strings.Contains(err.Error(), "not found") {
				t.Errorf("an unreadable table reported as not found: %v", err)
			}
			if !errors.Is(err, sources.ErrConfig) {
				t.Errorf("a grant error is not a config error: %v", err)
			}
		})
	}
	// A table that does not exist is still "not found".
	root, _ := srv.Open(name)
	defer root.Close()
	if _, err := root.Exec("DROP TABLE tblticketnotes"); err != nil {
		t.Fatal(err)
	}
	// (To a user granted table by table, the server answers "denied" for
	// a table that does not exist too; one granted the database sees it
	// is not there.)
	_, err := Open(context.Background(), Options{Preset: PresetWHMCS, DSN: dbGrantDSN(t, name)}, sources.Env{Location: time.UTC})
	if err == nil || !strings.Contains(err.Error(), "table tblticketnotes not found") || strings.Contains(err.Error(), "GRANT") {
		t.Errorf("a dropped table: %v, want not found", err)
	}
}

// A genuinely older schema without the optional columns still opens and
// reads, for a user granted SELECT on its tables (not the database): the
// merged ticket 104 is then a ticket of its own, as it was before merging
// existed, and the note's attachments are not read.
func TestGrantOlderSchemaWithoutColumn(t *testing.T) {
	name, db := fixtureDB(t, "gold", whmcsDDL, whmcsFixture)
	if _, err := db.Exec("ALTER TABLE tbltickets DROP COLUMN merged_ticket_id; ALTER TABLE tblticketnotes DROP COLUMN attachments"); err != nil {
		t.Fatal(err)
	}
	for _, dsn := range []string{grantDSN(t, name, nil), dbGrantDSN(t, name)} {
		s := openSource(t, Options{Preset: PresetWHMCS, DSN: dsn, AttachmentsDir: t.TempDir()}, sources.Env{Location: time.UTC})
		var ids []string
		for _, tk := range readAll(t, s) {
			ids = append(ids, tk.ID)
			for _, e := range tk.Entries {
				if e.Kind == sources.Note && len(e.Attachments) > 0 {
					t.Errorf("note %s has attachments without the column", e.ID)
				}
			}
		}
		if got := strings.Join(ids, ","); got != "101,102,103,104" {
			t.Errorf("tickets %s, want 101,102,103,104", got)
		}
	}
}

// A table or column a query always reads, denied: the error names the
// GRANT, at Open for the custom preset's tickets_query, and at the first
// read (before anything is written) for a column a preset always reads.
func TestGrantHint(t *testing.T) {
	name, _ := fixtureDB(t, "ghint", customFixture)
	opts := customOpts(name, t.TempDir())
	opts.DSN = grantDSN(t, name, []string{"issues"})
	err := openErr(t, opts, sources.Env{Location: time.UTC})
	wantAll(t, err, "tickets_query", "may not read table issues", fmt.Sprintf("GRANT SELECT ON `%s`.`issues`", name))

	wname, _ := fixtureDB(t, "ghintw", whmcsDDL, whmcsFixture)
	s := openSource(t, Options{Preset: PresetWHMCS, DSN: grantDSN(t, wname, nil, "tbltickets.title")}, sources.Env{Location: time.UTC})
	user := fmt.Sprintf("g%d", grantUsers.Load())
	for _, err := range s.Tickets(context.Background(), sources.ReadOptions{}) {
		if err == nil {
			t.Fatal("a ticket was read without its title column")
		}
		wantAll(t, err, "tbltickets.title", fmt.Sprintf("GRANT SELECT (title) ON `%s`.`tbltickets` TO '%s'@'localhost'", wname, user))
		if strings.Contains(err.Error(), grantPassword) {
			t.Errorf("error leaks the password: %v", err)
		}
		break
	}
}
