package mysql

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/internal/zonetest"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/sources/sourcetest"
)

const osFixture = `
INSERT INTO ost_config (namespace, ` + "`key`" + `, value) VALUES ('core', 'db_timezone', 'Europe/Berlin');
INSERT INTO ost_department (id, pid, name, signature, path, created, updated) VALUES
 (1, NULL, 'Support', '', '/1/', NOW(), NOW()), (2, NULL, 'Sales', '', '/2/', NOW(), NOW()),
 (3, 1, 'Billing', '', '/1/3/', NOW(), NOW());
INSERT INTO ost_ticket_status (id, name, state, properties, created, updated) VALUES
 (1, 'Open', 'open', '{}', NOW(), NOW()), (2, 'Resolved', 'closed', '{}', NOW(), NOW()),
 (3, 'Closed', 'closed', '{}', NOW(), NOW()), (5, 'Deleted', 'deleted', '{}', NOW(), NOW());
INSERT INTO ost_ticket_priority (priority_id, priority, priority_desc, priority_urgency) VALUES
 (1, 'low', 'Low', 4), (2, 'normal', 'Normal', 3), (3, 'high', 'High', 2), (4, 'emergency', 'Emergency', 1);
INSERT INTO ost_staff (staff_id, username, firstname, lastname, email, signature, created, updated) VALUES
 (1, 'alice', 'Alice', 'Agent', 'alice@example.com', '', NOW(), NOW()),
 (2, 'bob', 'Bob', 'Builder', 'bob@example.com', '', NOW(), NOW());
INSERT INTO ost_user (id, org_id, default_email_id, name, created, updated) VALUES
 (1, 0, 1, 'Carol Customer', NOW(), NOW()), (2, 0, 3, 'Zoë Müller', NOW(), NOW());
INSERT INTO ost_user_email (id, user_id, address) VALUES
 (1, 1, 'carol@example.com'), (2, 1, 'carol@work.example'), (3, 2, 'zoe@example.de');
INSERT INTO ost_form (id, type, title, created, updated) VALUES (2, 'T', 'Ticket Details', NOW(), NOW()), (5, 'G', 'Hosting info', NOW(), NOW());
INSERT INTO ost_form_field (id, form_id, type, label, name, sort, created, updated) VALUES
 (20, 2, 'text', 'Issue Summary', 'subject', 1, NOW(), NOW()), (21, 2, 'thread', 'Issue Details', 'message', 2, NOW(), NOW()),
 (22, 2, 'priority', 'Priority Level', 'priority', 3, NOW(), NOW()), (50, 5, 'text', 'Domain', 'subject', 1, NOW(), NOW()),
 (51, 5, 'choices', 'Hosting plan', 'plan', 2, NOW(), NOW());
INSERT INTO ost_form_entry (id, form_id, object_id, object_type, created, updated) VALUES
 (1, 2, 1, 'T', NOW(), NOW()), (2, 2, 2, 'T', NOW(), NOW()), (3, 2, 3, 'T', NOW(), NOW()), (4, 5, 1, 'T', NOW(), NOW());
INSERT INTO ost_form_entry_values (entry_id, field_id, value, value_id) VALUES
 (1, 20, 'Cannot log in', NULL), (1, 22, 'High', 3),
 (2, 20, 'Rechnung #2024-17: falsche MwSt — ünïcödé', NULL), (2, 22, 'Normal', 2),
 (3, 20, 'From a deleted user', NULL),
 (4, 50, 'example.org', NULL), (4, 51, '{"2":"Business"}', NULL);
INSERT INTO ost_ticket (ticket_id, number, user_id, status_id, dept_id, staff_id, created, updated, lastupdate) VALUES
 (1, '683217', 1, 3, 1, 1, '2024-03-10 09:00:00', '2024-03-12 10:00:00', '2024-03-12 11:00:00'),
 (2, '104455', 2, 1, 3, 2, '2024-07-01 12:00:00', '2024-07-01 12:00:00', NULL),
 (3, '300001', 99, 1, 2, 0, '2024-08-01 08:00:00', '0000-00-00 00:00:00', NULL),
 (4, '400001', 1, 5, 1, 0, '2024-08-02 08:00:00', '2024-08-02 08:00:00', NULL);
INSERT INTO ost_thread (id, object_id, object_type, created) VALUES
 (1, 1, 'T', NOW()), (2, 2, 'T', NOW()), (3, 3, 'T', NOW()), (4, 4, 'T', NOW()), (5, 1, 'A', NOW());
INSERT INTO ost_thread_entry (id, pid, thread_id, staff_id, user_id, type, flags, poster, source, title, body, format, created, updated) VALUES
 (1, 0, 1, 0, 1, 'M', 1, 'Carol Customer', 'Web', 'Cannot log in', '<p>I cannot log in, see <img src="cid:inlinekey1" alt="shot"></p>', 'html', '2024-03-10 09:00:00', NOW()),
 (2, 1, 1, 1, 0, 'N', 0, 'Alice Agent', '', 'Checked logs', 'Auth failures from 10.0.0.1', 'text', '2024-03-10 10:00:00', NOW()),
 (3, 1, 1, 2, 0, 'R', 4, 'Bob Builder', '', NULL, '<p>Plese try agian</p>', 'html', '2024-03-10 11:00:00', NOW()),
 (4, 3, 1, 2, 0, 'R', 2, 'Bob Builder', '', NULL, '<p>Please try again</p>', 'html', '2024-03-10 11:00:00', NOW()),
 (5, 0, 1, 0, 1, 'M', 0, 'Carol Customer', 'Email', NULL, 'Works now, danke schön ✓', 'text', '2024-03-11 08:30:00', NOW()),
 (6, 0, 1, 0, 0, 'N', 128, 'SYSTEM', '', 'Ticket closed', 'Status changed to Closed', 'text', '2024-03-12 11:00:00', NOW()),
 (7, 0, 2, 0, 2, 'M', 1, 'Zoë Müller', 'Web', NULL, '<p>Grüße aus Köln, see the PDF</p>', 'html', '2024-07-01 12:00:00', NOW()),
 (8, 0, 3, 0, 99, 'M', 1, 'Ghost Person', 'Web', NULL, 'hello from a deleted account', 'text', '2024-08-01 08:00:00', NOW()),
 (9, 0, 4, 0, 1, 'M', 1, 'Carol Customer', 'Web', NULL, 'deleted ticket', 'text', '2024-08-02 08:00:00', NOW()),
 (10, 0, 5, 1, 0, 'N', 0, 'Alice Agent', '', NULL, 'a task note', 'text', '2024-03-10 09:30:00', NOW());
INSERT INTO ost_thread_collaborator (id, flags, thread_id, user_id, role, created, updated) VALUES
 (1, 1, 1, 2, 'M', NOW(), NOW()), (2, 0, 2, 1, 'M', NOW(), NOW());
INSERT INTO ost_file (id, ft, bk, type, size, ` + "`key`" + `, signature, name, created) VALUES
 (1, 'T', 'D', 'image/png', 8, 'inlinekey1', 'sig1', 'screenshot.png', NOW()),
 (2, 'T', 'D', 'text/plain', 0, 'key2', 'sig2', 'auth.log', NOW()),
 (3, 'T', 'D', 'application/pdf', 0, 'key3', 'sig3', 'Rechnung März.pdf', NOW());
INSERT INTO ost_attachment (id, object_id, type, file_id, name, inline) VALUES
 (1, 1, 'H', 1, NULL, 1), (2, 2, 'H', 2, NULL, 0), (3, 7, 'H', 3, NULL, 0);
`

var (
	osPNG  = []byte("\x89PNG\r\n\x1a\n")
	osLog1 = []byte("Mar 10 08:59:01 sshd: Failed password for carol\n")
	osLog2 = []byte("Mar 10 08:59:07 sshd: Failed password for carol\n")
)

// osPDF is 600 KiB spread over two 500 KiB chunks, as osTicket stores it.
func osPDF() []byte {
	b := make([]byte, 600*1024)
	for i := range b {
		b[i] = byte(i*7 + i/1024)
	}
	return b
}

func osticketDB(t testing.TB) string {
	name, db := fixtureDB(t, "ost", osTicketSchema(t, "ost_"), osFixture)
	pdf := osPDF()
	chunks := []struct {
		file, chunk int
		data        []byte
	}{{1, 0, osPNG}, {2, 0, osLog1}, {2, 1, osLog2}, {3, 0, pdf[:500*1024]}, {3, 1, pdf[500*1024:]}}
	for _, c := range chunks {
		if _, err := db.Exec("INSERT INTO ost_file_chunk (file_id, chunk_id, filedata) VALUES (?, ?, ?)", c.file, c.chunk, c.data); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec("UPDATE ost_file SET size = ? WHERE id = 2", len(osLog1)+len(osLog2)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("UPDATE ost_file SET size = ? WHERE id = 3", len(pdf)); err != nil {
		t.Fatal(err)
	}
	return name
}

func TestOsTicket(t *testing.T) {
	name := osticketDB(t)
	s := openSource(t, Options{Preset: "osticket", DSN: srv.DSN(name)}, sources.Env{Location: time.UTC})
	if got := s.Zone().String(); got != "Europe/Berlin" {
		t.Errorf("zone %s, want the db_timezone Europe/Berlin", got)
	}
	n, err := s.Count(context.Background())
	if err != nil || n != 3 {
		t.Errorf("Count = %d, %v; want 3 (the deleted-status ticket excluded)", n, err)
	}
	carol := sources.Person{Name: "Carol Customer", Email: "carol@example.com"}
	alice := sources.Person{Name: "Alice Agent", Email: "alice@example.com"}
	bob := sources.Person{Name: "Bob Builder", Email: "bob@example.com"}
	log := append(append([]byte{}, osLog1...), osLog2...)
	want := []view{{
		ID: "1", Subject: "Cannot log in", Department: "Support", Status: "Closed", Priority: "High",
		Requester: carol, Created: "2024-03-10T08:00:00Z", Updated: "2024-03-12T10:00:00Z",
		CC: []string{"zoe@example.de"}, // the active collaborator; the inactive one of ticket 2 is not
		Entries: []entryView{
			{ID: "1", Kind: "customer reply", Author: carol, Format: "html", Created: "2024-03-10T08:00:00Z",
				Body: `<p>I cannot log in, see <img src="cid:inlinekey1" alt="shot"></p>`,
				Atts: []string{"screenshot.png 8 " + sha(osPNG)}},
			{ID: "2", Kind: "note", Author: alice, Format: "text", Created: "2024-03-10T09:00:00Z",
				Body: "Checked logs\n\nAuth failures from 10.0.0.1", Atts: []string{fmt.Sprintf("auth.log %d %s", len(log), sha(log))}},
			{ID: "4", Kind: "staff reply", Author: bob, Format: "html", Created: "2024-03-10T10:00:00Z",
				Body: "<p>Please try again</p>"},
			{ID: "5", Kind: "customer reply", Author: carol, Format: "text", Created: "2024-03-11T07:30:00Z",
				Body: "Works now, danke schön ✓"},
			{ID: "6", Kind: "note", Author: sources.Person{Name: "SYSTEM"}, Format: "text", Created: "2024-03-12T10:00:00Z",
				Body: "Ticket closed\n\nStatus changed to Closed"},
		},
	}, {
		ID: "2", Subject: "Rechnung #2024-17: falsche MwSt — ünïcödé", Department: "Support / Billing", Status: "Open", Priority: "Normal",
		Requester: sources.Person{Name: "Zoë Müller", Email: "zoe@example.de"},
		Created:   "2024-07-01T10:00:00Z", Updated: "2024-07-01T10:00:00Z", // CEST
		Entries: []entryView{{ID: "7", Kind: "customer reply", Author: sources.Person{Name: "Zoë Müller", Email: "zoe@example.de"},
			Format: "html", Created: "2024-07-01T10:00:00Z", Body: "<p>Grüße aus Köln, see the PDF</p>",
			Atts: []string{"Rechnung März.pdf 614400 " + sha(osPDF())}}},
	}, {
		ID: "3", Subject: "From a deleted user", Department: "Sales", Status: "Open",
		Created: "2024-08-01T06:00:00Z", Updated: "",
		Problems: []string{codeField(sources.CodeMissingField, "requester"), codeField(sources.CodeMissingField, "author")},
		Entries: []entryView{{ID: "8", Kind: "customer reply", Author: sources.Person{Name: "Ghost Person"}, Format: "text",
			Created: "2024-08-01T06:00:00Z", Body: "hello from a deleted account"}},
	}}
	compare(t, readAll(t, s), want)

	// SkipSystemNotes drops the system note only.
	s2 := openSource(t, Options{Preset: "osticket", DSN: srv.DSN(name), SkipSystemNotes: true, PageSize: 1}, sources.Env{})
	got := readAll(t, s2)
	if len(got) != 3 || len(got[0].Entries) != 4 || got[0].Entries[3].ID != "5" {
		t.Errorf("with skip_system_notes and page size 1: %d tickets, first has %d entries", len(got), len(got[0].Entries))
	}
}

// Threads are judged on the header: a ticket held at its last change
// (read from the header, before the thread) comes without its thread.
func TestOsTicketHeldSkipsThread(t *testing.T) {
	name := osticketDB(t)
	s := openSource(t, Options{Preset: "osticket", DSN: srv.DSN(name)}, sources.Env{})
	at := func(v string) int64 {
		tm, err := time.Parse(time.RFC3339, v)
		if err != nil {
			t.Fatal(err)
		}
		return tm.Unix()
	}
	held := &sources.Held{Settled: time.Now().Add(time.Hour), Versions: sources.VersionsOf(map[string]int64{
		"1": at("2024-03-12T10:00:00Z"), // held at its last change: skipped
		"2": at("2024-06-30T10:00:00Z"), // changed since (2024-07-01): read
		"3": at("2024-01-01T00:00:00Z"), // no last-change time: read
	})}
	for tk, err := range s.Tickets(context.Background(), sources.ReadOptions{Held: held}) {
		if err != nil {
			t.Fatal(err)
		}
		if tk.ThreadSkipped != (tk.ID == "1") || (tk.ID == "2" && len(tk.Entries) != 1) {
			t.Errorf("ticket %s (updated %s): skipped=%v entries=%d", tk.ID, utc(tk.Updated), tk.ThreadSkipped, len(tk.Entries))
		}
	}
	// An explicit set of threads.
	for tk, err := range s.Tickets(context.Background(), sources.ReadOptions{Threads: map[string]bool{"2": true}}) {
		if err != nil {
			t.Fatal(err)
		}
		if tk.ThreadSkipped != (tk.ID != "2") || (tk.ID == "2" && len(tk.Entries) != 1) {
			t.Errorf("ticket %s: skipped=%v entries=%d", tk.ID, tk.ThreadSkipped, len(tk.Entries))
		}
	}
}

func TestOsTicketFallbackZone(t *testing.T) {
	name, db := fixtureDB(t, "ostz", osTicketSchema(t, "xy_"), strings.ReplaceAll(osFixture, "ost_", "xy_"))
	if _, err := db.Exec("DELETE FROM xy_config WHERE `key` = 'db_timezone'"); err != nil {
		t.Fatal(err)
	}
	// Without db_timezone, and without source.timezone: no silent UTC.
	_, err := Open(context.Background(), Options{Preset: "osticket", DSN: srv.DSN(name), TablePrefix: "xy_"}, sources.Env{})
	if !errors.Is(err, sources.ErrConfig) || !strings.Contains(err.Error(), "source.timezone") || !strings.Contains(err.Error(), "db_timezone") {
		t.Fatalf("osTicket without db_timezone nor source.timezone: %v, want a config error naming both", err)
	}
	ny := zonetest.Load(t, "America/New_York")
	s := openSource(t, Options{Preset: "osticket", DSN: srv.DSN(name), TablePrefix: "xy_"}, sources.Env{Location: ny})
	got := readAll(t, s)
	if len(got) != 3 || utc(got[0].Created) != "2024-03-10T13:00:00Z" { // EDT (UTC-4) began at 02:00 that day
		t.Errorf("created %s, want 09:00 New York", utc(got[0].Created))
	}
}

func TestOsTicketReadOnly(t *testing.T) {
	name := osticketDB(t)
	s := openSource(t, Options{Preset: "osticket", DSN: srv.DSN(name)}, sources.Env{})
	for i := 0; i < 3; i++ { // whichever pooled connection serves it
		_, err := s.db.ExecContext(context.Background(), "UPDATE ost_ticket SET number = 'x' WHERE ticket_id = 1")
		if err == nil || !strings.Contains(strings.ToUpper(err.Error()), "READ ONLY") {
			t.Fatalf("write through the source's session: %v, want a read-only refusal", err)
		}
	}
	var charset string
	if err := s.db.QueryRowContext(context.Background(), "SELECT @@character_set_connection").Scan(&charset); err != nil || charset != "utf8mb4" {
		t.Errorf("connection charset %q, %v", charset, err)
	}
}

func TestOsTicketConformance(t *testing.T) {
	name := osticketDB(t)
	sourcetest.Run(t, func(t *testing.T) sources.Source {
		return openSourceNoCleanup(t, Options{Preset: "osticket", DSN: srv.DSN(name), PageSize: 2})
	})
}

func openSourceNoCleanup(t *testing.T, opts Options) sources.Source {
	s, err := Open(context.Background(), opts, sources.Env{Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestOsTicketChunkReaderSmallReads(t *testing.T) {
	name := osticketDB(t)
	s := openSource(t, Options{Preset: "osticket", DSN: srv.DSN(name)}, sources.Env{})
	got := readAll(t, s)
	a := got[1].Entries[0].Attachments[0]
	rc, err := a.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	p := make([]byte, 777)
	for {
		n, err := rc.Read(p)
		buf.Write(p[:n])
		if err != nil {
			break
		}
	}
	if !bytes.Equal(buf.Bytes(), osPDF()) {
		t.Errorf("read %d bytes, not the PDF", buf.Len())
	}
	s.Close()
	if _, err := a.Open(); err == nil {
		rc, _ := a.Open()
		if _, err := rc.Read(p); err == nil {
			t.Errorf("reading an attachment after Close succeeded")
		}
	}
}

// A page whose threads hold more entries than one attachment lookup takes
// (500 entry ids): every attachment still lands on its own entry, and the
// entries keep their created-then-id order.
func TestOsTicketLongThreadAttachments(t *testing.T) {
	name, db := fixtureDB(t, "ostlong", osTicketSchema(t, "ost_"), osFixture)
	for _, q := range []string{
		// Ticket 2 gets 1,200 more entries, 11 to 1210, created in reverse id
		// order (a minute apart), every 100th with the PDF's file.
		`INSERT INTO ost_thread_entry (id, pid, thread_id, staff_id, user_id, type, flags, poster, source, body, format, created, updated)
		 SELECT 10 + seq, 0, 2, 0, 2, 'M', 0, 'Zoë Müller', 'Web', CONCAT('entry ', 10 + seq), 'text',
		        '2024-07-02 00:00:00' + INTERVAL (1300 - seq) MINUTE, NOW() FROM seq_1_to_1200`,
		`INSERT INTO ost_attachment (object_id, type, file_id, name, inline)
		 SELECT 10 + seq, 'H', 2, CONCAT('log-', 10 + seq, '.txt'), 0 FROM seq_1_to_1200 WHERE seq % 100 = 0`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	s := openSource(t, Options{Preset: "osticket", DSN: srv.DSN(name)}, sources.Env{})
	got := readAll(t, s)
	if len(got) != 3 || len(got[1].Entries) != 1201 {
		t.Fatalf("got %d tickets, ticket 2 has %d entries; want 3 and 1201", len(got), len(got[1].Entries))
	}
	es := got[1].Entries
	if es[0].ID != "7" || es[1].ID != "1210" || es[1200].ID != "11" {
		t.Errorf("order %s, %s ... %s; want 7, 1210 ... 11", es[0].ID, es[1].ID, es[1200].ID)
	}
	n := 0
	for _, e := range es {
		switch {
		case e.ID == "7":
			if len(e.Attachments) != 1 || e.Attachments[0].Name != "Rechnung März.pdf" {
				t.Errorf("entry 7 attachments %+v", e.Attachments)
			}
		case len(e.Attachments) > 0:
			n++
			if len(e.Attachments) != 1 || e.Attachments[0].Name != "log-"+e.ID+".txt" {
				t.Errorf("entry %s attachments %+v", e.ID, e.Attachments)
			}
		}
	}
	if n != 12 {
		t.Errorf("%d entries with a log attachment, want 12", n)
	}
	if len(got[0].Entries[0].Attachments) != 1 || len(got[0].Entries[1].Attachments) != 1 {
		t.Errorf("ticket 1's attachments lost")
	}
}
