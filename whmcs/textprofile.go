package whmcs

import (
	"hash/fnv"
	"strings"
)

// Observed is a three-valued flag: whether a WHMCS install has been seen
// to change the text it stores in one way (ObservedYes), seen not to
// (ObservedNo), or not seen either way yet (ObservedUnknown, the zero
// value), which lasts until a text that would show it has been read back.
// Each dimension of a TextProfile is one. Its String ("yes", "no",
// "unknown") is the form the checkpoint keeps; ParseObserved reads it back.
type Observed int8

// What has been observed of one dimension of a TextProfile.
const (
	ObservedUnknown Observed = iota // not shown by any text read back yet
	ObservedYes                     // the install does it
	ObservedNo                      // the install does not
)

// String is "yes", "no" or "unknown".
func (k Observed) String() string {
	switch k {
	case ObservedYes:
		return "yes"
	case ObservedNo:
		return "no"
	}
	return "unknown"
}

// ParseObserved reads "yes", "no" or anything else as ObservedUnknown.
func ParseObserved(s string) Observed {
	switch s {
	case "yes":
		return ObservedYes
	case "no":
		return ObservedNo
	}
	return ObservedUnknown
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
	Escapes       Observed
	FoldsFourByte Observed
}

// Complete reports whether both dimensions are known.
func (p TextProfile) Complete() bool {
	return p.Escapes != ObservedUnknown && p.FoldsFourByte != ObservedUnknown
}

// String is the profile in the form the checkpoint keeps and ParseTextProfile reads:
// "escapes=yes four_byte=unknown".
func (p TextProfile) String() string {
	return "escapes=" + p.Escapes.String() + " four_byte=" + p.FoldsFourByte.String()
}

// Describe says in words what the profile knows, for status and reports.
func (p TextProfile) Describe() string {
	var esc, fold string
	switch p.Escapes {
	case ObservedYes:
		esc = `stores <>&"' as HTML entities (input sanitiser)`
	case ObservedNo:
		esc = `stores <>&"' as sent`
	default:
		esc = `HTML escaping not known yet (no text with <>&"' read back)`
	}
	switch p.FoldsFourByte {
	case ObservedYes:
		fold = "stores emoji and other 4-byte characters as ? (3-byte utf8 tables)"
	case ObservedNo:
		fold = "keeps emoji (utf8mb4)"
	default:
		fold = "4-byte characters not known yet (none read back)"
	}
	return esc + "; " + fold
}

// ParseTextProfile reads what TextProfile.String wrote; anything it does
// not know is ObservedUnknown.
func ParseTextProfile(s string) TextProfile {
	var p TextProfile
	for _, f := range strings.Fields(s) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "escapes":
			p.Escapes = ParseObserved(v)
		case "four_byte":
			p.FoldsFourByte = ParseObserved(v)
		}
	}
	return p
}

// allowed returns the forms p allows, as a bit set.
func (p TextProfile) allowed() (set uint8) {
	for _, e := range []bool{false, true} {
		if p.Escapes == ObservedYes && !e || p.Escapes == ObservedNo && e {
			continue
		}
		for _, f := range []bool{false, true} {
			if p.FoldsFourByte == ObservedYes && !f || p.FoldsFourByte == ObservedNo && f {
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
	if p.Escapes == ObservedUnknown && esc != lit {
		p.Escapes = map[bool]Observed{true: ObservedYes, false: ObservedNo}[esc]
	}
	if p.FoldsFourByte == ObservedUnknown && fold != keep {
		p.FoldsFourByte = map[bool]Observed{true: ObservedYes, false: ObservedNo}[fold]
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

// Decode is a text WHMCS gave back in the form it was sent, as far as p
// knows: the sanitiser's entities decoded (unless p knows this WHMCS
// stores text as sent). A 4-byte character stored as "?" cannot be
// restored. For showing WHMCS's side beside the source's (verify), never
// for matching (Match knows every form).
func (p TextProfile) Decode(got string) string {
	if p.Escapes == ObservedNo {
		return got
	}
	return UnescapeHTML(got)
}

// Stored is sent as p's WHMCS keeps it, but for the sanitiser's escaping
// (Decode's form): 4-byte characters as "?" when p knows it folds them.
// With Decode, both sides of a difference show in one form.
func (p TextProfile) Stored(sent string) string {
	if p.FoldsFourByte == ObservedYes {
		return FoldFourByte(sent)
	}
	return sent
}
