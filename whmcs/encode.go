package whmcs

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf8"
)

// EncodeAttachments renders files as WHMCS's attachments parameter:
// base64(JSON [{"name":"<file name>","data":"<base64 of bytes>"}]), standard
// base64 with padding. The JSON is compact, with no HTML escaping and with
// non-ASCII names as raw UTF-8 (PHP's json_decode reads it as PHP's own
// \u escapes); an invalid UTF-8 byte in a name becomes U+FFFD.
func EncodeAttachments(files []Attachment) string {
	n := 2
	for _, f := range files {
		n += len(`{"name":"","data":""},`) + len(f.Name) + base64.StdEncoding.EncodedLen(len(f.Data))
	}
	buf := make([]byte, 0, n)
	buf = append(buf, '[')
	for i, f := range files {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, `{"name":`...)
		buf = appendJSONString(buf, f.Name)
		buf = append(buf, `,"data":"`...)
		buf = base64.StdEncoding.AppendEncode(buf, f.Data)
		buf = append(buf, `"}`...)
	}
	buf = append(buf, ']')
	return base64.StdEncoding.EncodeToString(buf)
}

// appendJSONString appends s as a JSON string: quotes, backslashes and
// control characters escaped, everything else as UTF-8.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == 0x7f:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// DecodeAttachments parses WHMCS's attachments parameter, the inverse of
// EncodeAttachments. It is strict: the outer and inner base64 must be
// standard padded base64, the JSON an array of objects each with a
// non-empty string "name" and a string "data"; other keys are ignored.
func DecodeAttachments(s string) ([]Attachment, error) {
	raw, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("attachments: not base64: %w", err)
	}
	var items []map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&items); err != nil {
		return nil, fmt.Errorf("attachments: not a JSON array of objects: %w", err)
	}
	if dec.More() {
		return nil, errors.New("attachments: trailing data after the JSON array")
	}
	if items == nil {
		return nil, errors.New("attachments: not a JSON array of objects")
	}
	out := make([]Attachment, 0, len(items))
	for i, it := range items {
		if it == nil {
			return nil, fmt.Errorf("attachments: item %d is not an object", i)
		}
		var name, data string
		if err := jsonString(it["name"], &name); err != nil || name == "" {
			return nil, fmt.Errorf("attachments: item %d: name must be a non-empty string", i)
		}
		if err := jsonString(it["data"], &data); err != nil {
			return nil, fmt.Errorf("attachments: item %d (%s): data must be a string", i, name)
		}
		b, err := base64.StdEncoding.Strict().DecodeString(data)
		if err != nil {
			return nil, fmt.Errorf("attachments: item %d (%s): data is not base64: %w", i, name, err)
		}
		out = append(out, Attachment{Name: name, Data: b})
	}
	return out, nil
}

// jsonString decodes raw, which must be a JSON string (not null, not absent).
func jsonString(raw json.RawMessage, s *string) error {
	if len(raw) == 0 || raw[0] != '"' {
		return errors.New("not a string")
	}
	return json.Unmarshal(raw, s)
}

// EncodeCustomFields renders custom field values as WHMCS's customfields
// parameter: base64 of PHP serialize() of an id => value array, with i:
// keys in ascending order and s: values whose lengths are UTF-8 bytes, e.g.
// {1: "Google"} → a:1:{i:1;s:6:"Google";} → YToxOntpOjE7czo2OiJHb29nbGUiO30=.
func EncodeCustomFields(fields map[int]string) string {
	keys := make([]int, 0, len(fields))
	n := len("a::{}") + 20
	for k, v := range fields {
		keys = append(keys, k)
		n += len("i:;s::\"\";") + 40 + len(v)
	}
	slices.Sort(keys)
	buf := make([]byte, 0, n)
	buf = append(buf, "a:"...)
	buf = strconv.AppendInt(buf, int64(len(keys)), 10)
	buf = append(buf, ":{"...)
	for _, k := range keys {
		v := fields[k]
		buf = append(buf, "i:"...)
		buf = strconv.AppendInt(buf, int64(k), 10)
		buf = append(buf, ";s:"...)
		buf = strconv.AppendInt(buf, int64(len(v)), 10)
		buf = append(buf, ":\""...)
		buf = append(buf, v...)
		buf = append(buf, "\";"...)
	}
	buf = append(buf, '}')
	return base64.StdEncoding.EncodeToString(buf)
}

// DecodeCustomFields parses WHMCS's customfields parameter, the inverse of
// EncodeCustomFields. It is strict: standard padded base64 around exactly
// one PHP serialized array (nothing after it), whose keys are integers (i:,
// or s: holding a decimal integer, as PHP itself converts them) and whose
// values are strings (s:, byte-length checked) or integers (i:, returned
// in decimal). Anything else, a count that does not match, or a duplicate
// key is an error.
func DecodeCustomFields(s string) (map[int]string, error) {
	raw, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("customfields: not base64: %w", err)
	}
	p := phpParser{b: raw}
	m, err := p.array()
	if err != nil {
		return nil, fmt.Errorf("customfields: %w", err)
	}
	if p.i != len(p.b) {
		return nil, fmt.Errorf("customfields: trailing data at byte %d", p.i)
	}
	return m, nil
}

// phpParser reads the subset of PHP's serialize format used by customfields.
type phpParser struct {
	b []byte
	i int
}

func (p *phpParser) errf(format string, args ...any) error {
	return fmt.Errorf("malformed PHP serialized array at byte %d: "+format, append([]any{p.i}, args...)...)
}

func (p *phpParser) expect(s string) error {
	if !bytes.HasPrefix(p.b[p.i:], []byte(s)) {
		return p.errf("want %q", s)
	}
	p.i += len(s)
	return nil
}

// int reads an optionally signed decimal integer up to (not including) end.
func (p *phpParser) int(end byte, signed bool) (int64, error) {
	j := bytes.IndexByte(p.b[p.i:], end)
	if j <= 0 {
		return 0, p.errf("want an integer ended by %q", end)
	}
	txt := string(p.b[p.i : p.i+j])
	if !signed && (txt[0] == '-' || txt[0] == '+') {
		return 0, p.errf("want an unsigned integer, got %q", txt)
	}
	n, err := strconv.ParseInt(txt, 10, 64)
	if err != nil {
		return 0, p.errf("bad integer %q", txt)
	}
	p.i += j + 1
	return n, nil
}

// str reads the rest of s:<len>:"<bytes>"; after the "s:".
func (p *phpParser) str() (string, error) {
	n, err := p.int(':', false)
	if err != nil {
		return "", err
	}
	if err := p.expect(`"`); err != nil {
		return "", err
	}
	if n > int64(len(p.b)-p.i) {
		return "", p.errf("string length %d runs past the end", n)
	}
	v := string(p.b[p.i : p.i+int(n)])
	p.i += int(n)
	if err := p.expect(`";`); err != nil {
		return "", err
	}
	return v, nil
}

func (p *phpParser) array() (map[int]string, error) {
	if err := p.expect("a:"); err != nil {
		return nil, err
	}
	n, err := p.int(':', false)
	if err != nil {
		return nil, err
	}
	if err := p.expect("{"); err != nil {
		return nil, err
	}
	if n > int64(len(p.b)) {
		return nil, p.errf("element count %d larger than the input", n)
	}
	m := make(map[int]string, n)
	for range n {
		var key int64
		switch {
		case bytes.HasPrefix(p.b[p.i:], []byte("i:")):
			p.i += 2
			if key, err = p.int(';', true); err != nil {
				return nil, err
			}
		case bytes.HasPrefix(p.b[p.i:], []byte("s:")):
			p.i += 2
			at := p.i
			ks, err := p.str()
			if err != nil {
				return nil, err
			}
			if key, err = strconv.ParseInt(ks, 10, 64); err != nil || strconv.FormatInt(key, 10) != ks {
				p.i = at
				return nil, p.errf("key %q is not a field id", ks)
			}
		default:
			return nil, p.errf("want an i: or s: key")
		}
		if key != int64(int(key)) {
			return nil, p.errf("key %d out of range", key)
		}
		if _, dup := m[int(key)]; dup {
			return nil, p.errf("duplicate key %d", key)
		}
		var val string
		switch {
		case bytes.HasPrefix(p.b[p.i:], []byte("s:")):
			p.i += 2
			if val, err = p.str(); err != nil {
				return nil, err
			}
		case bytes.HasPrefix(p.b[p.i:], []byte("i:")):
			p.i += 2
			iv, err := p.int(';', true)
			if err != nil {
				return nil, err
			}
			val = strconv.FormatInt(iv, 10)
		default:
			return nil, p.errf("want an s: or i: value")
		}
		m[int(key)] = val
	}
	if err := p.expect("}"); err != nil {
		return nil, err
	}
	return m, nil
}
