package mysql

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/internal/zonetest"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/sources/sourcetest"
)

// heskDDL35 follows HESK 3.5.3's tables as described in
// shared/research/source-schemas.md §3 (columns the reader uses, and some
// it must ignore).
const heskDDL35 = `
CREATE TABLE hesk_categories (id smallint PRIMARY KEY, name varchar(255), cat_order int DEFAULT 0, type enum('0','1') DEFAULT '0');
CREATE TABLE hesk_users (id smallint PRIMARY KEY, user varchar(20), name varchar(255), email varchar(255), isadmin enum('0','1') DEFAULT '0');
CREATE TABLE hesk_customers (id int PRIMARY KEY, name varchar(255), email varchar(255), verified int DEFAULT 1);
CREATE TABLE hesk_ticket_to_customer (ticket_id mediumint, customer_id int, customer_type varchar(20));
CREATE TABLE hesk_custom_statuses (id tinyint PRIMARY KEY, name text, color varchar(6));
CREATE TABLE hesk_tickets (id mediumint PRIMARY KEY AUTO_INCREMENT, trackid varchar(13), u_name varchar(255), u_email varchar(1000),
  category smallint, priority enum('0','1','2','3') DEFAULT '3', subject varchar(255), message mediumtext, message_html mediumtext,
  dt timestamp NOT NULL DEFAULT '2000-01-01 00:00:00', lastchange timestamp NOT NULL DEFAULT '2000-01-01 00:00:00',
  status tinyint DEFAULT 0, openedby mediumint DEFAULT 0, owner smallint DEFAULT 0, attachments mediumtext NOT NULL,
  merged mediumtext NOT NULL, history mediumtext NOT NULL, custom1 mediumtext NOT NULL, custom2 mediumtext NOT NULL DEFAULT '',
  custom3 mediumtext NOT NULL DEFAULT '');
CREATE TABLE hesk_custom_fields (id tinyint PRIMARY KEY, ` + "`use`" + ` enum('0','1','2') DEFAULT '0', place enum('0','1') DEFAULT '0',
  type varchar(20), req enum('0','1','2') DEFAULT '0', category text, name text, value text, ` + "`order`" + ` smallint DEFAULT 10);
CREATE TABLE hesk_replies (id mediumint PRIMARY KEY AUTO_INCREMENT, replyto mediumint, message mediumtext, message_html mediumtext,
  dt timestamp NOT NULL DEFAULT '2000-01-01 00:00:00', attachments mediumtext, staffid smallint DEFAULT 0, customer_id int, rating enum('1','5'));
CREATE TABLE hesk_notes (id mediumint PRIMARY KEY AUTO_INCREMENT, ticket mediumint, who smallint, dt timestamp NOT NULL DEFAULT '2000-01-01 00:00:00',
  message mediumtext, attachments mediumtext);
CREATE TABLE hesk_attachments (att_id mediumint PRIMARY KEY, ticket_id varchar(13), saved_name varchar(255), real_name varchar(255),
  size int, type enum('0','1') DEFAULT '0');
`

// HESK writes TIMESTAMPs under SET time_zone = <its PHP offset>; the
// fixture does the same with +01:00, so 10:00 local is 09:00 UTC.
const heskFixture35 = `
SET time_zone = '+01:00';
INSERT INTO hesk_categories (id, name) VALUES (1, 'General'), (2, 'Billing');
INSERT INTO hesk_users (id, user, name, email, isadmin) VALUES (1, 'alice', 'Alice Admin', 'alice@example.com', '1'), (2, 'bob', 'Bob', 'bob@example.com', '0');
INSERT INTO hesk_customers (id, name, email) VALUES (1, 'Carol', 'carol@example.com'), (2, 'Dave Dæmon', 'dave@example.com');
INSERT INTO hesk_ticket_to_customer VALUES (1, 1, 'REQUESTER'), (1, 2, 'FOLLOWER'), (2, 2, 'REQUESTER');
INSERT INTO hesk_custom_statuses VALUES (6, '{"English":"Waiting on vendor","Deutsch":"Wartet"}', 'ff0000');
INSERT INTO hesk_custom_fields (id, ` + "`use`" + `, type, name) VALUES (1, '1', 'text', '{"English":"Domain","Deutsch":"Domäne"}'),
 (2, '2', 'select', '{"English":"Plan"}'), (3, '0', 'text', '{"English":"Unused"}');
INSERT INTO hesk_tickets (id, trackid, u_name, u_email, category, priority, subject, message, message_html, dt, lastchange, status, openedby, owner, attachments, merged, history, custom1, custom2) VALUES
 (1, 'KZ9-XW2-8R7L', '', '', 1, '1', 'Login &amp; password', 'I can&#039;t log in<br />', '<p>I can&#039;t log in</p>', '2024-03-10 10:00:00', '2024-03-11 12:00:00', 3, 0, 1, '1#screen shot.png,', '', '', 'example.org', 'Pro &amp; more'),
 (2, '7QP-4MN-2D9A', 'Dave Dæmon', 'dave@example.com', 2, '0', 'Vendor issue', 'Fetched by IMAP', NULL, '2024-07-01 10:00:00', '2024-07-01 10:00:00', 6, -3, 2, '', '', '', '', '');
INSERT INTO hesk_replies (id, replyto, message, message_html, dt, attachments, staffid, customer_id) VALUES
 (1, 1, 'Try resetting', '<p>Try resetting</p>', '2024-03-10 11:00:00', '', 1, NULL),
 (2, 1, 'Done, thanks', NULL, '2024-03-11 12:00:00', '11#a.txt,', 0, 1);
INSERT INTO hesk_notes (id, ticket, who, dt, message, attachments) VALUES (1, 1, 2, '2024-03-10 11:00:00', 'Checked <b>auth.log</b>', '2#auth.log,');
INSERT INTO hesk_attachments VALUES (1, 'KZ9-XW2-8R7L', 'KZ9-XW2-8R7L_abc.png', 'screen shot.png', 4, '0'),
 (2, 'KZ9-XW2-8R7L', 'KZ9-XW2-8R7L_def.log', 'auth.log', 5, '1'),
 (11, 'KZ9-XW2-8R7L', 'KZ9-XW2-8R7L_ghi.txt', 'a.txt', 3, '0');
`

func heskFiles(t *testing.T) string {
	dir := t.TempDir()
	for name, body := range map[string]string{"KZ9-XW2-8R7L_abc.png": "PNG!", "KZ9-XW2-8R7L_def.log": "auth\n", "KZ9-XW2-8R7L_ghi.txt": "eleven"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestHESK35(t *testing.T) {
	name, _ := fixtureDB(t, "hesk", heskDDL35, heskFixture35)
	dir := heskFiles(t)
	// The configured zone must not matter: TIMESTAMPs are instants.
	tokyo := zonetest.Load(t, "Asia/Tokyo")
	s := openSource(t, Options{Preset: "hesk", DSN: srv.DSN(name), AttachmentsDir: dir}, sources.Env{Location: tokyo})
	carol := sources.Person{Name: "Carol", Email: "carol@example.com"}
	dave := sources.Person{Name: "Dave Dæmon", Email: "dave@example.com"}
	want := []view{{
		ID: "1", Subject: "Login & password", Department: "General", Status: "Resolved", Priority: "High",
		Requester: carol, CC: []string{"dave@example.com"}, Created: "2024-03-10T09:00:00Z", Updated: "2024-03-11T11:00:00Z",
		Entries: []entryView{
			{ID: "ticket", Kind: "customer reply", Author: carol, Format: "html", Created: "2024-03-10T09:00:00Z",
				Body: "<p>I can&#039;t log in</p>", Atts: []string{"screen shot.png 4 " + sha([]byte("PNG!"))}},
			{ID: "r1", Kind: "staff reply", Author: sources.Person{Name: "Alice Admin", Email: "alice@example.com"}, Format: "html",
				Created: "2024-03-10T10:00:00Z", Body: "<p>Try resetting</p>"},
			{ID: "n1", Kind: "note", Author: sources.Person{Name: "Bob", Email: "bob@example.com"}, Format: "html",
				Created: "2024-03-10T10:00:00Z", Body: "Checked <b>auth.log</b>", Atts: []string{"auth.log 5 " + sha([]byte("auth\n"))}},
			{ID: "r2", Kind: "customer reply", Author: carol, Format: "html", Created: "2024-03-11T11:00:00Z",
				Body: "Done, thanks", Atts: []string{"a.txt 6 " + sha([]byte("eleven"))}},
		},
	}, {
		ID: "2", Subject: "Vendor issue", Department: "Billing", Status: "Waiting on vendor", Priority: "Critical",
		Requester: dave, Created: "2024-07-01T09:00:00Z", Updated: "2024-07-01T09:00:00Z",
		Entries: []entryView{{ID: "ticket", Kind: "customer reply", Author: dave, Format: "html", Created: "2024-07-01T09:00:00Z", Body: "Fetched by IMAP"}},
	}}
	compare(t, readAll(t, s), want)
	sourcetest.Run(t, func(t *testing.T) sources.Source {
		return openSourceNoCleanup(t, Options{Preset: "hesk", DSN: srv.DSN(name), AttachmentsDir: dir, PageSize: 1})
	})
}

// HESK 3.4: name/email columns (email may be a list), replies.name, no
// customer tables, no message_html.
func TestHESK34(t *testing.T) {
	ddl := strings.NewReplacer("u_name varchar(255), u_email varchar(1000)", "name varchar(255), email varchar(1000)",
		"message mediumtext, message_html mediumtext,", "message mediumtext,",
		"staffid smallint DEFAULT 0, customer_id int,", "staffid smallint DEFAULT 0, name varchar(255),").Replace(heskDDL35)
	ddl = strings.Replace(ddl, "CREATE TABLE hesk_customers (id int PRIMARY KEY, name varchar(255), email varchar(255), verified int DEFAULT 1);", "", 1)
	ddl = strings.Replace(ddl, "CREATE TABLE hesk_ticket_to_customer (ticket_id mediumint, customer_id int, customer_type varchar(20));", "", 1)
	fixture := `SET time_zone = '+00:00';
INSERT INTO hesk_categories (id, name) VALUES (1, 'General');
INSERT INTO hesk_users (id, user, name, email) VALUES (1, 'alice', 'Alice Admin', 'alice@example.com');
INSERT INTO hesk_tickets (id, trackid, name, email, category, priority, subject, message, dt, lastchange, status, openedby, attachments, merged, history, custom1) VALUES
 (5, 'AAA-BBB-CCCC', 'Old Timer', 'old@example.com,cc@example.com', 1, '2', 'Old ticket', 'First', '2023-01-01 00:00:00', '2023-01-02 00:00:00', 2, 1, '', '', '', ''),
 (6, 'AAA-BBB-DDDD', 'Second', 'second@example.com', 1, '3', 'Another', 'Second ticket', '2023-02-01 00:00:00', '2023-02-01 00:00:00', 0, 0, '', '', '', '');
INSERT INTO hesk_replies (id, replyto, message, dt, attachments, staffid, name) VALUES (1, 5, 'Customer answer', '2023-01-01 01:00:00', '', 0, 'Old Timer');`
	name, _ := fixtureDB(t, "hesk34", ddl, fixture)
	s := openSource(t, Options{Preset: "hesk", DSN: srv.DSN(name)}, sources.Env{})
	old := sources.Person{Name: "Old Timer", Email: "old@example.com"}
	want := []view{{
		ID: "5", Subject: "Old ticket", Department: "General", Status: "Replied", Priority: "Medium",
		Requester: old, CC: []string{"cc@example.com"}, Created: "2023-01-01T00:00:00Z", Updated: "2023-01-02T00:00:00Z",
		Entries: []entryView{
			{ID: "ticket", Kind: "staff reply", Author: sources.Person{Name: "Alice Admin", Email: "alice@example.com"}, Format: "html", Created: "2023-01-01T00:00:00Z", Body: "First"},
			{ID: "r1", Kind: "customer reply", Author: old, Format: "html", Created: "2023-01-01T01:00:00Z", Body: "Customer answer"},
		},
	}, {
		ID: "6", Subject: "Another", Department: "General", Status: "New", Priority: "Low",
		Requester: sources.Person{Name: "Second", Email: "second@example.com"}, Created: "2023-02-01T00:00:00Z", Updated: "2023-02-01T00:00:00Z",
		Entries: []entryView{{ID: "ticket", Kind: "customer reply", Author: sources.Person{Name: "Second", Email: "second@example.com"}, Format: "html", Created: "2023-02-01T00:00:00Z", Body: "Second ticket"}},
	}}
	compare(t, readAll(t, s), want)
	if n, err := s.Count(context.Background()); err != nil || n != 2 {
		t.Errorf("Count = %d, %v", n, err)
	}
}
