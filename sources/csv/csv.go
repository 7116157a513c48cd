package csv

import (
	"bufio"
	"bytes"
	"context"
	stdcsv "encoding/csv"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// File names inside the source directory.
const (
	TicketsFile  = "tickets.csv"
	MessagesFile = "messages.csv"
)

// Options configure a CSV source (the config's source block).
type Options struct {
	// Path is the directory holding tickets.csv and messages.csv, relative
	// to the config file's directory unless absolute.
	Path string `yaml:"path"`
	// Columns renames columns: our column name -> the header the user's
	// files use ({subject: "Title", created: "Date Created"}). One map for
	// both files; header names are matched case-insensitively.
	Columns map[string]string `yaml:"columns"`
	// Delimiter separates fields: "," (the default), ";", "|" or "tab".
	Delimiter string `yaml:"delimiter"`
	// Encoding is the files' character encoding: utf-8 (the default),
	// windows-1252, iso-8859-1 or utf-16 (with a byte order mark).
	Encoding string `yaml:"encoding"`
	// MemoryIndexMessages is how many messages.csv records a read indexes
	// in memory; past it, the index moves to a temporary SQLite file, so
	// that memory stays flat in the export's size. Default
	// DefaultMemoryIndexMessages; 0 or less takes the default.
	MemoryIndexMessages int `yaml:"memory_index_messages"`
	// DateFormat is a strftime layout ("%d/%m/%Y %H:%M:%S",
	// "%m/%d/%Y %I:%M %p", "%b %d, %Y %H:%M") that every date column is
	// read with, besides the default forms (RFC 3339, YYYY-MM-DD
	// HH:MM[:SS], Unix seconds). Empty: the default forms only, and a
	// day-first or month-first date is a bad_date naming this option.
	DateFormat string `yaml:"date_format"`
}

// Source reads a directory holding tickets.csv and messages.csv.
type Source struct {
	dir     string // as given, absolute or relative to the working directory
	loc     *time.Location
	dates   sources.DateFormat // Options.DateFormat
	noZone  bool               // no source.timezone: dates must carry an offset
	log     *slog.Logger
	dialect dialect

	tickets, messages *csvFile
	unknown           []sources.Problem // unknown_column warnings, one per file
	closed            bool
	memIndex          int    // Options.MemoryIndexMessages
	tmpDir            string // sources.Env.TempDir: for the index on disk
}

var (
	_ sources.Source  = (*Source)(nil)
	_ sources.Counter = (*Source)(nil)
)

// Factory returns the registry entry of the CSV source.
func Factory() sources.Factory {
	return sources.Factory{
		Name:       "csv",
		Help:       "a directory holding tickets.csv and messages.csv (see the README's CSV format)",
		NewOptions: func() any { return &Options{} },
		Open: func(ctx context.Context, opts any, env sources.Env) (sources.Source, error) {
			o, ok := opts.(*Options)
			if !ok {
				return nil, fmt.Errorf("csv: options are %T, want *csv.Options", opts)
			}
			return Open(*o, env)
		},
	}
}

// csvFile is one open CSV file and its header.
type csvFile struct {
	name  string // "tickets.csv"
	f     *os.File
	size  int64
	bom   int64 // 3 when the file starts with a UTF-8 byte order mark
	hdr   *header
	comma rune   // the field delimiter
	tmp   string // a UTF-8 copy being read instead of the file, removed by close
}

// close closes the file and removes its UTF-8 copy, if any.
func (c *csvFile) close() error {
	err := c.f.Close()
	if c.tmp != "" {
		if rerr := os.Remove(c.tmp); rerr != nil && err == nil {
			err = rerr
		}
	}
	return err
}

// newReader returns the csv.Reader every read uses: strict quotes, any
// number of fields per record (checked against the header by the caller).
func newReader(r io.Reader, comma rune) *stdcsv.Reader {
	cr := stdcsv.NewReader(r)
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	return cr
}

// reader returns a csv.Reader positioned after the header, and the header.
func (c *csvFile) reader() (*stdcsv.Reader, []string, error) {
	cr := newReader(bufio.NewReaderSize(io.NewSectionReader(c.f, c.bom, c.size-c.bom), 64<<10), c.comma)
	rec, err := cr.Read()
	if err != nil {
		if err == io.EOF {
			return nil, nil, fmt.Errorf("%s: empty file (want a header line)", c.name)
		}
		return nil, nil, fmt.Errorf("%s: read header: %w", c.name, err)
	}
	return cr, rec, nil
}

// Open opens the CSV source in opts.Path, resolved against env.Dir. It reads
// both headers and fails when a required column is missing or the columns
// map names a column neither file has.
func Open(opts Options, env sources.Env) (*Source, error) {
	if strings.TrimSpace(opts.Path) == "" {
		return nil, errors.New("csv: source.path is empty (want the directory holding tickets.csv and messages.csv)")
	}
	dir := opts.Path
	if !filepath.IsAbs(dir) && env.Dir != "" {
		dir = filepath.Join(env.Dir, dir)
	}
	if err := validateColumns(opts.Columns); err != nil {
		return nil, configError{fmt.Errorf("csv: %w", err)}
	}
	d, err := parseDialect(opts)
	if err != nil {
		return nil, configError{fmt.Errorf("csv: %w", err)}
	}
	dates, err := sources.ParseDateFormat(opts.DateFormat)
	if err != nil {
		return nil, configError{fmt.Errorf("csv: source.date_format: %w", err)}
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("csv: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("csv: %s is not a directory (want the directory holding tickets.csv and messages.csv)", dir)
	}
	d.tmpDir = env.TempDir
	s := &Source{dir: dir, loc: env.Location, dates: dates, log: env.Logger, dialect: d, memIndex: opts.MemoryIndexMessages,
		tmpDir: env.TempDir}
	if s.memIndex <= 0 {
		s.memIndex = DefaultMemoryIndexMessages
	}
	// Without source.timezone, a date without an offset is an error of
	// its ticket (bad_date), never read as UTC: see pass.time.
	s.noZone = s.loc == nil
	if s.loc == nil {
		s.loc = time.UTC
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.tickets, err = openFile(dir, TicketsFile, d, ticketColumns, requiredTicketColumns, opts.Columns); err != nil {
		return nil, err
	}
	if s.messages, err = openFile(dir, MessagesFile, d, messageColumns, requiredMessageColumns, opts.Columns); err != nil {
		_ = s.tickets.close() // the open's error is the one to report
		return nil, err
	}
	if err := s.tickets.hdr.useFields(env.Fields); err != nil {
		_ = s.Close()
		return nil, configError{fmt.Errorf("csv: %w", err)}
	}
	if err := s.checkHeaders(opts.Columns); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

func openFile(dir, name string, d dialect, ours, required []string, cols map[string]string) (*csvFile, error) {
	var f *os.File
	var err error
	if d.enc != nil {
		f, err = d.transcode(filepath.Join(dir, name))
	} else {
		f, err = os.Open(filepath.Join(dir, name))
	}
	if err != nil {
		return nil, fmt.Errorf("csv: %w", err)
	}
	c := &csvFile{name: name, f: f, comma: d.comma}
	if d.enc != nil {
		c.tmp = f.Name()
	}
	st, err := f.Stat()
	if err != nil {
		_ = c.close()
		return nil, fmt.Errorf("csv: %w", err)
	}
	c.size = st.Size()
	var head [3]byte
	if n, _ := f.ReadAt(head[:], 0); n == 3 && bytes.Equal(head[:], []byte("\xEF\xBB\xBF")) {
		c.bom = 3
	}
	_, rec, err := c.reader()
	if err != nil {
		_ = c.close()
		return nil, fmt.Errorf("csv: %w", err)
	}
	if bad := invalidUTF8(rec); bad >= 0 {
		_ = c.close()
		return nil, configError{fmt.Errorf("csv: %s:1: invalid UTF-8 in the header (field %d); %s", name, bad+1, d.encodingHint())}
	}
	if c.hdr, err = parseHeader(name, rec, ours, required, cols); err != nil {
		_ = c.close()
		if hint := d.delimiterHint(rec); hint != "" {
			return nil, configError{fmt.Errorf("csv: %s:1: %s", name, hint)}
		}
		return nil, configError{fmt.Errorf("csv: %w", err)}
	}
	return c, nil
}

// checkHeaders checks what needs both headers: every rename names a column
// one of the files has, and the requester can be known. It logs the unknown
// columns once.
func (s *Source) checkHeaders(cols map[string]string) error {
	var errs []error
	for k, v := range cols {
		name := strings.ToLower(strings.TrimSpace(k))
		if !s.tickets.hdr.has(name) && !s.messages.hdr.has(name) {
			errs = append(errs, fmt.Errorf("csv: columns: %s is renamed %q, but neither %s nor %s has that column",
				k, v, TicketsFile, MessagesFile))
		}
	}
	if !s.tickets.hdr.has("email") && !s.tickets.hdr.has("client_id") {
		errs = append(errs, fmt.Errorf("csv: %s:1: no email or client_id column: the requester cannot be known", TicketsFile))
	}
	if err := errors.Join(errs...); err != nil {
		return configError{err}
	}
	var parts []string
	for _, c := range []*csvFile{s.tickets, s.messages} {
		if len(c.hdr.unknown) == 0 {
			continue
		}
		list := boundedList(c.hdr.unknown, maxListed)
		parts = append(parts, c.name+": "+list)
		s.unknown = append(s.unknown, sources.Problem{
			Severity: sources.Warning, Code: sources.CodeUnknownColumn, Origin: c.name + ":1", Field: list,
			Message: fmt.Sprintf("%s: columns ignored: %s", c.name, list),
		})
	}
	if len(parts) > 0 {
		s.log.Warn("csv: unknown columns ignored", "columns", strings.Join(parts, "; "), "dir", s.dir)
	}
	return nil
}

// Close closes the files. It is safe to call twice.
func (s *Source) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	var errs []error
	for _, c := range []*csvFile{s.tickets, s.messages} {
		if c != nil {
			errs = append(errs, c.close())
		}
	}
	return errors.Join(errs...)
}

// Count returns the number of tickets tickets.csv yields: its records
// (malformed ones included), the copies of a duplicate id counting once.
// It reads the file once.
func (s *Source) Count(ctx context.Context) (int, error) {
	if s.closed {
		return 0, errors.New("csv: source is closed")
	}
	n := 0
	seen := map[string]bool{}
	err := s.eachID(ctx, func(id string, _ int) {
		if id == "" || !seen[id] {
			n++
		}
		if id != "" && !seen[id] {
			seen[strings.Clone(id)] = true
		}
	})
	return n, err
}

// Tickets streams the tickets in tickets.csv order, each with its messages
// in messages.csv order. Messages naming a ticket tickets.csv does not have,
// and malformed rows whose ticket cannot be known, follow as tickets of
// their own carrying an error problem. See sources.Source.
func (s *Source) Tickets(ctx context.Context, opts sources.ReadOptions) iter.Seq2[*sources.Ticket, error] {
	return func(yield func(*sources.Ticket, error) bool) {
		if s.closed {
			yield(nil, errors.New("csv: source is closed"))
			return
		}
		if err := ctx.Err(); err != nil {
			yield(nil, err)
			return
		}
		r := &pass{s: s, opts: opts, msgs: &msgReader{c: s.messages}}
		if err := r.run(ctx, yield); err != nil {
			yield(nil, err)
		}
	}
}

// configError is an Open error the config fixes (an option, the files'
// header): it matches sources.ErrConfig, so that the command exits 2.
type configError struct{ err error }

func (e configError) Error() string        { return e.err.Error() }
func (e configError) Unwrap() error        { return e.err }
func (e configError) Is(target error) bool { return target == sources.ErrConfig }
