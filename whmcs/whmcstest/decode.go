package whmcstest

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// attachmentIn is one decoded attachment of a request.
type attachmentIn struct {
	Name string
	Data []byte
}

// decodeAttachments decodes the attachments field: base64(JSON
// [{"name","data": base64}]). PHP's base64_decode is lenient about
// padding, so both padded and unpadded input are accepted.
func decodeAttachments(s string) ([]attachmentIn, error) {
	raw, err := b64(s)
	if err != nil {
		return nil, fmt.Errorf("attachments: %w", err)
	}
	var items []struct {
		Name     string `json:"name"`
		Filename string `json:"filename"`
		Data     string `json:"data"`
	}
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("attachments: %w", err)
	}
	out := make([]attachmentIn, 0, len(items))
	for i, it := range items {
		name := it.Name
		if name == "" {
			name = it.Filename
		}
		if name == "" {
			return nil, fmt.Errorf("attachments: item %d has no name", i)
		}
		data, err := b64(it.Data)
		if err != nil {
			return nil, fmt.Errorf("attachments: item %d data: %w", i, err)
		}
		out = append(out, attachmentIn{Name: name, Data: data})
	}
	return out, nil
}

func b64(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
}

// decodeCustomFields decodes the customfields field: base64(PHP serialize
// of an array of field id => string value). Values that PHP would store
// as integers (i:) are accepted too.
func decodeCustomFields(s string) (map[int]string, error) {
	raw, err := b64(s)
	if err != nil {
		return nil, fmt.Errorf("customfields: %w", err)
	}
	p := &phpParser{s: string(raw)}
	m, err := p.array()
	if err == nil && p.i != len(p.s) {
		err = errors.New("trailing bytes")
	}
	if err != nil {
		return nil, fmt.Errorf("customfields: malformed PHP serialize at byte %d: %w", p.i, err)
	}
	return m, nil
}

type phpParser struct {
	s string
	i int
}

func (p *phpParser) expect(lit string) error {
	if !strings.HasPrefix(p.s[p.i:], lit) {
		return fmt.Errorf("want %q", lit)
	}
	p.i += len(lit)
	return nil
}

func (p *phpParser) until(end byte) (string, error) {
	j := strings.IndexByte(p.s[p.i:], end)
	if j < 0 {
		return "", fmt.Errorf("want %q", end)
	}
	v := p.s[p.i : p.i+j]
	p.i += j + 1
	return v, nil
}

func (p *phpParser) array() (map[int]string, error) {
	if err := p.expect("a:"); err != nil {
		return nil, err
	}
	ns, err := p.until(':')
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(ns)
	if err != nil || n < 0 {
		return nil, errors.New("bad array length")
	}
	if err := p.expect("{"); err != nil {
		return nil, err
	}
	m := make(map[int]string, n)
	for range n {
		k, err := p.scalar()
		if err != nil {
			return nil, err
		}
		id, err := strconv.Atoi(k)
		if err != nil {
			return nil, fmt.Errorf("key %q is not a field id", k)
		}
		v, err := p.scalar()
		if err != nil {
			return nil, err
		}
		m[id] = v
	}
	return m, p.expect("}")
}

// scalar reads i:<n>; or s:<len>:"<bytes>";
func (p *phpParser) scalar() (string, error) {
	switch {
	case strings.HasPrefix(p.s[p.i:], "i:"):
		p.i += 2
		v, err := p.until(';')
		if err != nil {
			return "", err
		}
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			return "", errors.New("bad integer")
		}
		return v, nil
	case strings.HasPrefix(p.s[p.i:], "s:"):
		p.i += 2
		ls, err := p.until(':')
		if err != nil {
			return "", err
		}
		n, err := strconv.Atoi(ls)
		if err != nil || n < 0 {
			return "", errors.New("bad string length")
		}
		if err := p.expect(`"`); err != nil {
			return "", err
		}
		if p.i+n > len(p.s) {
			return "", errors.New("string length past the end")
		}
		v := p.s[p.i : p.i+n]
		p.i += n
		return v, p.expect(`";`)
	}
	return "", errors.New("want i: or s:")
}
