package whmcs

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"time"
)

// DefaultMaxRequestSize is PHP's default post_max_size (8M): a larger POST
// reaches WHMCS with an empty $_POST, which WHMCS answers "Authentication
// Failed" (HTTP 403).
const DefaultMaxRequestSize = 8 << 20

// LargeRequest is the body size from which an "Authentication Failed"
// answer, or an HTTP 413, is taken for a refusal of the request's size
// (KindTooLarge) rather than of the credentials: nginx's default
// client_max_body_size is 1m, and post_max_size is rarely set below it,
// while credentials that passed the preflight do not fail on one request
// alone. A genuine loss of the credentials still shows on the next smaller
// call, which stays KindAuth.
const LargeRequest = 1 << 20

// FileInfo is an attachment's name and size in bytes: enough to size the
// request that carries it without reading it (see RequestSize).
type FileInfo struct {
	Name string
	Size int64
}

// RequestSize is the size in bytes of the body HTTP.Call sends for req,
// without the credentials (HTTP.BodySize adds them): "action=<action>&"
// and req's parameters, form-encoded. When files are given they stand for
// req's attachments (whose bytes need not be read yet): the size is the
// one req would have with attachments of those names and sizes, exactly,
// whatever their bytes (see AttachmentsSize).
func RequestSize(req Request, loc *time.Location, files []FileInfo) int64 {
	v := url.Values{}
	req.Encode(v, loc)
	if len(files) > 0 {
		v.Del("attachments")
	}
	n := int64(len("action=") + escapedLen(req.Action()))
	for k, vs := range v {
		for _, s := range vs {
			n += int64(1 + escapedLen(k) + 1 + escapedLen(s))
		}
	}
	if len(files) > 0 {
		n += int64(len("&attachments=")) + AttachmentsSize(files)
	}
	return n
}

// BodySize is the size in bytes of the body Call sends for req: its
// RequestSize and the credentials.
func (h *HTTP) BodySize(req Request, files []FileInfo) int64 {
	return RequestSize(req, h.loc, files) + int64(1+len(h.creds))
}

// CredentialsSize is the bytes the credentials add to every request body.
func (h *HTTP) CredentialsSize() int64 { return int64(1 + len(h.creds)) }

// escapedLen is len(url.QueryEscape(s)), without building it.
func escapedLen(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '_', c == '.', c == '~', c == ' ':
			n++
		default:
			n += 3
		}
	}
	return n
}

// AttachmentsSize is the form-encoded length of the attachments parameter
// EncodeAttachments makes of files with these names and sizes, exactly.
//
// It needs no bytes: the data's inner base64 uses only A-Z a-z 0-9 + / =,
// framed by the JSON's ASCII punctuation, and the outer base64 of ASCII
// bytes yields '+' or '/' (which the form encoding escapes, 3 bytes each)
// only where an input byte's low six bits are 62 or 63 ('>', '?', '~')
// in the fourth sextet of a group, which the data's characters never are.
// So the data can stand as any safe character ('A') of the same length:
// only the names (and the padding) decide the escapes.
func AttachmentsSize(files []FileInfo) int64 {
	var c b64count
	c.lit("[")
	for i, f := range files {
		if i > 0 {
			c.lit(",")
		}
		c.lit(`{"name":`)
		c.lit(string(appendJSONString(nil, f.Name)))
		c.lit(`,"data":"`)
		c.safe(int64(base64.StdEncoding.EncodedLen(int(max(f.Size, 0)))))
		c.lit(`"}`)
	}
	c.lit("]")
	return c.end()
}

// b64count counts the form-encoded length of the standard base64 of a byte
// stream fed to it, holding at most one group of it.
type b64count struct {
	group [3]byte
	n     int   // bytes in group
	out   int64 // form-encoded bytes so far
}

func (c *b64count) lit(s string) {
	for i := 0; i < len(s); i++ {
		c.byte(s[i])
	}
}

// safe feeds n bytes that never make an escaped character (see
// AttachmentsSize), skipping whole groups without looking at them.
func (c *b64count) safe(n int64) {
	for n > 0 && c.n != 0 {
		c.byte('A')
		n--
	}
	c.out += n / 3 * 4
	for range n % 3 {
		c.byte('A')
	}
}

func (c *b64count) byte(b byte) {
	c.group[c.n] = b
	c.n++
	if c.n == 3 {
		c.flush(4)
	}
}

// flush encodes the group's first k sextets; the rest are padding.
func (c *b64count) flush(k int) {
	var dst [4]byte
	base64.StdEncoding.Encode(dst[:], c.group[:c.n])
	for i := range k {
		if dst[i] == '+' || dst[i] == '/' {
			c.out += 3
		} else {
			c.out++
		}
	}
	c.out += int64(4-k) * 3 // "=" is "%3D"
	c.group, c.n = [3]byte{}, 0
}

// end flushes the last, partial group and returns the total.
func (c *b64count) end() int64 {
	switch c.n {
	case 1:
		c.flush(2)
	case 2:
		c.flush(3)
	}
	return c.out
}

// FormatBytes renders a request size for messages: "9.0 MiB (9437412 bytes)".
func FormatBytes(n int64) string { return formatBytes(n) }

func formatBytes(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%.1f KiB (%d bytes)", float64(n)/(1<<10), n)
	}
	return fmt.Sprintf("%.1f MiB (%d bytes)", float64(n)/(1<<20), n)
}
