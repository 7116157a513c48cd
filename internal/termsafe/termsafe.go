package termsafe

import (
	"io"
	"strconv"
	"sync"
	"unicode/utf8"
)

// Writer writes to its underlying writer with every control character
// except newline and tab made visible (see the package documentation). It
// is safe for concurrent use; a multi-byte character split across two
// writes is held until the next write or Flush.
type Writer struct {
	mu      sync.Mutex
	w       io.Writer
	pending []byte // the start of a UTF-8 sequence the last write ended in
	buf     []byte
}

// NewWriter returns a Writer writing to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Unwrap returns the underlying writer, for a caller that draws on the
// terminal itself (a progress bar) and so needs it raw.
func (t *Writer) Unwrap() io.Writer { return t.w }

// Write escapes p's control characters and writes it. It reports len(p)
// when the underlying write succeeds.
func (t *Writer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	in := p
	if len(t.pending) > 0 {
		in = append(t.pending, p...)
		t.pending = nil
	}
	// Hold an incomplete UTF-8 sequence at the end for the next write.
	if cut := incompleteTail(in); cut < len(in) {
		t.pending = append([]byte(nil), in[cut:]...)
		in = in[:cut]
	}
	t.buf = AppendEscaped(t.buf[:0], in)
	if _, err := t.w.Write(t.buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes a held incomplete sequence (escaped byte by byte).
func (t *Writer) Flush() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.pending) == 0 {
		return nil
	}
	out := AppendEscaped(nil, t.pending)
	t.pending = nil
	_, err := t.w.Write(out)
	return err
}

// incompleteTail returns where a trailing, possibly incomplete, UTF-8
// sequence of b starts (len(b) when b ends whole).
func incompleteTail(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-3; i-- {
		c := b[i]
		if c < 0x80 {
			return len(b) // ASCII: whole
		}
		if c >= 0xC0 { // a start byte: is its sequence complete?
			if !utf8.FullRune(b[i:]) {
				return i
			}
			return len(b)
		}
	}
	return len(b)
}

// String returns s with its control characters made visible, as Writer
// writes it.
func String(s string) string {
	if !Needs(s) {
		return s
	}
	return string(AppendEscaped(nil, []byte(s)))
}

// Needs reports whether s holds anything String would change.
func Needs(s string) bool {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if unsafe(r, n) {
			return true
		}
		i += n
	}
	return false
}

// unsafe reports whether a decoded rune (r, of n bytes; RuneError of 1
// byte is an invalid byte) must be escaped.
func unsafe(r rune, n int) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case r < 0x20 || r == 0x7f: // C0 controls (ESC, CR, BEL...), DEL
		return true
	case r >= 0x80 && r <= 0x9f: // C1 controls (CSI U+009B, OSC U+009D...)
		return true
	case r == utf8.RuneError && n == 1: // an invalid byte: 0x9b is CSI on 8-bit terminals
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // bidi overrides: reorder what is shown
		return true
	}
	return false
}

// AppendEscaped appends b to dst with its control characters escaped: C0
// as Go does (\a \b \f \r \v, else \xNN), DEL, C1 and bidirectional
// overrides as \uNNNN, and invalid bytes as \xNN.
func AppendEscaped(dst, b []byte) []byte {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if !unsafe(r, n) {
			dst = append(dst, b[i:i+n]...)
			i += n
			continue
		}
		switch {
		case r == utf8.RuneError && n == 1:
			dst = append(dst, `\x`...)
			dst = appendHex(dst, uint64(b[i]), 2)
		case r < 0x20:
			// strconv's escapes for the C0 controls (\a, \r, \x1b).
			q := strconv.QuoteRune(r)
			dst = append(dst, q[1:len(q)-1]...)
		default:
			dst = append(dst, `\u`...)
			dst = appendHex(dst, uint64(r), 4)
		}
		i += n
	}
	return dst
}

func appendHex(dst []byte, v uint64, digits int) []byte {
	const hex = "0123456789abcdef"
	for s := (digits - 1) * 4; s >= 0; s -= 4 {
		dst = append(dst, hex[v>>uint(s)&0xf])
	}
	return dst
}

// Raw reports whether b holds a control character a terminal would act on
// (anything Writer escapes): for tests that check what reached a terminal.
func Raw(b []byte) bool {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if unsafe(r, n) {
			return true
		}
		i += n
	}
	return false
}
