package mapping

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"net/url"
	"regexp"
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
//
// In Markdown (converted or not), an inline image, ![alt](cid:KEY), which
// WHMCS cannot show, becomes a text marker; its file goes as one of the
// entry's attachments. The marker names the attachment whose ContentID is
// KEY: "[inline image: screenshot.png, attached]". When none is, it names
// the alt text, if any, and says "attached" when the entry has attachments
// whose ContentID the source did not give (the image may be one of them),
// "not attached" otherwise. Other images are left as they are.
func ConvertBody(e *sources.Entry) (message string, markdown bool, err error) {
	msg, md, _, err := convertBody(e)
	return msg, md, err
}

// convertBody is ConvertBody, also counting the inline images that are
// not among the entry's attachments.
func convertBody(e *sources.Entry) (message string, markdown bool, lost int, err error) {
	switch e.Format {
	case sources.HTML:
		md, err := htmlConverter().ConvertString(e.Body)
		if err != nil {
			return "", false, 0, fmt.Errorf("convert html to markdown: %w", err)
		}
		md, lost = inlineImages(strings.TrimSpace(md), e.Attachments)
		return md, true, lost, nil
	case sources.Markdown:
		md, lost := inlineImages(e.Body, e.Attachments)
		return md, true, lost, nil
	default:
		return e.Body, false, 0, nil
	}
}

// cidImage is a Markdown image whose destination is a cid: URL, bare or in
// <>, with an optional title: 1 alt text, 2 and 3 the key.
var cidImage = regexp.MustCompile(`!\[((?:\\.|[^\\\]])*)\]\(\s*(?:<(?i:cid:)([^<>\n]*)>|(?i:cid:)((?:\\.|[^\s()\\])*))` +
	`(?:\s+(?:"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|\((?:\\.|[^()\\])*\)))?\s*\)`)

// mdEscaped is a backslash escape in Markdown text.
var mdEscaped = regexp.MustCompile(`\\([!-/:-@\[-` + "`" + `{-~])`)

// inlineImages replaces each cid: image of md by its marker (see
// ConvertBody) and counts those not attached.
func inlineImages(md string, atts []sources.Attachment) (string, int) {
	if !strings.Contains(strings.ToLower(md), "cid:") {
		return md, 0
	}
	maybe := false // an attachment the source gave no ContentID for
	for _, a := range atts {
		maybe = maybe || a.ContentID == ""
	}
	lost := 0
	out := cidImage.ReplaceAllStringFunc(md, func(m string) string {
		sub := cidImage.FindStringSubmatch(m)
		key := sub[2] + sub[3]
		if k, err := url.PathUnescape(mdEscaped.ReplaceAllString(key, "$1")); err == nil {
			key = k
		}
		for _, a := range atts {
			if a.ContentID != "" && strings.EqualFold(a.ContentID, key) {
				return "[inline image: " + escapeMarkdown(a.Name) + ", attached]"
			}
		}
		label := "[inline image"
		if alt := strings.TrimSpace(mdEscaped.ReplaceAllString(sub[1], "$1")); alt != "" {
			label += ": " + escapeMarkdown(alt)
		}
		if maybe {
			return label + ", attached]"
		}
		lost++
		return label + ", not attached]"
	})
	return out, lost
}
