package whmcs

import (
	"strings"
	"unicode/utf8"
)

// EscapeHTML is what WHMCS's input sanitiser does to a parameter: PHP's
// htmlspecialchars with ENT_QUOTES (and double encoding).
func EscapeHTML(s string) string { return escaper.Replace(s) }

// UnescapeHTML is the exact inverse of EscapeHTML: it decodes those five
// entities and no other.
func UnescapeHTML(s string) string { return unescaper.Replace(s) }

var (
	escaper   = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#039;")
	unescaper = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#039;", "'")
)

// FoldFourByte is what a 3-byte utf8 table does to text: each character
// above U+FFFF becomes "?".
func FoldFourByte(s string) string {
	if !HasFourByte(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r > 0xFFFF {
			b.WriteByte('?')
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// HasFourByte reports whether s holds a character above U+FFFF (four bytes
// in UTF-8).
func HasFourByte(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0xF0 {
			r, _ := utf8.DecodeRuneInString(s[i:])
			if r > 0xFFFF {
				return true
			}
		}
	}
	return false
}

// NormalizeText is the comparison form of a text WHMCS gives back: line
// endings as \n, no white space at the end of a line, none around the
// whole. WHMCS and the browsers and mail clients around it change these
// freely; they carry no meaning.
func NormalizeText(s string) string {
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	s = strings.TrimSpace(s)
	if !strings.Contains(s, " \n") && !strings.Contains(s, "\t\n") {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.Join(lines, "\n")
}

// The forms a text may be stored in, by what the install does.
const (
	formLiteral = iota
	formEscaped
	formFolded
	formEscapedFolded
	nForms
)

func formOf(escapes, folds bool) int {
	f := formLiteral
	if escapes {
		f |= formEscaped
	}
	if folds {
		f |= formFolded
	}
	return f
}

// forms returns s normalized in each form WHMCS may store it in.
func forms(s string) [nForms]string {
	n := NormalizeText(s)
	folded := FoldFourByte(n)
	return [nForms]string{
		formLiteral:       n,
		formEscaped:       EscapeHTML(n),
		formFolded:        folded,
		formEscapedFolded: EscapeHTML(folded),
	}
}

// Searchable returns the longest run of s that every form of s holds
// unchanged (no character the sanitiser escapes, none above U+FFFF), for a
// substring search (GetTickets' subject) that must find s however WHMCS
// stored it; "" when there is none worth searching by.
func Searchable(s string) string {
	best, cur := "", strings.Builder{}
	flush := func() {
		if t := strings.TrimSpace(cur.String()); len(t) > len(best) {
			best = t
		}
		cur.Reset()
	}
	for _, r := range s {
		if r > 0xFFFF || strings.ContainsRune(`&<>"'`, r) {
			flush()
			continue
		}
		cur.WriteRune(r)
	}
	flush()
	if len(best) < 3 {
		return ""
	}
	return best
}
