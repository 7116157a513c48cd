// read.go holds one pass over the export (Tickets): the tickets of
// tickets.csv with their threads, then the tail of messages whose ticket
// tickets.csv does not have, and the reading of one ticket and entry.
// The messages index is in index.go, the duplicate ids check in dups.go.

package csv

import (
	"bytes"
	"context"
	stdcsv "encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// errStopped ends a pass when the consumer stops iterating.
var errStopped = errors.New("stopped")

// pass is one run of Tickets.
type pass struct {
	s     *Source
	opts  sources.ReadOptions
	msgs  *msgReader
	idx   *index
	first bool // the unknown_column warnings are attached
	yield func(*sources.Ticket, error) bool
}

// run reads the tickets of tickets.csv in file order, each with its
// thread, then the tickets messages.csv names that tickets.csv does not
// have (the tail). It stops without error when the consumer stops.
func (p *pass) run(ctx context.Context, yield func(*sources.Ticket, error) bool) error {
	var err error
	if p.idx, err = p.s.buildIndex(ctx); err != nil {
		return err
	}
	if p.idx.disk != nil {
		defer p.idx.disk.close()
	}
	p.yield = yield
	err = p.readTickets(ctx)
	if err == nil {
		if p.idx.disk != nil {
			err = p.diskTail(ctx)
		} else {
			err = p.memoryTail(ctx)
		}
	}
	if err == errStopped {
		return nil
	}
	return err
}

// emit yields t, the first ticket with the unknown_column warnings. It
// returns errStopped when the consumer stops.
func (p *pass) emit(ctx context.Context, t *sources.Ticket) error {
	if !p.first {
		p.first = true
		for _, u := range p.s.unknown {
			t.AddProblem(u)
		}
	}
	if !p.yield(t, nil) {
		return errStopped
	}
	return ctx.Err()
}

// readTickets emits the tickets of tickets.csv in file order, each with
// its thread.
func (p *pass) readTickets(ctx context.Context) error {
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
			return nil
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
			if lines == nil {
				continue // a later copy: already reported
			}
			dups[key] = nil
			t, key = p.duplicate(t, key, lines), ""
		}
		if key != "" {
			if err := p.thread(ctx, t, key); err != nil {
				return err
			}
		}
		if err := p.emit(ctx, t); err != nil {
			return err
		}
	}
}

// duplicate is the one ticket that stands for all the rows of tickets.csv
// that use id key (at lines): which copy is right cannot be known, so none
// is imported, and its messages go with it.
func (p *pass) duplicate(t *sources.Ticket, key string, lines []int) *sources.Ticket {
	delete(p.idx.byTicket, key) // its messages go with it
	t = &sources.Ticket{ID: key, Origin: t.Origin}
	t.AddProblem(sources.Problem{Severity: sources.Error, Code: sources.CodeDuplicateTicket, Origin: t.Origin, Field: "id",
		Message: fmt.Sprintf("ticket id %s is used by %d rows of %s (lines %s): which one is right cannot be known, so none is imported",
			key, len(lines), TicketsFile, joinLines(lines))})
	return t
}

// diskTail emits the tail from the disk index: the unclaimed ids, merged
// in file order with the records whose ticket cannot be known.
func (p *pass) diskTail(ctx context.Context) error {
	rest := p.idx.tail
	err := p.idx.disk.leftovers(ctx, func(id string, refs []ref) error {
		for len(rest) > 0 && rest[0].ref.off < refs[0].off {
			if err := p.emitTail(ctx, rest[0], nil); err != nil {
				return err
			}
			rest = rest[1:]
		}
		return p.emitTail(ctx, tailItem{id: id, ref: refs[0]}, refs)
	})
	for err == nil && len(rest) > 0 {
		err = p.emitTail(ctx, rest[0], nil)
		rest = rest[1:]
	}
	return err
}

// memoryTail emits the tail from the in-memory index: the records whose
// ticket cannot be known, and the ids whose ticket was not read.
func (p *pass) memoryTail(ctx context.Context) error {
	for _, it := range p.idx.tail {
		var refs []ref
		if it.id != "" {
			var ok bool
			if refs, ok = p.idx.byTicket[it.id]; !ok {
				continue // its ticket was read
			}
			delete(p.idx.byTicket, it.id)
		}
		if err := p.emitTail(ctx, it, refs); err != nil {
			return err
		}
	}
	return nil
}

// emitTail emits one ticket of the tail: a record whose ticket cannot be
// known, or the messages (refs) of a ticket tickets.csv does not have.
func (p *pass) emitTail(ctx context.Context, it tailItem, refs []ref) error {
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
	return p.emit(ctx, t)
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
	if p.s.noZone && p.s.dates.NeedsZone(v) {
		add(sources.Problem{Severity: sources.Error, Code: sources.CodeBadDate, Entry: entry, Origin: origin, Field: field,
			Message: fmt.Sprintf("%s: %q has no UTC offset and source.timezone is not set: set it to the zone the old helpdesk "+
				"wrote its dates in (e.g. source.timezone: Europe/Berlin, or UTC), so that no date is silently shifted", field, v)})
		return time.Time{}
	}
	t, warning, err := p.s.dates.Parse(v, p.s.loc)
	switch {
	case errors.Is(err, sources.ErrDSTGap):
		add(sources.Problem{Severity: sources.Error, Code: sources.CodeDSTGap, Entry: entry, Origin: origin, Field: field,
			Message: fmt.Sprintf("%s: %v", field, err)})
	case err != nil:
		msg := fmt.Sprintf("%s: %v", field, err)
		if p.s.dates.IsZero() {
			if hint := sources.LocalHint(v, "source.date_format"); hint != "" {
				msg = fmt.Sprintf("%s: %s", field, hint)
			}
		}
		add(sources.Problem{Severity: sources.Error, Code: sources.CodeBadDate, Entry: entry, Origin: origin, Field: field,
			Message: msg})
	case warning != "":
		add(sources.Problem{Severity: sources.Warning, Code: sources.CodeDSTAmbiguous, Entry: entry, Origin: origin, Field: field,
			Message: fmt.Sprintf("%s: %s", field, warning)})
	}
	return t
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
