package mysql

// The preset kit: the reading helpers every preset shares. A preset file
// holds its SQL, its row types and its mapping to sources.Ticket, and reads
// through these; the column and grant probing is in schema.go.

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// batchSize is how many ids an IN list of inBatches holds at most.
const batchSize = 500

// --- keyset paging ---

// keyAfter is the int64 key a page starts after: -1 (before every id)
// from the start.
func keyAfter(after any) int64 {
	if after == nil {
		return -1
	}
	return after.(int64)
}

// keyset reads one keyset page of tickets: q must end with
// "... > ? ORDER BY <key> LIMIT ?", and scan turns the current row into
// its header (its key an int64).
func (s *Source) keyset(ctx context.Context, q string, after any, n int, scan func(rows *sql.Rows) (header, error)) ([]header, error) {
	var hs []header
	err := s.each(ctx, "", q, []any{keyAfter(after), n}, func(rows *sql.Rows) error {
		h, err := scan(rows)
		hs = append(hs, h)
		return err
	})
	if err != nil {
		return nil, err
	}
	return hs, nil
}

// keys returns the int64 keys of a page, in page order.
func keys(hs []header) []int64 {
	ids := make([]int64, len(hs))
	for i, h := range hs {
		ids[i] = h.key.(int64)
	}
	return ids
}

// byKey returns a page's tickets by their int64 key.
func byKey(hs []header) map[int64]*sources.Ticket {
	m := make(map[int64]*sources.Ticket, len(hs))
	for _, h := range hs {
		m[h.key.(int64)] = h.t
	}
	return m
}

// --- IN lists ---

// idList renders ids as a SQL list. They are integers, so inlining them
// is safe, and one statement serves any number of them.
func idList(ids []int64) string {
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	return b.String()
}

// inList renders a page's keys as a SQL list.
func inList(hs []header) string { return idList(keys(hs)) }

// inBatches calls fn with the ids as SQL lists of at most batchSize.
func inBatches(ids []int64, fn func(list string) error) error {
	for len(ids) > 0 {
		n := min(batchSize, len(ids))
		if err := fn(idList(ids[:n])); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// splitList splits s at sep, trimming the parts and dropping empty ones.
func splitList(s, sep string) []string {
	var out []string
	for _, p := range strings.Split(s, sep) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// --- rows ---

// each runs q and calls scan for every row, then closes the rows. Errors
// (the query's, scan's, the rows') are wrapped as "what: ..." when what
// is not empty.
func (s *Source) each(ctx context.Context, what, q string, args []any, scan func(rows *sql.Rows) error) error {
	err := func() error {
		rows, err := s.db.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}()
	if err != nil && what != "" {
		return fmt.Errorf("%s: %w", what, err)
	}
	return err
}

// lookup reads a two-column query (key, value) into a map: a lookup
// table such as departments or statuses by id.
func lookup[K comparable, V any](ctx context.Context, s *Source, what, q string, args ...any) (map[K]V, error) {
	m := map[K]V{}
	err := s.each(ctx, what, q, args, func(rows *sql.Rows) error {
		var k K
		var v V
		if err := rows.Scan(&k, &v); err != nil {
			return err
		}
		m[k] = v
		return nil
	})
	return m, err
}

// countRows runs a SELECT COUNT(*) query.
func (s *Source) countRows(ctx context.Context, q string, args ...any) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, q, args...).Scan(&n)
	return n, err
}

// --- rows grouped by parent ---

// group reads the rows of q into lists by parent id (a ticket's entries,
// an entry's attachments), each in the order the query returns them. scan
// returns a row's parent id and value.
func group[R any](ctx context.Context, s *Source, what, q string, args []any, scan func(rows *sql.Rows) (int64, R, error)) (map[int64][]R, error) {
	m := map[int64][]R{}
	err := s.each(ctx, what, q, args, func(rows *sql.Rows) error {
		parent, r, err := scan(rows)
		if err != nil {
			return err
		}
		m[parent] = append(m[parent], r)
		return nil
	})
	return m, err
}

// groupBatched is group for the children of many parents: query renders
// the statement for one IN list of at most batchSize parent ids.
func groupBatched[R any](ctx context.Context, s *Source, what string, ids []int64, query func(list string) string, scan func(rows *sql.Rows) (int64, R, error)) (map[int64][]R, error) {
	m := map[int64][]R{}
	err := inBatches(ids, func(list string) error {
		return s.each(ctx, what, query(list), nil, func(rows *sql.Rows) error {
			parent, r, err := scan(rows)
			if err != nil {
				return err
			}
			m[parent] = append(m[parent], r)
			return nil
		})
	})
	return m, err
}

// --- sorted threads ---

// threadRow is a thread entry row: it is ordered by its created text,
// then its id.
type threadRow interface {
	order() (created sql.NullString, id int64)
}

// sortThreads sorts every ticket's rows by created then id, as the
// helpdesks show them, here rather than in SQL: an ORDER BY would make
// MariaDB sort rows holding TEXT bodies through a temporary table. A
// DATETIME's text sorts as its value; NULL first, as ORDER BY would. It
// returns the ids of all rows, ascending (to read their attachments).
func sortThreads[R threadRow](g map[int64][]R) []int64 {
	var ids []int64
	for _, rs := range g {
		slices.SortFunc(rs, func(a, b R) int {
			at, aid := a.order()
			bt, bid := b.order()
			if c := strings.Compare(at.String, bt.String); c != 0 {
				return c
			}
			return cmp.Compare(aid, bid)
		})
		for _, r := range rs {
			_, id := r.order()
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}
