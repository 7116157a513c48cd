package whmcs

import (
	"crypto/sha256"
	"encoding/hex"
	"hash/fnv"
	"strings"
	"time"
	"unicode/utf8"
)

// Knowledge is what is known of one way a WHMCS install changes the text it
// stores: unknown until a text that would show it has been read back.
type Knowledge int8

// What is known of one dimension of a TextProfile.
const (
	Unknown Knowledge = iota // not shown by any text read back yet
	Yes                      // the install does it
	No                       // the install does not
)

func (k Knowledge) String() string {
	switch k {
	case Yes:
		return "yes"
	case No:
		return "no"
	}
	return "unknown"
}

// ParseKnowledge reads "yes", "no" or anything else as Unknown.
func ParseKnowledge(s string) Knowledge {
	switch s {
	case "yes":
		return Yes
	case "no":
		return No
	}
	return Unknown
}

// TextProfile is how a WHMCS install stores the text it is sent, as far as
// it is known. Real installs differ:
//
//   - Escapes: WHMCS's input sanitiser runs PHP's htmlspecialchars (with
//     ENT_QUOTES) over request parameters before they are stored, so
//     & < > " ' come back from GetTicket as &amp; &lt; &gt; &quot; &#039;.
//   - FoldsFourByte: tables in MySQL's 3-byte utf8 store each character
//     above U+FFFF (emoji, rare CJK) as "?".
//
// Both apply to subjects, messages, notes and names. The zero value knows
// nothing, and then a text matches any form a WHMCS could have stored it
// in; once a dimension is known, only that form matches, so a real
// difference (a reply edited in WHMCS) stays a difference.
type TextProfile struct {
	Escapes       Knowledge
	FoldsFourByte Knowledge
}

// Complete reports whether both dimensions are known.
func (p TextProfile) Complete() bool { return p.Escapes != Unknown && p.FoldsFourByte != Unknown }

// String is the profile in the form the checkpoint keeps and ParseTextProfile reads:
// "escapes=yes four_byte=unknown".
func (p TextProfile) String() string {
	return "escapes=" + p.Escapes.String() + " four_byte=" + p.FoldsFourByte.String()
}

// Describe says in words what the profile knows, for status and reports.
func (p TextProfile) Describe() string {
	var esc, fold string
	switch p.Escapes {
	case Yes:
		esc = `stores <>&"' as HTML entities (input sanitiser)`
	case No:
		esc = `stores <>&"' as sent`
	default:
		esc = `HTML escaping not known yet (no text with <>&"' read back)`
	}
	switch p.FoldsFourByte {
	case Yes:
		fold = "stores emoji and other 4-byte characters as ? (3-byte utf8 tables)"
	case No:
		fold = "keeps emoji (utf8mb4)"
	default:
		fold = "4-byte characters not known yet (none read back)"
	}
	return esc + "; " + fold
}

// ParseTextProfile reads what TextProfile.String wrote; anything it does
// not know is Unknown.
func ParseTextProfile(s string) TextProfile {
	var p TextProfile
	for _, f := range strings.Fields(s) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "escapes":
			p.Escapes = ParseKnowledge(v)
		case "four_byte":
			p.FoldsFourByte = ParseKnowledge(v)
		}
	}
	return p
}

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

// allowed returns the forms p allows, as a bit set.
func (p TextProfile) allowed() (set uint8) {
	for _, e := range []bool{false, true} {
		if p.Escapes == Yes && !e || p.Escapes == No && e {
			continue
		}
		for _, f := range []bool{false, true} {
			if p.FoldsFourByte == Yes && !f || p.FoldsFourByte == No && f {
				continue
			}
			set |= 1 << formOf(e, f)
		}
	}
	return set
}

// learn narrows p from the set of forms a text read back matched: a
// dimension is learned when every matching form agrees on it (forms equal
// for the text in question all match, so a text that cannot show a
// dimension teaches nothing of it).
func (p TextProfile) learn(matched uint8) TextProfile {
	if matched == 0 {
		return p
	}
	var esc, lit, fold, keep bool
	for f := range nForms {
		if matched&(1<<f) == 0 {
			continue
		}
		if f&formEscaped != 0 {
			esc = true
		} else {
			lit = true
		}
		if f&formFolded != 0 {
			fold = true
		} else {
			keep = true
		}
	}
	if p.Escapes == Unknown && esc != lit {
		p.Escapes = map[bool]Knowledge{true: Yes, false: No}[esc]
	}
	if p.FoldsFourByte == Unknown && fold != keep {
		p.FoldsFourByte = map[bool]Knowledge{true: Yes, false: No}[fold]
	}
	return p
}

// Match reports whether got, a text read back from WHMCS, is sent as an
// install with profile p stores it. learned is p narrowed by what the pair
// shows.
func (p TextProfile) Match(sent, got string) (ok bool, learned TextProfile) {
	fs := forms(sent)
	g := NormalizeText(got)
	var matched uint8
	for f := range nForms {
		if fs[f] == g {
			matched |= 1 << f
		}
	}
	return p.verdict(matched)
}

// verdict is whether any of the matched forms is one p allows, and what
// the match teaches.
func (p TextProfile) verdict(matched uint8) (bool, TextProfile) {
	matched &= p.allowed()
	return matched != 0, p.learn(matched)
}

// Same is Match without the learning.
func (p TextProfile) Same(sent, got string) bool {
	ok, _ := p.Match(sent, got)
	return ok
}

// Digest identifies a text in every form WHMCS may store it in, without
// keeping the text: the checkpoint keeps it for a write whose answer may
// be lost, and MatchDigest tells later whether a text read back is that
// write's. Its form: "2:" then the hash of each form, colon-separated,
// empty where the form equals the literal one.
type Digest string

// digestVersion prefixes a Digest. A digest without it is from an earlier
// version: the hash of the literal text, trimmed, with \r\n as \n.
const digestVersion = "2:"

func textHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:16])
}

// DigestOf returns the digest of sent.
func DigestOf(sent string) Digest {
	fs := forms(sent)
	var b strings.Builder
	b.WriteString(digestVersion)
	lit := textHash(fs[formLiteral])
	b.WriteString(lit)
	for f := formLiteral + 1; f < nForms; f++ {
		b.WriteByte(':')
		if fs[f] != fs[formLiteral] {
			b.WriteString(textHash(fs[f]))
		}
	}
	return Digest(b.String())
}

// Literal is the hash of the text as sent (normalized): equal texts have
// equal Literals.
func (d Digest) Literal() string {
	s, ok := strings.CutPrefix(string(d), digestVersion)
	if !ok {
		return string(d)
	}
	lit, _, _ := strings.Cut(s, ":")
	return lit
}

// hashes returns the hash of each form; ok false for a digest of an
// earlier version.
func (d Digest) hashes() (h [nForms]string, ok bool) {
	s, ok := strings.CutPrefix(string(d), digestVersion)
	if !ok {
		return h, false
	}
	parts := strings.Split(s, ":")
	for f := range nForms {
		if f < len(parts) && parts[f] != "" {
			h[f] = parts[f]
		} else {
			h[f] = parts[0]
		}
	}
	return h, true
}

// MatchDigest reports whether got, read back from WHMCS, is the text whose
// digest is d, as an install with profile p stores it; learned is p
// narrowed by what the pair shows.
func (p TextProfile) MatchDigest(d Digest, got string) (ok bool, learned TextProfile) {
	hs, current := d.hashes()
	if !current {
		// An earlier version's digest knows the literal form only; the
		// sanitiser's form is undone instead.
		old := func(s string) string {
			return textHash(strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")))
		}
		if old(got) == string(d) && p.Escapes != Yes {
			return true, p
		}
		return p.Escapes != No && old(UnescapeHTML(got)) == string(d), p
	}
	g := textHash(NormalizeText(got))
	var matched uint8
	for f := range nForms {
		if hs[f] == g {
			matched |= 1 << f
		}
	}
	return p.verdict(matched)
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

// SameWallSecond reports whether w, a date read back from WHMCS (in the
// server's zone), shows the instant t to the second. WHMCS keeps wall-clock
// times, so an instant in the hour repeated when clocks go back reads back
// as the earlier of the two instants with that wall clock: compare what
// WHMCS can hold, the wall clock.
func SameWallSecond(w, t time.Time) bool {
	if w.Unix() == t.Unix() {
		return true
	}
	t = t.In(w.Location())
	y1, m1, d1 := w.Date()
	y2, m2, d2 := t.Date()
	h1, n1, s1 := w.Clock()
	h2, n2, s2 := t.Clock()
	return y1 == y2 && m1 == m2 && d1 == d2 && h1 == h2 && n1 == n2 && s1 == s2
}

// TextKey is a short hash of a text read back from WHMCS (normalized), for
// an index that keeps no text: TextProfile.MatchKey compares a sent text
// with it. Two texts with one key are, but for a 2^-64 chance, the same.
func TextKey(got string) uint64 { return keyOf(NormalizeText(got)) }

func keyOf(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s)) //nolint:errcheck // a hash never fails
	return h.Sum64()
}

// MatchKey is Match against a text known only by its TextKey, without the
// learning: whether sent, stored in any form p allows, has key got.
func (p TextProfile) MatchKey(sent string, got uint64) bool {
	fs := forms(sent)
	allowed := p.allowed()
	for f := range nForms {
		if allowed&(1<<f) != 0 && keyOf(fs[f]) == got {
			return true
		}
	}
	return false
}
