package mysql

import (
	"context"
	"encoding/base64"
	"errors"
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

// kayakoDDL (testdata/kayako-4.sql) is Kayako Classic 4.x's tables the
// preset reads or counts, as shared/research/source-schemas-3.md §1.2
// describes them (ADOdb types, NOT NULL with a zero or empty default
// unless said; utf8, 3-byte, as its setup converts every table; an empty
// sql_mode, as its database layer sets it).
var kayakoDDL = func() string {
	b, err := os.ReadFile(filepath.Join("testdata", "kayako-4.sql"))
	if err != nil {
		panic(err)
	}
	return string(b)
}()

var (
	kyLog  = []byte("line one\nline two\n")
	kyPNG  = []byte("\x89PNG\r\n\x1a\nkayako inline image")
	kyPDF  = []byte("%PDF-1.4 kayako file store")
	kyB64a = base64.StdEncoding.EncodeToString(kyPNG[:10])
	kyB64b = base64.StdEncoding.EncodeToString(kyPNG[10:])
)

// kayakoFixture (unix epochs): ticket 1 a registered user's, closed, with
// an HTML first post holding an inline cid: image, a TinyMCE staff reply
// stored as entities, a CC's post, a private post, a ticket note at the
// same second as the CC's post, a note on a post (linktype 2, not shown),
// an attachment in raw chunks, one in base64 chunks and one in the file
// store, recipients (third party, CC, BCC), custom fields (text,
// serialized, encrypted); ticket 2 a guest's, subject and posts through
// the emoji encoder (U+E5C8 rocket, U+E558 ©, a span), and a 4-byte
// character that met the 3-byte column ("????"); ticket 3 in the trash,
// with a draft; audit lines; an attachment of no post.
var kayakoFixture = `
SET SESSION sql_mode = '';
SET NAMES utf8;
INSERT INTO swsettings (section, vkey, data) VALUES ('settings', 't_eticketid', 'random'), ('core', 'version', '4.98.8');
INSERT INTO swdepartments (departmentid, title, departmentapp) VALUES (1, 'Support', 'tickets'), (2, 'Billing', 'tickets'), (3, 'Chat', 'livechat');
INSERT INTO swticketstatus (ticketstatusid, title, markasresolved) VALUES (1, 'Open', 0), (2, 'In Progress', 0), (3, 'Closed', 1);
INSERT INTO swticketpriorities (priorityid, title) VALUES (1, 'Low'), (2, 'Normal'), (3, 'High'), (4, 'Urgent');
INSERT INTO swstaff (staffid, firstname, lastname, fullname, username, email) VALUES
 (1, 'Alice', 'Agent', 'Alice Agent', 'alice', 'alice@example.com'), (2, 'Bob', 'Builder', 'Bob Builder', 'bob', 'bob@example.com');
INSERT INTO swuseremails (linktype, linktypeid, email, isprimary) VALUES (1, 5, 'old@example.com', 0), (1, 5, 'carol@example.com', 1);
INSERT INTO swtickets (ticketid, ticketmaskid, departmentid, departmenttitle, ticketstatusid, ticketstatustitle, priorityid, prioritytitle,
  userid, fullname, email, ownerstaffid, ownerstaffname, subject, dateline, lastactivity, creator, trasholddepartmentid, hasdraft) VALUES
 (1, 'ABC-123-45678', 1, 'Old support title', 3, 'Closed', 4, 'Urgent', 5, 'Carol Customer', '', 1, 'Alice Agent', 'Cannot log in',
  1710061200, 1710065700, 2, 0, 0),
 (2, 'DEF-456-00001', 2, 'Billing', 1, 'Open', 2, 'Normal', 0, 'Gary', 'gary@example.net', 0, '', 'Rocket ` + "\uE5C8" + ` launch ` + "\uE558" + ` 2024',
  1719835200, 1719838800, 2, 0, 0),
 (3, 'GHI-789-00002', 0, 'Trash', 1, 'Open', 1, 'Low', 5, 'Carol Customer', 'carol@example.com', 0, '', 'Trashed', 1719900000, 1719900000, 2, 1, 1);
INSERT INTO swticketposts (ticketpostid, ticketid, dateline, userid, fullname, email, creator, ishtml, staffid, isprivate, contents) VALUES
 (1, 1, 1710061200, 5, 'Carol Customer', 'carol@example.com', 2, 1, 0, 0, '<p>I cannot log in</p><p><img src="cid:shot1@kayako"></p>'),
 (2, 1, 1710063000, 0, 'Alice Agent', 'alice@example.com', 1, 1, 1, 0, '&lt;p&gt;Please try again &amp;amp; tell me&lt;/p&gt;'),
 (3, 1, 1710064800, 0, 'Erin Ops', 'erin@acme.example', 3, 0, 0, 0, 'Works for me too'),
 (4, 1, 1710065700, 0, 'Alice Agent', 'alice@example.com', 1, 0, 1, 1, 'Checked the auth logs'),
 (10, 2, 1719835200, 0, 'Gary', 'gary@example.net', 2, 0, 0, 0, 'It broke ` + "\uE5C8" + ` again ???? ` + "\uE54E" + `'),
 (11, 2, 1719838800, 0, 'Bob Builder', 'bob@example.com', 1, 1, 2, 0,
  '<p>Fixed <span class="emoji-outer emoji-sizer"><span class="emoji-inner emoji1f680"></span></span></p>'),
 (20, 3, 1719900000, 5, 'Carol Customer', 'carol@example.com', 2, 0, 0, 0, 'trashed');
INSERT INTO swticketnotes (ticketnoteid, linktype, linktypeid, staffid, staffname, dateline, note) VALUES
 (1, 1, 1, 2, 'Bob Builder', 1710064800, 'Called the customer'),
 (2, 2, 3, 2, 'Bob Builder', 1710064900, 'A note on a post');
INSERT INTO swattachments (attachmentid, linktype, linktypeid, ticketid, filename, filesize, filetype, attachmenttype, storefilename, contentid) VALUES
 (1, 1, 1, 1, 'log.txt', 18, 'text/plain', 1, 'attach_aaa', ''),
 (2, 1, 1, 1, 'shot.png', 27, 'image/png', 1, 'attach_bbb', 'shot1@kayako'),
 (3, 1, 3, 1, 'report.pdf', 26, 'application/pdf', 2, 'attach_ccc', ''),
 (4, 1, 999, 1, 'orphan.png', 3, 'image/png', 1, 'attach_ddd', '');
INSERT INTO swattachmentchunks (chunkid, attachmentid, contents, notbase64) VALUES
 (1, 1, 'line one\n', 1), (2, 2, '` + kyB64a + `', 0), (3, 1, 'line two\n', 1), (4, 2, '` + kyB64b + `', 0), (5, 4, 'xyz', 1);
INSERT INTO swticketemails (ticketemailid, email) VALUES (1, 'fwd@partner.example'), (2, 'erin@acme.example'), (3, 'boss@acme.example');
INSERT INTO swticketrecipients (ticketid, ticketemailid, recipienttype) VALUES (1, 1, 1), (1, 2, 2), (1, 3, 3);
INSERT INTO swticketdrafts (ticketid, dateline, staffid, staffname, contents) VALUES (3, 1719900001, 1, 'Alice Agent', 'unsent');
INSERT INTO swticketauditlogs (ticketid, dateline, creatortype, actiontype, actionmsg) VALUES
 (1, 1710065700, 1, 4, 'Status changed to Closed'), (3, 1719900002, 1, 13, 'Ticket moved to trash');
INSERT INTO swcustomfieldgroups (customfieldgroupid, title, grouptype) VALUES (1, 'Ticket details', 4), (2, 'User profile', 1);
INSERT INTO swcustomfields (customfieldid, customfieldgroupid, title, fieldtype, fieldname) VALUES
 (1, 1, 'Domain', 1, 'abc'), (2, 1, 'Services', 7, 'def'), (3, 1, 'Root password', 3, 'ghi'), (4, 2, 'Birthday', 10, 'jkl');
INSERT INTO swcustomfieldvalues (customfieldid, typeid, fieldvalue, isserialized, isencrypted) VALUES
 (1, 1, 'acme.example', 0, 0), (2, 1, 'a:2:{i:0;s:3:"VPS";i:1;s:3:"DNS";}', 1, 0), (3, 1, 'c2VjcmV0', 0, 1);
`

// kayakoFiles is a copy of the install's __swift/files.
func kayakoFiles(t testing.TB) string {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "attach_ccc"), kyPDF, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func kayakoDB(t testing.TB) string {
	name, _ := fixtureDB(t, "kayako", kayakoDDL, kayakoFixture)
	return name
}

func TestKayako(t *testing.T) {
	name := kayakoDB(t)
	dir := kayakoFiles(t)
	// No zone is given, none is needed: the times are epochs.
	s := openSource(t, Options{Preset: PresetKayako, DSN: srv.DSN(name), AttachmentsDir: dir, PageSize: 1}, sources.Env{})
	carol := sources.Person{Name: "Carol Customer", Email: "carol@example.com"}
	alice := sources.Person{Name: "Alice Agent", Email: "alice@example.com"}
	bob := sources.Person{Name: "Bob Builder", Email: "bob@example.com"}
	gary := sources.Person{Name: "Gary", Email: "gary@example.net"}
	want := []view{{
		ID: "1", Subject: "Cannot log in", Department: "Support", Status: "Closed", Priority: "Urgent", Requester: carol,
		CC: []string{"erin@acme.example", "boss@acme.example"}, Created: "2024-03-10T09:00:00Z", Updated: "2024-03-10T10:15:00Z",
		Entries: []entryView{
			{ID: "1", Kind: "customer reply", Author: carol, Format: "html", Created: "2024-03-10T09:00:00Z",
				Body: `<p>I cannot log in</p><p><img src="cid:shot1@kayako"></p>`,
				Atts: []string{"log.txt 18 " + sha(kyLog), "shot.png 27 " + sha(kyPNG)}},
			{ID: "2", Kind: "staff reply", Author: alice, Format: "html", Created: "2024-03-10T09:30:00Z",
				Body: "<p>Please try again &amp; tell me</p>"},
			{ID: "3", Kind: "customer reply", Author: sources.Person{Name: "Erin Ops", Email: "erin@acme.example"}, Format: "text",
				Created: "2024-03-10T10:00:00Z", Body: "Works for me too", Atts: []string{"report.pdf 26 " + sha(kyPDF)}},
			{ID: "n1", Kind: "note", Author: bob, Format: "text", Created: "2024-03-10T10:00:00Z", Body: "Called the customer"},
			{ID: "4", Kind: "note", Author: alice, Format: "text", Created: "2024-03-10T10:15:00Z", Body: "Checked the auth logs"},
		},
	}, {
		ID: "2", Subject: "Rocket \uE5C8 launch \uE558 2024", Department: "Billing", Status: "Open", Priority: "Normal", Requester: gary,
		Created: "2024-07-01T12:00:00Z", Updated: "2024-07-01T13:00:00Z",
		Problems: []string{codeField(sources.CodeEmojiPrivateUse, "subject/contents")},
		Entries: []entryView{
			{ID: "10", Kind: "customer reply", Author: gary, Format: "text", Created: "2024-07-01T12:00:00Z", Body: "It broke \uE5C8 again ???? \uE54E"},
			{ID: "11", Kind: "staff reply", Author: bob, Format: "html", Created: "2024-07-01T13:00:00Z", Body: "<p>Fixed \U0001F680</p>"},
		},
	}}
	got := readAll(t, s)
	compare(t, got, want)
	if p := got[1].Problems; len(p) != 1 || !strings.HasPrefix(p[0].Message, "4 private-use characters") {
		t.Errorf("ticket 2 problems %v, want the 4 private-use characters counted", p)
	}
	if n, err := s.Count(context.Background()); err != nil || n != 2 {
		t.Errorf("Count = %d, %v; want 2", n, err)
	}
	sourcetest.Run(t, func(t *testing.T) sources.Source {
		return openSourceNoCleanup(t, Options{Preset: PresetKayako, DSN: srv.DSN(name), AttachmentsDir: dir, PageSize: 1})
	})
}

// Kayako: the mask as the number (ticketid when t_eticketid is seq),
// ownerstaffid as the assignee, CC and BCC recipients as CC, custom fields
// of ticket groups by title (a serialized array joined, an encrypted value
// a warning, a user-profile field not a ticket's).
func TestKayakoTicketFields(t *testing.T) {
	name, db := fixtureDB(t, "kayako", kayakoDDL, kayakoFixture)
	s := openSource(t, Options{Preset: PresetKayako, DSN: srv.DSN(name), AttachmentsDir: kayakoFiles(t)},
		sources.Env{Fields: []string{"domain", "Services", "Root password"}})
	got := readAll(t, s)
	checkTicketFields(t, got, map[string]ticketFields{
		"1": {Number: "ABC-123-45678", Assignee: sources.Person{Name: "Alice Agent", Email: "alice@example.com"},
			Fields: map[string]string{"domain": "acme.example", "services": "VPS, DNS"}, CC: []string{"erin@acme.example", "boss@acme.example"}},
		"2": {Number: "DEF-456-00001"},
	})
	if p := got[0].Problems; len(p) != 1 || p[0].Code != sources.CodeBadValue || p[0].Field != "root password" {
		t.Errorf("ticket 1 problems %v, want the encrypted field's bad_value", p)
	}
	if _, err := Open(t.Context(), Options{Preset: PresetKayako, DSN: srv.DSN(name)}, sources.Env{Fields: []string{"Birthday"}}); err == nil ||
		!strings.Contains(err.Error(), "mapping.custom_fields names birthday, which is no Kayako ticket custom field") {
		t.Errorf("a user field: %v", err)
	}
	if _, err := db.Exec("UPDATE swsettings SET data = 'seq' WHERE vkey = 't_eticketid'"); err != nil {
		t.Fatal(err)
	}
	s = openSource(t, Options{Preset: PresetKayako, DSN: srv.DSN(name)}, sources.Env{})
	if got := readAll(t, s); got[0].Number != "1" || got[1].Number != "2" {
		t.Errorf("seq numbers %q %q, want the ticket ids", got[0].Number, got[1].Number)
	}
}

// The rows left out are counted by kind, as info.
func TestKayakoOmitted(t *testing.T) {
	s := openSource(t, Options{Preset: PresetKayako, DSN: srv.DSN(kayakoDB(t))}, sources.Env{})
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
		"swtickets: 1 tickets in the trash (departmentid 0) [left_out_deleted]",
		"swticketdrafts: 1 drafts, never sent [left_out_draft]",
		"swticketauditlogs: 2 audit-log lines: status, owner, priority, trash and merge changes [left_out_line_item]",
		"swattachments: 1 attachments of no post (a note's, or their post is gone) [left_out_orphan_attachment]",
		"swticketnotes: 1 notes on a post (linktype 2), which Kayako 4 does not show [left_out_hidden]",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("omitted:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

// phpList reads plain serialized arrays only.
func TestKayakoPHPList(t *testing.T) {
	for in, want := range map[string]string{
		`a:2:{i:0;s:3:"VPS";i:1;s:3:"DNS";}`: "VPS|DNS",
		`a:1:{i:0;s:5:"a;b:c";}`:             "a;b:c",
		`a:1:{i:0;i:42;}`:                    "42",
		`a:0:{}`:                             "",
		`a:1:{i:0;a:0:{}}`:                   "!",
		`O:8:"stdClass":0:{}`:                "!",
		`a:1:{i:0;s:9:"short";}`:             "!",
	} {
		got, ok := phpList(in)
		g := strings.Join(got, "|")
		if !ok {
			g = "!"
		}
		if g != want {
			t.Errorf("phpList(%q) = %q, want %q", in, g, want)
		}
	}
}

// End to end into a realistic WHMCS (sanitising, utf8mb3): epochs into a
// Chicago WHMCS without any source zone; HTML as Markdown with the inline
// image as a marker naming its file; the TinyMCE entities decoded once; the
// CC's post a guest reply from the CC; the private post and the ticket
// note as notes; raw chunks, base64 chunks and the file store with their
// exact bytes; recipients as CC; the trashed ticket, the draft, the audit
// lines, the orphan attachment and the post note absent; private-use
// characters sent as they are (with the validate warning), the span's
// emoji decoded; validate lists what is left out by kind; a second run
// writes nothing.
func TestEndToEndKayako(t *testing.T) {
	name := kayakoDB(t)
	zone := zonetest.Load(t, "America/Chicago")
	wo := whmcstest.Options{TimeZone: zone, Seed: e2eSeed(), Sanitize: true, ThreeByte: true}
	ws := whmcstest.NewServer(wo)
	t.Cleanup(ws.Close)
	e := &e2e{srv: ws, zone: zone, cp: filepath.Join(t.TempDir(), "checkpoint.db")}
	opts := Options{Preset: PresetKayako, DSN: srv.DSN(name), AttachmentsDir: kayakoFiles(t), PageSize: 1}
	env := sources.Env{Fields: []string{"Domain"}}
	cfg := kayakoMapping()
	rep := e.run(t, opts, env, cfg)
	if want := (report.TicketCounts{Total: 2, Imported: 2}); rep.Tickets != want {
		t.Fatalf("report %+v, want %+v; failures %+v", rep.Tickets, want, rep.Failures)
	}
	e.checkState(t, fmt.Sprintf(`
ticket dept=1 status=Closed priority=High client=4 name="Carol Customer" email="carol@example.com" cc="erin@acme.example,boss@acme.example" admin="" subject="Cannot log in"
  fields flag=4 11="ABC-123-45678" 12="acme.example"
  open 2024-03-10 04:00:00 CDT md=true "I cannot log in\n\n[inline image: shot.png, attached]" [log.txt 18 %s] [shot.png 27 %s]
  reply 2024-03-10 04:30:00 CDT admin:alice md=true %q 
  reply 2024-03-10 05:00:00 CDT client:0 "Erin Ops" "erin@acme.example" md=false "Works for me too" [report.pdf 26 %s]
  note 2024-03-10 05:00:00 CDT admin:admin md=false "Bob Builder:\n\nCalled the customer" 
  note 2024-03-10 05:15:00 CDT admin:admin md=false "Alice Agent:\n\nChecked the auth logs" 
ticket dept=2 status=Open priority=Medium client=0 name="Gary" email="gary@example.net" cc="" admin="" subject="Rocket \ue5c8 launch \ue558 2024"
  fields flag=0 11="DEF-456-00001"
  open 2024-07-01 07:00:00 CDT md=false "It broke \ue5c8 again ???? \ue54e" 
  reply 2024-07-01 08:00:00 CDT admin:admin md=true %q 
`, sha256Hex(kyLog), sha256Hex(kyPNG), wo.StoredText("Please try again & tell me"), sha256Hex(kyPDF), wo.StoredText("Fixed \U0001F680")))
	e.rerun(t, opts, env, cfg, report.TicketCounts{Total: 2, Unchanged: 2})

	src := openSource(t, opts, env)
	vr := validateOffline(t, src, cfg)
	probs, counts := leftOut(vr)
	wantCounts := []string{"left_out_line_item=2", "left_out_deleted=1", "left_out_draft=1", "left_out_hidden=1", "left_out_orphan_attachment=1"}
	if strings.Join(counts, " ") != strings.Join(wantCounts, " ") {
		t.Errorf("kayako info codes %q, want %q", counts, wantCounts)
	}
	if len(probs) != 5 || vr.Summary.LeftOut != 6 || vr.Summary.Errors != 0 {
		t.Errorf("kayako left out:\n%s\nsummary %+v", strings.Join(probs, "\n"), vr.Summary)
	}
	var emoji int
	for _, c := range vr.Summary.ByCode {
		if c.Code == string(sources.CodeEmojiPrivateUse) {
			emoji = c.Count
		}
	}
	if emoji != 1 {
		t.Errorf("emoji_private_use warnings %d, want 1 (ticket 2)", emoji)
	}
	// The span's rocket, decoded, is above U+FFFF: the planner's
	// four_byte_text warning says what this WHMCS stores for it.
	var fourByte int
	for _, p := range vr.Problems {
		if p.Code == string(sources.CodeFourByteText) && p.Ticket == "2" {
			fourByte++
		}
	}
	if fourByte != 1 {
		t.Errorf("four_byte_text warnings on ticket 2: %d, want 1", fourByte)
	}
}

func kayakoMapping() mapping.Config {
	cfg := e2eMapping()
	cfg.Departments = map[string]mapping.Department{"Support": mapping.DeptID(1), "Billing": mapping.DeptID(2)}
	cfg.Statuses = map[string]string{"Open": "Open", "In Progress": "In Progress", "Closed": "Closed"}
	cfg.Priorities = map[string]string{"Low": "Low", "Normal": "Medium", "High": "High", "Urgent": "High"}
	cfg.CustomFields = map[string]int{"Domain": 12}
	return cfg
}

// The last change (lastactivity, the latest post or edit, the latest
// note) is read with the header: a ticket held at it comes without its
// thread; a note added since makes it read again.
func TestKayakoHeldSkipsThread(t *testing.T) {
	name, db := fixtureDB(t, "kayako", kayakoDDL, kayakoFixture)
	held := &sources.Held{Settled: time.Now().Add(time.Hour), Versions: sources.VersionsOf(map[string]int64{
		"1": 1710065700, // its last change: the private post, 10:15
		"2": 1719838800,
	})}
	read := func() map[string]bool {
		s := openSource(t, Options{Preset: PresetKayako, DSN: srv.DSN(name)}, sources.Env{})
		skipped := map[string]bool{}
		for tk, err := range s.Tickets(context.Background(), sources.ReadOptions{Held: held}) {
			if err != nil {
				t.Fatal(err)
			}
			skipped[tk.ID] = tk.ThreadSkipped
		}
		return skipped
	}
	if got := read(); !got["1"] || !got["2"] {
		t.Errorf("skipped %v, want both held tickets without their threads", got)
	}
	if _, err := db.Exec("INSERT INTO swticketnotes (linktype, linktypeid, staffid, staffname, dateline, note) VALUES (1, 1, 1, 'Alice Agent', 1710070000, 'later')"); err != nil {
		t.Fatal(err)
	}
	if got := read(); got["1"] || !got["2"] {
		t.Errorf("skipped %v after a new note on ticket 1, want ticket 1 read", got)
	}
}

// A Kayako 3.x database (attachments by ticketpostid, no linktype) is
// refused at Open with what to do, never read with 4.x's meanings.
func TestKayako3xRefused(t *testing.T) {
	name, db := fixtureDB(t, "kayako", kayakoDDL, kayakoFixture)
	if _, err := db.Exec("ALTER TABLE swattachments DROP COLUMN linktype, ADD COLUMN ticketpostid int(11) NOT NULL DEFAULT 0"); err != nil {
		t.Fatal(err)
	}
	_, err := Open(t.Context(), Options{Preset: PresetKayako, DSN: srv.DSN(name)}, sources.Env{})
	if err == nil || !strings.Contains(err.Error(), "Kayako 3.x") || !strings.Contains(err.Error(), "preset custom") || !errors.Is(err, sources.ErrConfig) {
		t.Errorf("a 3.x database: %v", err)
	}
}
