package mysql

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/internal/zonetest"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/sources/sourcetest"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// clientexecDDL is the part of ClientExec 6.x's schema the preset reads, as
// shared/research/source-schemas-3.md §2.2 describes it (MyISAM, utf8),
// with events_log, which it must not read.
const clientexecDDL = `
SET NAMES utf8;
CREATE TABLE troubleticket (id int(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, hashed_id varchar(32) NOT NULL DEFAULT '',
  userid int(11) NOT NULL DEFAULT 0, company_id int(11) NOT NULL DEFAULT 0, subject text NOT NULL, priority int(2) NOT NULL DEFAULT 3,
  support_email varchar(60) NULL, datesubmitted datetime NOT NULL DEFAULT '0000-00-00 00:00:00', status int(2) NOT NULL DEFAULT 0,
  messagetype int(11) NOT NULL DEFAULT 0, assignedtoid int(11) NOT NULL DEFAULT 0, assignedtodeptid int(11) NOT NULL DEFAULT 0,
  lastlog_datetime datetime NOT NULL DEFAULT '0000-00-00 00:00:00', rate int(11) NOT NULL DEFAULT 0, rate_hash varchar(32) NOT NULL DEFAULT '',
  feedback text NULL, autoclose tinyint(4) NOT NULL DEFAULT 0, tag varchar(64) NOT NULL DEFAULT '', method int(11) NOT NULL DEFAULT 0,
  externalid varchar(255) NOT NULL DEFAULT '', response_time int(11) NOT NULL DEFAULT 0, KEY userid (userid))
  ENGINE=MyISAM DEFAULT CHARSET=utf8;
CREATE TABLE troubleticket_log (id int(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, company_id int(11) NOT NULL DEFAULT 0,
  troubleticketid int(11) NOT NULL DEFAULT 0, logtype tinyint(4) NOT NULL, newstate text NULL, message text NULL,
  userid int(11) NOT NULL DEFAULT 0, externalemail tinyint(4) NOT NULL DEFAULT 0, email varchar(250) NOT NULL DEFAULT '',
  deletedname varchar(35) NOT NULL DEFAULT '', mydatetime datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  logaction tinyint(4) NOT NULL DEFAULT 0, private int(2) NOT NULL DEFAULT 0, KEY troubleticketid (troubleticketid))
  ENGINE=MyISAM DEFAULT CHARSET=utf8;
CREATE TABLE troubleticket_files (id int(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, ticketid int(11) NOT NULL DEFAULT 0,
  filename varchar(50) NOT NULL DEFAULT '', dateadded datetime NOT NULL DEFAULT '0000-00-00 00:00:00', filekey varchar(16) NOT NULL,
  userid int(11) NOT NULL DEFAULT 0, troubleticket_log_id int(11) NOT NULL DEFAULT 0, UNIQUE KEY filekey (filekey),
  KEY ticketid (ticketid), KEY troubleticket_log_id (troubleticket_log_id)) ENGINE=MyISAM DEFAULT CHARSET=utf8;
CREATE TABLE troubleticket_type (id int(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, company_id int(11) NOT NULL DEFAULT 0,
  name varchar(40) NOT NULL DEFAULT '', description text NULL, myorder int(11) NOT NULL DEFAULT 0, enabled tinyint(4) NOT NULL DEFAULT 1,
  enabled_public tinyint(4) NOT NULL DEFAULT 1, target_dept int(11) NOT NULL DEFAULT 0, target_staff int(11) NOT NULL DEFAULT 0,
  systemid int(11) NOT NULL DEFAULT 0, allowclose tinyint(4) NOT NULL DEFAULT 1) ENGINE=MyISAM DEFAULT CHARSET=utf8;
CREATE TABLE departments (id int(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, company_id int(11) NOT NULL DEFAULT 0, name varchar(50) NOT NULL,
  is_generaldep tinyint(4) NOT NULL DEFAULT 0, lead_id int(11) NOT NULL DEFAULT 0, emails_to_notify text NULL) ENGINE=MyISAM DEFAULT CHARSET=utf8;
CREATE TABLE users (id int(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, company_id int(11) NOT NULL DEFAULT 0, groupid int(10) NOT NULL DEFAULT 1,
  firstname varchar(25) NOT NULL DEFAULT '', lastname varchar(25) NOT NULL DEFAULT '', email varchar(254) NOT NULL DEFAULT '',
  organization varchar(60) NOT NULL DEFAULT '', status int(11) NOT NULL DEFAULT 1, active tinyint(4) NOT NULL DEFAULT 1,
  signature_text text NULL, signature_html text NULL) ENGINE=MyISAM AUTO_INCREMENT=101 DEFAULT CHARSET=utf8;
CREATE TABLE ` + "`groups`" + ` (id int(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, name varchar(255) NOT NULL, isadmin tinyint(4) NOT NULL DEFAULT 0,
  issuperadmin tinyint(4) NOT NULL DEFAULT 0, iscustomersmaingroup tinyint(4) NOT NULL DEFAULT 0) ENGINE=MyISAM DEFAULT CHARSET=utf8;
CREATE TABLE statusalias (id int(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, statusid int(11) NOT NULL, name varchar(255) NOT NULL,
  aliasto int(11) NULL, type tinyint(4) NOT NULL, ` + "`system`" + ` tinyint(4) NOT NULL DEFAULT 0, ` + "`order`" + ` int(11) NOT NULL DEFAULT 0)
  ENGINE=MyISAM DEFAULT CHARSET=utf8;
CREATE TABLE setting (id int(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, company_id int(11) NOT NULL DEFAULT 0, name varchar(100) NOT NULL,
  value text NULL) ENGINE=MyISAM DEFAULT CHARSET=utf8;
CREATE TABLE events_log (id int(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, date datetime NOT NULL, user_id int(11) NOT NULL DEFAULT 0,
  entity_type varchar(50) NOT NULL DEFAULT '', entity_id int(11) NOT NULL DEFAULT 0, action varchar(50) NOT NULL DEFAULT '')
  ENGINE=MyISAM DEFAULT CHARSET=utf8;
`

// clientexecFixture (System Timezone Europe/Berlin): ticket 1 Carol's, her
// message with a file, a priority line, Alice's internal note, Alice's
// reply, an attachment-added line, the auto-close message (userid 0) and
// a status line; ticket 2 a guest's (groupid -1), opened by email in the
// hour Berlin repeats when clocks go back, in a custom status; ticket 3 of
// 2013, its subject and messages with HTML entities. Not to migrate: a
// log row of no ticket, a file of no message, an events_log row.
const clientexecFixture = `
INSERT INTO setting (company_id, name, value) VALUES (0, 'System Timezone', 'Europe/Berlin'), (0, 'Date Format', 'm/d/Y');
INSERT INTO ` + "`groups`" + ` (id, name, isadmin, issuperadmin, iscustomersmaingroup) VALUES
 (1, 'Customers', 0, 0, 1), (2, 'Super Admin', 1, 1, 0), (3, 'Support Staff', 1, 0, 0);
INSERT INTO users (id, groupid, firstname, lastname, email) VALUES
 (101, 1, 'Carol', 'Customer', 'carol@example.com'), (102, 3, 'Alice', 'Agent', 'alice@example.com'),
 (103, -1, 'Gary', '', 'gary@example.net'), (104, 2, 'Bob', 'Boss', 'bob@example.com');
INSERT INTO departments (id, name) VALUES (1, 'Support'), (2, 'Billing');
INSERT INTO statusalias (statusid, name, aliasto, type, ` + "`system`" + `, ` + "`order`" + `) VALUES
 (0, 'Unassigned', NULL, 2, 1, 1), (1, 'Open', NULL, 2, 1, 2), (2, 'In Progress', NULL, 2, 1, 3), (3, 'Waiting on Customer', NULL, 2, 1, 4),
 (-1, 'Closed', NULL, 2, 1, 5), (10, 'On Hold', 1, 2, 0, 6), (1, 'Active', NULL, 1, 1, 1);
INSERT INTO troubleticket (id, userid, subject, priority, datesubmitted, status, assignedtoid, assignedtodeptid, lastlog_datetime) VALUES
 (1, 101, 'Cannot log in', 1, '2024-03-10 10:00:00', -1, 102, 1, '2024-03-11 11:00:00'),
 (2, 103, 'Invoice question', 2, '2024-10-27 02:30:00', 10, 0, 2, '2024-10-27 03:15:00'),
 (3, 101, 'Caf&eacute; &amp; bar', 3, '2013-05-02 14:00:00', 3, 102, 1, '2013-05-02 15:00:00');
INSERT INTO troubleticket_log (id, troubleticketid, logtype, newstate, message, userid, externalemail, email, mydatetime, logaction, private) VALUES
 (1, 1, 0, NULL, 'I cannot log in', 101, 0, '', '2024-03-10 10:00:00', 0, 0),
 (2, 1, 5, 'High', '', 102, 0, '', '2024-03-10 10:01:00', 0, 0),
 (3, 1, 0, NULL, 'Checked the auth logs', 102, 0, '', '2024-03-10 10:30:00', 0, 1),
 (4, 1, 0, NULL, 'Please try again & tell me', 102, 0, '', '2024-03-10 10:45:00', 0, 0),
 (5, 1, 6, 'shot.png', '', 101, 0, '', '2024-03-10 10:00:00', 0, 0),
 (6, 1, 0, NULL, 'This ticket was closed automatically.', 0, 0, '', '2024-03-11 11:00:00', 2, 0),
 (7, 1, -1, 'Closed', '', 0, 0, '', '2024-03-11 11:00:00', 0, 0),
 (8, 2, 0, NULL, 'Why was I charged twice?', 103, 1, 'gary@example.net', '2024-10-27 02:30:00', 0, 0),
 (9, 2, 0, NULL, 'Refunded', 102, 0, '', '2024-10-27 03:15:00', 0, 0),
 (10, 3, 0, NULL, 'Ich h&auml;tte gern &lt;b&gt;Hilfe&lt;/b&gt; &quot;bitte&quot;', 101, 0, '', '2013-05-02 14:00:00', 0, 0),
 (11, 3, 0, NULL, 'Done &amp; dusted', 102, 0, '', '2013-05-02 15:00:00', 0, 0),
 (12, 0, 0, NULL, '', 0, 1, '', '2024-03-12 09:00:00', 0, 0);
INSERT INTO troubleticket_files (ticketid, filename, dateadded, filekey, userid, troubleticket_log_id) VALUES
 (1, 'shot.png', '2024-03-10 10:00:00', 'a1b2c3d4e5f6a7b8', 101, 1),
 (1, 'lost.txt', '2024-03-10 10:00:00', 'ffffffffffffffff', 101, 0);
INSERT INTO events_log (date, user_id, entity_type, entity_id, action) VALUES ('2024-03-10 10:00:00', 101, 'ticket', 1, 'created');
`

var cePNG = []byte("\x89PNG\r\n\x1a\nclientexec")

// clientexecFiles is a copy of ClientExec's uploads/support.
func clientexecFiles(t testing.TB) string {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a1b2c3d4e5f6a7b8"), cePNG, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ffffffffffffffff"), []byte("lost\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func clientexecDB(t testing.TB) string {
	name, _ := fixtureDB(t, "clientexec", clientexecDDL, clientexecFixture)
	return name
}

// The preset reads the zone from ClientExec's System Timezone setting
// (source.timezone not given): Berlin.
func TestClientExec(t *testing.T) {
	name := clientexecDB(t)
	dir := clientexecFiles(t)
	s := openSource(t, Options{Preset: PresetClientExec, DSN: srv.DSN(name), AttachmentsDir: dir, PageSize: 1}, sources.Env{})
	if z := s.Zone().String(); z != "Europe/Berlin" {
		t.Errorf("zone %s, want Europe/Berlin from the setting", z)
	}
	carol := sources.Person{Name: "Carol Customer", Email: "carol@example.com"}
	alice := sources.Person{Name: "Alice Agent", Email: "alice@example.com"}
	gary := sources.Person{Name: "Gary", Email: "gary@example.net"}
	want := []view{{
		ID: "1", Subject: "Cannot log in", Department: "Support", Status: "Closed", Priority: "High", Requester: carol,
		Created: "2024-03-10T09:00:00Z", Updated: "2024-03-11T10:00:00Z",
		Entries: []entryView{
			{ID: "1", Kind: "customer reply", Author: carol, Format: "text", Created: "2024-03-10T09:00:00Z", Body: "I cannot log in",
				Atts: []string{"shot.png 18 " + sha(cePNG)}},
			{ID: "3", Kind: "note", Author: alice, Format: "text", Created: "2024-03-10T09:30:00Z", Body: "Checked the auth logs"},
			{ID: "4", Kind: "staff reply", Author: alice, Format: "text", Created: "2024-03-10T09:45:00Z", Body: "Please try again & tell me"},
			{ID: "6", Kind: "staff reply", Author: sources.Person{Name: ClientExecSystemAuthor}, Format: "text", Created: "2024-03-11T10:00:00Z",
				Body: "This ticket was closed automatically."},
		},
	}, {
		ID: "2", Subject: "Invoice question", Department: "Billing", Status: "On Hold", Priority: "Medium", Requester: gary,
		Created: "2024-10-27T00:30:00Z", Updated: "2024-10-27T02:15:00Z",
		Problems: []string{codeField(sources.CodeDSTAmbiguous, "datesubmitted"), codeField(sources.CodeDSTAmbiguous, "mydatetime")},
		Entries: []entryView{
			{ID: "8", Kind: "customer reply", Author: gary, Format: "text", Created: "2024-10-27T00:30:00Z", Body: "Why was I charged twice?"},
			{ID: "9", Kind: "staff reply", Author: alice, Format: "text", Created: "2024-10-27T02:15:00Z", Body: "Refunded"},
		},
	}, {
		ID: "3", Subject: "Café & bar", Department: "Support", Status: "Waiting on Customer", Priority: "Low", Requester: carol,
		Created: "2013-05-02T12:00:00Z", Updated: "2013-05-02T13:00:00Z",
		Entries: []entryView{
			{ID: "10", Kind: "customer reply", Author: carol, Format: "text", Created: "2013-05-02T12:00:00Z", Body: `Ich hätte gern <b>Hilfe</b> "bitte"`},
			{ID: "11", Kind: "staff reply", Author: alice, Format: "text", Created: "2013-05-02T13:00:00Z", Body: "Done & dusted"},
		},
	}}
	compare(t, readAll(t, s), want)
	if n, err := s.Count(context.Background()); err != nil || n != 3 {
		t.Errorf("Count = %d, %v; want 3", n, err)
	}
	checkTicketFields(t, readAll(t, s), map[string]ticketFields{
		"1": {Number: "1", Assignee: alice},
		"2": {Number: "2"},
		"3": {Number: "3", Assignee: alice},
	})
}

func TestClientExecConformance(t *testing.T) {
	name := clientexecDB(t)
	dir := clientexecFiles(t)
	sourcetest.Run(t, func(t *testing.T) sources.Source {
		return openSourceNoCleanup(t, Options{Preset: PresetClientExec, DSN: srv.DSN(name), AttachmentsDir: dir, PageSize: 1})
	})
}

// source.timezone wins over the setting; without either the preset
// refuses to open, saying where the zone is found; a setting that names
// no zone is refused too.
func TestClientExecTimezone(t *testing.T) {
	name, db := fixtureDB(t, "clientexectz", clientexecDDL, clientexecFixture)
	tokyo := zonetest.Load(t, "Asia/Tokyo")
	s := openSource(t, Options{Preset: PresetClientExec, DSN: srv.DSN(name)}, sources.Env{Location: tokyo})
	got := readAll(t, s)
	if got[0].Created.UTC().Format(time.RFC3339) != "2024-03-10T01:00:00Z" {
		t.Errorf("in Tokyo: created %v, want 01:00Z", got[0].Created.UTC())
	}
	if _, err := db.Exec("UPDATE setting SET value = 'Mars/Olympus' WHERE name = 'System Timezone'"); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), Options{Preset: PresetClientExec, DSN: srv.DSN(name)}, sources.Env{})
	if err == nil || !strings.Contains(err.Error(), "Mars/Olympus") || !strings.Contains(err.Error(), "source.timezone") {
		t.Errorf("a setting naming no zone: %v", err)
	}
	if _, err := db.Exec("DELETE FROM setting WHERE name = 'System Timezone'"); err != nil {
		t.Fatal(err)
	}
	_, err = Open(context.Background(), Options{Preset: PresetClientExec, DSN: srv.DSN(name)}, sources.Env{})
	if err == nil || !strings.Contains(err.Error(), "source.timezone") || !strings.Contains(err.Error(), "System Timezone") {
		t.Errorf("open without a zone: %v", err)
	}
}

// The rows left out are counted by kind, as info.
func TestClientExecOmitted(t *testing.T) {
	name := clientexecDB(t)
	s := openSource(t, Options{Preset: PresetClientExec, DSN: srv.DSN(name)}, sources.Env{})
	got, err := s.Omitted(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, o := range got {
		lines = append(lines, o.String())
	}
	want := []string{
		"troubleticket_log: 1 status lines (logtype -1, 1) [left_out_line_item]",
		"troubleticket_log: 1 priority lines (logtype 5) [left_out_line_item]",
		"troubleticket_log: 1 attachment-added lines (logtype 6; the files go with their message) [left_out_line_item]",
		"troubleticket_log: 1 log rows of no ticket (troubleticketid 0 or gone) [left_out_line_item]",
		"troubleticket_files: 1 files of no message of their ticket (troubleticket_log_id 0, a state line, or gone) [left_out_orphan_attachment]",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("omitted:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	rep := validateOffline(t, s, clientexecMapping())
	probs, counts := leftOut(rep)
	if strings.Join(counts, " ") != "left_out_line_item=4 left_out_orphan_attachment=1" || strings.Join(probs, "\n") != strings.Join(want, "\n") {
		t.Errorf("validate left out: %q\n%s", counts, strings.Join(probs, "\n"))
	}
	if rep.Summary.Errors != 0 || rep.Tickets.Total != 3 {
		t.Errorf("validate summary %+v, tickets %+v", rep.Summary, rep.Tickets)
	}
}

// clientexecMapping maps the names the preset yields.
func clientexecMapping() mapping.Config {
	cfg := e2eMapping()
	cfg.Departments = map[string]mapping.Department{"Support": mapping.DeptID(1), "Billing": mapping.DeptID(2)}
	cfg.Statuses = map[string]string{"Unassigned": "Open", "Open": "Open", "In Progress": "In Progress",
		"Waiting on Customer": "Answered", "Closed": "Closed", "On Hold": "On Hold"}
	cfg.Priorities = map[string]string{"High": "High", "Medium": "Medium", "Low": "Low"}
	return cfg
}

// End to end into the realistic sandbox (it sanitises its input and
// stores utf8mb3), in Chicago: the Berlin wall clock read in
// source.timezone Europe/Berlin; ticket 2, opened in Berlin's repeated hour,
// at the earlier instant; the 2013 ticket's entities decoded; the note
// prefixed with its author; the auto-close message from
// mapping.default_staff; the guest's message as a guest reply; the state
// lines, the dirty row and the file of no message absent; the number in
// custom field 11, the assignee Alice as flag 4; a second run writes
// nothing.
func TestEndToEndClientExec(t *testing.T) {
	name := clientexecDB(t)
	zone := zonetest.Load(t, "America/Chicago")
	ws := whmcstest.NewServer(whmcstest.Options{TimeZone: zone, Seed: e2eSeed(), Sanitize: true, ThreeByte: true})
	t.Cleanup(ws.Close)
	e := &e2e{srv: ws, zone: zone, cp: filepath.Join(t.TempDir(), "checkpoint.db")}
	opts := Options{Preset: PresetClientExec, DSN: srv.DSN(name), AttachmentsDir: clientexecFiles(t), PageSize: 2}
	// source.timezone given (TestClientExec reads the setting instead).
	env := sources.Env{Location: zonetest.Load(t, "Europe/Berlin")}
	cfg := clientexecMapping()
	rep := e.run(t, opts, env, cfg)
	if want := (report.TicketCounts{Total: 3, Imported: 3}); rep.Tickets != want {
		t.Errorf("report %+v, want %+v; failures %+v", rep.Tickets, want, rep.Failures)
	}
	e.checkState(t, fmt.Sprintf(`
ticket dept=1 status=Answered priority=Low client=4 name="Carol Customer" email="carol@example.com" cc="" admin="" subject="Café &amp; bar"
  fields flag=4 11="3"
  open 2013-05-02 07:00:00 CDT md=false "Ich hätte gern &lt;b&gt;Hilfe&lt;/b&gt; &quot;bitte&quot;" 
  reply 2013-05-02 08:00:00 CDT admin:alice md=false "Done &amp; dusted" 
ticket dept=1 status=Closed priority=High client=4 name="Carol Customer" email="carol@example.com" cc="" admin="" subject="Cannot log in"
  fields flag=4 11="1"
  open 2024-03-10 04:00:00 CDT md=false "I cannot log in" [shot.png 18 %s]
  reply 2024-03-10 04:45:00 CDT admin:alice md=false "Please try again &amp; tell me" 
  reply 2024-03-11 05:00:00 CDT admin:admin md=false "This ticket was closed automatically." 
  note 2024-03-10 04:30:00 CDT admin:admin md=false "Alice Agent:\n\nChecked the auth logs" 
ticket dept=2 status=On Hold priority=Medium client=0 name="Gary" email="gary@example.net" cc="" admin="" subject="Invoice question"
  fields flag=0 11="2"
  open 2024-10-26 19:30:00 CDT md=false "Why was I charged twice?" 
  reply 2024-10-26 21:15:00 CDT admin:alice md=false "Refunded" 
`, sha256Hex(cePNG)))
	e.rerun(t, opts, env, cfg, report.TicketCounts{Total: 3, Unchanged: 3})
}

// Sync: a ticket held at its last change (lastlog_datetime or its latest
// log row, a state line included) is yielded with its header only; one
// whose log gained a row since is read whole.
func TestClientExecHeld(t *testing.T) {
	name, db := fixtureDB(t, "clientexecheld", clientexecDDL, clientexecFixture)
	s := openSource(t, Options{Preset: PresetClientExec, DSN: srv.DSN(name), AttachmentsDir: clientexecFiles(t)}, sources.Env{})
	versions := map[string]int64{}
	for _, tk := range readAll(t, s) {
		versions[tk.ID] = tk.Updated.Unix()
	}
	// A status line on ticket 3, newer than its version held.
	if _, err := db.Exec("INSERT INTO troubleticket_log (troubleticketid, logtype, newstate, message, mydatetime) VALUES (3, -1, 'Closed', '', '2013-05-03 09:00:00')"); err != nil {
		t.Fatal(err)
	}
	held := &sources.Held{Versions: sources.VersionsOf(versions), Settled: time.Now()}
	var read []string
	for tk, err := range s.Tickets(context.Background(), sources.ReadOptions{Held: held}) {
		if err != nil {
			t.Fatal(err)
		}
		if !tk.ThreadSkipped {
			read = append(read, tk.ID)
		}
	}
	if strings.Join(read, ",") != "3" {
		t.Errorf("threads read %q, want only 3 (changed since)", read)
	}
}

// The setting table is read only for the zone: a user who may not read it
// opens with source.timezone, and without it is told the GRANT.
func TestClientExecSettingGrant(t *testing.T) {
	name := clientexecDB(t)
	dsn := grantDSN(t, name, []string{"setting"})
	s := openSource(t, Options{Preset: PresetClientExec, DSN: dsn}, sources.Env{Location: time.UTC})
	if n := len(readAll(t, s)); n != 3 {
		t.Errorf("read %d tickets, want 3", n)
	}
	err := openErr(t, Options{Preset: PresetClientExec, DSN: dsn}, sources.Env{})
	if !strings.Contains(err.Error(), "table setting") || !strings.Contains(err.Error(), "GRANT SELECT ON `"+name+"`.`setting`") {
		t.Errorf("no zone, setting hidden: %v", err)
	}
}
