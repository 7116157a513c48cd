package mysql

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/importer"
	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/internal/policytest"
	"github.com/whmcs-migrate/whmcs-migrate/internal/zonetest"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	whmcsapi "github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// End to end: each preset's fixture database is read through the
// registered factory, planned with a user's mapping and imported by
// importer.Import into the sandbox WHMCS over real HTTP; the sandbox's state
// is then compared, line by line, with the tickets the helpdesk holds.

// e2eSeed is the new WHMCS: departments, statuses, the admins the staff
// map names, and a client whose email matches a helpdesk user.
func e2eSeed() *whmcstest.Seed {
	s := whmcstest.DefaultSeed()
	s.Departments = []whmcstest.Department{{ID: 1, Name: "Support"}, {ID: 2, Name: "Billing"}, {ID: 3, Name: "Sales"}}
	s.Clients = append(s.Clients, whmcstest.Client{ID: 4, FirstName: "Carol", LastName: "Customer", Email: "carol@example.com", Status: "Active"})
	s.Admins = append(s.Admins, whmcstest.Admin{ID: 4, Username: "alice", FirstName: "Alice", LastName: "Agent", Email: "alice@example.com"})
	return s
}

// e2e is one sandbox WHMCS and one checkpoint file, imported into by
// successive runs.
type e2e struct {
	srv  *whmcstest.Server
	zone *time.Location
	cp   string
}

func newE2E(t *testing.T) *e2e {
	t.Helper()
	zone := zonetest.Load(t, "America/Chicago")
	srv := whmcstest.NewServer(whmcstest.Options{TimeZone: zone, Seed: e2eSeed()})
	t.Cleanup(srv.Close)
	return &e2e{srv: srv, zone: zone, cp: filepath.Join(t.TempDir(), "checkpoint.db")}
}

// run opens the source through the registry's factory (as the CLI does),
// and runs one import with cfg.
func (e *e2e) run(t *testing.T, opts Options, env sources.Env, cfg mapping.Config) *report.Import {
	t.Helper()
	ctx := context.Background()
	src, err := Factory().Open(ctx, &opts, env)
	if err != nil {
		t.Fatalf("open source: %v", err)
	}
	defer src.Close()
	store, err := checkpoints.Open(e.cp)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	h, err := whmcsapi.NewHTTP(whmcsapi.Options{URL: e.srv.APIURL(), Identifier: e.srv.Identifier, Secret: e.srv.Secret,
		Location: e.zone, Timeout: 10 * time.Second, MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	client := whmcsapi.NewClient(policytest.Wrap(h, policytest.Options{}), e.zone)
	planner, err := mapping.NewPlanner(mapping.Options{Config: cfg, Clients: mapping.NewClientResolver(client), Admins: mapping.NewAdminResolver(client)})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := importer.Import(ctx, importer.Config{Source: src, Client: client, Planner: planner, Store: store, Concurrency: 2})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return rep
}

// state renders the sandbox's tickets as text: dates to the second in the
// WHMCS zone, authors, messages exactly as stored, attachments by name,
// size and sha256 prefix.
func (e *e2e) state(t *testing.T) string {
	t.Helper()
	st := e.srv.State()
	if len(st.Emails) != 0 {
		t.Errorf("customers were emailed: %+v", st.Emails)
	}
	at := func(tm time.Time) string { return tm.In(e.zone).Format("2006-01-02 15:04:05 MST") }
	files := func(fs []whmcstest.FileState) string {
		var out []string
		for _, f := range fs {
			out = append(out, fmt.Sprintf("[%s %d %s]", f.Name, f.Size, f.SHA256[:12]))
		}
		return strings.Join(out, " ")
	}
	// Workers run in parallel, so WHMCS ids follow no fixed order: list
	// the tickets by their opening date instead.
	slices.SortStableFunc(st.Tickets, func(a, b whmcstest.TicketState) int { return a.Date.Compare(b.Date) })
	var b strings.Builder
	for _, tk := range st.Tickets {
		fmt.Fprintf(&b, "ticket dept=%d status=%s priority=%s client=%d name=%q email=%q cc=%q admin=%q subject=%q\n",
			tk.DeptID, tk.Status, tk.Priority, tk.UserID, tk.Name, tk.Email, tk.CC, tk.Admin, tk.Subject)
		if len(tk.CustomFields) > 0 || tk.Flag != 0 {
			// What travels besides the thread: custom fields (the old
			// number among them) and the assignee's admin id.
			var cf []string
			for _, id := range slices.Sorted(maps.Keys(tk.CustomFields)) {
				cf = append(cf, fmt.Sprintf("%d=%q", id, tk.CustomFields[id]))
			}
			fmt.Fprintf(&b, "  fields flag=%d %s\n", tk.Flag, strings.Join(cf, " "))
		}
		fmt.Fprintf(&b, "  open %s md=%v %q %s\n", at(tk.Date), tk.Markdown, tk.Message, files(tk.Attachments))
		for _, r := range tk.Replies {
			who := "admin:" + r.AdminUsername
			if r.AdminUsername == "" {
				who = fmt.Sprintf("client:%d %q %q", r.ClientID, r.Name, r.Email)
			}
			fmt.Fprintf(&b, "  reply %s %s md=%v %q %s\n", at(r.Date), who, r.Markdown, r.Message, files(r.Attachments))
		}
		for _, n := range tk.Notes {
			fmt.Fprintf(&b, "  note %s admin:%s md=%v %q %s\n", at(n.Date), n.Admin, n.Markdown, n.Message, files(n.Attachments))
		}
	}
	return b.String()
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])[:12]
}

// checkState compares the sandbox with want line by line.
func (e *e2e) checkState(t *testing.T, want string) {
	t.Helper()
	got := e.state(t)
	want = strings.TrimLeft(want, "\n")
	if got == want {
		return
	}
	gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < max(len(gl), len(wl)); i++ {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			t.Errorf("line %d\n got: %s\nwant: %s", i+1, g, w)
		}
	}
	t.Logf("whole state:\n%s", got)
}

// rerun checks that a second run over an unchanged source writes nothing
// and finds every imported ticket unchanged.
func (e *e2e) rerun(t *testing.T, opts Options, env sources.Env, cfg mapping.Config, want report.TicketCounts) {
	t.Helper()
	before := e.srv.WriteCalls()
	rep := e.run(t, opts, env, cfg)
	if w := e.srv.WriteCalls() - before; w != 0 {
		t.Errorf("second run made %d write calls", w)
	}
	if rep.Tickets != want {
		t.Errorf("second run: %+v, want %+v", rep.Tickets, want)
	}
}

func e2eMapping() mapping.Config {
	return mapping.Config{
		Departments:  map[string]mapping.Department{"Support": {ID: 1}, "Support / Billing": {ID: 2}, "Sales": {ID: 3}},
		Statuses:     map[string]string{"Resolved": "Closed"},
		Priorities:   map[string]string{"Normal": "Medium", "Emergency": "High", "Critical": "High"},
		Staff:        map[string]string{"alice@example.com": "alice"},
		DefaultStaff: "admin",
		Clients:      mapping.ClientsMatchEmail,
		// The old ticket number in WHMCS ticket custom field 11.
		TicketNumberField: 11,
	}
}

// osTicket: db_timezone Europe/Berlin read into America/Chicago (the 9 a.m.
// message of 2024-03-10 lands just after Chicago's DST change); the hidden
// entry left out, the edited one kept; notes prefixed with their author and
// attributed to the API admin; HTML as markdown, its inline cid: image as
// a marker naming the attached file (matched by osTicket's file key); the
// image, the two-chunk PDF and the note's log file with their exact bytes; the ticket
// in a deleted status not read; the deleted user's ticket (no email, no
// client) opened as a guest from mapping.fallback_requester. Each ticket
// keeps its number (custom field 11); ticket 1 its help-topic form fields
// Domain (by label) and plan (by name, a choice) and its assignee Alice
// (flag 4), its active collaborator as CC; ticket 2's assignee Bob is not
// in mapping.staff, so it is imported unassigned.
func TestEndToEndOsTicket(t *testing.T) {
	name := osticketDB(t)
	e := newE2E(t)
	opts := Options{Preset: PresetOsTicket, DSN: srv.DSN(name), PageSize: 2}
	env := sources.Env{Location: time.UTC, Fields: []string{"Domain", "plan"}} // db_timezone must win over the zone
	cfg := e2eMapping()
	cfg.FallbackRequester = &mapping.Requester{Name: "Deleted user", Email: "deleted-user@example.com"}
	cfg.CustomFields = map[string]int{"Domain": 12, "plan": 13}
	rep := e.run(t, opts, env, cfg)
	if want := (report.TicketCounts{Total: 3, Imported: 3}); rep.Tickets != want {
		t.Errorf("report %+v, want %+v; failures %+v", rep.Tickets, want, rep.Failures)
	}
	log := append(append([]byte{}, osLog1...), osLog2...)
	e.checkState(t, fmt.Sprintf(`
ticket dept=1 status=Closed priority=High client=4 name="Carol Customer" email="carol@example.com" cc="zoe@example.de" admin="" subject="Cannot log in"
  fields flag=4 11="683217" 12="example.org" 13="Business"
  open 2024-03-10 03:00:00 CDT md=true "I cannot log in, see [inline image: screenshot.png, attached]" [screenshot.png 8 %s]
  reply 2024-03-10 05:00:00 CDT admin:admin md=true "Please try again" 
  reply 2024-03-11 02:30:00 CDT client:4 "" "" md=false "Works now, danke schön ✓" 
  note 2024-03-10 04:00:00 CDT admin:admin md=false "Alice Agent:\n\nChecked logs\n\nAuth failures from 10.0.0.1" [auth.log %d %s]
  note 2024-03-12 05:00:00 CDT admin:admin md=false "SYSTEM:\n\nTicket closed\n\nStatus changed to Closed" 
ticket dept=2 status=Open priority=Medium client=0 name="Zoë Müller" email="zoe@example.de" cc="" admin="" subject="Rechnung #2024-17: falsche MwSt — ünïcödé"
  fields flag=0 11="104455"
  open 2024-07-01 05:00:00 CDT md=true "Grüße aus Köln, see the PDF" [Rechnung März.pdf 614400 %s]
ticket dept=3 status=Open priority=Medium client=0 name="Deleted user" email="deleted-user@example.com" cc="" admin="" subject="From a deleted user"
  fields flag=0 11="300001"
  open 2024-08-01 01:00:00 CDT md=false "hello from a deleted account" 
`, sha256Hex(osPNG), len(log), sha256Hex(log), sha256Hex(osPDF())))
	e.rerun(t, opts, env, cfg, report.TicketCounts{Total: 3, Unchanged: 3})
}

// Without mapping.fallback_requester the deleted user's ticket is refused
// by the plan (no email to open it with), nothing is sent for it, and it
// fails again on every run; the other tickets import.
func TestEndToEndOsTicketWithoutFallbackRequester(t *testing.T) {
	name := osticketDB(t)
	e := newE2E(t)
	opts := Options{Preset: PresetOsTicket, DSN: srv.DSN(name), PageSize: 2}
	env := sources.Env{Location: time.UTC}
	rep := e.run(t, opts, env, e2eMapping())
	if want := (report.TicketCounts{Total: 3, Imported: 2, Failed: 1}); rep.Tickets != want {
		t.Errorf("report %+v, want %+v", rep.Tickets, want)
	}
	if len(rep.Failures) != 1 || rep.Failures[0].Ticket != "3" || rep.Failures[0].Step != "plan" ||
		!strings.Contains(rep.Failures[0].Error, string(sources.CodeMissingRequester)) {
		t.Errorf("failures %+v, want ticket 3 refused by the plan (missing_requester)", rep.Failures)
	}
	var subjects []string
	for _, tk := range e.srv.State().Tickets {
		subjects = append(subjects, tk.Subject)
	}
	slices.Sort(subjects)
	if want := []string{"Cannot log in", "Rechnung #2024-17: falsche MwSt — ünïcödé"}; !slices.Equal(subjects, want) {
		t.Errorf("WHMCS holds %q, want %q", subjects, want)
	}
	e.rerun(t, opts, env, e2eMapping(), report.TicketCounts{Total: 3, Unchanged: 2, Failed: 1})
}

// WHMCS → WHMCS: wall clock in the configured zone; HTML entities in
// subjects decoded; the client found in the new install by email (old
// client ids are not carried); a contact's ticket as a guest; staff by
// name → email → username, an unknown former admin → default_staff; the
// missing and ../ attachments left out, the others with their bytes. The
// tid is kept in custom field 11, the support custom fields Domain and plan
// ("plan|Hosting plan") in 12 and 13, the flag Alice as the new install's
// alice (4); Bob, not in mapping.staff, leaves ticket 102 unassigned.
func TestEndToEndWHMCS(t *testing.T) {
	name, _ := fixtureDB(t, "whmcse2e", whmcsDDL, whmcsFixture)
	e := newE2E(t)
	opts := Options{Preset: PresetWHMCS, DSN: srv.DSN(name), AttachmentsDir: whmcsFiles(t), PageSize: 2}
	env := sources.Env{Location: e.zone, Fields: []string{"Domain", "plan"}}
	cfg := e2eMapping()
	cfg.Departments = map[string]mapping.Department{"Technical Support": {ID: 1}, "Billing": {ID: 2}}
	cfg.CustomFields = map[string]int{"Domain": 12, "plan": 13}
	rep := e.run(t, opts, env, cfg)
	if want := (report.TicketCounts{Total: 3, Imported: 3}); rep.Tickets != want {
		t.Errorf("report %+v, want %+v; failures %+v", rep.Tickets, want, rep.Failures)
	}
	e.checkState(t, fmt.Sprintf(`
ticket dept=1 status=Closed priority=High client=4 name="Carol Customer" email="carol@example.com" cc="boss@acme.example,ops@acme.example" admin="" subject="Can't reach my site"
  fields flag=4 11="482913" 12="acme.example" 13="Pro & more"
  open 2024-03-10 09:00:00 CDT md=false "It's down since 8am — ärgerlich" 
  reply 2024-03-10 09:30:00 CDT admin:alice md=true "Please **restart** the app" 
  reply 2024-03-10 11:00:00 CDT client:4 "" "" md=false "Logs attached" [log1.txt 8 %s] [log 2 ü.txt 8 %s]
  reply 2024-03-11 10:00:00 CDT admin:admin md=false "Resolved" 
  note 2024-03-10 09:30:00 CDT admin:admin md=false "Bob Billing:\n\nCustomer is on the legacy plan" [auth.log 5 %s]
ticket dept=2 status=Open priority=Medium client=0 name="Gary Guest" email="gary@example.net" cc="" admin="" subject="Invoice question"
  fields flag=0 11="733104"
  open 2024-03-12 14:00:00 CDT md=true "**Why** was I charged twice?" 
  reply 2024-03-12 15:00:00 CDT client:0 "Gary Guest" "gary@example.net" md=false "Thanks" 
ticket dept=1 status=Answered priority=Low client=0 name="Erin Ops" email="erin@acme.example" cc="" admin="" subject="DNS change"
  fields flag=0 11="599002"
  open 2024-03-13 08:00:00 CDT md=false "Opened on behalf of Erin" 
`, sha256Hex([]byte("log one\n")), sha256Hex([]byte("log two\n")), sha256Hex([]byte("auth\n"))))
	e.rerun(t, opts, env, cfg, report.TicketCounts{Total: 3, Unchanged: 3})
}

// HESK: TIMESTAMPs are instants (written at +01:00, shown in Chicago, the
// configured Asia/Tokyo zone irrelevant); the 3.5 customer tables give the
// requester and the follower as CC; HTML bodies as markdown; a custom
// status by its English name. The trackid is kept in custom field 11, the
// custom fields Domain and Plan (custom1, custom2) in 12 and 13, the owner
// Alice as the flag (Bob, not in mapping.staff, leaves ticket 2
// unassigned).
func TestEndToEndHESK(t *testing.T) {
	name, _ := fixtureDB(t, "heske2e", heskDDL35, heskFixture35)
	e := newE2E(t)
	tokyo := zonetest.Load(t, "Asia/Tokyo")
	opts := Options{Preset: PresetHESK, DSN: srv.DSN(name), AttachmentsDir: heskFiles(t), PageSize: 1}
	env := sources.Env{Location: tokyo, Fields: []string{"Domain", "Plan"}}
	cfg := e2eMapping()
	cfg.Departments = map[string]mapping.Department{"General": {ID: 1}, "Billing": {ID: 2}}
	cfg.CustomFields = map[string]int{"Domain": 12, "Plan": 13}
	cfg.Statuses = map[string]string{"Resolved": "Closed", "Waiting on vendor": "On Hold"}
	rep := e.run(t, opts, env, cfg)
	if want := (report.TicketCounts{Total: 2, Imported: 2}); rep.Tickets != want {
		t.Errorf("report %+v, want %+v; failures %+v", rep.Tickets, want, rep.Failures)
	}
	e.checkState(t, fmt.Sprintf(`
ticket dept=1 status=Closed priority=High client=4 name="Carol Customer" email="carol@example.com" cc="dave@example.com" admin="" subject="Login & password"
  fields flag=4 11="KZ9-XW2-8R7L" 12="example.org" 13="Pro & more"
  open 2024-03-10 04:00:00 CDT md=true "I can't log in" [screen shot.png 4 %s]
  reply 2024-03-10 05:00:00 CDT admin:alice md=true "Try resetting" 
  reply 2024-03-11 06:00:00 CDT client:4 "" "" md=true "Done, thanks" [a.txt 6 %s]
  note 2024-03-10 05:00:00 CDT admin:admin md=true "**Bob:**\n\nChecked **auth.log**" [auth.log 5 %s]
ticket dept=2 status=On Hold priority=High client=0 name="Dave Dæmon" email="dave@example.com" cc="" admin="" subject="Vendor issue"
  fields flag=0 11="7QP-4MN-2D9A"
  open 2024-07-01 04:00:00 CDT md=true "Fetched by IMAP" 
`, sha256Hex([]byte("PNG!")), sha256Hex([]byte("eleven")), sha256Hex([]byte("auth\n"))))
	e.rerun(t, opts, env, cfg, report.TicketCounts{Total: 2, Unchanged: 2})
}
