package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/internal/mariadbtest"
)

// Kayako through the commands, on the real MariaDB: a config without
// source.timezone (Kayako stores epochs) validates, listing the rows left
// out by kind, and runs; the epoch lands at its instant in the WHMCS zone.
func TestKayakoWithoutSourceZone(t *testing.T) {
	tmp, err := os.MkdirTemp("", "mdbtmp")
	must(t, err)
	defer os.RemoveAll(tmp)
	srv, err := mariadbtest.Start(mariadbtest.Options{Args: []string{"--tmpdir=" + tmp}})
	srv = mariadbtest.Require(t, srv, err)
	defer srv.Stop()
	name, err := srv.CreateDatabase("kayako")
	must(t, err)
	db, err := srv.Open(name)
	must(t, err)
	defer db.Close()
	ddl, err := os.ReadFile(filepath.Join("..", "..", "sources", "mysql", "testdata", "kayako-4.sql"))
	must(t, err)
	must(t, mariadbtest.Exec(db, string(ddl)+`
INSERT INTO swdepartments (departmentid, title) VALUES (1, 'Sales');
INSERT INTO swticketstatus (ticketstatusid, title) VALUES (1, 'Open');
INSERT INTO swticketpriorities (priorityid, title) VALUES (2, 'Normal');
INSERT INTO swtickets (ticketid, ticketmaskid, departmentid, ticketstatusid, priorityid, fullname, email, subject, dateline, lastactivity) VALUES
 (1, 'ABC-123-45678', 1, 1, 2, 'Gary Guest', 'gary@example.net', 'Kept', 1710061200, 1710061200),
 (2, 'ABC-123-45679', 0, 1, 2, 'Gary Guest', 'gary@example.net', 'Trashed', 1710061300, 1710061300);
INSERT INTO swticketposts (ticketid, dateline, fullname, email, creator, contents) VALUES
 (1, 1710061200, 'Gary Guest', 'gary@example.net', 2, 'Hello'), (2, 1710061300, 'Gary Guest', 'gary@example.net', 2, 'Gone');
INSERT INTO swticketdrafts (ticketid, dateline, staffid, contents) VALUES (1, 1710061250, 1, 'unsent');
INSERT INTO swticketauditlogs (ticketid, dateline, actiontype, actionmsg) VALUES (2, 1710061400, 13, 'Trashed');
`))

	s := vfSandbox(t)
	dir := t.TempDir()
	config := filepath.Join(dir, "config.yaml")
	must(t, os.WriteFile(config, []byte(`source:
  type: mysql
  preset: kayako
  dsn: `+strconv.Quote(srv.DSN(name))+`
target:
  url: `+s.APIURL()+`
  identifier: `+s.Identifier+`
  secret: `+s.Secret+`
  timezone: America/Chicago
  rate: 0
mapping:
  departments: {Sales: 1}
  priorities: {Normal: Medium}
  clients: guest
checkpoint: `+filepath.Join(dir, "migration.db")+`
`), 0o600))

	code, out, errOut := cli(t, "validate", "--config", config)
	if code != exitOK {
		t.Fatalf("validate: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"left_out_deleted", "left_out_draft", "left_out_line_item"} {
		if !strings.Contains(out+errOut, want) {
			t.Errorf("validate does not list %s:\n%s\n%s", want, out, errOut)
		}
	}
	if code, out, errOut := cli(t, "run", "--config", config, "--no-progress"); code != exitOK {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errOut)
	}
	st := s.State().Tickets
	if len(st) != 1 || st[0].Subject != "Kept" || st[0].Date.UTC().Format("2006-01-02 15:04:05") != "2024-03-10 09:00:00" {
		t.Errorf("WHMCS holds %+v, want only Kept, opened 2024-03-10 09:00 UTC", st)
	}
}
