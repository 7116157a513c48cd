package whmcs

import (
	"strings"
	"testing"
)

func TestEscapeHTMLIsHTMLSpecialChars(t *testing.T) {
	// PHP: htmlspecialchars(`a<b>&"c'&amp;`, ENT_QUOTES)
	got := EscapeHTML(`a<b>&"c'&amp;`)
	want := "a&lt;b&gt;&amp;&quot;c&#039;&amp;amp;"
	if got != want {
		t.Fatalf("EscapeHTML = %q, want %q", got, want)
	}
	for _, s := range []string{"", `<>&"'`, "&amp;lt;", "&#039;", "plain", "&copy; stays"} {
		if u := UnescapeHTML(EscapeHTML(s)); u != s {
			t.Errorf("UnescapeHTML(EscapeHTML(%q)) = %q", s, u)
		}
	}
	if u := UnescapeHTML("&copy;&nbsp;"); u != "&copy;&nbsp;" {
		t.Errorf("UnescapeHTML decoded an entity the sanitiser never writes: %q", u)
	}
}

func TestFoldFourByte(t *testing.T) {
	cases := map[string]string{
		"launch 🚀 now":  "launch ? now",
		"👩‍💻":           "?\u200d?", // the zero-width joiner is in the BMP
		"€ 日本 ü":        "€ 日本 ü",
		"𝄞 clef":        "? clef",
		"":              "",
		"no high bytes": "no high bytes",
	}
	for in, want := range cases {
		if got := FoldFourByte(in); got != want {
			t.Errorf("FoldFourByte(%q) = %q, want %q", in, got, want)
		}
		if HasFourByte(in) != (in != want) {
			t.Errorf("HasFourByte(%q) = %v", in, HasFourByte(in))
		}
	}
}

func TestNormalizeText(t *testing.T) {
	got := NormalizeText("\r\n  Hello  \r\nworld\t\r\n\r\nbye \r")
	if want := "Hello\nworld\n\nbye"; got != want {
		t.Fatalf("NormalizeText = %q, want %q", got, want)
	}
}

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

func TestDigest(t *testing.T) {
	d := DigestOf("hello")
	if !strings.HasPrefix(string(d), digestVersion) || strings.Count(string(d), ":") != 4 {
		t.Fatalf("digest form: %q", d)
	}
	if d.Literal() != DigestOf("hello\r\n").Literal() || d.Literal() == DigestOf("hello!").Literal() {
		t.Fatal("Literal does not identify the normalized text")
	}
	// A digest of an earlier version (the literal hash of the trimmed text).
	old := Digest(textHash("a < b"))
	if ok, _ := (TextProfile{}).MatchDigest(old, "a &lt; b"); !ok {
		t.Error("old digest: the sanitised form does not match")
	}
	if ok, _ := (TextProfile{}).MatchDigest(old, "a < b"); !ok {
		t.Error("old digest: the literal form does not match")
	}
	if ok, _ := (TextProfile{Escapes: No}).MatchDigest(old, "a &lt; b"); ok {
		t.Error("old digest: the sanitised form matches a literal install")
	}
}

func TestProfileString(t *testing.T) {
	for _, p := range []TextProfile{{}, {Escapes: Yes}, {Escapes: No, FoldsFourByte: Yes}} {
		if got := ParseTextProfile(p.String()); got != p {
			t.Errorf("ParseTextProfile(%q) = %v", p.String(), got)
		}
	}
}

func TestSearchable(t *testing.T) {
	cases := map[string]string{
		"Invoice <#123> & refund":             "Invoice",
		"Server down 🚀 since Monday's update": "since Monday",
		"plain subject":                       "plain subject",
		"<>":                                  "",
		"a&b":                                 "",
	}
	for in, want := range cases {
		if got := Searchable(in); got != want {
			t.Errorf("Searchable(%q) = %q, want %q", in, got, want)
		}
	}
}
