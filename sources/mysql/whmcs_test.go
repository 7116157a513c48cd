package mysql

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/internal/zonetest"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/sources/sourcetest"
)

// whmcsDDL follows the WHMCS 8.4 tables described in
// shared/research/source-schemas.md §2 (only the columns the reader uses,
// plus a few it must ignore).
const whmcsDDL = `
CREATE TABLE tblticketdepartments (id int PRIMARY KEY, name text NOT NULL, description text, email text, hidden text);
CREATE TABLE tblclients (id int PRIMARY KEY, firstname text, lastname text, companyname text, email text, status text);
CREATE TABLE tblcontacts (id int PRIMARY KEY, userid int, firstname text, lastname text, email text);
CREATE TABLE tbladmins (id int PRIMARY KEY, username text, firstname text, lastname text, email text, disabled int DEFAULT 0);
CREATE TABLE tbltickets (id int PRIMARY KEY AUTO_INCREMENT, tid varchar(128), did int, userid int, contactid int DEFAULT 0,
  requestor_id int unsigned DEFAULT 0, name text, email text, cc text, c text, ipaddress text, date datetime,
  title text, message text, status varchar(64), urgency text, admin text, attachment text,
  attachments_removed tinyint(1) DEFAULT 0, lastreply datetime, flag int DEFAULT 0, service text,
  merged_ticket_id int DEFAULT 0, editor enum('plain','markdown','bbcode') DEFAULT 'plain',
  updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE tblticketreplies (id int PRIMARY KEY AUTO_INCREMENT, tid int, userid int, contactid int DEFAULT 0,
  requestor_id int unsigned DEFAULT 0, name text, email text, date datetime, message text, admin text,
  attachment text, attachments_removed tinyint(1) DEFAULT 0, rating int DEFAULT 0, editor enum('plain','markdown') DEFAULT 'plain');
CREATE TABLE tblcustomfields (id int PRIMARY KEY, type text, relid int DEFAULT 0, fieldname text, fieldtype text);
CREATE TABLE tblcustomfieldsvalues (fieldid int, relid int, value text);
CREATE TABLE tblticketnotes (id int PRIMARY KEY AUTO_INCREMENT, ticketid int, admin text, date datetime, message text,
  attachments text, attachments_removed tinyint(1) DEFAULT 0, editor enum('plain','markdown') DEFAULT 'plain');
`

const whmcsFixture = `
INSERT INTO tblticketdepartments VALUES (1, 'Technical Support', '', 'support@example.com', ''), (2, 'Billing', '', 'billing@example.com', '');
INSERT INTO tblclients VALUES (55, 'Carol', 'Customer', 'Acme Ltd', 'carol@example.com', 'Active');
INSERT INTO tblcontacts VALUES (7, 55, 'Erin', 'Ops', 'erin@acme.example');
INSERT INTO tbladmins VALUES (1, 'alice', 'Alice', 'Agent', 'alice@example.com', 0), (2, 'bob', 'Bob', 'Billing', 'bob@example.com', 0);
INSERT INTO tblcustomfields VALUES (1, 'support', 1, 'Domain', 'text'), (2, 'support', 1, 'plan|Hosting plan', 'dropdown'),
 (3, 'client', 0, 'VAT number', 'text');
INSERT INTO tblcustomfieldsvalues VALUES (1, 101, 'acme.example'), (2, 101, 'Pro &amp; more'), (1, 102, ''), (3, 55, 'IE123');
INSERT INTO tbltickets (id, tid, did, userid, contactid, name, email, cc, date, title, message, status, urgency, admin, attachment, lastreply, merged_ticket_id, editor, updated_at, flag) VALUES
 (101, '482913', 1, 55, 0, '', '', 'boss@acme.example, ops@acme.example', '2024-03-10 09:00:00', 'Can&#039;t reach my site', 'It&#039;s down since 8am — ärgerlich', 'Closed', 'High', '', '', '2024-03-11 10:00:00', 0, 'plain', '2024-03-11 10:00:05', 1),
 (102, '733104', 2, 0, 0, 'Gary Guest', 'gary@example.net', '', '2024-03-12 14:00:00', 'Invoice question', '**Why** was I charged twice?', 'Open', 'Medium', '', '', '2024-03-12 15:00:00', 0, 'markdown', '2024-03-12 15:00:00', 2),
 (103, '599002', 1, 55, 7, '', '', '', '2024-03-13 08:00:00', 'DNS change', 'Opened on behalf of Erin', 'Answered', 'Low', 'Alice Agent', '', '0000-00-00 00:00:00', 0, 'plain', '2024-03-13 08:00:00', 0),
 (104, '100001', 1, 55, 0, '', '', '', '2024-03-14 08:00:00', 'Merged away', 'dup', 'Closed', 'Low', '', '', NULL, 101, 'plain', '2024-03-14 08:00:00', 0);
INSERT INTO tblticketreplies (id, tid, userid, contactid, name, email, date, message, admin, attachment, attachments_removed, editor) VALUES
 (1, 101, 0, 0, '', '', '2024-03-10 09:30:00', 'Please **restart** the app', 'Alice Agent', '', 0, 'markdown'),
 (2, 101, 55, 0, '', '', '2024-03-10 11:00:00', 'Logs attached', '', '112233_log1.txt|445566_log 2 ü.txt|999999_missing.txt|../../etc/passwd', 0, 'plain'),
 (3, 102, 0, 0, 'Gary Guest', 'gary@example.net', '2024-03-12 15:00:00', 'Thanks', '', '', 0, 'plain'),
 (4, 101, 0, 0, '', '', '2024-03-11 10:00:00', 'Resolved', 'Former Admin', '777777_old.txt', 1, 'plain');
INSERT INTO tblticketnotes (id, ticketid, admin, date, message, attachments, editor) VALUES
 (1, 101, 'Bob Billing', '2024-03-10 09:30:00', 'Customer is on the legacy plan', '778899_auth.log', 'plain');
`

func whmcsFiles(t *testing.T) string {
	dir := t.TempDir()
	for name, body := range map[string]string{"112233_log1.txt": "log one\n", "445566_log 2 ü.txt": "log two\n", "778899_auth.log": "auth\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A file outside the directory that a ../ name would reach.
	if err := os.WriteFile(filepath.Join(filepath.Dir(dir), "passwd"), []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestWHMCS(t *testing.T) {
	name, _ := fixtureDB(t, "whmcs", whmcsDDL, whmcsFixture)
	chicago := zonetest.Load(t, "America/Chicago")
	s := openSource(t, Options{Preset: "whmcs", DSN: srv.DSN(name), AttachmentsDir: whmcsFiles(t)}, sources.Env{Location: chicago})
	if n, err := s.Count(context.Background()); err != nil || n != 3 {
		t.Errorf("Count = %d, %v; want 3 (merged ticket excluded)", n, err)
	}
	carol := sources.Person{Name: "Carol Customer", Email: "carol@example.com"}
	alice := sources.Person{Name: "Alice Agent", Email: "alice@example.com"}
	gary := sources.Person{Name: "Gary Guest", Email: "gary@example.net"}
	erin := sources.Person{Name: "Erin Ops", Email: "erin@acme.example"}
	// Chicago is UTC-5 (CDT) from 2024-03-10 03:00, UTC-6 before.
	want := []view{{
		ID: "101", Subject: "Can't reach my site", Department: "Technical Support", Status: "Closed", Priority: "High",
		Requester: carol, CC: []string{"boss@acme.example", "ops@acme.example"},
		Created: "2024-03-10T14:00:00Z", Updated: "2024-03-11T15:00:00Z",
		Problems: []string{codeField(sources.CodeAttachmentMissing, "attachment"), codeField(sources.CodeAttachmentPath, "attachment"), codeField(sources.CodeAttachmentMissing, "attachment")},
		Entries: []entryView{
			{ID: "ticket", Kind: "customer reply", Author: carol, Format: "text", Created: "2024-03-10T14:00:00Z", Body: "It's down since 8am — ärgerlich"},
			{ID: "r1", Kind: "staff reply", Author: alice, Format: "markdown", Created: "2024-03-10T14:30:00Z", Body: "Please **restart** the app"},
			{ID: "n1", Kind: "note", Author: sources.Person{Name: "Bob Billing", Email: "bob@example.com"}, Format: "text",
				Created: "2024-03-10T14:30:00Z", Body: "Customer is on the legacy plan", Atts: []string{"auth.log 5 " + sha([]byte("auth\n"))}},
			{ID: "r2", Kind: "customer reply", Author: carol, Format: "text", Created: "2024-03-10T16:00:00Z", Body: "Logs attached",
				Atts: []string{"log1.txt 8 " + sha([]byte("log one\n")), "log 2 ü.txt 8 " + sha([]byte("log two\n"))}},
			{ID: "r4", Kind: "staff reply", Author: sources.Person{Name: "Former Admin"}, Format: "text", Created: "2024-03-11T15:00:00Z", Body: "Resolved"},
		},
	}, {
		ID: "102", Subject: "Invoice question", Department: "Billing", Status: "Open", Priority: "Medium",
		Requester: gary, Created: "2024-03-12T19:00:00Z", Updated: "2024-03-12T20:00:00Z",
		Entries: []entryView{
			{ID: "ticket", Kind: "customer reply", Author: gary, Format: "markdown", Created: "2024-03-12T19:00:00Z", Body: "**Why** was I charged twice?"},
			{ID: "r3", Kind: "customer reply", Author: gary, Format: "text", Created: "2024-03-12T20:00:00Z", Body: "Thanks"},
		},
	}, {
		ID: "103", Subject: "DNS change", Department: "Technical Support", Status: "Answered", Priority: "Low",
		Requester: erin, Created: "2024-03-13T13:00:00Z", Updated: "2024-03-13T13:00:00Z",
		Entries: []entryView{
			{ID: "ticket", Kind: "staff reply", Author: alice, Format: "text", Created: "2024-03-13T13:00:00Z", Body: "Opened on behalf of Erin"},
		},
	}}
	got := readAll(t, s)
	compare(t, got, want)
	for _, p := range got[0].Problems {
		if p.Code == sources.CodeAttachmentPath && p.Entry != "r2" {
			t.Errorf("path problem on entry %q", p.Entry)
		}
	}
	// keep_client_ids carries the old client ids, for an install whose
	// clients were copied with them.
	keep := readAll(t, openSource(t, Options{Preset: "whmcs", DSN: srv.DSN(name), KeepClientIDs: true}, sources.Env{Location: chicago}))
	if len(keep) != 3 || keep[0].ClientID != 55 || keep[1].ClientID != 0 || keep[2].ClientID != 55 {
		t.Errorf("keep_client_ids: client ids %d, %d, %d; want 55, 0 (guest), 55", keep[0].ClientID, keep[1].ClientID, keep[2].ClientID)
	}
	dir := whmcsFiles(t)
	sourcetest.Run(t, func(t *testing.T) sources.Source {
		return openSourceNoCleanup(t, Options{Preset: "whmcs", DSN: srv.DSN(name), AttachmentsDir: dir, PageSize: 1})
	})
}

func TestWHMCSName(t *testing.T) {
	for in, want := range map[string]string{"123456_file name.txt": "file name.txt", "abc_def.txt": "abc_def.txt", "12_": "12_", "noprefix.txt": "noprefix.txt", "1_a_b": "a_b"} {
		if got := whmcsName(in); got != want {
			t.Errorf("whmcsName(%q) = %q, want %q", in, got, want)
		}
	}
}
