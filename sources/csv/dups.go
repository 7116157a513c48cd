// dups.go holds the check for ticket ids that tickets.csv uses more than
// once.

package csv

import (
	"context"
	stdcsv "encoding/csv"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

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
