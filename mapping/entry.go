package mapping

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
	"sync"

	"github.com/JohannesKaufmann/html-to-markdown/v2/converter"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/base"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/commonmark"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// EntryKey is an entry's identity within its ticket, the key under which
// the checkpoint remembers it was imported.
//
// It is the source's entry id when there is one. Otherwise it is "h:"
// followed by the first 20 hex digits of the SHA-256 of the entry's created
// time (Unix seconds), its author's email (trimmed, lower case), its
// author's name and its body, each written length-prefixed so that no two
// different tuples hash alike. Such a key survives re-reading the same
// source but not an edit of the body: an edited entry without an id looks
// like a deleted entry and a new one.
//
// Two entries of one ticket with the same hash key (the same message posted
// twice in the same second) are told apart by the planner, which appends
// "#2", "#3", ... to the later ones in created order (see Step.EntryKey).
func EntryKey(e *sources.Entry) string {
	if e.ID != "" {
		return e.ID
	}
	h := sha256.New()
	writeInt(h, e.Created.Unix())
	writeStr(h, norm(e.Author.Email))
	writeStr(h, e.Author.Name)
	writeStr(h, e.Body)
	return "h:" + hex.EncodeToString(h.Sum(nil))[:20]
}

// EntryHash is a hash of what an entry says: its kind, created time
// (nanoseconds), body, format and attachment names. A changed hash under an
// unchanged EntryKey means the entry was edited at the source.
func EntryHash(e *sources.Entry) string {
	h := sha256.New()
	writeInt(h, int64(e.Kind))
	writeInt(h, e.Created.UnixNano())
	writeStr(h, e.Body)
	writeInt(h, int64(e.Format))
	writeInt(h, int64(len(e.Attachments)))
	for _, a := range e.Attachments {
		writeStr(h, a.Name)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func writeInt(h hash.Hash, n int64) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(n))
	h.Write(b[:])
}

func writeStr(h hash.Hash, s string) {
	writeInt(h, int64(len(s)))
	h.Write([]byte(s))
}

// htmlConverter is built once, with the plugins htmltomarkdown.ConvertString
// uses; a Converter is safe for concurrent use. The "<!--THE END-->"
// comment the library puts between two adjacent lists is turned off:
// WHMCS's Markdown renderer escapes raw HTML, so it would show as text.
var htmlConverter = sync.OnceValue(func() *converter.Converter {
	return converter.NewConverter(converter.WithPlugins(
		base.NewBasePlugin(),
		commonmark.NewCommonmarkPlugin(commonmark.WithListEndComment(false)),
	))
})

// ConvertBody returns the message to send for e and whether to send it with
// markdown=1: an HTML body is converted to Markdown (CommonMark, through
// html-to-markdown v2: links stay links, lists stay lists, an <img> becomes
// ![alt](src)); a Markdown body goes as it is, flagged markdown; a text
// body goes as it is, not flagged. The error is the converter's, for HTML
// it cannot parse.
func ConvertBody(e *sources.Entry) (message string, markdown bool, err error) {
	switch e.Format {
	case sources.HTML:
		md, err := htmlConverter().ConvertString(e.Body)
		if err != nil {
			return "", false, fmt.Errorf("convert html to markdown: %w", err)
		}
		return strings.TrimSpace(md), true, nil
	case sources.Markdown:
		return e.Body, true, nil
	default:
		return e.Body, false, nil
	}
}
