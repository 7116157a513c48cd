package csv

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/internal/zonetest"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

const msgHeader = "ticket_id,id,type,author,name,email,created,body,format,attachments\n"

// TestTicketColumns covers every row of the tickets.csv table.
func TestTicketColumns(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"tickets.csv": "id,subject,department,status,priority,email,name,client_id,cc,created,updated\n" +
			"T1,Printer on fire,Technical Support,resolved,urgent,zoe@example.com,Zoë Müller,,\"a@example.com, b@example.org\",2025-01-02 10:00:00,2025-01-03T09:00:00Z\n" +
			"T2,No name,2,,,jose@example.net,,,,,\n" +
			"T3,Client only,Sales,Open,Low,,,42,,,\n" +
			"T4,Bad client,Sales,,,x@example.com,,abc,,,\n" +
			" T5 , Trimmed ,Sales,,,  y@example.com  ,,,,,\n",
		"messages.csv": msgHeader +
			"T1,1,,,,,2025-01-02 10:00:00,body,,\n" +
			"T2,1,,,,,2025-01-02 10:00:00,body,,\n" +
			"T3,1,,,,,2025-01-02 10:00:00,body,,\n" +
			"T4,1,,,,,2025-01-02 10:00:00,body,,\n" +
			"T5,1,,,,,2025-01-02 10:00:00,body,,\n",
	})
	berlin := zonetest.Load(t, "Europe/Berlin")
	ts := byID(readAll(t, openDir(t, dir, berlin, nil), sources.ReadOptions{}))

	t1 := ts["T1"]
	if t1.Subject != "Printer on fire" || t1.Department != "Technical Support" || t1.Status != "resolved" || t1.Priority != "urgent" {
		t.Errorf("T1 header: %+v", t1)
	}
	if t1.Requester != (sources.Person{Name: "Zoë Müller", Email: "zoe@example.com"}) {
		t.Errorf("T1 requester %+v", t1.Requester)
	}
	if !reflect.DeepEqual(t1.CC, []string{"a@example.com", "b@example.org"}) {
		t.Errorf("T1 cc %q", t1.CC)
	}
	if !t1.Created.Equal(utc("2025-01-02T09:00:00Z")) || !t1.Updated.Equal(utc("2025-01-03T09:00:00Z")) {
		t.Errorf("T1 created %v updated %v", t1.Created, t1.Updated)
	}
	if t1.Origin != "tickets.csv:2" {
		t.Errorf("T1 origin %q", t1.Origin)
	}
	if t2 := ts["T2"]; t2.Requester.Name != "jose" || t2.Status != "" || t2.Priority != "" || t2.CC != nil ||
		!t2.Created.IsZero() || !t2.Updated.IsZero() || t2.Department != "2" {
		t.Errorf("T2 defaults: %+v", t2)
	}
	if t3 := ts["T3"]; t3.ClientID != 42 || t3.Requester.Email != "" || len(t3.Problems) != 0 {
		t.Errorf("T3 client id: %+v", t3)
	}
	if t4 := ts["T4"]; t4.ClientID != 0 || !slices.Equal(codes(t4.Problems), []sources.Code{sources.CodeBadValue}) || t4.Problems[0].Field != "client_id" {
		t.Errorf("T4 bad client_id: %+v", t4.Problems)
	}
	if t5 := ts["T5"]; t5 == nil || t5.Subject != "Trimmed" || t5.Requester.Email != "y@example.com" {
		t.Errorf("T5 trimmed: %+v", t5)
	}
	for _, id := range []string{"T1", "T2", "T3", "T5"} {
		if len(ts[id].Problems) != 0 {
			t.Errorf("%s: unexpected problems %v", id, ts[id].Problems)
		}
	}
}

// TestMessageColumns covers every row of the messages.csv table.
func TestMessageColumns(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"tickets.csv": "id,subject,email\nT1,S,zoe@example.com\nT2,S,x@example.com\n",
		"messages.csv": msgHeader +
			"T1,m1,,,,,2025-01-02 10:00:00,\"first, with comma\",,\n" +
			"T1,m2,reply,staff,Jane Staff,jane@example.com,2025-01-02 11:00:00,**bold**,markdown,\n" +
			"T1,m3,note,staff,Mike Staff,,2025-01-02 12:00:00,<p>internal</p>,html,attachments/log file.txt;attachments/日本語 ü.png\n" +
			"T1,,REPLY,Customer,,bob@example.com,2025-01-02 13:00:00,  spaced body  ,TEXT,\n" +
			"T2,a,memo,,,,2025-01-02 10:00:00,x,,\n" +
			"T2,b,,robot,,,2025-01-02 10:00:00,x,,\n" +
			"T2,c,,,,,2025-01-02 10:00:00,x,rtf,\n",
		"attachments/log file.txt": "log line\n",
		"attachments/日本語 ü.png":    "\x89PNG",
	})
	ts := byID(readAll(t, openDir(t, dir, time.UTC, nil), sources.ReadOptions{}))
	t1 := ts["T1"]
	if len(t1.Problems) != 0 {
		t.Fatalf("T1 problems: %v", t1.Problems)
	}
	want := []struct {
		id     string
		kind   sources.EntryKind
		author sources.Person
		body   string
		format sources.Format
		origin string
	}{
		{"m1", sources.CustomerReply, sources.Person{}, "first, with comma", sources.Text, "messages.csv:2"},
		{"m2", sources.StaffReply, sources.Person{Name: "Jane Staff", Email: "jane@example.com"}, "**bold**", sources.Markdown, "messages.csv:3"},
		{"m3", sources.Note, sources.Person{Name: "Mike Staff"}, "<p>internal</p>", sources.HTML, "messages.csv:4"},
		{"", sources.CustomerReply, sources.Person{Name: "bob", Email: "bob@example.com"}, "  spaced body  ", sources.Text, "messages.csv:5"},
	}
	if len(t1.Entries) != len(want) {
		t.Fatalf("T1: %d entries, want %d", len(t1.Entries), len(want))
	}
	for i, w := range want {
		e := t1.Entries[i]
		if e.ID != w.id || e.Kind != w.kind || e.Author != w.author || e.Body != w.body || e.Format != w.format || e.Origin != w.origin {
			t.Errorf("entry %d = %+v, want %+v", i, e, w)
		}
		if wantT := utc("2025-01-02T10:00:00Z").Add(time.Duration(i) * time.Hour); !e.Created.Equal(wantT) {
			t.Errorf("entry %d created %v, want %v", i, e.Created, wantT)
		}
	}
	atts := t1.Entries[2].Attachments
	if len(atts) != 2 || atts[0].Name != "log file.txt" || atts[0].Size != 9 || atts[1].Name != "日本語 ü.png" || atts[1].Size != 4 {
		t.Fatalf("attachments: %+v", atts)
	}
	rc, err := atts[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "log line\n" {
		t.Errorf("attachment bytes %q", b)
	}

	t2 := ts["T2"]
	fields := map[string]string{}
	for _, p := range t2.Problems {
		if p.Code != sources.CodeBadValue || p.Severity != sources.Error {
			t.Errorf("T2: unexpected %v", p)
		}
		fields[p.Entry] = p.Field
	}
	if !reflect.DeepEqual(fields, map[string]string{"a": "type", "b": "author", "c": "format"}) {
		t.Errorf("T2 bad values by entry: %v (problems %v)", fields, t2.Problems)
	}
}

// TestDateForms reads every accepted date form through the created column.
func TestDateForms(t *testing.T) {
	chicago := zonetest.Load(t, "America/Chicago")
	forms := []struct{ in, want string }{
		{"2025-06-01T12:00:00Z", "2025-06-01T12:00:00Z"},
		{"2025-06-01T12:00:00.250Z", "2025-06-01T12:00:00.25Z"},
		{"2025-06-01T14:00:00+02:00", "2025-06-01T12:00:00Z"},
		{"2025-06-01 14:00:00+02:00", "2025-06-01T12:00:00Z"},
		{"2025-06-01T14:00:00+0200", "2025-06-01T12:00:00Z"},
		{"2025-06-01 07:00:00", "2025-06-01T12:00:00Z"}, // CDT, UTC-5
		{"2025-06-01T07:00:00", "2025-06-01T12:00:00Z"},
		{"2025-01-01 06:00:00", "2025-01-01T12:00:00Z"}, // CST, UTC-6
		{"1748779200", "2025-06-01T12:00:00Z"},
	}
	var msgs strings.Builder
	msgs.WriteString(msgHeader)
	for i, f := range forms {
		msgs.WriteString("T1," + string(rune('a'+i)) + ",,,,," + f.in + ",b,,\n")
	}
	dir := writeDir(t, map[string]string{
		"tickets.csv":  "id,subject,email,created\nT1,S,a@example.com,2025-06-01 07:00:00\n",
		"messages.csv": msgs.String(),
	})
	tk := readAll(t, openDir(t, dir, chicago, nil), sources.ReadOptions{})[0]
	if len(tk.Problems) != 0 {
		t.Fatalf("problems: %v", tk.Problems)
	}
	for i, f := range forms {
		if got := tk.Entries[i].Created.UTC().Format(time.RFC3339Nano); got != f.want {
			t.Errorf("%q: %s, want %s", f.in, got, f.want)
		}
	}
	if !tk.Created.Equal(utc("2025-06-01T12:00:00Z")) {
		t.Errorf("ticket created %v", tk.Created)
	}
}

func TestBadDates(t *testing.T) {
	berlin := zonetest.Load(t, "Europe/Berlin")
	dir := writeDir(t, map[string]string{
		"tickets.csv": "id,subject,email,created,updated\n" +
			"T1,S,a@example.com,2025-03-30 02:30:00,\n" + // gap
			"T2,S,a@example.com,,2025-10-26 02:30:00\n" + // overlap
			"T3,S,a@example.com,yesterday,\n" +
			"T4,S,a@example.com,,\n",
		"messages.csv": msgHeader +
			"T1,1,,,,,2025-01-01 10:00:00,b,,\n" +
			"T2,1,,,,,2025-01-01 10:00:00,b,,\n" +
			"T3,1,,,,,2025-01-01 10:00:00,b,,\n" +
			"T4,gap,,,,,2025-03-30 02:00:00,b,,\n" +
			"T4,amb,,,,,2025-10-26 02:59:59,b,,\n" +
			"T4,bad,,,,,30.03.2025,b,,\n" +
			"T4,empty,,,,,,b,,\n",
	})
	ts := byID(readAll(t, openDir(t, dir, berlin, nil), sources.ReadOptions{}))
	check := func(id string, want []sources.Problem) {
		t.Helper()
		var got []sources.Problem
		for _, p := range ts[id].Problems {
			got = append(got, sources.Problem{Severity: p.Severity, Code: p.Code, Entry: p.Entry, Field: p.Field, Origin: p.Origin})
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s problems:\n got %+v\nwant %+v", id, got, want)
		}
	}
	check("T1", []sources.Problem{{Severity: sources.Error, Code: sources.CodeDSTGap, Field: "created", Origin: "tickets.csv:2"}})
	check("T2", []sources.Problem{{Severity: sources.Warning, Code: sources.CodeDSTAmbiguous, Field: "updated", Origin: "tickets.csv:3"}})
	check("T3", []sources.Problem{{Severity: sources.Error, Code: sources.CodeBadDate, Field: "created", Origin: "tickets.csv:4"}})
	check("T4", []sources.Problem{
		{Severity: sources.Error, Code: sources.CodeDSTGap, Entry: "gap", Field: "created", Origin: "messages.csv:5"},
		{Severity: sources.Warning, Code: sources.CodeDSTAmbiguous, Entry: "amb", Field: "created", Origin: "messages.csv:6"},
		{Severity: sources.Error, Code: sources.CodeBadDate, Entry: "bad", Field: "created", Origin: "messages.csv:7"},
	})
	if !strings.Contains(ts["T1"].Problems[0].Message, "does not exist in Europe/Berlin (DST gap)") {
		t.Errorf("gap message: %s", ts["T1"].Problems[0].Message)
	}
	if got := ts["T2"].Updated; !got.Equal(utc("2025-10-26T00:30:00Z")) {
		t.Errorf("ambiguous time took %v, want the earlier instant", got.UTC())
	}
	if e := ts["T4"].Entries[3]; e.ID != "empty" || !e.Created.IsZero() {
		t.Errorf("empty created: %+v (the planner reports it)", e)
	}
}

// TestEncodingAndQuoting: BOM, CRLF, quoted commas, quotes and newlines.
func TestEncodingAndQuoting(t *testing.T) {
	body := "Line one, with a comma\r\nLine \"two\"\r\n\r\nLine four"
	quoted := `"` + strings.ReplaceAll(body, `"`, `""`) + `"`
	for _, tc := range []struct {
		name, bom, eol string
	}{
		{"LF", "", "\n"}, {"CRLF", "", "\r\n"}, {"BOM+LF", "\xEF\xBB\xBF", "\n"}, {"BOM+CRLF", "\xEF\xBB\xBF", "\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eol := tc.eol
			dir := writeDir(t, map[string]string{
				"tickets.csv": tc.bom + "ID,Subject,Email" + eol + `T1,"Hello, ""world""",a@example.com` + eol +
					"T2,\"Multi" + eol + "line\",b@example.com" + eol,
				"messages.csv": tc.bom + "Ticket_ID,Created,Body" + eol + "T1,2025-01-01 10:00:00," + quoted + eol +
					"T2,2025-01-01 10:00:00,plain" + eol + "T1,2025-01-01 11:00:00,after" + eol,
			})
			ts := readAll(t, openDir(t, dir, time.UTC, nil), sources.ReadOptions{})
			if len(ts) != 2 {
				t.Fatalf("%d tickets", len(ts))
			}
			if ts[0].Subject != `Hello, "world"` || ts[1].Subject != "Multi\nline" || ts[1].Origin != "tickets.csv:3" {
				t.Errorf("subjects %q %q origin %s", ts[0].Subject, ts[1].Subject, ts[1].Origin)
			}
			want := strings.ReplaceAll(body, "\r\n", "\n") // encoding/csv normalises quoted CRLF
			if len(ts[0].Entries) != 2 || ts[0].Entries[0].Body != want || ts[0].Entries[1].Body != "after" {
				t.Fatalf("T1 entries %+v", ts[0].Entries)
			}
			if ts[0].Entries[1].Origin != "messages.csv:7" || ts[1].Entries[0].Origin != "messages.csv:6" {
				t.Errorf("origins %s %s", ts[0].Entries[1].Origin, ts[1].Entries[0].Origin)
			}
			for _, tk := range ts {
				if len(tk.Problems) > 0 {
					t.Errorf("%s: %v", tk.ID, tk.Problems)
				}
			}
		})
	}
}

func TestInvalidUTF8(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"tickets.csv":  "id,subject,email\nT1,Caf\xe9,a@example.com\nT2,ok,b@example.com\nT\xff3,x,c@example.com\n",
		"messages.csv": "ticket_id,id,created,body\nT2,m1,2025-01-01 10:00:00,fine\nT2,m2,2025-01-01 10:00:00,na\xefve\nT1,m1,2025-01-01 10:00:00,x\n",
	})
	ts := readAll(t, openDir(t, dir, time.UTC, nil), sources.ReadOptions{})
	m := byID(ts)
	if p := m["T1"].Problems; len(p) != 1 || p[0].Code != sources.CodeInvalidUTF8 || p[0].Origin != "tickets.csv:2" || p[0].Field != "subject" {
		t.Errorf("T1: %v", p)
	}
	if p := m["T2"].Problems; len(p) != 1 || p[0].Code != sources.CodeInvalidUTF8 || p[0].Origin != "messages.csv:3" || p[0].Entry != "m2" || p[0].Field != "body" {
		t.Errorf("T2: %v", p)
	}
	if len(m["T2"].Entries) != 1 {
		t.Errorf("T2: the bad entry was kept: %+v", m["T2"].Entries)
	}
	if p := m["tickets.csv:4"]; p == nil || !slices.Equal(codes(p.Problems), []sources.Code{sources.CodeInvalidUTF8}) {
		t.Errorf("row with an invalid id: %+v", ts)
	}
}

func TestHeaders(t *testing.T) {
	var logs bytes.Buffer
	dir := writeDir(t, map[string]string{
		"tickets.csv":  "Title,Extra,EMAIL,Ticket Number,Date Created,Junk\nHello,x,a@example.com,T1,2025-01-01 10:00:00,y\n",
		"messages.csv": "BODY,Date Created,ticket_ID,Mood\nhi,2025-01-01 10:00:00,T1,happy\n",
	})
	cols := map[string]string{"subject": "title", "id": "Ticket Number", "created": "Date Created"}
	s, err := Open(Options{Path: dir, Columns: cols}, sources.Env{Location: time.UTC, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ts := readAll(t, s, sources.ReadOptions{})
	readAll(t, s, sources.ReadOptions{})
	if len(ts) != 1 || ts[0].ID != "T1" || ts[0].Subject != "Hello" || !ts[0].Created.Equal(utc("2025-01-01T10:00:00Z")) {
		t.Fatalf("renamed columns: %+v", ts)
	}
	if len(ts[0].Entries) != 1 || ts[0].Entries[0].Body != "hi" {
		t.Fatalf("entries %+v", ts[0].Entries)
	}
	if n := strings.Count(logs.String(), "unknown columns"); n != 1 {
		t.Errorf("%d warnings logged over two passes, want 1: %s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "Extra, Junk") || !strings.Contains(logs.String(), "Mood") {
		t.Errorf("warning does not name the columns: %s", logs.String())
	}
	var warned []string
	for _, p := range ts[0].Problems {
		if p.Code != sources.CodeUnknownColumn || p.Severity != sources.Warning {
			t.Errorf("unexpected %v", p)
		}
		warned = append(warned, p.Origin+" "+p.Field)
	}
	if !slices.Equal(warned, []string{"tickets.csv:1 Extra, Junk", "messages.csv:1 Mood"}) {
		t.Errorf("unknown_column problems %q", warned)
	}
}

func TestOpenErrors(t *testing.T) {
	good := map[string]string{
		"tickets.csv":  "id,subject,email\nT1,S,a@example.com\n",
		"messages.csv": "ticket_id,created,body\nT1,2025-01-01 10:00:00,b\n",
	}
	with := func(name, content string) map[string]string {
		m := map[string]string{}
		for k, v := range good {
			m[k] = v
		}
		if content == "" {
			delete(m, name)
		} else {
			m[name] = content
		}
		return m
	}
	tests := []struct {
		name  string
		files map[string]string
		cols  map[string]string
		want  string
	}{
		{"no tickets.csv", with("tickets.csv", ""), nil, "tickets.csv"},
		{"no messages.csv", with("messages.csv", ""), nil, "messages.csv"},
		{"no id column", with("tickets.csv", "subject,email\nS,a@example.com\n"), nil, "missing required column id"},
		{"no body column", with("messages.csv", "ticket_id,created\nT1,2025-01-01 10:00:00\n"), nil, "missing required column body"},
		{"no requester column", with("tickets.csv", "id,subject\nT1,S\n"), nil, "no email or client_id column"},
		{"duplicate column", with("tickets.csv", "id,subject,Subject,email\n"), nil, "appears twice"},
		{"empty file", with("tickets.csv", "\n"), nil, "empty file"},
		{"unknown rename", good, map[string]string{"titel": "Title"}, `unknown column "titel"`},
		{"rename to nothing", good, map[string]string{"cc": "Copy To"}, `cc is renamed "Copy To"`},
		{"renamed away", good, map[string]string{"id": "Number"}, `id (renamed "number")`},
		{"invalid utf-8 header", with("tickets.csv", "id,subj\xe9ct,email\n"), nil, "invalid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeDir(t, tt.files)
			s, err := Open(Options{Path: dir, Columns: tt.cols}, sources.Env{})
			if err == nil {
				s.Close()
				t.Fatalf("Open succeeded, want an error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
	if _, err := Open(Options{}, sources.Env{}); err == nil {
		t.Error("empty path accepted")
	}
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o644)
	if _, err := Open(Options{Path: f}, sources.Env{}); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("a file as path: %v", err)
	}
}

// TestPathRelativeToEnvDir: Path is resolved against env.Dir (the config
// file's directory) by Open and by the factory.
func TestPathRelativeToEnvDir(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"data/tickets.csv":  "id,subject,email\nT1,S,a@example.com\n",
		"data/messages.csv": "ticket_id,created,body\nT1,2025-01-01 10:00:00,b\n",
	})
	f := Factory()
	if f.Name != "csv" {
		t.Errorf("factory name %q", f.Name)
	}
	opts := f.NewOptions().(*Options)
	opts.Path = "data"
	src, err := f.Open(context.Background(), opts, sources.Env{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	n := 0
	for _, err := range src.Tickets(context.Background(), sources.ReadOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 1 {
		t.Errorf("%d tickets", n)
	}
}
