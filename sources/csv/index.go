// index.go holds the index of messages.csv: where each ticket's messages
// are (in memory, or on disk past a size), the records of no known
// ticket, and the reader that loads a ticket's messages by their offsets.

package csv

import (
	"bufio"
	"bytes"
	"context"
	stdcsv "encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

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
		if err := idx.add(ctx, id, r); err != nil {
			return nil, err
		}
	}
}

// add indexes record r of ticket id: on disk once the index is there,
// else in memory, where the first record of an id joins the tail.
func (idx *index) add(ctx context.Context, id string, r ref) error {
	if idx.disk != nil {
		return idx.disk.add(ctx, id, r)
	}
	refs, known := idx.byTicket[id]
	if !known {
		// Clone: id shares its memory with the whole record, body
		// included, which the index must not keep.
		id = strings.Clone(id)
		idx.tail = append(idx.tail, tailItem{id: id, ref: r})
	}
	idx.byTicket[id] = append(refs, r)
	return nil
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
