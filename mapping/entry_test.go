package mapping

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/internal/zonetest"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

func TestEntryKey(t *testing.T) {
	base := sources.Entry{Kind: sources.CustomerReply, Author: cynthia, Body: "hello", Created: at(3)}
	k := EntryKey(&base)
	if !strings.HasPrefix(k, "h:") || len(k) != 22 {
		t.Fatalf("key %q: want h: and 20 hex digits", k)
	}
	withID := base
	withID.ID = "m-17"
	if got := EntryKey(&withID); got != "m-17" {
		t.Errorf("with id: %q", got)
	}
	same := []func(*sources.Entry){
		func(e *sources.Entry) { e.Author.Email = " CYNTHIA@example.com" },            // email case and spaces
		func(e *sources.Entry) { e.Created = e.Created.In(time.FixedZone("", 3600)) }, // same instant, other zone
		func(e *sources.Entry) { e.Created = e.Created.Add(500 * time.Millisecond) },  // same second
		func(e *sources.Entry) { e.Kind = sources.StaffReply },                        // kind is not identity
		func(e *sources.Entry) { e.Format = sources.HTML },
	}
	for i, f := range same {
		e := base
		f(&e)
		if got := EntryKey(&e); got != k {
			t.Errorf("same %d: key changed to %q", i, got)
		}
	}
	differ := []func(*sources.Entry){
		func(e *sources.Entry) { e.Body = "hello!" },
		func(e *sources.Entry) { e.Created = e.Created.Add(time.Second) },
		func(e *sources.Entry) { e.Author.Email = "other@example.com" },
		func(e *sources.Entry) { e.Author.Name = "Cynthia R." },
		// Field boundaries are length-prefixed: moving text between fields
		// is a different key.
		func(e *sources.Entry) { e.Author.Name, e.Body = "Cynthia Reillyh", "ello" },
	}
	for i, f := range differ {
		e := base
		f(&e)
		if got := EntryKey(&e); got == k {
			t.Errorf("differ %d: same key", i)
		}
	}
}

func TestEntryHash(t *testing.T) {
	base := sources.Entry{ID: "1", Kind: sources.Note, Author: jane, Body: "hello", Format: sources.Text, Created: at(3),
		Attachments: []sources.Attachment{{Name: "a.png"}, {Name: "b.pdf"}}}
	h := EntryHash(&base)
	if len(h) != 64 {
		t.Fatalf("hash %q", h)
	}
	same := []func(*sources.Entry){
		func(e *sources.Entry) { e.Author = mike },      // the author is not content
		func(e *sources.Entry) { e.Origin = "x.csv:9" }, // nor where it was read
		func(e *sources.Entry) {
			e.Attachments = append([]sources.Attachment(nil), e.Attachments...)
			e.Attachments[0].Size = 9
		},
	}
	for i, f := range same {
		e := base
		f(&e)
		if EntryHash(&e) != h {
			t.Errorf("same %d: hash changed", i)
		}
	}
	differ := []func(*sources.Entry){
		func(e *sources.Entry) { e.Body = "hello." },
		func(e *sources.Entry) { e.Kind = sources.StaffReply },
		func(e *sources.Entry) { e.Format = sources.Markdown },
		func(e *sources.Entry) { e.Created = e.Created.Add(time.Millisecond) },
		func(e *sources.Entry) { e.Attachments = e.Attachments[:1] },
		func(e *sources.Entry) { e.Attachments = []sources.Attachment{{Name: "a.pngb.pdf"}} },
		func(e *sources.Entry) { e.Attachments = []sources.Attachment{{Name: "b.pdf"}, {Name: "a.png"}} },
	}
	for i, f := range differ {
		e := base
		f(&e)
		if EntryHash(&e) == h {
			t.Errorf("differ %d: same hash", i)
		}
	}
}

func TestConvertBody(t *testing.T) {
	tests := []struct {
		name   string
		format sources.Format
		body   string
		want   string
		md     bool
	}{
		{
			name:   "html with links, lists, an image, a line break and entities",
			format: sources.HTML,
			body: `<html><head><style>p{color:red}</style></head><body>` +
				`<p>Hello <b>Bob</b>,</p>` +
				`<p>See <a href="https://example.com/kb?id=1&amp;x=2">our guide</a>:</p>` +
				`<ul><li>Restart the server</li><li>Clear the <code>cache</code></li></ul>` +
				`<ol><li>one</li><li>two</li></ol>` +
				`<p><img src="https://example.com/s.png" alt="screenshot"></p>` +
				`<script>alert(1)</script>` +
				`<p>Thanks &amp; regards<br>Jane</p></body></html>`,
			want: "Hello **Bob**,\n\n" +
				"See [our guide](https://example.com/kb?id=1&x=2):\n\n" +
				"- Restart the server\n- Clear the `cache`\n\n" +
				"1. one\n2. two\n\n" +
				"![screenshot](https://example.com/s.png)\n\n" +
				"Thanks & regards  \nJane",
			md: true,
		},
		{name: "html fragment", format: sources.HTML, body: "plain <i>words</i>", want: "plain *words*", md: true},
		{name: "markdown as is", format: sources.Markdown, body: "  *as* is\n", want: "  *as* is\n", md: true},
		{name: "text as is", format: sources.Text, body: "<b>not html</b>\n", want: "<b>not html</b>\n", md: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, md, err := ConvertBody(&sources.Entry{Format: tt.format, Body: tt.body})
			if err != nil || got != tt.want || md != tt.md {
				t.Errorf("got %q %v %v\nwant %q %v", got, md, err, tt.want, tt.md)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		want []string // substrings of the error; nil = valid
	}{
		{name: "base", edit: func(*Config) {}},
		{name: "zero config", edit: func(c *Config) { *c = Config{} }},
		{name: "match_email", edit: func(c *Config) { c.Clients = ClientsMatchEmail }},
		{name: "bad clients", edit: func(c *Config) { c.Clients = "email" }, want: []string{`mapping.clients: "email"`}},
		{name: "bad priority", edit: func(c *Config) { c.Priorities["urgent"] = "Critical" }, want: []string{`mapping.priorities[urgent]: "Critical" is not Low, Medium or High`}},
		{name: "priority any case", edit: func(c *Config) { c.Priorities["urgent"] = "HIGH" }},
		{name: "negative default dept", edit: func(c *Config) { c.DefaultDepartment = DeptID(-1) }, want: []string{"mapping.default_department: -1"}},
		{name: "negative dept", edit: func(c *Config) { c.Departments["Legal"] = DeptID(-3) }, want: []string{"mapping.departments[Legal]: deptid -3"}},
		{name: "zero dept", edit: func(c *Config) { c.Departments["Legal"] = DeptID(0) }, want: []string{"mapping.departments[Legal]"}},
		{name: "empty status target", edit: func(c *Config) { c.Statuses["x"] = " " }, want: []string{"mapping.statuses[x]: empty status"}},
		{name: "empty staff target", edit: func(c *Config) { c.Staff["x@y"] = "" }, want: []string{"mapping.staff[x@y]"}},
		{name: "keys colliding with different values", edit: func(c *Config) { c.Departments["SALES"] = DeptID(3) }, want: []string{`mapping.departments[Sales]: same key as "SALES"`}},
		{name: "keys colliding with the same value", edit: func(c *Config) { c.Departments["SALES"] = DeptID(1) }},
		{name: "fallback requester", edit: func(c *Config) {
			c.FallbackRequester = &Requester{Name: "Deleted user", Email: "deleted-user@example.com"}
		}},
		{name: "fallback requester without a name", edit: func(c *Config) { c.FallbackRequester = &Requester{Email: " gone@example.com "} }},
		{name: "fallback requester without an email", edit: func(c *Config) { c.FallbackRequester = &Requester{Name: "Deleted user"} },
			want: []string{"mapping.fallback_requester.email: required"}},
		{name: "fallback requester with a bad email", edit: func(c *Config) { c.FallbackRequester = &Requester{Email: "deleted user"} },
			want: []string{`mapping.fallback_requester.email: "deleted user" is not an email address`}},
		{name: "fallback requester email with a display name", edit: func(c *Config) { c.FallbackRequester = &Requester{Email: "Gone <gone@example.com>"} },
			want: []string{"mapping.fallback_requester.email"}},
		{name: "four_byte_text keep", edit: func(c *Config) { c.FourByteText = FourByteKeep }},
		{name: "four_byte_text name", edit: func(c *Config) { c.FourByteText = FourByteName }},
		{name: "bad four_byte_text", edit: func(c *Config) { c.FourByteText = "replace" },
			want: []string{`mapping.four_byte_text: "replace" is not keep or name`}},
		{name: "several errors at once", edit: func(c *Config) { c.Clients = "x"; c.DefaultDepartment = DeptID(-2) },
			want: []string{"mapping.clients", "mapping.default_department"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := baseConfig()
			tt.edit(&c)
			err := c.Validate()
			if tt.want == nil {
				if err != nil {
					t.Errorf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if _, perr := NewPlanner(Options{Config: c}); perr == nil {
				t.Error("NewPlanner accepted an invalid config")
			}
		})
	}
}

// TestPlanConcurrent plans HTML tickets from several goroutines: the
// planner and its shared converter are safe for concurrent use (run with
// -race).
func TestPlanConcurrent(t *testing.T) {
	pl := newPlanner(t, Options{Config: baseConfig()})
	tk := ticket("", sources.Entry{ID: "1", Kind: sources.CustomerReply, Author: cynthia, Format: sources.HTML,
		Body: `<p>a <a href="https://x.example">link</a></p><ol><li>x</li></ol>`, Created: at(0)})
	want := mustPlan(t, pl, tk, nil).Steps[0].Message
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				p, err := pl.Plan(context.Background(), tk, nil)
				if err != nil || p.Steps[0].Message != want {
					t.Errorf("got %v %q", err, p.Steps[0].Message)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestRepeatedWallClock(t *testing.T) {
	chi := zonetest.Load(t, "America/Chicago")
	for _, c := range []struct {
		utc  string
		want bool
	}{
		{"2024-11-03T06:25:00Z", true},  // 01:25 CDT, shown again an hour later
		{"2024-11-03T07:25:00Z", true},  // 01:25 CST
		{"2024-11-03T05:59:59Z", false}, // 00:59:59 CDT
		{"2024-11-03T08:00:00Z", false}, // 02:00 CST
		{"2024-03-10T08:30:00Z", false}, // spring forward: 03:30 CDT, shown once
		{"2024-07-01T12:00:00Z", false},
	} {
		tm, _ := time.Parse(time.RFC3339, c.utc)
		if got := RepeatedWallClock(tm, chi); got != c.want {
			t.Errorf("RepeatedWallClock(%s) = %v, want %v", c.utc, got, c.want)
		}
	}
}

// Inline images (cid:) become a text marker naming the attached file when
// a ContentID matches, else the alt text; "attached" only when the image
// may be among the attachments; other images stay as they are.
func TestConvertBodyInlineImages(t *testing.T) {
	shot := sources.Attachment{Name: "screen_shot*1.png", ContentID: "inlinekey1"}
	outlook := sources.Attachment{Name: "image001.png", ContentID: "image001.png@01D9A1B2.3C4D5E60"}
	spaced := sources.Attachment{Name: "a b.png", ContentID: "a b"}
	unkeyed := sources.Attachment{Name: "photo.jpg"}
	tests := []struct {
		name   string
		format sources.Format
		body   string
		atts   []sources.Attachment
		want   string
		lost   int
	}{
		{name: "osTicket's inline image, matched by key", format: sources.HTML, atts: []sources.Attachment{shot},
			body: `<p>I cannot log in, see <img src="cid:inlinekey1" alt="shot"></p>`,
			want: `I cannot log in, see [inline image: screen\_shot\*1.png, attached]`},
		{name: "an email's Content-ID, no alt, upper-case scheme", format: sources.HTML, atts: []sources.Attachment{shot, outlook},
			body: `<img src="CID:image001.png@01D9A1B2.3C4D5E60"> and <img src="cid:inlinekey1">`,
			want: `[inline image: image001.png, attached] and [inline image: screen\_shot\*1.png, attached]`},
		{name: "a key the converter percent-encodes, with a title", format: sources.HTML, atts: []sources.Attachment{spaced},
			body: `<img src="cid:a b" alt="x" title="T">`, want: `[inline image: a b.png, attached]`},
		{name: "no match, the source gives no keys: alt text, maybe attached", format: sources.HTML, atts: []sources.Attachment{unkeyed},
			body: `<img src="cid:zzz" alt="my [cat]">`, want: `[inline image: my \[cat\], attached]`},
		{name: "no match, no alt, maybe attached", format: sources.HTML, atts: []sources.Attachment{unkeyed},
			body: `<img src="cid:zzz">`, want: `[inline image, attached]`},
		{name: "no attachment at all: not attached, lost", format: sources.HTML,
			body: `<img src="cid:zzz" alt="logo">`, want: `[inline image: logo, not attached]`, lost: 1},
		{name: "keys given, none matches: not attached, lost", format: sources.HTML, atts: []sources.Attachment{shot},
			body: `<img src="cid:other"><img src="cid:inlinekey1">`, want: `[inline image, not attached][inline image: screen\_shot\*1.png, attached]`, lost: 1},
		{name: "other images untouched, an image link keeps its link", format: sources.HTML, atts: []sources.Attachment{shot},
			body: `<img src="https://example.com/cid:x.png" alt="web"> <a href="https://example.com"><img src="cid:inlinekey1" alt="l"></a>`,
			want: `![web](https://example.com/cid:x.png) [[inline image: screen\_shot\*1.png, attached]](https://example.com)`},
		{name: "markdown body, destination in <>", format: sources.Markdown, atts: []sources.Attachment{spaced},
			body: "see ![a](<cid:a b>)\n", want: "see [inline image: a b.png, attached]\n"},
		{name: "text body untouched", format: sources.Text, atts: []sources.Attachment{shot},
			body: "![shot](cid:inlinekey1)", want: "![shot](cid:inlinekey1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &sources.Entry{Format: tt.format, Body: tt.body, Attachments: tt.atts}
			got, _, err := ConvertBody(e)
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v\nwant %q", got, err, tt.want)
			}
			if _, _, lost, _ := convertBody(e); lost != tt.lost {
				t.Errorf("lost %d, want %d", lost, tt.lost)
			}
		})
	}
}

// The planner sends the marker, and warns when an inline image is lost.
func TestPlanInlineImages(t *testing.T) {
	tk := ticket("",
		sources.Entry{ID: "1", Kind: sources.CustomerReply, Author: cynthia, Format: sources.HTML, Created: at(0),
			Body: `<p>see <img src="cid:k1" alt="shot"></p>`, Attachments: []sources.Attachment{{Name: "shot.png", ContentID: "k1"}}},
		sources.Entry{ID: "2", Kind: sources.CustomerReply, Author: cynthia, Format: sources.HTML, Created: at(1),
			Body: `<p>and <img src="cid:gone" alt="logo"></p>`},
	)
	p := mustPlan(t, newPlanner(t, Options{Config: baseConfig()}), tk, nil)
	if got := []string{p.Steps[0].Open.Message, p.Steps[1].Reply.Message, p.Steps[1].Message}; !reflect.DeepEqual(got,
		[]string{"see [inline image: shot.png, attached]", "and [inline image: logo, not attached]", "and [inline image: logo, not attached]"}) {
		t.Errorf("messages %q", got)
	}
	var lost []string
	for _, pr := range p.Problems {
		if pr.Code == sources.CodeInlineImageMissing {
			lost = append(lost, fmt.Sprint(pr.Severity)+"@"+pr.Entry)
		}
	}
	if !reflect.DeepEqual(lost, []string{"warning@2"}) {
		t.Errorf("inline_image_missing on %v, want a warning on entry 2 only", lost)
	}
}
