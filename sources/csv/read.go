package csv

import (
	"bufio"
	"bytes"
	"context"
	stdcsv "encoding/csv"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// errStopped ends a pass when the consumer stops iterating.
var errStopped = errors.New("stopped")

// ref locates one messages.csv record: 16 bytes a message.
type ref struct {
	off  int64  // byte offset of the record (or of blank lines before it)
	size uint32 // bytes up to the next record
	line int32  // line of the record's first line
}

// index is one pass's map of messages.csv: ticket id -> record offsets, in
// file order. It keeps offsets, never bodies.
type index struct {
	// disk, past the memory budget, holds what byTicket would (byTicket
	// is then empty, and tail only the records whose ticket cannot be
	// known), and the ticket ids tickets.csv claimed.
	disk     *diskIndex
	byTicket map[string][]ref
	// tail lists, in file order, the first record of every ticket id
	// (which tickets.csv may turn out not to have) and the records whose
	// ticket cannot be known (id == "").
	tail []tailItem
}

type tailItem struct {
	id      string
	ref     ref
	problem *sources.Problem // for id == "": why the ticket is unknown
}

// pass is one run of Tickets.
type pass struct {
	s     *Source
	opts  sources.ReadOptions
	msgs  *msgReader
	idx   *index
	first bool // the unknown_column warnings are attached
}

func (p *pass) run(ctx context.Context, yield func(*sources.Ticket, error) bool) error {
	var err error
	if p.idx, err = p.s.buildIndex(ctx); err != nil {
		return err
	}
	if p.idx.disk != nil {
		defer p.idx.disk.close()
	}
	emit := func(t *sources.Ticket) error {
		if !p.first {
			p.first = true
			for _, u := range p.s.unknown {
				t.AddProblem(u)
			}
		}
		if !yield(t, nil) {
			return errStopped
		}
		return ctx.Err()
	}

	dups, err := p.s.duplicates(ctx)
	if err != nil {
		return err
	}
	cr, _, err := p.s.tickets.reader()
	if err != nil {
		return err
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		off := p.s.tickets.bom + cr.InputOffset()
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		var pe *stdcsv.ParseError
		line := 0
		switch {
		case errors.As(err, &pe):
			line = pe.StartLine
		case err != nil:
			return fmt.Errorf("csv: read %s: %w", TicketsFile, err)
		default:
			line, _ = cr.FieldPos(0)
		}
		t, key := p.ticket(rec, off, line, pe)
		if key != "" && p.idx.disk != nil {
			// On disk, the ids tickets.csv holds are claimed as they come,
			// so that messages of no ticket can be found (unclaimed) at the
			// end; a duplicate's messages go with it, claimed too.
			if _, _, err := p.idx.disk.claim(ctx, key, t.Origin); err != nil {
				return err
			}
		}
		if lines, dup := dups[key]; dup && key != "" {
			// Which copy is right cannot be known: none is imported, and
			// the one ticket that stands for them all names every line.
			if lines == nil {
				continue // a later copy: already reported
			}
			dups[key] = nil
			delete(p.idx.byTicket, key) // its messages go with it
			t = &sources.Ticket{ID: key, Origin: t.Origin}
			t.AddProblem(sources.Problem{Severity: sources.Error, Code: sources.CodeDuplicateTicket, Origin: t.Origin, Field: "id",
				Message: fmt.Sprintf("ticket id %s is used by %d rows of %s (lines %s): which one is right cannot be known, so none is imported",
					key, len(lines), TicketsFile, joinLines(lines))})
			key = ""
		}
		if key != "" {
			if err := p.thread(ctx, t, key); err != nil {
				return err
			}
		}
		if err := emit(t); err != nil {
			if err == errStopped {
				return nil
			}
			return err
		}
	}
	emitTail := func(it tailItem, refs []ref) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		var t *sources.Ticket
		origin := fmt.Sprintf("%s:%d", MessagesFile, it.ref.line)
		if it.id == "" {
			t = &sources.Ticket{ID: origin, Origin: origin}
			t.AddProblem(*it.problem)
		} else {
			t = &sources.Ticket{ID: it.id, Origin: origin}
			if !utf8.ValidString(it.id) {
				t.ID = origin
			}
			lines := make([]string, 0, 3)
			for i, r := range refs {
				if i == 3 {
					lines = append(lines, "...")
					break
				}
				lines = append(lines, strconv.Itoa(int(r.line)))
			}
			t.AddProblem(sources.Problem{Severity: sources.Error, Code: sources.CodeUnknownTicket, Origin: origin, Field: "ticket_id",
				Message: fmt.Sprintf("%d message(s) (%s lines %s) name ticket %q, which %s does not have",
					len(refs), MessagesFile, strings.Join(lines, ", "), it.id, TicketsFile)})
		}
		return emit(t)
	}
	if p.idx.disk != nil {
		// The unclaimed ids from disk, merged in file order with the
		// records whose ticket cannot be known.
		rest := p.idx.tail
		err := p.idx.disk.leftovers(ctx, func(id string, refs []ref) error {
			for len(rest) > 0 && rest[0].ref.off < refs[0].off {
				if err := emitTail(rest[0], nil); err != nil {
					return err
				}
				rest = rest[1:]
			}
			return emitTail(tailItem{id: id, ref: refs[0]}, refs)
		})
		for err == nil && len(rest) > 0 {
			err = emitTail(rest[0], nil)
			rest = rest[1:]
		}
		if err == errStopped {
			return nil
		}
		return err
	}
	for _, it := range p.idx.tail {
		var refs []ref
		if it.id != "" {
			var ok bool
			if refs, ok = p.idx.byTicket[it.id]; !ok {
				continue // its ticket was read
			}
			delete(p.idx.byTicket, it.id)
		}
		if err := emitTail(it, refs); err != nil {
			if err == errStopped {
				return nil
			}
			return err
		}
	}
	return nil
}

// duplicates reads tickets.csv's ids and returns those used by more than
// one row, with the rows' lines. It keeps 8 bytes an id, a hash (a map of
// every id, about 70 bytes each, was most of a million-ticket export's
// peak), and reads the ids a second time only when two hash alike, to
// keep the lines of those ids alone.
func (s *Source) duplicates(ctx context.Context) (map[string][]int, error) {
	seed := maphash.MakeSeed()
	return duplicateIDs(func(f func(id string, line int)) error { return s.eachID(ctx, f) },
		func(id string) uint64 { return maphash.String(seed, id) })
}

// duplicateIDs is duplicates over the ids each passes to f (the same ids
// in the same order on every call), with hash.
func duplicateIDs(each func(f func(id string, line int)) error, hash func(string) uint64) (map[string][]int, error) {
	var hashes []uint64
	err := each(func(id string, _ int) {
		if id != "" {
			hashes = append(hashes, hash(id))
		}
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(hashes)
	twice := map[uint64]bool{}
	for i := 1; i < len(hashes); i++ {
		if hashes[i] == hashes[i-1] {
			twice[hashes[i]] = true
		}
	}
	dups := map[string][]int{}
	if len(twice) == 0 {
		return dups, nil
	}
	hashes = nil
	err = each(func(id string, line int) {
		if id == "" || !twice[hash(id)] {
			return
		}
		if lines, seen := dups[id]; seen {
			dups[id] = append(lines, line)
		} else {
			dups[strings.Clone(id)] = []int{line} // not the whole record's memory
		}
	})
	if err != nil {
		return nil, err
	}
	for id, lines := range dups {
		if len(lines) < 2 { // another id's hash
			delete(dups, id)
		}
	}
	return dups, nil
}

// eachID calls f with the id (as the stream keys it, "" when unknown) and
// the line of every tickets.csv record, in file order.
func (s *Source) eachID(ctx context.Context, f func(id string, line int)) error {
	c := s.tickets
	cr, _, err := c.reader()
	if err != nil {
		return err
	}
	col := c.hdr.idx["id"]
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		off := c.bom + cr.InputOffset()
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		var pe *stdcsv.ParseError
		switch {
		case errors.As(err, &pe):
			f(c.recoverField(pe, off, col), pe.StartLine)
		case err != nil:
			return fmt.Errorf("csv: read %s: %w", TicketsFile, err)
		default:
			line, _ := cr.FieldPos(0)
			id := ""
			if col < len(rec) && utf8.ValidString(rec[col]) {
				id = strings.TrimSpace(rec[col])
			}
			f(id, line)
		}
	}
}

func joinLines(lines []int) string {
	parts := make([]string, len(lines))
	for i, l := range lines {
		parts[i] = strconv.Itoa(l)
	}
	return strings.Join(parts, ", ")
}

// thread reads the messages of ticket t (keyed key in the index), unless
// ReadOptions.WantThread says it is not needed.
func (p *pass) thread(ctx context.Context, t *sources.Ticket, key string) error {
	refs := p.idx.byTicket[key]
	delete(p.idx.byTicket, key)
	if rowBroken(t) {
		return nil // the row itself is unreadable: its messages go with it
	}
	if !p.opts.WantThread(t) {
		t.ThreadSkipped = true
		return nil
	}
	if p.idx.disk != nil {
		var err error
		if refs, err = p.idx.disk.refs(ctx, key); err != nil {
			return err
		}
	}
	for i, r := range refs {
		if i%256 == 255 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		rec, pe, err := p.msgs.read(refs[i:])
		if err != nil {
			return err
		}
		origin := fmt.Sprintf("%s:%d", MessagesFile, r.line)
		if pe != nil {
			t.AddProblem(sources.Problem{Severity: sources.Error, Code: sources.CodeCSVParse, Origin: origin,
				Message: fmt.Sprintf("cannot parse this row: %v (line %d)", pe.Err, int(r.line)+pe.Line-pe.StartLine)})
			continue
		}
		if e, ok := p.entry(t, rec, origin); ok {
			t.Entries = append(t.Entries, e)
		}
	}
	return nil
}

// rowBroken reports whether t's own row could not be read.
func rowBroken(t *sources.Ticket) bool {
	for _, pr := range t.Problems {
		if pr.Code == sources.CodeCSVParse || pr.Code == sources.CodeInvalidUTF8 {
			return true
		}
	}
	return false
}

// ticket builds a ticket from a tickets.csv record. key is its id for the
// index and duplicate check, "" when the row's id cannot be known (the
// ticket is then named by its origin).
func (p *pass) ticket(rec []string, off int64, line int, pe *stdcsv.ParseError) (*sources.Ticket, string) {
	h := p.s.tickets.hdr
	origin := fmt.Sprintf("%s:%d", TicketsFile, line)
	t := &sources.Ticket{Origin: origin}
	if pe != nil {
		id := p.s.tickets.recoverField(pe, off, h.idx["id"])
		t.ID = id
		if id == "" {
			t.ID = origin
		}
		t.AddProblem(sources.Problem{Severity: sources.Error, Code: sources.CodeCSVParse, Origin: origin,
			Message: fmt.Sprintf("cannot parse this row: %v (line %d)", pe.Err, pe.Line)})
		return t, id
	}
	key := strings.TrimSpace(h.get(rec, "id"))
	t.ID = key
	if bad := invalidUTF8(rec); bad >= 0 {
		if !utf8.ValidString(key) {
			key, t.ID = "", origin
		}
		t.AddProblem(sources.Problem{Severity: sources.Error, Code: sources.CodeInvalidUTF8, Origin: origin, Field: fieldName(h, bad),
			Message: fmt.Sprintf("%s line %d field %d is not valid UTF-8; %s", TicketsFile, line, bad+1, p.s.dialect.encodingHint())})
		return t, key
	}
	if len(rec) != h.fields {
		if key == "" {
			t.ID = origin
		}
		t.AddProblem(sources.Problem{Severity: sources.Error, Code: sources.CodeCSVParse, Origin: origin,
			Message: fmt.Sprintf("row has %d fields, the header %d (an unquoted comma?)", len(rec), h.fields)})
		return t, key
	}
	if key == "" {
		t.ID = origin
		t.AddProblem(sources.Problem{Severity: sources.Error, Code: sources.CodeMissingField, Origin: origin, Field: "id", Message: "no ticket id"})
		return t, ""
	}
	get := func(name string) string { return strings.TrimSpace(h.get(rec, name)) }
	t.Subject = get("subject")
	t.Department = get("department")
	t.Status = get("status")
	t.Priority = get("priority")
	t.Requester = sources.Person{Name: get("name"), Email: get("email")}
	if t.Requester.Name == "" {
		t.Requester.Name = sources.LocalPart(t.Requester.Email)
	}
	if c := get("client_id"); c != "" {
		id, err := strconv.ParseInt(c, 10, 64)
		if err != nil || id <= 0 {
			t.AddProblem(sources.Problem{Severity: sources.Error, Code: sources.CodeBadValue, Origin: origin, Field: "client_id",
				Message: fmt.Sprintf("client_id %q is not a positive number", c)})
		} else {
			t.ClientID = id
		}
	}
	t.Number = get("number")
	if a := get("assignee"); strings.Contains(a, "@") {
		t.Assignee = sources.Person{Email: a}
	} else {
		t.Assignee = sources.Person{Name: a}
	}
	t.Fields = h.customValues(rec)
	for _, c := range strings.Split(get("cc"), ",") {
		if c = strings.TrimSpace(c); c != "" {
			t.CC = append(t.CC, c)
		}
	}
	t.Created = p.time(get("created"), "created", origin, "", t.AddProblem)
	t.Updated = p.time(get("updated"), "updated", origin, "", t.AddProblem)
	return t, key
}

// entry builds an entry of t from a messages.csv record. ok is false when
// the row is unusable (its problem is on t).
func (p *pass) entry(t *sources.Ticket, rec []string, origin string) (sources.Entry, bool) {
	h := p.s.messages.hdr
	get := func(name string) string { return strings.TrimSpace(h.get(rec, name)) }
	e := sources.Entry{ID: get("id"), Origin: origin}
	add := func(pr sources.Problem) {
		pr.Entry = e.ID
		t.AddProblem(pr)
	}
	if bad := invalidUTF8(rec); bad >= 0 {
		if !utf8.ValidString(e.ID) {
			e.ID = ""
		}
		add(sources.Problem{Severity: sources.Error, Code: sources.CodeInvalidUTF8, Origin: origin, Field: fieldName(h, bad),
			Message: fmt.Sprintf("field %d is not valid UTF-8; %s", bad+1, p.s.dialect.encodingHint())})
		return e, false
	}
	if len(rec) != h.fields {
		add(sources.Problem{Severity: sources.Error, Code: sources.CodeCSVParse, Origin: origin,
			Message: fmt.Sprintf("row has %d fields, the header %d (an unquoted comma?)", len(rec), h.fields)})
		return e, false
	}
	bad := func(field, format string, a ...any) {
		add(sources.Problem{Severity: sources.Error, Code: sources.CodeBadValue, Origin: origin, Field: field, Message: fmt.Sprintf(format, a...)})
	}
	note := false
	switch v := strings.ToLower(get("type")); v {
	case "", "reply":
	case "note":
		note = true
	default:
		bad("type", "type %q is not reply or note", get("type"))
	}
	staff := false
	switch v := strings.ToLower(get("author")); v {
	case "", "customer":
	case "staff":
		staff = true
	default:
		bad("author", "author %q is not customer or staff", get("author"))
	}
	switch {
	case note:
		e.Kind = sources.Note
	case staff:
		e.Kind = sources.StaffReply
	default:
		e.Kind = sources.CustomerReply
	}
	e.Author = sources.Person{Name: get("name"), Email: get("email")}
	if e.Author.Name == "" {
		e.Author.Name = sources.LocalPart(e.Author.Email)
	}
	e.Created = p.time(get("created"), "created", origin, e.ID, t.AddProblem)
	e.Body = h.get(rec, "body")
	f, err := sources.ParseFormat(get("format"))
	if err != nil {
		bad("format", "format %q is not text, markdown or html", get("format"))
	}
	e.Format = f
	for _, a := range strings.Split(h.get(rec, "attachments"), ";") {
		if strings.TrimSpace(a) == "" {
			continue
		}
		att, pr := p.s.attachment(a)
		if pr != nil {
			pr.Origin = origin
			add(*pr)
			continue
		}
		e.Attachments = append(e.Attachments, att)
	}
	return e, true
}

// time parses a date field; empty is the zero time (the planner reports a
// required one missing).
func (p *pass) time(v, field, origin, entry string, add func(sources.Problem)) time.Time {
	if v == "" {
		return time.Time{}
	}
	if p.s.noZone && sources.NeedsZone(v) {
		add(sources.Problem{Severity: sources.Error, Code: sources.CodeBadDate, Entry: entry, Origin: origin, Field: field,
			Message: fmt.Sprintf("%s: %q has no UTC offset and source.timezone is not set: set it to the zone the old helpdesk "+
				"wrote its dates in (e.g. source.timezone: Europe/Berlin, or UTC), so that no date is silently shifted", field, v)})
		return time.Time{}
	}
	t, warning, err := sources.ParseTime(v, p.s.loc)
	switch {
	case errors.Is(err, sources.ErrDSTGap):
		add(sources.Problem{Severity: sources.Error, Code: sources.CodeDSTGap, Entry: entry, Origin: origin, Field: field,
			Message: fmt.Sprintf("%s: %v", field, err)})
	case err != nil:
		add(sources.Problem{Severity: sources.Error, Code: sources.CodeBadDate, Entry: entry, Origin: origin, Field: field,
			Message: fmt.Sprintf("%s: %v", field, err)})
	case warning != "":
		add(sources.Problem{Severity: sources.Warning, Code: sources.CodeDSTAmbiguous, Entry: entry, Origin: origin, Field: field,
			Message: fmt.Sprintf("%s: %s", field, warning)})
	}
	return t
}

// buildIndex reads messages.csv once and maps ticket ids to record offsets.
func (s *Source) buildIndex(ctx context.Context) (*index, error) {
	c := s.messages
	cr, _, err := c.reader()
	if err != nil {
		return nil, err
	}
	idx := &index{byTicket: map[string][]ref{}}
	ok := false
	defer func() {
		if !ok && idx.disk != nil {
			idx.disk.close()
		}
	}()
	col := c.hdr.idx["ticket_id"]
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if n == s.memIndex && idx.disk == nil {
			if err := idx.toDisk(ctx, s.tmpDir); err != nil {
				return nil, err
			}
		}
		off := c.bom + cr.InputOffset()
		rec, err := cr.Read()
		if err == io.EOF {
			if idx.disk != nil {
				if err := idx.disk.finish(ctx); err != nil {
					return nil, err
				}
			}
			ok = true
			return idx, nil
		}
		var pe *stdcsv.ParseError
		var r ref
		var id string
		switch {
		case errors.As(err, &pe):
			r = ref{off: off, line: int32(pe.StartLine)}
			id = c.recoverField(pe, off, col)
			if id == "" {
				origin := fmt.Sprintf("%s:%d", MessagesFile, r.line)
				idx.tail = append(idx.tail, tailItem{ref: r, problem: &sources.Problem{Severity: sources.Error, Code: sources.CodeCSVParse,
					Origin: origin, Message: fmt.Sprintf("cannot parse this row: %v (line %d); its ticket is unknown", pe.Err, pe.Line)}})
				continue
			}
		case err != nil:
			return nil, fmt.Errorf("csv: read %s: %w", MessagesFile, err)
		default:
			line, _ := cr.FieldPos(0)
			r = ref{off: off, line: int32(line)}
			if col < len(rec) {
				id = strings.TrimSpace(rec[col])
			}
			if id == "" {
				origin := fmt.Sprintf("%s:%d", MessagesFile, r.line)
				idx.tail = append(idx.tail, tailItem{ref: r, problem: &sources.Problem{Severity: sources.Error, Code: sources.CodeMissingField,
					Origin: origin, Field: "ticket_id", Message: "message without a ticket_id"}})
				continue
			}
		}
		end := c.bom + cr.InputOffset()
		if end-off > math.MaxUint32 {
			return nil, fmt.Errorf("csv: %s:%d: a record of %d bytes is too large", MessagesFile, r.line, end-off)
		}
		r.size = uint32(end - off)
		if idx.disk != nil {
			if err := idx.disk.add(ctx, id, r); err != nil {
				return nil, err
			}
			continue
		}
		refs, known := idx.byTicket[id]
		if !known {
			// Clone: id shares its memory with the whole record, body
			// included, which the index must not keep.
			id = strings.Clone(id)
			idx.tail = append(idx.tail, tailItem{id: id, ref: r})
		}
		idx.byTicket[id] = append(refs, r)
	}
}

// toDisk moves the index to a temporary SQLite file: the records indexed
// so far, and from then on every record (see diskIndex).
func (idx *index) toDisk(ctx context.Context, dir string) error {
	d, err := newDiskIndex(ctx, dir)
	if err != nil {
		return err
	}
	idx.disk = d
	for id, refs := range idx.byTicket {
		for _, r := range refs {
			if err := d.add(ctx, id, r); err != nil {
				return err
			}
		}
	}
	idx.byTicket = map[string][]ref{}
	// Only the records whose ticket cannot be known stay in memory.
	idx.tail = slices.DeleteFunc(idx.tail, func(it tailItem) bool { return it.id != "" })
	return nil
}

// recoverField returns field col of a record that failed to parse, when it
// can be known for sure: it lies on the record's first line, wholly before
// the error. Otherwise "". off is the record's offset in the file.
func (c *csvFile) recoverField(pe *stdcsv.ParseError, off int64, col int) string {
	line := c.firstLine(off)
	if line == nil {
		return ""
	}
	lr := stdcsv.NewReader(bytes.NewReader(line))
	lr.Comma = c.comma
	lr.LazyQuotes = true
	lr.FieldsPerRecord = -1
	rec, err := lr.Read()
	if err != nil || col+1 >= len(rec) {
		return "" // the field must be followed by another, on this line
	}
	l, next := lr.FieldPos(col + 1)
	if l != 1 || (pe.Line == pe.StartLine && next > pe.Column) {
		return ""
	}
	v := strings.TrimSpace(rec[col])
	if strings.ContainsAny(v, "\"\n\r") {
		return ""
	}
	return v
}

// firstLine returns the first non-empty line at off, without its end, or
// nil when it is longer than 64 KiB (too long to trust). It reads 4 KiB,
// and 64 KiB only when that holds no line end: it runs for every
// malformed row, which would otherwise each cost a 64 KiB read.
func (c *csvFile) firstLine(off int64) []byte {
	for _, size := range []int{4 << 10, 64 << 10} {
		buf := make([]byte, size)
		n, err := c.f.ReadAt(buf, off)
		if err != nil && err != io.EOF {
			return nil
		}
		b := bytes.TrimLeft(buf[:n], "\r\n")
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			if err != io.EOF {
				continue // no line end yet: read more, or give up
			}
			i = len(b)
		}
		return bytes.TrimRight(b[:i], "\r")
	}
	return nil
}

// msgReader reads messages.csv records at known offsets. Records that
// follow each other in the file are read with one ReadAt, up to maxSpan
// bytes; each record is parsed from memory, so a ticket costs one small
// read per run of consecutive messages, whatever the file's order.
type msgReader struct {
	c      *csvFile
	buf    []byte
	br     bytes.Reader
	bufr   *bufio.Reader  // reads br; Reset for each span
	cr     *stdcsv.Reader // reads bufr; made once, so its buffers are reused
	end    int64          // file offset where the buffered span ends
	base   int64          // file offset of the reader's InputOffset 0
	next   int64          // file offset of the record the reader is at
	loaded bool           // the reader holds a span
}

const maxSpan = 1 << 20

// load reads into the buffer the span of refs starting at refs[0]: as many
// consecutive records as fit in maxSpan (at least one).
func (m *msgReader) load(refs []ref) error {
	start := refs[0].off
	n := int64(refs[0].size)
	for _, r := range refs[1:] {
		if r.off != start+n || n+int64(r.size) > maxSpan {
			break
		}
		n += int64(r.size)
	}
	if int64(cap(m.buf)) < n {
		m.buf = make([]byte, n)
	}
	m.buf = m.buf[:n]
	if _, err := m.c.f.ReadAt(m.buf, start); err != nil {
		if err == io.EOF {
			return fmt.Errorf("csv: %s:%d: record no longer there (did the file change during the run?)", MessagesFile, refs[0].line)
		}
		return fmt.Errorf("csv: read %s:%d: %w", MessagesFile, refs[0].line, err)
	}
	m.br.Reset(m.buf)
	if m.cr == nil {
		m.bufr = bufio.NewReaderSize(&m.br, 64<<10)
		m.cr = newReader(m.bufr, m.c.comma) // csv.NewReader keeps a *bufio.Reader as it is
	} else {
		m.bufr.Reset(&m.br)
	}
	m.loaded = true
	m.end = start + n
	m.next = start
	m.base = start - m.cr.InputOffset() // the csv.Reader counts from its first span
	return nil
}

// read returns the record refs[0], reading ahead the records that follow
// it in refs. A malformed record is returned as pe; err is a fatal read
// error.
func (m *msgReader) read(refs []ref) (rec []string, pe *stdcsv.ParseError, err error) {
	r := refs[0]
	if !m.loaded || r.off != m.next || r.off+int64(r.size) > m.end {
		if err := m.load(refs); err != nil {
			return nil, nil, err
		}
	}
	rec, err = m.cr.Read()
	// Where the reader stopped: the next record when it read exactly what
	// the index measured, a malformed record included (the reader goes on
	// after a parse error, and the span need not be read again).
	m.next = m.base + m.cr.InputOffset()
	if m.next != r.off+int64(r.size) {
		m.loaded = false
	}
	if errors.As(err, &pe) {
		return nil, pe, nil
	}
	if err != nil {
		m.loaded = false
		return nil, nil, fmt.Errorf("csv: %s:%d: record no longer there or changed (did the file change during the run?): %v", MessagesFile, r.line, err)
	}
	return rec, nil, nil
}

// invalidUTF8 returns the index of the first field that is not valid UTF-8,
// or -1.
func invalidUTF8(rec []string) int {
	for i, f := range rec {
		if !utf8.ValidString(f) {
			return i
		}
	}
	return -1
}

// fieldName returns our name of field i, or its header name.
func fieldName(h *header, i int) string {
	for name, j := range h.idx {
		if j == i {
			return name
		}
	}
	return ""
}
