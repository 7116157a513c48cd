package mysql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"html"
	"io"
	"io/fs"
	"iter"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// Source reads one helpdesk database. It implements sources.Source and
// sources.Counter. It is not safe for concurrent use, except that the
// Attachment.Open functions it returns may be called from any goroutine
// until Close.
type Source struct {
	db      *sqlx.DB
	opts    Options
	p       preset
	loc     *time.Location
	zoneSet bool // source.timezone was given (loc is not a default)
	log     *slog.Logger
	attDir  string
	wallDST bool   // timeField reports DST gaps and overlaps (FreeScout)
	where   string // "tcp(host:3306)/db", for errors
	dbName  string // for GRANT hints
	// fields are the custom fields the mapping reads (Env.Fields), lower
	// case; a preset yields their values in Ticket.Fields.
	fields   map[string]bool
	base     context.Context
	cancel   context.CancelFunc
	closeMu  sync.Mutex
	closed   bool
	closeErr error
}

var (
	_ sources.Source  = (*Source)(nil)
	_ sources.Counter = (*Source)(nil)
	_ sources.Omitter = (*Source)(nil)
)

// preset is one helpdesk's schema.
type preset interface {
	// init detects the schema version and loads small lookup tables.
	init(ctx context.Context) error
	// page returns up to n ticket headers whose key is after the given one
	// (nil = from the start), in key order, with the header fields filled.
	page(ctx context.Context, after any, n int) ([]header, error)
	// thread reads h's entries into h.t.Entries, adding problems to h.t.
	thread(ctx context.Context, h header) error
	count(ctx context.Context) (int, error)
}

// omitter is a preset that leaves rows out by design and counts them.
type omitter interface {
	omitted(ctx context.Context) ([]sources.Omission, error)
}

// Omitted counts the rows the preset leaves out by design, by kind (none
// for the presets that leave nothing out this way).
func (s *Source) Omitted(ctx context.Context) ([]sources.Omission, error) {
	om, ok := s.p.(omitter)
	if !ok {
		return nil, nil
	}
	out, err := om.omitted(ctx)
	if err != nil {
		return nil, s.wrap(ctx, "count the rows left out", err)
	}
	return out, nil
}

// omission returns one kind of left-out rows, or nothing when n is 0.
func omission(out []sources.Omission, n int, code sources.Code, origin, format string) []sources.Omission {
	if n == 0 {
		return out
	}
	return append(out, sources.Omission{Count: n, Problem: sources.Problem{Severity: sources.Info, Code: code, Origin: origin,
		Message: fmt.Sprintf(format, n)}})
}

// batchPreset is a preset that reads the threads of several tickets of a
// page at once (one query per page instead of one per ticket), adding
// each ticket's entries to its h.t.Entries in thread order.
type batchPreset interface {
	threads(ctx context.Context, hs []header) error
}

// header is one ticket of a page: its keyset key and its header fields.
type header struct {
	key any
	t   *sources.Ticket
	aux any // preset data carried to thread
}

// Open connects to the database in opts.DSN and checks the preset's tables.
// The session is read-only (SET SESSION TRANSACTION READ ONLY on every
// connection) and uses utf8mb4.
func Open(ctx context.Context, opts Options, env sources.Env) (*Source, error) {
	if err := opts.fill(); err != nil {
		return nil, configError{err}
	}
	cfg, err := parseDSN(opts.DSN)
	if err != nil {
		return nil, fmt.Errorf("mysql source: %s", redactDSN(opts.DSN, err.Error()))
	}
	if err := cfg.Apply(gomysql.Charset("utf8mb4", "")); err != nil {
		return nil, err
	}
	cfg.ParseTime = false // DATETIMEs are read as text and placed in the source's zone
	cfg.MultiStatements = false
	// One round trip per query instead of prepare/execute/close; safe with
	// utf8mb4 (the driver refuses it for unsafe collations).
	cfg.InterpolateParams = true
	cfg.AllowAllFiles = false
	if cfg.Timeout == 0 {
		cfg.Timeout = 15 * time.Second
	}
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	if opts.Preset == PresetHESK {
		// HESK's columns are TIMESTAMPs: read them in UTC.
		cfg.Params["time_zone"] = "'+00:00'"
	}
	if env.Location == nil && (opts.Preset == PresetWHMCS || opts.Preset == PresetCustom) {
		// No silent default: a wrong zone shifts every date by hours.
		return nil, configError{errors.New(noZoneMessage[opts.Preset])}
	}
	if opts.Preset == PresetFreeScout {
		// FreeScout's TIMESTAMPs read back, in the server's default session
		// zone, as the APP_TIMEZONE wall clock it wrote: another session
		// zone would shift them. That zone is in its .env, not the database.
		if env.Location == nil {
			return nil, configError{errors.New("mysql source: preset freescout needs source.timezone: FreeScout stores times as the wall clock of its " +
				"APP_TIMEZONE, which is not in the database; copy APP_TIMEZONE from the .env file in FreeScout's root " +
				"(set by Manage > Settings > Timezone), e.g. timezone: Europe/Berlin")}
		}
		delete(cfg.Params, "time_zone")
	}
	where := fmt.Sprintf("%s(%s)/%s", cfg.Net, cfg.Addr, cfg.DBName)
	connector, err := gomysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("mysql source %s: %s", where, redactDSN(opts.DSN, err.Error()))
	}
	sqldb := sql.OpenDB(readOnlyConnector{connector})
	sqldb.SetMaxOpenConns(4)
	sqldb.SetMaxIdleConns(4)
	sqldb.SetConnMaxLifetime(30 * time.Minute)
	s := &Source{
		db:      sqlx.NewDb(sqldb, "mysql"),
		opts:    opts,
		loc:     env.Location,
		zoneSet: env.Location != nil,
		log:     env.Logger,
		where:   where,
		dbName:  cfg.DBName,
	}
	for _, f := range env.Fields {
		if s.fields == nil {
			s.fields = map[string]bool{}
		}
		s.fields[strings.ToLower(strings.TrimSpace(f))] = true
	}
	if s.loc == nil {
		s.loc = time.UTC
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if opts.AttachmentsDir != "" {
		s.attDir = opts.AttachmentsDir
		if !filepath.IsAbs(s.attDir) && env.Dir != "" {
			s.attDir = filepath.Join(env.Dir, s.attDir)
		}
	}
	s.base, s.cancel = context.WithCancel(context.Background())
	if err := sqldb.PingContext(ctx); err != nil {
		_ = s.Close() // the ping's error is the one to report
		return nil, s.connErr(ctx, err)
	}
	switch opts.Preset {
	case PresetOsTicket:
		s.p = &osticket{s: s, pf: opts.TablePrefix}
	case PresetWHMCS:
		s.p = &whmcs{s: s, pf: opts.TablePrefix}
	case PresetHESK:
		s.p = &hesk{s: s, pf: opts.TablePrefix}
	case PresetFreeScout:
		s.p = &freescout{s: s, pf: opts.TablePrefix}
	case PresetBlesta:
		s.p = &blesta{s: s, company: opts.CompanyID}
	case PresetClientExec:
		s.p = &clientexec{s: s}
	case PresetCustom:
		s.p = &custom{s: s}
	case PresetKayako:
		s.p = &kayako{s: s, pf: opts.TablePrefix}
	}
	if err := s.p.init(ctx); err != nil {
		_ = s.Close() // the init's error is the one to report
		return nil, s.wrap(ctx, fmt.Sprintf("open %s database", opts.Preset), err)
	}
	return s, nil
}

// noZoneMessage says, for each preset whose DATETIMEs are a wall clock
// the database does not name, why source.timezone is needed and where to
// find it.
var noZoneMessage = map[string]string{
	PresetWHMCS: "mysql source: preset whmcs needs source.timezone: the old WHMCS stores its DATETIMEs as the wall clock of its PHP " +
		"date.timezone, which is not in the database; read it in the old install's admin area (Utilities > System > PHP Info, " +
		"the date.timezone row) or its php.ini, e.g. timezone: America/Chicago (timezone: UTC when it is UTC)",
	PresetCustom: "mysql source: preset custom needs source.timezone: the zone your SQL's DATETIME values are wall clock in " +
		"(the helpdesk's or the MySQL server's zone; timezone: UTC when they are UTC or TIMESTAMPs read in UTC)",
	PresetOsTicket: "mysql source: preset osticket needs source.timezone here: this osTicket records no usable db_timezone " +
		"(ost_config), so its DATETIMEs are in a zone the database does not name; use the MySQL server's time zone " +
		"(SELECT @@global.time_zone, @@system_time_zone), e.g. timezone: Europe/London",
}

// readOnlyConnector makes every new connection's session read-only, so
// that nothing this source runs can write to the helpdesk's database.
type readOnlyConnector struct{ driver.Connector }

func (c readOnlyConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	ex, ok := conn.(driver.ExecerContext)
	if !ok {
		return nil, errors.Join(errors.New("mysql driver connection cannot execute statements"), conn.Close())
	}
	if _, err := ex.ExecContext(ctx, "SET SESSION TRANSACTION READ ONLY", nil); err != nil {
		return nil, errors.Join(fmt.Errorf("make session read-only: %w", err), conn.Close())
	}
	return conn, nil
}

// configError is an error in the source's options: it matches
// sources.ErrConfig.
type configError struct{ err error }

func (e configError) Error() string        { return e.err.Error() }
func (e configError) Unwrap() error        { return e.err }
func (e configError) Is(target error) bool { return target == sources.ErrConfig }

// redactedError keeps the cause for errors.Is/As but renders without the
// DSN password.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func (s *Source) connErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return &redactedError{
		msg: redactDSN(s.opts.DSN, fmt.Sprintf("mysql source: connect to %s: %v", s.where, err)),
		err: err,
	}
}

// wrap names what was being done and where, and redacts the password.
func (s *Source) wrap(ctx context.Context, doing string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	msg := fmt.Sprintf("mysql source %s: %s: %v", s.where, doing, err)
	if hint := s.grantHint(err); hint != "" {
		msg += "; " + hint
	}
	return &redactedError{msg: redactDSN(s.opts.DSN, msg), err: err}
}

// Tickets streams the tickets in key order, one keyset page at a time,
// reading each ticket's thread only when opts.WantThread wants it.
func (s *Source) Tickets(ctx context.Context, ro sources.ReadOptions) iter.Seq2[*sources.Ticket, error] {
	return func(yield func(*sources.Ticket, error) bool) {
		var after any
		for {
			if err := ctx.Err(); err != nil {
				yield(nil, err)
				return
			}
			hs, err := s.p.page(ctx, after, s.opts.PageSize)
			if err != nil {
				yield(nil, s.wrap(ctx, "read tickets", err))
				return
			}
			if len(hs) == 0 {
				return
			}
			last := hs[len(hs)-1].key
			// The tickets of a page whose threads are wanted have them
			// read together when the preset can; either way the caller
			// sees one ticket, with its whole thread, at a time.
			batch := 1
			bp, _ := s.p.(batchPreset)
			if bp != nil {
				batch = len(hs)
			}
			for start := 0; start < len(hs); start += batch {
				chunk := hs[start:min(start+batch, len(hs))]
				var want []header
				for _, h := range chunk {
					if err := ctx.Err(); err != nil {
						yield(nil, err)
						return
					}
					if !ro.WantThread(h.t) {
						h.t.ThreadSkipped = true
					} else {
						want = append(want, h)
					}
				}
				if len(want) > 0 {
					var err error
					if bp != nil {
						err = bp.threads(ctx, want)
					} else {
						err = s.p.thread(ctx, want[0])
					}
					if err != nil {
						what := "read thread of " + want[0].t.Origin
						if len(want) > 1 {
							what = fmt.Sprintf("read threads of %d tickets from %s", len(want), want[0].t.Origin)
						}
						yield(nil, s.wrap(ctx, what, err))
						return
					}
					for _, h := range want {
						if h.t.Entries == nil {
							h.t.Entries = []sources.Entry{}
						}
					}
				}
				for i, h := range chunk {
					if err := ctx.Err(); err != nil {
						yield(nil, err)
						return
					}
					chunk[i] = header{} // yielded: the page no longer holds it
					if !yield(h.t, nil) {
						return
					}
				}
			}
			if len(hs) < s.opts.PageSize {
				return
			}
			after = last
		}
	}
}

// Count returns the number of tickets Tickets will yield.
func (s *Source) Count(ctx context.Context) (int, error) {
	n, err := s.p.count(ctx)
	if err != nil {
		return 0, s.wrap(ctx, "count tickets", err)
	}
	return n, nil
}

// Close closes the database. It is safe to call twice; attachments opened
// afterwards fail.
func (s *Source) Close() error {
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	if s.closed {
		return s.closeErr
	}
	s.closed = true
	if s.cancel != nil {
		s.cancel()
	}
	s.closeErr = s.db.Close()
	return s.closeErr
}

// Zone is the time zone DATETIME values are read in (osTicket's db_timezone
// when present, else the configured source zone).
func (s *Source) Zone() *time.Location { return s.loc }

// --- values ---

// dbTime reads a DATETIME/TIMESTAMP text value in the source's zone. NULL,
// "" and MySQL's zero date are "missing" (zero time, ok true). ok is false
// when the text cannot be parsed.
func dbTime(v sql.NullString, loc *time.Location) (time.Time, bool) {
	if !v.Valid {
		return time.Time{}, true
	}
	s := strings.TrimSpace(v.String)
	if s == "" || strings.HasPrefix(s, "0000-00-00") {
		return time.Time{}, true
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// timeField parses v and records a problem on t when it cannot be parsed,
// or when it is missing and required.
func (s *Source) timeField(t *sources.Ticket, v sql.NullString, entry, origin, field string, required bool) time.Time {
	tm, ok := dbTime(v, s.loc)
	switch {
	case !ok:
		t.AddProblem(sources.Problem{Severity: sources.Error, Code: sources.CodeBadDate, Entry: entry, Origin: origin, Field: field,
			Message: fmt.Sprintf("cannot read %q as a date and time", v.String)})
	case tm.IsZero() && required:
		t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeMissingField, Entry: entry, Origin: origin, Field: field,
			Message: "no date (NULL or 0000-00-00)"})
	case !tm.IsZero() && s.wallDST:
		// A wall clock in a zone with DST: the hour repeated when clocks
		// go back is ambiguous (the earlier instant, with a warning), the
		// hour skipped does not exist.
		wt, warning, err := sources.ParseTime(v.String, s.loc)
		switch {
		case errors.Is(err, sources.ErrDSTGap):
			t.AddProblem(sources.Problem{Severity: sources.Error, Code: sources.CodeDSTGap, Entry: entry, Origin: origin, Field: field,
				Message: err.Error()})
		case err == nil && warning != "":
			t.AddProblem(sources.Problem{Severity: sources.Warning, Code: sources.CodeDSTAmbiguous, Entry: entry, Origin: origin, Field: field,
				Message: warning})
			tm = wt
		}
	}
	return tm
}

func unixTime(sec float64) time.Time {
	return time.Unix(0, int64(sec*1e9)).UTC()
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// --- attachments ---

// fileAttachment returns an attachment read from rel under the attachments
// directory, resolved by sources.RootFile: the same root-confined open that
// reads it later, so that what validate accepts is what run can send. It
// records a problem and returns false when there is no directory, rel
// leads out of it (a stored path: a warning, the attachment dropped; a
// symbolic link on disk pointing out: an error), or the file is missing.
func (s *Source) fileAttachment(t *sources.Ticket, entry, origin, rel, name string) (sources.Attachment, bool) {
	prob := func(sev sources.Severity, code sources.Code, msg string) (sources.Attachment, bool) {
		t.AddProblem(sources.Problem{Severity: sev, Code: code, Entry: entry, Origin: origin, Field: "attachment",
			Message: msg})
		return sources.Attachment{}, false
	}
	if s.attDir == "" {
		return prob(sources.Warning, sources.CodeAttachmentMissing, fmt.Sprintf("attachment %q is stored on disk but attachments_dir is not set", name))
	}
	rel = filepath.FromSlash(rel)
	if !filepath.IsLocal(rel) {
		return prob(sources.Warning, sources.CodeAttachmentPath, fmt.Sprintf("attachment %q: path %q leaves attachments_dir; refused", name, rel))
	}
	a, err := sources.RootFile(s.attDir, rel, name)
	switch {
	case errors.Is(err, sources.ErrOutsideRoot):
		return prob(sources.Error, sources.CodeAttachmentPath,
			fmt.Sprintf("attachment %q: %s is a symbolic link leading out of attachments_dir; refused", name, rel))
	case errors.Is(err, fs.ErrNotExist):
		return prob(sources.Warning, sources.CodeAttachmentMissing, fmt.Sprintf("attachment %q: %s not found in attachments_dir", name, rel))
	case errors.Is(err, sources.ErrNotRegular):
		return prob(sources.Warning, sources.CodeAttachmentMissing, fmt.Sprintf("attachment %q: %s is not a regular file", name, rel))
	case err != nil:
		return prob(sources.Warning, sources.CodeAttachmentMissing, fmt.Sprintf("attachment %q: %v", name, err))
	}
	return a, true
}

// chunkReader streams a file stored in rows of (chunk id, bytes), one row
// per query, so neither the file nor a result set is held open.
type chunkReader struct {
	s     *Source
	query string // args: file id, previous chunk id
	file  int64
	prev  int64
	buf   []byte
	eof   bool
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.eof {
			return 0, io.EOF
		}
		var id int64
		var data []byte
		err := r.s.db.QueryRowContext(r.s.base, r.query, r.file, r.prev).Scan(&id, &data)
		if errors.Is(err, sql.ErrNoRows) {
			r.eof = true
			continue
		}
		if err != nil {
			return 0, r.s.wrap(r.s.base, fmt.Sprintf("read file %d chunk after %d", r.file, r.prev), err)
		}
		r.prev, r.buf = id, data
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

func (r *chunkReader) Close() error { r.eof, r.buf = true, nil; return nil }

func htmlUnescape(s string) string { return html.UnescapeString(s) }

// field returns the key under which a source custom field known by any of
// names (its name, its label) goes in Ticket.Fields: the first the
// mapping reads, lower case; ok is false when it reads none of them.
func (s *Source) field(names ...string) (key string, ok bool) {
	for _, n := range names {
		if k := strings.ToLower(strings.TrimSpace(n)); k != "" && s.fields[k] {
			return k, true
		}
	}
	return "", false
}

// checkFields fails when a custom field the mapping reads is none of the
// source's: known lists every field name and label the source has.
func (s *Source) checkFields(kind string, known []string) error {
	have := map[string]bool{}
	for _, k := range known {
		have[strings.ToLower(strings.TrimSpace(k))] = true
	}
	var missing []string
	for f := range s.fields {
		if !have[f] {
			missing = append(missing, f)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	slices.Sort(missing)
	return fmt.Errorf("mapping.custom_fields names %s, which is no %s of this database (by name or label)", strings.Join(missing, ", "), kind)
}

// setField puts a custom-field value on t under key, when not empty.
func setField(t *sources.Ticket, key, value string) {
	if value = strings.TrimSpace(value); value == "" {
		return
	}
	if t.Fields == nil {
		t.Fields = map[string]string{}
	}
	t.Fields[key] = value
}
