package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/whmcs-migrate/whmcs-migrate/internal/mariadbtest"
)

// MySQL grants, the commands run in-process on the real MariaDB: a
// user whose column-level grants hide tbltickets.merged_ticket_id and
// tblticketnotes.attachments (which the whmcs preset reads when present)
// makes validate, run and verify stop with exit 2 before any write, naming the
// table, the column and the GRANT, never the password. Once granted, the
// run imports the ticket and leaves the merged one out.
func TestMySQLGrantsHideColumns(t *testing.T) {
	tmp, err := os.MkdirTemp("", "mdbtmp")
	must(t, err)
	defer os.RemoveAll(tmp)
	srv, err := mariadbtest.Start(mariadbtest.Options{Args: []string{"--tmpdir=" + tmp}})
	srv = mariadbtest.Require(t, srv, err)
	defer srv.Stop()
	name, err := srv.CreateDatabase("grants")
	must(t, err)
	db, err := srv.Open(name)
	must(t, err)
	defer db.Close()
	must(t, mariadbtest.Exec(db, rssWHMCSSchema+`
ALTER TABLE tbltickets ADD merged_ticket_id int DEFAULT 0;
ALTER TABLE tblticketnotes ADD attachments text;
INSERT INTO tbltickets (id, tid, did, userid, name, email, date, title, message, status, urgency, admin, attachment, merged_ticket_id) VALUES
 (1, '111111', 1, 0, 'Gary Guest', 'gary@example.net', '2024-03-01 09:00:00', 'Kept', 'Hello', 'Open', 'Medium', '', '', 0),
 (2, '222222', 1, 0, 'Gary Guest', 'gary@example.net', '2024-03-01 10:00:00', 'Merged away', 'Dup', 'Open', 'Medium', '', '', 1);
CREATE USER 'helpdesk'@'localhost' IDENTIFIED BY 'Pa55-s3cret';
GRANT SELECT ON `+"`"+name+"`"+`.tblticketdepartments TO 'helpdesk'@'localhost';
GRANT SELECT ON `+"`"+name+"`"+`.tblclients TO 'helpdesk'@'localhost';
GRANT SELECT ON `+"`"+name+"`"+`.tbladmins TO 'helpdesk'@'localhost';
GRANT SELECT ON `+"`"+name+"`"+`.tblticketreplies TO 'helpdesk'@'localhost';
GRANT SELECT (id, tid, did, userid, name, email, cc, date, title, message, status, urgency, admin, attachment, lastreply)
  ON `+"`"+name+"`"+`.tbltickets TO 'helpdesk'@'localhost';
GRANT SELECT (id, ticketid, admin, date, message) ON `+"`"+name+"`"+`.tblticketnotes TO 'helpdesk'@'localhost';
`))
	cfg, err := gomysql.ParseDSN(srv.DSN(name))
	must(t, err)
	cfg.User, cfg.Passwd = "helpdesk", "Pa55-s3cret"

	s := vfSandbox(t)
	dir := t.TempDir()
	config := filepath.Join(dir, "config.yaml")
	must(t, os.WriteFile(config, []byte(`source:
  type: mysql
  preset: whmcs
  dsn: `+strconv.Quote(cfg.FormatDSN())+`
  timezone: UTC
target:
  url: `+s.APIURL()+`
  identifier: `+s.Identifier+`
  secret: `+s.Secret+`
  timezone: America/Chicago
  rate: 0
mapping:
  departments: {Sales: 1}
  clients: guest
checkpoint: `+filepath.Join(dir, "migration.db")+`
`), 0o600))

	for _, cmd := range []string{"validate", "run", "verify"} {
		code, out, errOut := cli(t, cmd, "--config", config)
		if code != exitUsage {
			t.Errorf("%s: exit %d, want %d\n%s\n%s", cmd, code, exitUsage, out, errOut)
		}
		for _, want := range []string{"tbltickets.merged_ticket_id", "tblticketnotes.attachments",
			fmt.Sprintf("GRANT SELECT ON `%s`.`tbltickets` TO 'helpdesk'@'localhost'", name),
			fmt.Sprintf("GRANT SELECT ON `%s`.`tblticketnotes` TO 'helpdesk'@'localhost'", name),
			fmt.Sprintf("GRANT SELECT ON `%s`.* TO 'helpdesk'@'localhost'", name)} {
			if !strings.Contains(errOut, want) {
				t.Errorf("%s does not say %q:\n%s", cmd, want, errOut)
			}
		}
		if strings.Contains(out+errOut, "Pa55-s3cret") {
			t.Errorf("%s leaks the password:\n%s\n%s", cmd, out, errOut)
		}
		if n := len(s.State().Tickets); n != 0 {
			t.Fatalf("%s: WHMCS holds %d tickets, want none", cmd, n)
		}
	}

	// Granted: the merged ticket is left out, as it should be.
	_, err = db.Exec("GRANT SELECT ON `" + name + "`.* TO 'helpdesk'@'localhost'")
	must(t, err)
	if code, out, errOut := cli(t, "run", "--config", config, "--no-progress"); code != exitOK {
		t.Fatalf("run after the grant: exit %d\n%s\n%s", code, out, errOut)
	}
	var subjects []string
	for _, tk := range s.State().Tickets {
		subjects = append(subjects, tk.Subject)
	}
	if strings.Join(subjects, ",") != "Kept" {
		t.Errorf("WHMCS holds %q, want only Kept (the merged ticket left out)", subjects)
	}
}
