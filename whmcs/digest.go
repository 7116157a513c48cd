package whmcs

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

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
		if old(got) == string(d) && p.Escapes != ObservedYes {
			return true, p
		}
		return p.Escapes != ObservedNo && old(UnescapeHTML(got)) == string(d), p
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
