package mapping

import (
	"reflect"
	"strings"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

func TestNameFourByte(t *testing.T) {
	tests := []struct {
		name, in string
		markdown bool
		want     string
	}{
		{"empty", "", false, ""},
		{"ascii", "server down", false, "server down"},
		{"emoji", "launch 🚀 now", false, "launch [U+1F680 ROCKET] now"},
		{"zwj sequence keeps the joiner", "👩\u200d💻", false, "[U+1F469 WOMAN]\u200d[U+1F4BB PERSONAL COMPUTER]"},
		{"3-byte characters untouched", "10 € für 日本", false, "10 € für 日本"},
		{"BMP emoji and variation selector untouched", "❤\ufe0f ok", false, "❤\ufe0f ok"},
		{"private use has no name", "x\U000F0000y", false, "x[U+F0000]y"},
		{"noncharacter has no name", "\U0001FFFF", false, "[U+1FFFF]"},
		{"range-named ideograph", "\U00020000", false, "[U+20000 CJK UNIFIED IDEOGRAPH-20000]"},
		{"two in a row", "🚀🚀", false, "[U+1F680 ROCKET][U+1F680 ROCKET]"},
		{"markdown: not a link", "🚀(launch)", true, `[U+1F680 ROCKET\](launch)`},
		{"markdown: not a link definition", "🚀: go", true, `[U+1F680 ROCKET\]: go`},
		{"markdown elsewhere unescaped", "a 🚀 b", true, "a [U+1F680 ROCKET] b"},
		{"text is never escaped", "🚀(launch)", false, "[U+1F680 ROCKET](launch)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NameFourByte(tt.in, tt.markdown); got != tt.want {
				t.Errorf("NameFourByte(%q, %v) = %q, want %q", tt.in, tt.markdown, got, tt.want)
			}
		})
	}
}

// fourByteWarnings returns the plan's four_byte_text problems.
func fourByteWarnings(p *Plan) []sources.Problem {
	var out []sources.Problem
	for _, pr := range p.Problems {
		if pr.Code == sources.CodeFourByteText {
			out = append(out, pr)
		}
	}
	return out
}

// sent lists the texts a plan sends: the subject, the requester name, and
// each step's author name (if any) and message.
func sent(p *Plan) []string {
	var out []string
	for _, s := range p.Steps {
		switch {
		case s.Open != nil:
			out = append(out, s.Open.Subject, s.Open.Name, s.Open.Message)
		case s.Reply != nil:
			if s.Reply.Name != "" {
				out = append(out, s.Reply.Name)
			}
			out = append(out, s.Reply.Message)
		case s.Note != nil:
			out = append(out, s.Note.Message)
		}
	}
	return out
}

func TestPlanFourByteText(t *testing.T) {
	rocketNote := note("2", 5, "deployed 🚀")
	rocketNote.Author = sources.Person{Name: "Jane 🦊", Email: jane.Email}
	foxReply := cust("3", 10, "me too")
	foxReply.Author = sources.Person{Name: "Pat 🦊", Email: stranger.Email}
	htmlEntry := cust("1", 0, "<p>launch 🚀</p>")
	htmlEntry.Format = sources.HTML

	tests := []struct {
		name   string
		mode   string // Config.FourByteText
		ticket func() *sources.Ticket
		// want: "" = no warning; else the warning's field, entry, origin.
		field, entry, origin string
		msg                  []string // substrings of the warning's message
		sent                 []string // sent(plan); nil = not checked
	}{
		{name: "none", ticket: func() *sources.Ticket { return ticket("", cust("1", 0, "help")) }},
		{name: "3-byte only", mode: FourByteName, ticket: func() *sources.Ticket {
			tk := ticket("", cust("1", 0, "10 € für 日本 ❤\ufe0f"))
			tk.Subject = "Rechnung €"
			return tk
		}, sent: []string{"Rechnung €", "Cynthia Reilly", "10 € für 日本 ❤\ufe0f"}},
		{name: "subject, keep", ticket: func() *sources.Ticket {
			tk := ticket("", cust("1", 0, "help"))
			tk.Subject = "Launch 🚀"
			return tk
		}, field: "subject", origin: "tickets.csv:2",
			msg:  []string{"1 character above U+FFFF in subject (🚀 U+1F680 ROCKET)", `stores each as "?"`, "mapping.four_byte_text: name"},
			sent: []string{"Launch 🚀", "Cynthia Reilly", "help"}},
		{name: "subject, name", mode: FourByteName, ticket: func() *sources.Ticket {
			tk := ticket("", cust("1", 0, "help"))
			tk.Subject = "Launch 🚀"
			return tk
		}, field: "subject", origin: "tickets.csv:2",
			msg:  []string{"in subject replaced by", "🚀 -> [U+1F680 ROCKET]"},
			sent: []string{"Launch [U+1F680 ROCKET]", "Cynthia Reilly", "help"}},
		{name: "one body: the entry's origin", mode: FourByteName, ticket: func() *sources.Ticket {
			return ticket("", cust("1", 0, "hi"), staffE("2", 5, "on it 👩\u200d💻"))
		}, field: "body", entry: "2", origin: "messages.csv:2",
			msg:  []string{"2 characters above U+FFFF in body replaced", "👩 -> [U+1F469 WOMAN], 💻 -> [U+1F4BB PERSONAL COMPUTER]"},
			sent: []string{"Server down", "Cynthia Reilly", "hi", "on it [U+1F469 WOMAN]\u200d[U+1F4BB PERSONAL COMPUTER]"}},
		{name: "html body converted, then named", mode: FourByteName, ticket: func() *sources.Ticket {
			return ticket("", htmlEntry)
		}, field: "body", entry: "1", origin: "messages.csv:1",
			sent: []string{"Server down", "Cynthia Reilly", "launch [U+1F680 ROCKET]"}},
		{name: "every field", mode: FourByteName, ticket: func() *sources.Ticket {
			tk := ticket("", cust("1", 0, "help \U000F0000"), rocketNote, foxReply)
			tk.Subject = "Launch 🚀"
			tk.Requester.Name = "Cynthia 🌸"
			return tk
		}, field: "subject,requester_name,body,author_name", origin: "tickets.csv:2",
			msg: []string{"6 characters above U+FFFF in subject, requester name, body of entry 1 (messages.csv:1), " +
				"body of entry 2 (messages.csv:2), author name of entry 3 (messages.csv:3) replaced",
				"🚀 -> [U+1F680 ROCKET], 🌸 -> [U+1F338 CHERRY BLOSSOM], \U000F0000 -> [U+F0000], 1 more"},
			sent: []string{"Launch [U+1F680 ROCKET]", "Cynthia [U+1F338 CHERRY BLOSSOM]", "help [U+F0000]",
				"Jane [U+1F98A FOX FACE]:\n\ndeployed [U+1F680 ROCKET]", "Pat [U+1F98A FOX FACE]", "me too"}},
		{name: "a client's name is not sent", ticket: func() *sources.Ticket {
			tk := ticket("", cust("1", 0, "help"))
			tk.Requester.Name = "Cynthia 🌸"
			tk.ClientID = 7
			return tk
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := baseConfig()
			c.FourByteText = tt.mode
			tk := tt.ticket()
			before := make([]string, len(tk.Entries))
			for i := range tk.Entries {
				before[i] = EntryHash(&tk.Entries[i])
			}
			p := mustPlan(t, newPlanner(t, Options{Config: c}), tk, nil)
			if p.Failed() {
				t.Fatalf("plan failed: %v", p.Problems)
			}
			ws := fourByteWarnings(p)
			switch {
			case tt.field == "" && len(ws) != 0:
				t.Fatalf("unexpected warnings %v", ws)
			case tt.field != "" && len(ws) != 1:
				t.Fatalf("%d four_byte_text warnings, want one: %v", len(ws), ws)
			case tt.field != "":
				w := ws[0]
				if w.Severity != sources.Warning || w.Ticket != "T1" || w.Field != tt.field || w.Entry != tt.entry || w.Origin != tt.origin {
					t.Errorf("warning %+v, want field %q entry %q origin %q", w, tt.field, tt.entry, tt.origin)
				}
				for _, m := range tt.msg {
					if !strings.Contains(w.Message, m) {
						t.Errorf("message %q lacks %q", w.Message, m)
					}
				}
			}
			if tt.sent != nil {
				if got := sent(p); !reflect.DeepEqual(got, tt.sent) {
					t.Errorf("sent %q\nwant %q", got, tt.sent)
				}
			}
			for i := range tk.Entries {
				if h := EntryHash(&tk.Entries[i]); h != before[i] {
					t.Errorf("entry %d: planning changed the source entry", i)
				}
			}
		})
	}
}

// TestPlanFourByteTextIncremental: an incremental plan checks only what it
// sends, its new entries.
func TestPlanFourByteTextIncremental(t *testing.T) {
	c := baseConfig()
	c.FourByteText = FourByteName
	pl := newPlanner(t, Options{Config: c})
	tk := ticket("", cust("1", 0, "launch 🚀"), staffE("2", 5, "ok"))
	tk.Subject = "Launch 🚀"
	prior := imported(t, pl, tk)

	p := mustPlan(t, pl, tk, prior)
	if ws := fourByteWarnings(p); len(ws) != 0 || len(p.Steps) != 0 {
		t.Errorf("nothing new: steps %v, warnings %v", describeAll(p), ws)
	}

	tk.Entries = append(tk.Entries, cust("3", 10, "thanks"))
	p = mustPlan(t, pl, tk, prior)
	if ws := fourByteWarnings(p); len(ws) != 0 {
		t.Errorf("new entry without: warnings %v", ws)
	}

	tk.Entries[2].Body = "thanks 🙏"
	p = mustPlan(t, pl, tk, prior)
	ws := fourByteWarnings(p)
	if len(ws) != 1 || ws[0].Field != "body" || ws[0].Entry != "3" || ws[0].Origin != "messages.csv:3" ||
		strings.Contains(ws[0].Message, "subject") {
		t.Fatalf("new entry with: warnings %+v, want one on entry 3's body", ws)
	}
	if got := p.Steps[0].Reply.Message; got != "thanks [U+1F64F PERSON WITH FOLDED HANDS]" {
		t.Errorf("sent %q", got)
	}
}

// TestFourByteTextKeepsIdentity: the option changes what is sent, never
// EntryKey or EntryHash, which describe the source. Switching it between
// runs reports no entry as edited and sends nothing again.
func TestFourByteTextKeepsIdentity(t *testing.T) {
	mk := func() *sources.Ticket {
		withoutID := cust("", 0, "launch 🚀") // a hash key, over the body
		withoutID.Origin = "messages.csv:9"
		html := staffE("", 5, "<p>on it 👩\u200d💻</p>")
		html.Format = sources.HTML
		tk := ticket("", withoutID, html, note("n1", 7, "fox 🦊"), cust("c1", 9, "plain"))
		tk.Subject = "Launch 🚀"
		return tk
	}
	plans := map[string]*Plan{}
	for _, mode := range []string{"", FourByteKeep, FourByteName} {
		c := baseConfig()
		c.FourByteText = mode
		plans[mode] = mustPlan(t, newPlanner(t, Options{Config: c}), mk(), nil)
	}
	keep, name := plans[FourByteKeep], plans[FourByteName]
	if !reflect.DeepEqual(sent(plans[""]), sent(keep)) {
		t.Errorf("default is not keep: %q vs %q", sent(plans[""]), sent(keep))
	}
	if reflect.DeepEqual(sent(keep), sent(name)) {
		t.Fatal("name sent the same text as keep")
	}
	if len(keep.Steps) != len(name.Steps) {
		t.Fatalf("steps: keep %v, name %v", describeAll(keep), describeAll(name))
	}
	for i := range keep.Steps {
		k, n := keep.Steps[i], name.Steps[i]
		if k.Key != n.Key || k.EntryKey != n.EntryKey || k.Hash != n.Hash {
			t.Errorf("step %d: keep %s/%s/%s, name %s/%s/%s", i, k.Key, k.EntryKey, k.Hash, n.Key, n.EntryKey, n.Hash)
		}
		if k.Entry != nil && (k.EntryKey != EntryKey(k.Entry) && !strings.Contains(k.EntryKey, "#") || k.Hash != EntryHash(k.Entry)) {
			t.Errorf("step %d: identity is not the source entry's", i)
		}
	}

	// Imported with one option, synced with the other: nothing is new,
	// nothing drifted.
	for _, modes := range [][2]string{{FourByteKeep, FourByteName}, {FourByteName, FourByteKeep}} {
		c := baseConfig()
		c.FourByteText = modes[0]
		prior := imported(t, newPlanner(t, Options{Config: c}), mk())
		c.FourByteText = modes[1]
		p := mustPlan(t, newPlanner(t, Options{Config: c}), mk(), prior)
		if len(p.Steps) != 0 || len(p.Drift) != 0 || len(fourByteWarnings(p)) != 0 {
			t.Errorf("%s then %s: steps %v, drift %v, problems %v", modes[0], modes[1], describeAll(p), p.Drift, p.Problems)
		}
	}
}
