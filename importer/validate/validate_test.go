package validate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
	"golang.org/x/net/html"

	"github.com/whmcs-migrate/whmcs-migrate/checkpoints"
	"github.com/whmcs-migrate/whmcs-migrate/importer"
	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/importer/validate"
	"github.com/whmcs-migrate/whmcs-migrate/internal/zonetest"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/sources/csv"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs/whmcstest"
)

// The sandbox's clock in these tests: F1's second reply is after it.
var vtClock = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

func vtServer(t *testing.T) *whmcstest.Server {
	t.Helper()
	s := whmcstest.NewServer(whmcstest.Options{Now: func() time.Time { return vtClock }})
	t.Cleanup(s.Close)
	return s
}

// vtClient is a client over the sandbox; readOnly wraps it as validate's.
func vtClient(t *testing.T, s *whmcstest.Server, readOnly bool) *whmcs.Client {
	t.Helper()
	h, err := whmcs.NewHTTP(whmcs.Options{URL: s.APIURL(), Identifier: s.Identifier, Secret: s.Secret, Location: s.TimeZone()})
	if err != nil {
		t.Fatal(err)
	}
	var c whmcs.Caller = h
	if readOnly {
		c = whmcs.ReadOnly(c)
	}
	return whmcs.NewClient(c, s.TimeZone())
}

func vtSource(t *testing.T, dir string) *csv.Source {
	t.Helper()
	src, err := csv.Open(csv.Options{Path: dir}, sources.Env{Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

func vtConfig() mapping.Config {
	return mapping.Config{
		Departments:  map[string]mapping.Department{"Sales": {ID: 1}, "Technical Support": {ID: 2}, "Old Billing": {ID: 9}},
		Statuses:     map[string]string{"resolved": "Closed", "vendor": "Awaiting Vendor"},
		Staff:        map[string]string{"jane@old.example": "admin", "ghost@old.example": "ghost"},
		DefaultStaff: "support",
		Clients:      mapping.ClientsMatchEmail,
	}
}

func vtPass(t *testing.T, src sources.Source, c *whmcs.Client) validate.Config {
	o := planned(t, src, c, vtConfig(), func() time.Time { return vtClock })
	o.Rate, o.Concurrency, o.MaxAttachmentSize = 10, 4, 8<<10
	return o
}

// planned is validate's options as the command makes them: the target
// read through c (nil: offline), a planner from cfg with what the target
// holds, its clock fixed at now() (nil: the local clock).
func planned(t *testing.T, src sources.Source, c *whmcs.Client, cfg mapping.Config, now func() time.Time) validate.Config {
	t.Helper()
	po := mapping.Options{Config: cfg}
	o := validate.Config{Source: src}
	if c != nil {
		target, err := validate.ReadTarget(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		target.Apply(&po)
		o.Target = target
		if cfg.Clients == mapping.ClientsMatchEmail {
			po.Clients = mapping.NewClientResolver(c)
			o.LooksUpClients = true
		}
	}
	if now == nil {
		now = time.Now
	}
	o.Clock = now()
	po.Now = func() time.Time { return o.Clock }
	pl, err := mapping.NewPlanner(po)
	if err != nil {
		t.Fatal(err)
	}
	o.Planner = pl
	return o
}

// got lists "ticket/entry/severity/code" for every problem.
func got(rep *report.Validation) map[string][]string {
	m := map[string][]string{}
	for _, p := range rep.Problems {
		m[p.Ticket] = append(m[p.Ticket], p.Entry+"/"+p.Severity+"/"+p.Code)
	}
	for _, v := range m {
		sort.Strings(v)
	}
	return m
}

func TestValidateOnlineFixture(t *testing.T) {
	s := vtServer(t)
	src := vtSource(t, "testdata/validate")
	rep, err := validate.Tickets(context.Background(), vtPass(t, src, vtClient(t, s, true)))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"G2":  {"/warning/guest_requester"},
		"D1":  {"/error/unknown_department_id"},
		"X1":  {"X1-1/warning/attachment_extension"},
		"L1":  {"L1-1/warning/attachment_too_large"},
		"F1":  {"F1-2/error/future_date"},
		"S1":  {"S1-2/error/unmapped_staff"},
		"ST1": {"/error/unmapped_status"},
	}
	if g := got(rep); !equalProblems(g, want) {
		t.Errorf("problems:\n got %v\nwant %v", g, want)
	}
	if rep.Tickets.Total != 8 || rep.Tickets.Invalid != 4 || rep.Tickets.Valid != 4 {
		t.Errorf("tickets = %+v, want 8 total, 4 valid, 4 invalid", rep.Tickets)
	}
	if w := s.WriteCalls(); w != 0 {
		t.Errorf("sandbox saw %d write calls, want 0", w)
	}
	calls := s.Calls()
	for _, a := range []string{"GetSupportDepartments", "GetSupportStatuses", "GetAdminUsers", "GetClients"} {
		if calls[a] == 0 {
			t.Errorf("no %s call; calls %v", a, calls)
		}
	}
	if rep.Offline {
		t.Error("report says offline")
	}

	// The plan is what run would send for the 4 valid tickets: G1 (open +
	// staff reply carrying Closed), G2 (same), X1 and L1 (open + update to
	// Closed); plus the client look-ups: the sandbox's clients fit one
	// GetClients page, which answers every email.
	wantCalls := map[string]int{"OpenTicket": 4, "AddTicketReply": 2, "UpdateTicket": 2, "GetClients": 1}
	if !equalCalls(rep.Plan.Calls, wantCalls) {
		t.Errorf("plan calls = %v, want %v", rep.Plan.Calls, wantCalls)
	}
	if rep.Plan.Tickets != 4 || rep.Plan.Entries != 6 || rep.Plan.Attachments != 3 || rep.Plan.AttachmentBytes != 21+24+6000 {
		t.Errorf("plan = %+v", rep.Plan)
	}
	if rep.Plan.TotalCalls != 9 || rep.Plan.EstimatedSeconds != 9.0/10 {
		t.Errorf("total calls %d, estimate %v s; want 9 calls at 10/s", rep.Plan.TotalCalls, rep.Plan.EstimatedSeconds)
	}
	// Problem origins point at the rows.
	for _, p := range rep.Problems {
		if p.Ticket == "F1" && p.Origin != "messages.csv:10" {
			t.Errorf("F1 problem origin %q, want messages.csv:10", p.Origin)
		}
	}
}

func TestValidateOfflineMakesNoCall(t *testing.T) {
	s := vtServer(t)
	src := vtSource(t, "testdata/validate")
	rep, err := validate.Tickets(context.Background(), vtPass(t, src, nil))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(s.Calls()); n != 0 {
		t.Errorf("offline validation made calls: %v", s.Calls())
	}
	// Offline, the mapping is trusted: only the source's and the planner's
	// own checks remain; the server clock given still judges dates.
	want := map[string][]string{
		"X1": {"X1-1/warning/attachment_extension"},
		"L1": {"L1-1/warning/attachment_too_large"},
		"F1": {"F1-2/error/future_date"},
	}
	if g := got(rep); !equalProblems(g, want) {
		t.Errorf("problems:\n got %v\nwant %v", g, want)
	}
	if !rep.Offline || rep.Tickets.Invalid != 1 {
		t.Errorf("offline %v, tickets %+v", rep.Offline, rep.Tickets)
	}
	// With no clock given, local now is used: nothing is in the future.
	o := planned(t, vtSource(t, "testdata/validate"), nil, vtConfig(), nil)
	o.MaxAttachmentSize = 8 << 10
	rep, err = validate.Tickets(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Tickets.Invalid != 0 {
		t.Errorf("with local now, %d invalid tickets: %v", rep.Tickets.Invalid, got(rep))
	}
}

func TestValidateAllowListAndSizeOptions(t *testing.T) {
	o := vtPass(t, vtSource(t, "testdata/validate"), nil)
	o.AllowedExtensions = []string{"EXE", ".pdf"} // .txt is now outside
	o.MaxAttachmentSize = -1                      // no limit
	rep, err := validate.Tickets(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	g := got(rep)
	if !slices.Equal(g["L1"], []string{"L1-1/warning/attachment_extension"}) || g["X1"] != nil || g["G2"] != nil {
		t.Errorf("problems %v", g)
	}
}

func TestValidateAlreadyImported(t *testing.T) {
	s := vtServer(t)
	ctx := context.Background()
	store, err := checkpoints.Open(filepath.Join(t.TempDir(), "cp.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	cfg := vtConfig()
	pl, err := mapping.NewPlanner(mapping.Options{Config: cfg, Now: func() time.Time { return vtClock }})
	if err != nil {
		t.Fatal(err)
	}
	w := vtClient(t, s, false)
	if _, err := importer.Import(ctx, importer.Config{Source: vtSource(t, "testdata/validate"), Client: w, Planner: pl, Store: store, Only: []string{"G1", "X1"}}); err != nil {
		t.Fatal(err)
	}
	before := s.WriteCalls()

	o := vtPass(t, vtSource(t, "testdata/validate"), vtClient(t, s, true))
	o.Store = store
	rep, err := validate.Tickets(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	g := got(rep)
	if !slices.Equal(g["G1"], []string{"/warning/already_imported"}) {
		t.Errorf("G1 problems %v, want already_imported", g["G1"])
	}
	if !slices.Equal(g["X1"], []string{"/warning/already_imported"}) {
		t.Errorf("X1 problems %v, want only already_imported (its attachment is not sent again)", g["X1"])
	}
	if rep.Tickets.AlreadyImported != 2 || rep.Plan.Tickets != 2 || rep.Plan.Calls["OpenTicket"] != 2 {
		t.Errorf("tickets %+v, plan %+v: want G1 and X1 skipped, G2 and L1 planned", rep.Tickets, rep.Plan)
	}
	if s.WriteCalls() != before {
		t.Errorf("validation wrote: %d write calls, %d before", s.WriteCalls(), before)
	}
}

// TestValidateInvalidSamples runs the CSV fixture with one ticket per
// problem kind (samples/invalid, with its README's table) offline and
// online.
// samples/invalid holds one instance of every problem a CSV can express;
// its README's table lists them. Each is reported against its ticket, and
// no error against the good tickets.
func TestValidateInvalidSamples(t *testing.T) {
	dir := copyDir(t, filepath.Join("..", "..", "samples", "invalid"))
	// The size warning needs a file over 2 MB, which is not committed.
	big := make([]byte, 3<<20)
	for i := range big {
		big[i] = byte(i * 7)
	}
	if err := os.WriteFile(filepath.Join(dir, "attachments", "large-scan.pdf"), big, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := loadSamplesConfig(t, filepath.Join(dir, "csv.yaml"))
	seed, err := whmcstest.LoadSeed(filepath.Join("..", "..", "samples", "sandbox-seed.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s := whmcstest.NewServer(whmcstest.Options{Seed: seed})
	defer s.Close()
	src, err := csv.Open(csv.Options{Path: dir}, sources.Env{Location: zonetest.Load(t, "Europe/Berlin")})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	o := planned(t, src, vtClient(t, s, true), cfg, nil)
	o.AllowedExtensions = []string{".jpg", ".gif", ".jpeg", ".png", ".txt", ".pdf"}
	rep, err := validate.Tickets(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	// ticket -> exactly the problems it has, one per root cause
	// (samples/invalid/README.md): no consequence of a problem (the
	// blanked fields of an unreadable row, a second "no created date") is
	// reported beside it.
	want := map[string][]string{
		"BAD-NOSUBJECT":   {"missing_subject"},
		"BAD-NOMESSAGE":   {"no_message"},
		"BAD-NOREQUESTER": {"missing_requester"},
		"BAD-EMAIL":       {"invalid_email"},
		"BAD-DEPT":        {"unmapped_department"},
		"BAD-STATUS":      {"autoclose_status", "unmapped_status"},
		"BAD-PRIORITY":    {"unmapped_priority"},
		"BAD-STAFF":       {"unmapped_staff"},
		"BAD-DATE":        {"bad_date"},
		"BAD-FUTURE":      {"future_date"},
		"BAD-DSTGAP":      {"dst_gap"},
		"WARN-DSTAMBIG":   {"dst_ambiguous"},
		"BAD-ATTMISSING":  {"attachment_missing"},
		"BAD-ATTOUTSIDE":  {"attachment_escape"},
		"BAD-EMPTYBODY":   {"empty_body"},
		"GHOST-1":         {"unknown_ticket"},
		"BAD-DUP":         {"duplicate_ticket"},
		"BAD-TYPE":        {"bad_value"},
		"BAD-MSGROW":      {"csv_parse"},
		"BAD-MALFORMED":   {"csv_parse"},
		"BAD-UTF8":        {"invalid_utf8"},
		"WARN-HTML":       {"html_converted"},
		"WARN-NOTE":       {"note_author_prefixed"},
		"WARN-EXT":        {"attachment_extension"},
		"WARN-BIG":        {"attachment_too_large"},
		"GOOD-1":          nil,
		"GOOD-2":          nil,
	}
	have := map[string][]string{} // ticket -> its problems' codes
	for _, p := range rep.Problems {
		if strings.HasPrefix(p.Ticket, "WARN-") && p.Severity == "error" {
			t.Errorf("ticket %s: unexpected error %s", p.Ticket, p.Code)
		}
		have[p.Ticket] = append(have[p.Ticket], p.Code)
	}
	for ticket, codes := range want {
		got := have[ticket]
		slices.Sort(got)
		if !slices.Equal(got, codes) {
			t.Errorf("ticket %s: problems %q, want exactly %q", ticket, got, codes)
		}
	}
	for ticket := range have {
		if _, ok := want[ticket]; !ok {
			t.Errorf("problems on unexpected ticket %s: %v", ticket, have[ticket])
		}
	}
	if s.WriteCalls() != 0 {
		t.Errorf("sandbox saw %d write calls", s.WriteCalls())
	}
}

func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestValidateDemoSamplesHaveNoErrors(t *testing.T) {
	dir := filepath.Join("..", "..", "samples")
	cfg := loadSamplesConfig(t, filepath.Join(dir, "csv.yaml"))
	seed, err := whmcstest.LoadSeed(filepath.Join(dir, "sandbox-seed.yaml"))
	if err != nil {
		t.Fatalf("samples: %v", err)
	}
	s := whmcstest.NewServer(whmcstest.Options{Seed: seed})
	defer s.Close()
	rep, err := validate.Tickets(context.Background(), planned(t, vtSource(t, filepath.Join(dir, "csv")), vtClient(t, s, true), cfg, nil))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Summary.Errors != 0 || rep.Tickets.Invalid != 0 {
		t.Errorf("demo data: %d errors: %v", rep.Summary.Errors, got(rep))
	}
	if rep.Tickets.Total == 0 || rep.Plan.Calls["OpenTicket"] != rep.Tickets.Total {
		t.Errorf("tickets %+v, plan %+v", rep.Tickets, rep.Plan)
	}
	if s.WriteCalls() != 0 {
		t.Errorf("sandbox saw %d write calls", s.WriteCalls())
	}
}

func TestValidationReportJSONShape(t *testing.T) {
	rep, err := validate.Tickets(context.Background(), vtPass(t, vtSource(t, "testdata/validate"), nil))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	tk := m["tickets"].(map[string]any)
	for _, k := range []string{"total", "valid", "invalid"} {
		if _, ok := tk[k].(float64); !ok {
			t.Errorf("tickets.%s missing: %v", k, tk)
		}
	}
	probs := m["problems"].([]any)
	if len(probs) != len(rep.Problems) || len(probs) == 0 {
		t.Fatalf("problems: %d in JSON", len(probs))
	}
	for _, k := range []string{"ticket", "entry", "severity", "code", "message", "origin", "field"} {
		if _, ok := probs[0].(map[string]any)[k].(string); !ok {
			t.Errorf("problems[0].%s missing: %v", k, probs[0])
		}
	}
	plan := m["plan"].(map[string]any)
	if _, ok := plan["calls"].(map[string]any)["OpenTicket"].(float64); !ok {
		t.Errorf("plan.calls.OpenTicket missing: %v", plan)
	}
	for _, k := range []string{"attachment_bytes", "estimated_seconds", "total_calls", "entries", "attachments"} {
		if _, ok := plan[k].(float64); !ok {
			t.Errorf("plan.%s missing: %v", k, plan)
		}
	}
}

func TestValidationReportHTML(t *testing.T) {
	rep, err := validate.Tickets(context.Background(), vtPass(t, vtSource(t, "testdata/validate"), nil))
	if err != nil {
		t.Fatal(err)
	}
	// A subject or message holding markup must come out as text.
	rep.Problems = append(rep.Problems, report.Problem{Ticket: "T<script>", Severity: "error", Code: "x_code",
		Message: `subject "<script>alert(1)</script>" & more`})
	var buf bytes.Buffer
	if err := rep.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "<script>alert(1)") || strings.Contains(out, "T<script>") {
		t.Error("markup in a problem is not escaped")
	}
	doc, err := html.Parse(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]string // problems table rows: cell texts
	scripts := 0
	var walk func(n *html.Node, inProblems bool)
	walk = func(n *html.Node, inProblems bool) {
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				if (a.Key == "src" || a.Key == "href") || strings.Contains(a.Val, "http://") || strings.Contains(a.Val, "https://") {
					t.Errorf("external reference <%s %s=%q>", n.Data, a.Key, a.Val)
				}
				if n.Data == "table" && a.Key == "id" && a.Val == "problems" {
					inProblems = true
				}
			}
			switch n.Data {
			case "script":
				scripts++
			case "link", "img", "iframe":
				t.Errorf("external asset element <%s>", n.Data)
			case "tr":
				if inProblems && n.Parent != nil && n.Parent.Data == "tbody" {
					var cells []string
					for c := n.FirstChild; c != nil; c = c.NextSibling {
						if c.Type == html.ElementNode && c.Data == "td" {
							cells = append(cells, text(c))
						}
					}
					rows = append(rows, cells)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inProblems)
		}
	}
	walk(doc, false)
	if scripts != 1 {
		t.Errorf("%d scripts, want the one inline filter", scripts)
	}
	if len(rows) != len(rep.Problems) {
		t.Fatalf("%d problem rows, want %d", len(rows), len(rep.Problems))
	}
	for i, p := range rep.Problems {
		want := []string{p.Ticket, p.Entry, p.Severity, p.Code, p.Origin, p.Field, p.Message}
		if !slices.Equal(rows[i], want) {
			t.Errorf("row %d = %q, want %q", i, rows[i], want)
		}
	}
	for _, id := range []string{`id="f-code"`, `id="f-severity"`, `id="summary"`, `id="plan"`} {
		if !strings.Contains(out, id) {
			t.Errorf("no %s", id)
		}
	}
}

func text(n *html.Node) string {
	var b strings.Builder
	var f func(*html.Node)
	f = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			f(c)
		}
	}
	f(n)
	return b.String()
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"2MB": 2 << 20, "2M": 2 << 20, "512KiB": 512 << 10, "1048576": 1 << 20, " 1.5 mb ": 3 << 19, "1G": 1 << 30} {
		if n, err := report.ParseSize(in); err != nil || n != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, n, err, want)
		}
	}
	for _, in := range []string{"", "MB", "-1", "2 parsecs", "1e30G"} {
		if _, err := report.ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q): no error", in)
		}
	}
}

func TestAttachmentRequestSizeMatchesEncoder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 300000)
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	enc := whmcs.EncodeAttachments([]whmcs.Attachment{{Name: "log file.txt", Data: data}})
	form := len(strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(enc))
	est := validate.AttachmentRequestSize("log file.txt", int64(len(data)))
	if est != int64(form) {
		t.Errorf("size %d, real form-encoded size %d", est, form)
	}
}

func TestEstimateSeconds(t *testing.T) {
	lat := 250 * time.Millisecond
	cases := []struct {
		calls, tickets int
		rate           float64
		conc           int
		want           float64
	}{
		{100, 50, 10, 4, 10},     // rate binds: 100 / 10
		{100, 50, 0, 4, 6.25},    // no rate: 4 workers / 0.25 s = 16/s
		{100, 50, 1000, 4, 6.25}, // rate above what the workers reach
		{100, 1, 0, 4, 25},       // one ticket: its calls are sequential
		{0, 0, 10, 4, 0},
	}
	for _, c := range cases {
		if got := validate.EstimateSeconds(c.calls, c.tickets, c.rate, c.conc, lat); got != c.want {
			t.Errorf("EstimateSeconds(%+v) = %v", c, got)
		}
	}
}

func equalProblems(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

func equalCalls(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// loadSamplesConfig reads the mapping block of a config file (the rest is
// the command's).
func loadSamplesConfig(t *testing.T, path string) mapping.Config {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("samples: %v", err)
	}
	var c struct {
		Mapping mapping.Config `yaml:"mapping"`
	}
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return c.Mapping
}

// writeBigCSV writes n tickets of three messages each (a customer reply,
// an HTML staff reply, a note) in the CSV source's format.
func writeBigCSV(tb testing.TB, dir string, n int) {
	tb.Helper()
	var tk, ms bytes.Buffer
	tk.WriteString("id,subject,department,status,priority,email,name,created\n")
	ms.WriteString("ticket_id,id,type,author,name,email,created,body,format\n")
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		c := base.Add(time.Duration(i) * time.Minute)
		d := func(m int) string { return c.Add(time.Duration(m) * time.Hour).Format("2006-01-02 15:04:05") }
		fmt.Fprintf(&tk, "T%d,Subject %d,Sales,resolved,normal,user%d@example.com,User %d,%s\n", i, i, i%5000, i, d(0))
		fmt.Fprintf(&ms, "T%d,%d-1,reply,customer,User %d,user%d@example.com,%s,\"Hello, my service %d is down.\nPlease help.\",text\n", i, i, i, i%5000, d(0), i)
		fmt.Fprintf(&ms, "T%d,%d-2,reply,staff,Jane Staff,jane@old.example,%s,\"<p>Fixed <b>now</b>.</p><ul><li>restart</li></ul>\",html\n", i, i, d(1))
		fmt.Fprintf(&ms, "T%d,%d-3,note,staff,Jane Staff,jane@old.example,%s,internal note,text\n", i, i, d(2))
	}
	if err := os.WriteFile(filepath.Join(dir, "tickets.csv"), tk.Bytes(), 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "messages.csv"), ms.Bytes(), 0o600); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkValidateOffline100k validates 100,000 CSV tickets (300,000
// messages) offline; it reports tickets/s.
func BenchmarkValidateOffline100k(b *testing.B) {
	const n = 100_000
	dir := b.TempDir()
	writeBigCSV(b, dir, n)
	cfg := mapping.Config{Departments: map[string]mapping.Department{"Sales": {ID: 1}}, Statuses: map[string]string{"resolved": "Closed"},
		Priorities: map[string]string{"normal": "Medium"}, Staff: map[string]string{"jane@old.example": "admin"}}
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		src, err := csv.Open(csv.Options{Path: dir}, sources.Env{Location: time.UTC})
		if err != nil {
			b.Fatal(err)
		}
		pl, err := mapping.NewPlanner(mapping.Options{Config: cfg})
		if err != nil {
			b.Fatal(err)
		}
		rep, err := validate.Tickets(context.Background(), validate.Config{Source: src, Planner: pl})
		src.Close()
		if err != nil {
			b.Fatal(err)
		}
		if rep.Tickets.Total != n || rep.Tickets.Invalid != 0 {
			b.Fatalf("tickets %+v", rep.Tickets)
		}
	}
	b.ReportMetric(float64(n*b.N)/time.Since(start).Seconds(), "tickets/s")
}

// omitting is a source that leaves rows out by design and counts them.
type omitting struct {
	sources.Source
	left []sources.Omission
}

func (o omitting) Omitted(ctx context.Context) ([]sources.Omission, error) { return o.left, ctx.Err() }

// A source's left-out rows are reported first, as info, one problem per
// kind; its code count counts the rows; they are neither errors nor
// warnings and invalidate nothing.
func TestValidateReportsLeftOutRows(t *testing.T) {
	info := func(code sources.Code, n int, msg string) sources.Omission {
		return sources.Omission{Count: n, Problem: sources.Problem{Severity: sources.Info, Code: code, Origin: "threads", Message: msg}}
	}
	src := omitting{vtSource(t, "testdata/validate"), []sources.Omission{
		info(sources.CodeLeftOutDraft, 3, "3 drafts"), info(sources.CodeLeftOutLineItem, 12, "12 line items"),
	}}
	plain, err := validate.Tickets(context.Background(), vtPass(t, vtSource(t, "testdata/validate"), nil))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := validate.Tickets(context.Background(), vtPass(t, src, nil))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Summary.Infos != 2 || rep.Summary.LeftOut != 15 || rep.Summary.Errors != plain.Summary.Errors ||
		rep.Summary.Warnings != plain.Summary.Warnings || rep.Tickets != plain.Tickets {
		t.Errorf("summary %+v tickets %+v; without the omissions %+v %+v", rep.Summary, rep.Tickets, plain.Summary, plain.Tickets)
	}
	if len(rep.Problems) != len(plain.Problems)+2 || rep.Problems[0].String() != "threads: 3 drafts [left_out_draft]" ||
		rep.Problems[1].Severity != "info" || rep.Problems[1].Ticket != "" {
		t.Errorf("problems start %+v", rep.Problems[:2])
	}
	n := len(rep.Summary.ByCode)
	if n < 2 || rep.Summary.ByCode[n-2] != (report.CodeCount{Code: "left_out_line_item", Severity: "info", Count: 12}) ||
		rep.Summary.ByCode[n-1] != (report.CodeCount{Code: "left_out_draft", Severity: "info", Count: 3}) {
		t.Errorf("by code %+v: want the info codes last, counting rows", rep.Summary.ByCode)
	}
	b, err := json.Marshal(rep.Summary)
	if err != nil || !strings.Contains(string(b), `"infos":2,"left_out":15`) {
		t.Errorf("summary JSON %s, %v", b, err)
	}
	var buf bytes.Buffer
	if err := rep.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `<tr><th>Rows left out by design (info)</th><td class="n">15</td></tr>`) ||
		!strings.Contains(buf.String(), "12 line items") {
		t.Error("the HTML report does not show the rows left out")
	}
}

// Under rate: auto the estimate is the bound's throughput plus the slow
// start's round trips below the bound (1, 2, 4, 8, 12, 18, 27 of 32).
func TestEstimateAutoSeconds(t *testing.T) {
	lat := 100 * time.Millisecond
	base := validate.EstimateSeconds(3200, 1000, 0, 32, lat) // 10 s
	got := validate.EstimateAutoSeconds(3200, 1000, 0, 32, lat)
	ramp := 0.0
	for _, l := range []float64{1, 2, 4, 8, 12, 18, 27} {
		ramp += (1 - l/32) * 0.1
	}
	if d := got - (base + ramp); d > 1e-9 || d < -1e-9 {
		t.Errorf("EstimateAutoSeconds = %v, want %v + %v", got, base, ramp)
	}
	if got := validate.EstimateAutoSeconds(100, 1, 0, 32, lat); got != 10 {
		t.Errorf("one ticket: %v, want its 100 calls in sequence, 10 s", got)
	}
	if got := validate.EstimateAutoSeconds(0, 0, 0, 32, lat); got != 0 {
		t.Errorf("no calls: %v", got)
	}
}

// The Ticket Mask's numbers against WHMCS's tickets and the import's.
func TestTicketNumbers(t *testing.T) {
	for _, c := range []struct {
		mask          whmcs.TicketMask
		existing, new int
		warn, runsOut bool
	}{
		{whmcs.DefaultTicketMask, 10_000, 100_000, false, false},
		{whmcs.DefaultTicketMask, 400_000, 100_000, true, false}, // over half
		{whmcs.DefaultTicketMask, 200_000, 800_000, true, true},  // over 900,000
		{whmcs.DefaultTicketMask, -1, 1_000_000, true, true},     // offline: the import alone
		{"%n%n%n%n%n%n%n%n", 200_000, 800_000, false, false},
		{"%i", 5_000_000, 5_000_000, false, false},
		{"%y%m%d-%n%n%n%n%n", 5_000_000, 10_000, false, false}, // a day's numbers: 90,000
		{"%y%m%d-%n%n%n", 5_000_000, 10_000, true, true},
	} {
		tn := validate.TicketNumbers(c.mask, c.existing, c.new)
		if (tn.Warning != "") != c.warn || strings.Contains(tn.Warning, "fewer than") != c.runsOut {
			t.Errorf("%q, %d + %d: %+v", c.mask, c.existing, c.new, tn)
		}
		if tn.Warning != "" && !strings.Contains(tn.Warning, "%i") {
			t.Errorf("the warning does not name %%i: %s", tn.Warning)
		}
	}
}
