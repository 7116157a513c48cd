package whmcs

import "testing"

func TestProfileMatch(t *testing.T) {
	const sent = "Tom & Jerry's <b>rocket</b> 🚀\r\n"
	escaped := "Tom &amp; Jerry&#039;s &lt;b&gt;rocket&lt;/b&gt; 🚀"
	folded := "Tom & Jerry's <b>rocket</b> ?"
	both := "Tom &amp; Jerry&#039;s &lt;b&gt;rocket&lt;/b&gt; ?"
	tampered := "Tom &amp; Jerry&#039;s &lt;b&gt;rocket&lt;/b&gt; !"

	unknown := TextProfile{}
	realistic := TextProfile{Escapes: ObservedYes, FoldsFourByte: ObservedYes}
	literal := TextProfile{Escapes: ObservedNo, FoldsFourByte: ObservedNo}
	cases := []struct {
		p    TextProfile
		got  string
		want bool
	}{
		{unknown, sent, true}, {unknown, escaped, true}, {unknown, folded, true}, {unknown, both, true},
		{unknown, tampered, false},
		{realistic, both, true}, {realistic, sent, false}, {realistic, escaped, false}, {realistic, folded, false},
		{realistic, tampered, false},
		{literal, sent + "  \n", true}, {literal, both, false}, {literal, escaped, false}, {literal, folded, false},
		{TextProfile{Escapes: ObservedYes}, escaped, true}, {TextProfile{Escapes: ObservedYes}, both, true}, {TextProfile{Escapes: ObservedYes}, sent, false},
	}
	for _, c := range cases {
		if got := c.p.Same(sent, c.got); got != c.want {
			t.Errorf("%v: Same(sent, %q) = %v, want %v", c.p, c.got, got, c.want)
		}
		// The digest says the same as the text.
		if got, _ := c.p.MatchDigest(DigestOf(sent), c.got); got != c.want {
			t.Errorf("%v: MatchDigest(sent, %q) = %v, want %v", c.p, c.got, got, c.want)
		}
	}
}

func TestProfileLearns(t *testing.T) {
	cases := []struct {
		sent, got string
		want      TextProfile
	}{
		{"plain text", "plain text", TextProfile{}},                                              // shows nothing
		{"a < b", "a &lt; b", TextProfile{Escapes: ObservedYes}},                                 // sanitiser
		{"a < b", "a < b", TextProfile{Escapes: ObservedNo}},                                     // literal
		{"go 🚀", "go ?", TextProfile{FoldsFourByte: ObservedYes}},                                // 3-byte table
		{"go 🚀", "go 🚀", TextProfile{FoldsFourByte: ObservedNo}},                                 // utf8mb4
		{"a<🚀", "a&lt;?", TextProfile{Escapes: ObservedYes, FoldsFourByte: ObservedYes}},         // both at once
		{"a<🚀", "something else", TextProfile{}},                                                 // no match, nothing learned
		{`it's`, "it&#039;s", TextProfile{Escapes: ObservedYes}},                                 // quotes too
		{"x & y 🚀", "x &amp; y 🚀", TextProfile{Escapes: ObservedYes, FoldsFourByte: ObservedNo}}, // mixed
	}
	for _, c := range cases {
		_, got := TextProfile{}.Match(c.sent, c.got)
		if got != c.want {
			t.Errorf("Match(%q, %q) learned %v, want %v", c.sent, c.got, got, c.want)
		}
		_, got = TextProfile{}.MatchDigest(DigestOf(c.sent), c.got)
		if got != c.want {
			t.Errorf("MatchDigest(%q, %q) learned %v, want %v", c.sent, c.got, got, c.want)
		}
	}
	// What was observed is never unlearned.
	p := TextProfile{Escapes: ObservedNo}
	if _, l := p.Match("a < b", "a &lt; b"); l.Escapes != ObservedNo {
		t.Errorf("a known dimension changed: %v", l)
	}
}

func TestProfileString(t *testing.T) {
	for _, p := range []TextProfile{{}, {Escapes: ObservedYes}, {Escapes: ObservedNo, FoldsFourByte: ObservedYes}} {
		if got := ParseTextProfile(p.String()); got != p {
			t.Errorf("ParseTextProfile(%q) = %v", p.String(), got)
		}
	}
}

// TestProfileStoredForm pins the text a checkpoint keeps, so that the
// checkpoints of earlier versions read back the same.
func TestProfileStoredForm(t *testing.T) {
	for stored, want := range map[string]TextProfile{
		"escapes=unknown four_byte=unknown": {},
		"escapes=yes four_byte=no":          {Escapes: ObservedYes, FoldsFourByte: ObservedNo},
		"escapes=no four_byte=yes":          {Escapes: ObservedNo, FoldsFourByte: ObservedYes},
	} {
		if got := ParseTextProfile(stored); got != want {
			t.Errorf("ParseTextProfile(%q) = %+v, want %+v", stored, got, want)
		}
		if got := want.String(); got != stored {
			t.Errorf("String() = %q, want %q", got, stored)
		}
	}
}
