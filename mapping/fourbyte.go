package mapping

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/runenames"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// Values of Config.FourByteText: what to send for a character above U+FFFF
// (4 bytes in UTF-8: emoji, rarer CJK), which a WHMCS whose tables are
// MySQL utf8 (3 bytes a character, not utf8mb4) stores as "?".
const (
	FourByteKeep = "keep" // send the text unchanged (the default)
	FourByteName = "name" // send each such character as "[U+1F680 ROCKET]"
)

// maxFourByteSample and maxFourBytePlaces bound the warning's lists.
const (
	maxFourByteSample = 3
	maxFourBytePlaces = 5
)

// RuneName returns the Unicode name of r ("ROCKET"), "" when it has none.
// The ideographs that UnicodeData lists as ranges are named as Unicode
// derives them ("CJK UNIFIED IDEOGRAPH-20000"); other ranges (private use,
// surrogates) and unassigned code points have no name.
func RuneName(r rune) string {
	n := runenames.Name(r)
	if !strings.HasPrefix(n, "<") {
		return n
	}
	switch {
	case strings.HasPrefix(n, "<CJK Ideograph"):
		return fmt.Sprintf("CJK UNIFIED IDEOGRAPH-%04X", r)
	case strings.HasPrefix(n, "<Tangut Ideograph"):
		return fmt.Sprintf("TANGUT IDEOGRAPH-%04X", r)
	}
	return ""
}

// runeLabel is "U+1F680 ROCKET", or "U+F0000" for a character without a
// name.
func runeLabel(r rune) string {
	if n := RuneName(r); n != "" {
		return fmt.Sprintf("%U %s", r, n)
	}
	return fmt.Sprintf("%U", r)
}

// NameFourByte returns s with each character above U+FFFF replaced by its
// code point and name in brackets, "[U+1F680 ROCKET]" ("[U+F0000]" when it
// has none); every other character, a zero width joiner or a variation
// selector included, is kept. With markdown, the closing bracket is
// escaped where the next character would make the replacement a link
// ("](") or a link reference definition ("]:").
func NameFourByte(s string, markdown bool) string {
	if !hasFourByte(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i, r := range s {
		if r <= 0xFFFF {
			b.WriteRune(r)
			continue
		}
		b.WriteString("[" + runeLabel(r))
		next := s[i+utf8.RuneLen(r):]
		if markdown && (strings.HasPrefix(next, "(") || strings.HasPrefix(next, ":")) {
			b.WriteByte('\\')
		}
		b.WriteByte(']')
	}
	return b.String()
}

// hasFourByte reports whether s holds a character above U+FFFF. Such a
// character is the only one whose UTF-8 starts with a byte >= 0xF0.
func hasFourByte(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0xF0 {
			return true
		}
	}
	return false
}

// fourByteFinds collects, over one plan, where characters above U+FFFF
// are sent.
type fourByteFinds struct {
	count  int
	runes  []rune // distinct, in order of first appearance
	seen   map[rune]bool
	fields []string // distinct field names
	places []fourBytePlace
}

type fourBytePlace struct {
	what   string // "subject", "body", ...
	entry  string // entry key; "" for the ticket's own fields
	origin string // the entry's origin
}

// check records the characters above U+FFFF in *text and, when name is
// set, replaces them (see NameFourByte).
func (f *fourByteFinds) check(text *string, field, what string, st *Step, name, markdown bool) {
	if !hasFourByte(*text) {
		return
	}
	for _, r := range *text {
		if r <= 0xFFFF {
			continue
		}
		f.count++
		if !f.seen[r] {
			if f.seen == nil {
				f.seen = map[rune]bool{}
			}
			f.seen[r] = true
			f.runes = append(f.runes, r)
		}
	}
	if !slices.Contains(f.fields, field) {
		f.fields = append(f.fields, field)
	}
	pl := fourBytePlace{what: what}
	if st != nil {
		pl.entry = st.EntryKey
		if st.Entry != nil {
			pl.origin = st.Entry.Origin
		}
	}
	f.places = append(f.places, pl)
	if name {
		*text = NameFourByte(*text, markdown)
	}
}

// fourByteText finds the characters above U+FFFF in what the plan sends
// (subject, requester and author names, messages and notes as they will
// go, converted and prefixed) and, with four_byte_text: name, replaces
// them in the requests and in Step.Message. One warning says where. It
// runs on the steps, so an incremental plan checks only its new entries.
// EntryKey and EntryHash are the source's and do not change.
func (s *planning) fourByteText() {
	name := s.pl.nameFourByte
	var f fourByteFinds
	for i := range s.p.Steps {
		st := &s.p.Steps[i]
		switch {
		case st.Open != nil:
			o := st.Open
			f.check(&o.Subject, "subject", "subject", nil, name, false)
			f.check(&o.Name, "requester_name", "requester name", nil, name, false)
			f.check(&st.Message, "body", "body", st, name, o.Markdown)
			o.Message = st.Message
		case st.Reply != nil:
			r := st.Reply
			f.check(&r.Name, "author_name", "author name", st, name, false)
			f.check(&st.Message, "body", "body", st, name, r.Markdown)
			r.Message = st.Message
		case st.Note != nil:
			n := st.Note
			f.check(&st.Message, "body", "body", st, name, n.Markdown)
			n.Message = st.Message
		case st.Edit != nil:
			e := st.Edit
			f.check(&st.Message, "body", "body", st, name, e.Markdown)
			e.Message = st.Message
		}
	}
	// Custom-field values (the old number among them), wherever they are
	// sent: OpenTicket now, or the final UpdateTicket, built from s.fields.
	for _, k := range sortedKeys(s.fields) {
		id, ok := customKey(k)
		if !ok {
			continue
		}
		v := s.fields[k]
		f.check(&v, "custom_fields", fmt.Sprintf("custom field %d", id), nil, name, false)
		if v == s.fields[k] {
			continue
		}
		s.fields[k] = v
		if len(s.p.Steps) > 0 && s.p.Steps[0].Open != nil && s.p.Steps[0].Open.CustomFields[id] != "" {
			s.p.Steps[0].Open.CustomFields[id] = v
			s.p.Steps[0].Fields[k] = v
		}
	}
	if f.count == 0 {
		return
	}
	s.p.Problems = append(s.p.Problems, f.problem(s.t, name))
}

// problem renders the warning: where, a sample, and what a 3-byte utf8
// WHMCS does with them or what they were replaced with.
func (f *fourByteFinds) problem(t *sources.Ticket, named bool) sources.Problem {
	pr := sources.Problem{Severity: sources.Warning, Code: sources.CodeFourByteText, Ticket: t.ID, Origin: t.Origin,
		Field: strings.Join(f.fields, ",")}
	// All in one entry: the problem is that entry's, at its origin.
	one := f.places[0].entry
	for _, p := range f.places[1:] {
		if p.entry != one {
			one = ""
			break
		}
	}
	if one != "" {
		pr.Entry = one
		if o := f.places[0].origin; o != "" {
			pr.Origin = o
		}
	}

	var places []string
	for i, p := range f.places {
		if i == maxFourBytePlaces {
			places = append(places, fmt.Sprintf("%d more", len(f.places)-i))
			break
		}
		s := p.what
		if p.entry != "" && one == "" {
			s += " of entry " + p.entry
			if p.origin != "" {
				s += " (" + p.origin + ")"
			}
		}
		places = append(places, s)
	}

	var sample []string
	for i, r := range f.runes {
		if i == maxFourByteSample {
			sample = append(sample, fmt.Sprintf("%d more", len(f.runes)-i))
			break
		}
		if named {
			sample = append(sample, fmt.Sprintf("%c -> [%s]", r, runeLabel(r)))
		} else {
			sample = append(sample, fmt.Sprintf("%c %s", r, runeLabel(r)))
		}
	}

	chars := "characters"
	if f.count == 1 {
		chars = "character"
	}
	if named {
		pr.Message = fmt.Sprintf("%d %s above U+FFFF in %s replaced by their code point and name (mapping.four_byte_text: name): %s",
			f.count, chars, strings.Join(places, ", "), strings.Join(sample, ", "))
	} else {
		pr.Message = fmt.Sprintf("%d %s above U+FFFF in %s (%s): a WHMCS whose tables are MySQL utf8, not utf8mb4, stores each as \"?\"; mapping.four_byte_text: name sends their names instead",
			f.count, chars, strings.Join(places, ", "), strings.Join(sample, ", "))
	}
	return pr
}
