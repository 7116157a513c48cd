package whmcs

import "testing"

func TestProfileMatch(t *testing.T) {
	const sent = "Tom & Jerry's <b>rocket</b> 🚀\r\n"
	escaped := "Tom &amp; Jerry&#039;s &lt;b&gt;rocket&lt;/b&gt; 🚀"
	folded := "Tom & Jerry's <b>rocket</b> ?"
	both := "Tom &amp; Jerry&#039;s &lt;b&gt;rocket&lt;/b&gt; ?"
	tampered := "Tom &amp; Jerry&#039;s &lt;b&gt;rocket&lt;/b&gt; !"

	unknown := TextProfile{}
	realistic := TextProfile{Escapes: Yes, FoldsFourByte: Yes}
	literal := TextProfile{Escapes: No, FoldsFourByte: No}
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
		{TextProfile{Escapes: Yes}, escaped, true}, {TextProfile{Escapes: Yes}, both, true}, {TextProfile{Escapes: Yes}, sent, false},
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
		{"plain text", "plain text", TextProfile{}},                              // shows nothing
		{"a < b", "a &lt; b", TextProfile{Escapes: Yes}},                         // sanitiser
		{"a < b", "a < b", TextProfile{Escapes: No}},                             // literal
		{"go 🚀", "go ?", TextProfile{FoldsFourByte: Yes}},                        // 3-byte table
		{"go 🚀", "go 🚀", TextProfile{FoldsFourByte: No}},                         // utf8mb4
		{"a<🚀", "a&lt;?", TextProfile{Escapes: Yes, FoldsFourByte: Yes}},         // both at once
		{"a<🚀", "something else", TextProfile{}},                                 // no match, nothing learned
		{`it's`, "it&#039;s", TextProfile{Escapes: Yes}},                         // quotes too
		{"x & y 🚀", "x &amp; y 🚀", TextProfile{Escapes: Yes, FoldsFourByte: No}}, // mixed
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
	// Knowledge is never unlearned.
	p := TextProfile{Escapes: No}
	if _, l := p.Match("a < b", "a &lt; b"); l.Escapes != No {
		t.Errorf("a known dimension changed: %v", l)
	}
}

func TestProfileString(t *testing.T) {
	for _, p := range []TextProfile{{}, {Escapes: Yes}, {Escapes: No, FoldsFourByte: Yes}} {
		if got := ParseTextProfile(p.String()); got != p {
			t.Errorf("ParseTextProfile(%q) = %v", p.String(), got)
		}
	}
}
