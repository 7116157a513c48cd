package mysql

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/internal/zonetest"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/sources/sourcetest"
)

// blestaDDL is Blesta 5's core tables the reader joins and the Support
// Manager 3.3 plugin's tables, as shared/research/source-schemas-2.md §2.2
// describes them (Record::create: NOT NULL unless nullable; utf8, as
// Blesta's minphp bridge makes them), loaded under Blesta's TRADITIONAL
// sql_mode.
const blestaDDL = `
SET SESSION sql_mode = 'TRADITIONAL';
SET NAMES utf8;
CREATE TABLE settings (` + "`key`" + ` varchar(255) NOT NULL PRIMARY KEY, value text NOT NULL, encrypted tinyint(1) NOT NULL DEFAULT 0,
  comment text NULL, inherit tinyint(1) NOT NULL DEFAULT 1) ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci;
CREATE TABLE company_settings (` + "`key`" + ` varchar(255) NOT NULL, company_id int(10) unsigned NOT NULL, value text NOT NULL,
  encrypted tinyint(1) NOT NULL DEFAULT 0, inherit tinyint(1) NOT NULL DEFAULT 1, PRIMARY KEY (` + "`key`" + `, company_id))
  ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci;
CREATE TABLE staff (id int(10) unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, user_id int(10) unsigned NOT NULL, first_name varchar(64) NOT NULL,
  last_name varchar(64) NOT NULL, email varchar(255) NOT NULL, email_mobile varchar(255) NULL, number_mobile varchar(64) NULL,
  status enum('active','inactive') NOT NULL DEFAULT 'active') ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci;
CREATE TABLE clients (id int(10) unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, id_format varchar(64) NOT NULL, id_value int(10) unsigned NOT NULL,
  user_id int(10) unsigned NOT NULL, client_group_id int(10) unsigned NOT NULL, status enum('active','inactive','fraud') NOT NULL DEFAULT 'active')
  ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci;
CREATE TABLE contacts (id int(10) unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, client_id int(10) unsigned NOT NULL, user_id int(10) unsigned NULL,
  contact_type enum('primary','billing','other') NOT NULL DEFAULT 'primary', contact_type_id int(10) unsigned NULL,
  first_name varchar(128) NOT NULL, last_name varchar(128) NOT NULL, title varchar(64) NULL, company varchar(128) NULL,
  email varchar(255) NOT NULL, date_added datetime NOT NULL, KEY client_id (client_id, contact_type))
  ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci;
CREATE TABLE support_departments (id int(10) unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, company_id int(10) unsigned NOT NULL,
  name varchar(255) NOT NULL, description text NOT NULL, email varchar(255) NOT NULL,
  method enum('pipe','pop3','imap','oauth2','none') NOT NULL DEFAULT 'pipe',
  default_priority enum('emergency','critical','high','medium','low') NOT NULL DEFAULT 'low', clients_only tinyint(1) NOT NULL DEFAULT 1,
  status enum('hidden','visible') NOT NULL DEFAULT 'visible', KEY company_id (company_id)) ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci;
CREATE TABLE support_tickets (id int(10) unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, code varchar(128) NOT NULL,
  department_id int(10) unsigned NOT NULL, staff_id int(10) unsigned NULL, service_id int(10) unsigned NULL, client_id int(10) unsigned NULL,
  email varchar(255) NULL, summary varchar(255) NOT NULL, priority enum('emergency','critical','high','medium','low') NOT NULL DEFAULT 'low',
  request_feedback tinyint(1) NOT NULL DEFAULT 0, rating int(10) unsigned NULL, rating_comment text NULL, date_rated datetime NULL,
  status enum('open','awaiting_reply','in_progress','on_hold','closed','trash') NOT NULL DEFAULT 'open',
  date_added datetime NOT NULL, date_updated datetime NOT NULL, date_closed datetime NULL,
  KEY code (code), KEY department_id (department_id, status), KEY client_id (client_id))
  ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci;
CREATE TABLE support_replies (id int(10) unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, ticket_id int(10) unsigned NOT NULL,
  staff_id int(10) unsigned NULL, contact_id int(10) unsigned NULL, type enum('reply','note','log') NOT NULL DEFAULT 'reply',
  details mediumtext NOT NULL, ai_response_id int(10) unsigned NULL, ai_tool_analysis_id int(10) unsigned NULL,
  ai_queued tinyint(1) NOT NULL DEFAULT 0, is_ai_generated tinyint(1) NULL, ai_summary text NULL, date_added datetime NOT NULL,
  KEY ticket_id (ticket_id, type), KEY staff_id (staff_id)) ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci;
CREATE TABLE support_attachments (id int(10) unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, reply_id int(10) unsigned NOT NULL,
  name varchar(255) NOT NULL, file_name varchar(255) NOT NULL, KEY reply_id (reply_id)) ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci;
CREATE TABLE support_ticket_recipients (id int(10) unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, ticket_id int(10) unsigned NOT NULL,
  contact_id int(10) unsigned NULL, email varchar(255) NULL, KEY ticket_id (ticket_id)) ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci;
CREATE TABLE support_department_fields (id int(10) unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, department_id int(10) unsigned NOT NULL,
  ` + "`order`" + ` int(10) unsigned NOT NULL DEFAULT 0, label varchar(255) NOT NULL, description text NULL,
  visibility enum('client','client_only','staff') NOT NULL DEFAULT 'client',
  type enum('checkbox','radio','select','quantity','text','textarea','password','emergency') NOT NULL DEFAULT 'text',
  min int(10) NULL, max int(10) NULL, step int(10) NULL, client_add tinyint(1) NOT NULL DEFAULT 1, required tinyint(1) NOT NULL DEFAULT 0,
  encrypted tinyint(1) NOT NULL DEFAULT 0, auto_delete tinyint(1) NOT NULL DEFAULT 0, options mediumtext NULL)
  ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci;
CREATE TABLE support_ticket_fields (ticket_id int(10) unsigned NOT NULL, field_id int(10) unsigned NOT NULL, value text NULL,
  encrypted tinyint(1) NOT NULL DEFAULT 0, PRIMARY KEY (ticket_id, field_id)) ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci;
CREATE TABLE support_ai_response_analyses (id int(10) unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, ticket_id int(10) unsigned NOT NULL,
  response_text text NULL, status enum('pending','used','expired','no_response_needed') NOT NULL DEFAULT 'pending')
  ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci;
`

// blestaFixture (UTC DATETIMEs): ticket 1 a client's, with an inline
// image, a log row, a note, a staff reply, a reply by another contact of
// the client, a system reply and a signature-only (empty) reply, two
// recipients; 2 a guest's, one of whose attachments points outside the
// uploads; 3 in the trash; 4 another company's. One attachment belongs to
// no reply, one AI draft.
const blestaFixture = `
SET SESSION sql_mode = 'TRADITIONAL';
INSERT INTO settings (` + "`key`" + `, value) VALUES ('uploads_dir', '/var/www/uploads/');
INSERT INTO company_settings (` + "`key`" + `, company_id, value) VALUES ('uploads_dir', 1, '/home/blesta/uploads/'), ('timezone', 1, 'America/New_York');
INSERT INTO staff (id, user_id, first_name, last_name, email) VALUES (1, 1, 'Alice', 'Agent', 'alice@example.com');
INSERT INTO clients (id, id_format, id_value, user_id, client_group_id) VALUES (10, '{num}', 1500, 2, 1);
INSERT INTO contacts (id, client_id, contact_type, first_name, last_name, email, date_added) VALUES
 (1, 10, 'primary', 'Carol', 'Customer', 'carol@example.com', '2024-01-01 00:00:00'),
 (2, 10, 'other', 'Erin', 'Ops', 'erin@acme.example', '2024-01-01 00:00:00');
INSERT INTO support_departments (id, company_id, name, description, email) VALUES
 (1, 1, 'Support', '', 'support@example.com'), (2, 1, 'Billing', '', 'billing@example.com'), (3, 2, 'Other Co', '', 'help@other.example');
INSERT INTO support_tickets (id, code, department_id, staff_id, client_id, email, summary, priority, status, date_added, date_updated, date_closed) VALUES
 (1, '1821914', 1, 1, 10, NULL, 'Cannot log in', 'emergency', 'closed', '2024-03-10 09:00:00', '2024-03-11 10:00:00', '2024-03-11 10:00:00'),
 (2, '5550001', 2, NULL, NULL, 'gary@example.net', 'Invoice question', 'medium', 'awaiting_reply', '2024-07-01 12:00:00', '2024-07-01 13:00:00', NULL),
 (3, '5550002', 1, NULL, 10, NULL, 'Trashed', 'low', 'trash', '2024-07-02 12:00:00', '2024-07-02 12:00:00', NULL),
 (4, '5550003', 3, NULL, NULL, 'x@other.example', 'Other company', 'low', 'open', '2024-07-03 12:00:00', '2024-07-03 12:00:00', NULL);
INSERT INTO support_replies (id, ticket_id, staff_id, contact_id, type, details, date_added) VALUES
 (1, 1, NULL, NULL, 'reply', 'I cannot log in\n\n![shot](blesta-attachment://2)', '2024-03-10 09:00:00'),
 (2, 1, 1, NULL, 'log', 'The priority has been changed to Emergency.', '2024-03-10 09:01:00'),
 (3, 1, 1, NULL, 'note', 'Checked **auth** logs', '2024-03-10 09:30:00'),
 (4, 1, 1, NULL, 'reply', 'Please try again', '2024-03-10 09:45:00'),
 (5, 1, NULL, 2, 'reply', 'Works for me too', '2024-03-10 10:00:00'),
 (6, 1, 0, NULL, 'reply', 'This ticket has been closed due to inactivity.', '2024-03-11 10:00:00'),
 (7, 1, 1, NULL, 'reply', '', '2024-03-11 10:00:00'),
 (8, 2, NULL, NULL, 'reply', 'Why was I charged **twice**?', '2024-07-01 12:00:00'),
 (9, 2, 1, NULL, 'reply', 'Refunded', '2024-07-01 13:00:00'),
 (10, 3, NULL, NULL, 'reply', 'trashed', '2024-07-02 12:00:00'),
 (11, 3, 1, NULL, 'log', 'The status has been changed to Trash.', '2024-07-02 12:00:00'),
 (12, 4, NULL, NULL, 'reply', 'other', '2024-07-03 12:00:00');
INSERT INTO support_attachments (id, reply_id, name, file_name) VALUES
 (1, 1, 'log one.txt', '/home/blesta/uploads/1/support_manager_files/20240310T090000+0000_aaa.txt'),
 (2, 1, 'shot.png', '/old/server/uploads/1/support_manager_files/20240310T090000+0000_bbb.png'),
 (3, 8, 'passwd', '/etc/passwd'),
 (4, 0, 'orphan.png', '/home/blesta/uploads/1/support_manager_files/20240310T090000+0000_ccc.png');
INSERT INTO support_ticket_recipients (ticket_id, contact_id, email) VALUES (1, NULL, 'boss@acme.example'), (1, 2, NULL);
INSERT INTO support_department_fields (id, department_id, label, type, encrypted) VALUES (1, 1, 'Domain', 'text', 0),
 (2, 1, 'Root password', 'password', 1), (3, 3, 'Other company field', 'text', 0);
INSERT INTO support_ticket_fields (ticket_id, field_id, value, encrypted) VALUES (1, 1, 'acme.example', 0), (1, 2, 'c2VjcmV0', 1);
INSERT INTO support_ai_response_analyses (ticket_id, response_text) VALUES (1, 'Have you tried turning it off and on again?');
`

var blPNG = []byte("\x89PNG\r\n\x1a\nblesta")

// blestaFiles is a copy of Blesta's uploads directory.
func blestaFiles(t testing.TB) string {
	dir := t.TempDir()
	for rel, body := range map[string][]byte{
		"1/support_manager_files/20240310T090000+0000_aaa.txt": []byte("log one\n"),
		"1/support_manager_files/20240310T090000+0000_bbb.png": blPNG,
	} {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func blestaDB(t testing.TB) string {
	name, _ := fixtureDB(t, "blesta", blestaDDL, blestaFixture)
	return name
}

func TestBlesta(t *testing.T) {
	name := blestaDB(t)
	dir := blestaFiles(t)
	// The configured zone is not used: Blesta stores UTC.
	tokyo := zonetest.Load(t, "Asia/Tokyo")
	s := openSource(t, Options{Preset: PresetBlesta, DSN: srv.DSN(name), AttachmentsDir: dir, PageSize: 1}, sources.Env{Location: tokyo})
	carol := sources.Person{Name: "Carol Customer", Email: "carol@example.com"}
	alice := sources.Person{Name: "Alice Agent", Email: "alice@example.com"}
	gary := sources.Person{Email: "gary@example.net"}
	want := []view{{
		ID: "1", Subject: "Cannot log in", Department: "Support", Status: "closed", Priority: "emergency", Requester: carol,
		CC: []string{"boss@acme.example", "erin@acme.example"}, Created: "2024-03-10T09:00:00Z", Updated: "2024-03-11T10:00:00Z",
		Problems: []string{codeField(sources.CodeMissingField, "details")},
		Entries: []entryView{
			{ID: "1", Kind: "customer reply", Author: carol, Format: "markdown", Created: "2024-03-10T09:00:00Z",
				Body: "I cannot log in\n\n![shot](cid:2)", Atts: []string{"log one.txt 8 " + sha([]byte("log one\n")), "shot.png 14 " + sha(blPNG)}},
			{ID: "3", Kind: "note", Author: alice, Format: "markdown", Created: "2024-03-10T09:30:00Z", Body: "Checked **auth** logs"},
			{ID: "4", Kind: "staff reply", Author: alice, Format: "markdown", Created: "2024-03-10T09:45:00Z", Body: "Please try again"},
			{ID: "5", Kind: "customer reply", Author: sources.Person{Name: "Erin Ops", Email: "erin@acme.example"}, Format: "markdown",
				Created: "2024-03-10T10:00:00Z", Body: "Works for me too"},
			{ID: "6", Kind: "staff reply", Author: sources.Person{Name: BlestaSystemAuthor}, Format: "markdown", Created: "2024-03-11T10:00:00Z",
				Body: "This ticket has been closed due to inactivity."},
		},
	}, {
		ID: "2", Subject: "Invoice question", Department: "Billing", Status: "awaiting_reply", Priority: "medium", Requester: gary,
		Created: "2024-07-01T12:00:00Z", Updated: "2024-07-01T13:00:00Z",
		Problems: []string{codeField(sources.CodeAttachmentPath, "attachment")},
		Entries: []entryView{
			{ID: "8", Kind: "customer reply", Author: gary, Format: "markdown", Created: "2024-07-01T12:00:00Z", Body: "Why was I charged **twice**?"},
			{ID: "9", Kind: "staff reply", Author: alice, Format: "markdown", Created: "2024-07-01T13:00:00Z", Body: "Refunded"},
		},
	}}
	compare(t, readAll(t, s), want)
	if n, err := s.Count(context.Background()); err != nil || n != 2 {
		t.Errorf("Count = %d, %v; want 2", n, err)
	}
	sourcetest.Run(t, func(t *testing.T) sources.Source {
		return openSourceNoCleanup(t, Options{Preset: PresetBlesta, DSN: srv.DSN(name), AttachmentsDir: dir, PageSize: 1})
	})
}

// company_id selects another company's tickets.
func TestBlestaCompany(t *testing.T) {
	name := blestaDB(t)
	s := openSource(t, Options{Preset: PresetBlesta, DSN: srv.DSN(name), CompanyID: 2}, sources.Env{})
	got := readAll(t, s)
	if len(got) != 1 || got[0].ID != "4" || got[0].Department != "Other Co" {
		t.Fatalf("company 2: got %d tickets %+v", len(got), got)
	}
}

// The rows left out are counted by kind, as info.
func TestBlestaOmitted(t *testing.T) {
	name := blestaDB(t)
	s := openSource(t, Options{Preset: PresetBlesta, DSN: srv.DSN(name)}, sources.Env{})
	got, err := s.Omitted(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, o := range got {
		if o.Severity != sources.Info || o.Ticket != "" || o.Origin == "" {
			t.Errorf("omission %+v: want severity info, no ticket, an origin", o)
		}
		lines = append(lines, o.String())
	}
	want := []string{
		"support_tickets: 1 tickets in the trash (status trash) [left_out_deleted]",
		"support_replies: 1 log rows: status, priority, department and assignment changes (type log) [left_out_line_item]",
		"support_attachments: 1 attachments of no saved reply (reply_id 0 or gone), all companies [left_out_orphan_attachment]",
		"support_ai_response_analyses: 1 AI-suggested replies, drafts never sent [left_out_ai_draft]",
		"support_tickets: 1 tickets of other companies than company_id 1 [left_out_other_company]",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("omitted:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

// Stored paths are re-rooted under attachments_dir: by the recorded
// uploads_dir, else by their <company>/support_manager_files/<file> tail.
func TestBlestaRelPath(t *testing.T) {
	b := &blesta{uploads: `C:\blesta\uploads\`}
	for in, want := range map[string]string{
		`C:\blesta\uploads\1\support_manager_files\x.txt`:  "1/support_manager_files/x.txt",
		"/srv/moved/uploads/2/support_manager_files/y.png": "2/support_manager_files/y.png",
		"/etc/passwd":                        "",
		"C:/blesta/uploads/../../etc/passwd": "../../etc/passwd",
	} {
		got, ok := b.relPath(in)
		if got != want || ok != (want != "") {
			t.Errorf("relPath(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

// End to end: UTC DATETIMEs into a Chicago WHMCS (the configured Tokyo
// zone unused); Markdown sent as Markdown, the inline image as a marker
// naming its file; the client's other contact as a guest reply; the system
// reply as a staff reply from mapping.default_staff; the recipients as CC;
// emergency priority mapped to High; the log row, the empty reply, the
// trashed and the other company's tickets absent; the attachment outside
// the uploads left out; the code in ticket custom field 11, the Domain
// department field in 12, the assignee Alice as flag 4; a second run
// writes nothing.
func TestEndToEndBlesta(t *testing.T) {
	name := blestaDB(t)
	e := newE2E(t)
	opts := Options{Preset: PresetBlesta, DSN: srv.DSN(name), AttachmentsDir: blestaFiles(t), PageSize: 1}
	env := sources.Env{Location: zonetest.Load(t, "Asia/Tokyo"), Fields: []string{"Domain"}}
	cfg := e2eMapping()
	cfg.Departments = map[string]mapping.Department{"Support": {ID: 1}, "Billing": {ID: 2}}
	cfg.Statuses = map[string]string{"open": "Open", "awaiting_reply": "Answered", "in_progress": "In Progress", "on_hold": "On Hold", "closed": "Closed"}
	cfg.CustomFields = map[string]int{"Domain": 12}
	rep := e.run(t, opts, env, cfg)
	if want := (report.TicketCounts{Total: 2, Imported: 2}); rep.Tickets != want {
		t.Errorf("report %+v, want %+v; failures %+v", rep.Tickets, want, rep.Failures)
	}
	e.checkState(t, fmt.Sprintf(`
ticket dept=1 status=Closed priority=High client=4 name="Carol Customer" email="carol@example.com" cc="boss@acme.example,erin@acme.example" admin="" subject="Cannot log in"
  fields flag=4 11="1821914" 12="acme.example"
  open 2024-03-10 04:00:00 CDT md=true "I cannot log in\n\n[inline image: shot.png, attached]" [log one.txt 8 %s] [shot.png 14 %s]
  reply 2024-03-10 04:45:00 CDT admin:alice md=true "Please try again" 
  reply 2024-03-10 05:00:00 CDT client:0 "Erin Ops" "erin@acme.example" md=true "Works for me too" 
  reply 2024-03-11 05:00:00 CDT admin:admin md=true "This ticket has been closed due to inactivity." 
  note 2024-03-10 04:30:00 CDT admin:admin md=true "**Alice Agent:**\n\nChecked **auth** logs" 
ticket dept=2 status=Answered priority=Medium client=0 name="gary" email="gary@example.net" cc="" admin="" subject="Invoice question"
  fields flag=0 11="5550001"
  open 2024-07-01 07:00:00 CDT md=true "Why was I charged **twice**?" 
  reply 2024-07-01 08:00:00 CDT admin:alice md=true "Refunded" 
`, sha256Hex([]byte("log one\n")), sha256Hex(blPNG)))
	e.rerun(t, opts, env, cfg, report.TicketCounts{Total: 2, Unchanged: 2})
}

// Blesta: the code as the number, staff_id as the assignee, department
// fields by label (an encrypted value a warning, not carried), recipients
// as CC; a field of another company's department is not this company's.
func TestBlestaTicketFields(t *testing.T) {
	name := blestaDB(t)
	s := openSource(t, Options{Preset: PresetBlesta, DSN: srv.DSN(name), AttachmentsDir: blestaFiles(t)},
		sources.Env{Fields: []string{"domain", "Root password"}})
	got := readAll(t, s)
	checkTicketFields(t, got, map[string]ticketFields{
		"1": {Number: "1821914", Assignee: sources.Person{Name: "Alice Agent", Email: "alice@example.com"},
			Fields: map[string]string{"domain": "acme.example"}, CC: []string{"boss@acme.example", "erin@acme.example"}},
		"2": {Number: "5550001"},
	})
	if p := got[0].Problems; len(p) != 2 || p[0].Code != sources.CodeBadValue || p[0].Field != "root password" {
		t.Errorf("ticket 1 problems %v, want the encrypted field's bad_value first", p)
	}
	_, err := Open(t.Context(), Options{Preset: PresetBlesta, DSN: srv.DSN(name)}, sources.Env{Fields: []string{"Other company field"}})
	if err == nil || !strings.Contains(err.Error(), "mapping.custom_fields names other company field, which is no Blesta department field") {
		t.Errorf("another company's field: %v", err)
	}
}
