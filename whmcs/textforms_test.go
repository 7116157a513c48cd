package whmcs

import "testing"

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
