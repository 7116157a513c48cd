package whmcs

import (
	"strings"
	"testing"
)

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
	if ok, _ := (TextProfile{Escapes: ObservedNo}).MatchDigest(old, "a &lt; b"); ok {
		t.Error("old digest: the sanitised form matches a literal install")
	}
}
