package mysql

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/internal/zonetest"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// hostbillDDL holds the columns of HostBill's ticket tables that the
// README's custom-preset queries read, as its install SQL (2022) has them
// (shared/research/source-schemas-2.md §3). There is no hostbill preset:
// these queries are the README's starting point, tested here.
const hostbillDDL = `
CREATE TABLE hb_ticket_departments (id int(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, name varchar(128) NOT NULL) DEFAULT CHARSET=utf8;
CREATE TABLE hb_tickets (id int(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, ticket_number int(6) NOT NULL, dept_id int(11) NOT NULL,
  client_id int(11) NOT NULL DEFAULT 0, name varchar(128) NOT NULL, email varchar(128) NOT NULL, cc text NULL, subject varchar(255) NOT NULL,
  body text NOT NULL, status varchar(31) NOT NULL, priority enum('0','1','2','3') NOT NULL DEFAULT '0',
  type enum('Client','Admin','Email','Unregistered') NOT NULL DEFAULT 'Client', owner_id int(11) NOT NULL DEFAULT 0,
  date datetime NOT NULL, lastreply datetime NULL) DEFAULT CHARSET=utf8;
CREATE TABLE hb_ticket_replies (id int(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, ticket_id int(11) NOT NULL, replier_id int(11) NOT NULL DEFAULT 0,
  name varchar(128) NOT NULL, email varchar(128) NOT NULL, date datetime NOT NULL, body text NOT NULL,
  status enum('Sent','Draft','Scheduled') NOT NULL DEFAULT 'Sent', type enum('Client','Admin','Email','Unregistered','System') NOT NULL,
  KEY ticket_id (ticket_id)) DEFAULT CHARSET=utf8;
CREATE TABLE hb_tickets_notes (id int(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, ticket_id int(11) NOT NULL, admin_id int(11) NOT NULL,
  name varchar(128) NOT NULL, email varchar(128) NOT NULL, date datetime NOT NULL, note text NOT NULL, KEY ticket_id (ticket_id)) DEFAULT CHARSET=utf8;
CREATE TABLE hb_tickets_attachments (id int(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, ticket_id int(11) NOT NULL, rel_id int(11) NOT NULL DEFAULT 0,
  filename varchar(255) NOT NULL, org_filename varchar(255) NOT NULL, type varchar(32) NOT NULL DEFAULT '', KEY ticket_id (ticket_id)) DEFAULT CHARSET=utf8;
INSERT INTO hb_ticket_departments VALUES (1, 'Support');
INSERT INTO hb_tickets (id, ticket_number, dept_id, client_id, name, email, cc, subject, body, status, priority, type, date, lastreply) VALUES
 (1, 482913, 1, 7, 'Carol Customer', 'carol@example.com', 'boss@example.com', 'Server down', 'It is down', 'Answered', '2', 'Client',
  '2024-05-01 10:00:00', '2024-05-01 11:00:00');
INSERT INTO hb_ticket_replies (id, ticket_id, name, email, date, body, status, type) VALUES
 (1, 1, 'Alice Agent', 'alice@example.com', '2024-05-01 10:30:00', 'Rebooted', 'Sent', 'Admin'),
 (2, 1, 'Alice Agent', 'alice@example.com', '2024-05-01 10:40:00', 'unsent draft', 'Draft', 'Admin'),
 (3, 1, 'Carol Customer', 'carol@example.com', '2024-05-01 11:00:00', 'Thanks', 'Sent', 'Client');
INSERT INTO hb_tickets_notes (id, ticket_id, admin_id, name, email, date, note) VALUES
 (1, 1, 1, 'Alice Agent', 'alice@example.com', '2024-05-01 10:20:00', 'disk full');
INSERT INTO hb_tickets_attachments (ticket_id, rel_id, filename, org_filename) VALUES (1, 0, 'a8f3_shot.png', 'shot.png');
`

// hostbillOpts are the README's HostBill queries for preset custom.
func hostbillOpts(name, dir string) Options {
	return Options{Preset: PresetCustom, DSN: srv.DSN(name), AttachmentsDir: dir,
		TicketsQuery: `SELECT t.id, t.subject, d.name AS department, t.status, CAST(t.priority AS CHAR) AS priority,
  t.email, t.name, t.cc, t.date AS created, GREATEST(t.date, COALESCE(t.lastreply, t.date)) AS updated
FROM hb_tickets t LEFT JOIN hb_ticket_departments d ON d.id = t.dept_id`,
		EntriesQuery: `SELECT e.id, e.type, e.author, e.name, e.email, e.created, e.body, e.format
FROM (SELECT ? AS tid) p JOIN (
  SELECT t.id AS tid, CONCAT('m', t.id) AS id, 'reply' AS type, IF(t.type = 'Admin', 'staff', 'customer') AS author,
         t.name, t.email, t.date AS created, t.body, 'text' AS format, 0 AS k, t.id AS n FROM hb_tickets t
  UNION ALL
  SELECT r.ticket_id, CONCAT('r', r.id), 'reply', IF(r.type IN ('Admin', 'System'), 'staff', 'customer'),
         r.name, r.email, r.date, r.body, 'text', 1, r.id FROM hb_ticket_replies r WHERE r.status = 'Sent'
  UNION ALL
  SELECT n.ticket_id, CONCAT('n', n.id), 'note', 'staff', n.name, n.email, n.date, n.note, 'text', 1, n.id FROM hb_tickets_notes n
) e ON e.tid = p.tid
ORDER BY e.created, e.k, e.n`,
		AttachmentsQuery: `SELECT IF(a.rel_id = 0, CONCAT('m', a.ticket_id), CONCAT('r', a.rel_id)) AS entry_id,
  a.org_filename AS name, a.filename AS path FROM hb_tickets_attachments a WHERE a.ticket_id = ?`,
	}
}

// The README's HostBill queries read a database built from HostBill's
// install SQL: the first message from hb_tickets.body, sent replies (the
// draft left out), the note, the opening message's attachment.
func TestHostBillCustomQueries(t *testing.T) {
	name, _ := fixtureDB(t, "hostbill", hostbillDDL)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a8f3_shot.png"), cePNG, 0o644); err != nil {
		t.Fatal(err)
	}
	s := openSource(t, hostbillOpts(name, dir), sources.Env{Location: zonetest.Load(t, "Europe/Warsaw")})
	carol := sources.Person{Name: "Carol Customer", Email: "carol@example.com"}
	alice := sources.Person{Name: "Alice Agent", Email: "alice@example.com"}
	compare(t, readAll(t, s), []view{{
		ID: "1", Subject: "Server down", Department: "Support", Status: "Answered", Priority: "2", Requester: carol,
		CC: []string{"boss@example.com"}, Created: "2024-05-01T08:00:00Z", Updated: "2024-05-01T09:00:00Z",
		Entries: []entryView{
			{ID: "m1", Kind: "customer reply", Author: carol, Format: "text", Created: "2024-05-01T08:00:00Z", Body: "It is down",
				Atts: []string{"shot.png 18 " + sha(cePNG)}},
			{ID: "n1", Kind: "note", Author: alice, Format: "text", Created: "2024-05-01T08:20:00Z", Body: "disk full"},
			{ID: "r1", Kind: "staff reply", Author: alice, Format: "text", Created: "2024-05-01T08:30:00Z", Body: "Rebooted"},
			{ID: "r3", Kind: "customer reply", Author: carol, Format: "text", Created: "2024-05-01T09:00:00Z", Body: "Thanks"},
		},
	}})
}
