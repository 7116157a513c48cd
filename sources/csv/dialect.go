package csv

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// dialect is how the files are written: the field delimiter and the
// character encoding (nil: UTF-8, read in place).
type dialect struct {
	comma rune
	enc   encoding.Encoding
	name  string // the encoding's name, for messages
	// tmpDir is where transcode writes its copy (sources.Env.TempDir).
	tmpDir string
}

// parseDialect reads source.delimiter and source.encoding.
func parseDialect(opts Options) (dialect, error) {
	d := dialect{comma: ',', name: "utf-8"}
	switch v := opts.Delimiter; strings.ToLower(v) {
	case "", ",":
	case ";":
		d.comma = ';'
	case "\t", "tab", `\t`:
		d.comma = '\t'
	case "|":
		d.comma = '|'
	default:
		return d, fmt.Errorf("source.delimiter %q: want \",\" (the default), \";\", \"|\" or \"tab\"", v)
	}
	switch v := strings.ToLower(strings.TrimSpace(opts.Encoding)); v {
	case "", "utf-8", "utf8":
	case "windows-1252", "cp1252":
		d.enc, d.name = charmap.Windows1252, "windows-1252"
	case "iso-8859-1", "latin1", "latin-1":
		d.enc, d.name = charmap.ISO8859_1, "iso-8859-1"
	case "utf-16", "utf16":
		// The byte order mark says which; a file without one is refused.
		d.enc, d.name = unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), "utf-16"
	default:
		return d, fmt.Errorf("source.encoding %q: want utf-8 (the default), windows-1252, iso-8859-1 or utf-16 (with a byte order mark)", opts.Encoding)
	}
	return d, nil
}

// transcode writes a UTF-8 copy of the file at path into a new temporary
// file (in d.tmpDir, the command's scratch directory) and returns it, open, positioned anywhere. Line structure is kept,
// so the copy's line numbers are the original's. The caller removes it.
func (d dialect) transcode(path string) (*os.File, error) {
	in, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	// Read only: the read's errors are checked below.
	defer func() { _ = in.Close() }()
	out, err := os.CreateTemp(d.tmpDir, "whmcs-migrate-"+filepath.Base(path)+"-*.utf8") // 0600
	if err != nil {
		return nil, fmt.Errorf("transcode %s: %w", filepath.Base(path), err)
	}
	w := bufio.NewWriterSize(out, 64<<10)
	_, err = io.Copy(w, d.enc.NewDecoder().Reader(bufio.NewReaderSize(in, 64<<10)))
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		_ = out.Close() // the read's error is the one to report; the copy is thrown away
		_ = os.Remove(out.Name())
		return nil, fmt.Errorf("read %s as %s: %w", filepath.Base(path), d.name, err)
	}
	return out, nil
}

// encodingHint is what an invalid UTF-8 message suggests.
func (d dialect) encodingHint() string {
	if d.enc != nil {
		return "check source.encoding"
	}
	return "save the file as UTF-8, or set source.encoding (windows-1252, iso-8859-1, utf-16)"
}

// delimiterHint returns a suggestion when a header read as one column looks
// separated by another delimiter, else "".
func (d dialect) delimiterHint(rec []string) string {
	if len(rec) != 1 {
		return ""
	}
	for _, c := range []struct {
		r    rune
		name string
	}{{';', `";"`}, {'\t', `tab`}, {'|', `"|"`}, {',', `","`}} {
		if c.r != d.comma && strings.ContainsRune(rec[0], c.r) {
			return fmt.Sprintf("the header reads as one single column %q: the file looks separated by %s, set source.delimiter: %s",
				shorten(rec[0]), c.name, c.name)
		}
	}
	return ""
}

func shorten(s string) string {
	if len(s) <= 60 {
		return s
	}
	i := 60
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}
