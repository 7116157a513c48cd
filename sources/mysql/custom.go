package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// Columns the custom queries may return. Any other column is an error, so
// that a typo does not silently drop data.
var (
	customTicketCols = []string{"id", "subject", "department", "status", "priority", "email", "name", "client_id", "cc", "created", "updated"}
	customEntryCols  = []string{"id", "type", "author", "name", "email", "created", "body", "format"}
	customAttachCols = []string{"entry_id", "name", "path"}
)

type custom struct {
	s *Source
}

func trimQuery(q string) string {
	return strings.TrimRight(strings.TrimSpace(q), "; \t\r\n")
}

func (c *custom) init(ctx context.Context) error {
	// Check the tickets query's columns on an empty page.
	rows, err := c.s.db.QueryContext(ctx, "SELECT * FROM ("+trimQuery(c.s.opts.TicketsQuery)+") AS q LIMIT 0")
	if err != nil {
		return fmt.Errorf("tickets_query: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	if err := checkColumns("tickets_query", cols, customTicketCols, "id"); err != nil {
		return err
	}
	// Prepare the thread queries (the server checks their syntax and
	// privileges, and runs nothing), so that a table or column the user
	// may not read fails Open, named with its GRANT, not the first
	// ticket's thread.
	for _, q := range []struct{ what, sql string }{{"entries_query", c.s.opts.EntriesQuery}, {"attachments_query", c.s.opts.AttachmentsQuery}} {
		if trimQuery(q.sql) == "" {
			continue
		}
		st, err := c.s.db.PrepareContext(ctx, trimQuery(q.sql))
		if err != nil {
			return fmt.Errorf("%s: %w", q.what, err)
		}
		if err := st.Close(); err != nil {
			return fmt.Errorf("%s: %w", q.what, err)
		}
	}
	return nil
}

func checkColumns(what string, cols, allowed []string, required ...string) error {
	have := map[string]bool{}
	for _, c := range cols {
		lc := strings.ToLower(c)
		ok := false
		for _, a := range allowed {
			ok = ok || a == lc
		}
		if !ok {
			return fmt.Errorf("%s returns column %q; allowed columns are %s", what, c, strings.Join(allowed, ", "))
		}
		have[lc] = true
	}
	for _, r := range required {
		if !have[r] {
			return fmt.Errorf("%s must return a column named %q", what, r)
		}
	}
	return nil
}

// scanMap scans the current row into column name -> text (NULL = absent).
func scanMap(rows *sql.Rows) (map[string]string, error) {
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	m := make(map[string]string, len(cols))
	for i, c := range cols {
		if vals[i].Valid {
			m[strings.ToLower(c)] = vals[i].String
		}
	}
	return m, nil
}

// customTime reads a DATETIME text (in the source's zone), an RFC 3339
// value or unix seconds.
func (c *custom) time(t *sources.Ticket, v, entry, origin, field string, required bool) time.Time {
	v = strings.TrimSpace(v)
	if v != "" && strings.Trim(v, "0123456789") == "" {
		sec, err := strconv.ParseInt(v, 10, 64)
		if err == nil {
			return time.Unix(sec, 0).UTC()
		}
	}
	if tm, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return tm
	}
	return c.s.timeField(t, sql.NullString{String: v, Valid: v != ""}, entry, origin, field, required)
}

func (c *custom) count(ctx context.Context) (int, error) {
	var n int
	err := c.s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM ("+trimQuery(c.s.opts.TicketsQuery)+") AS q").Scan(&n)
	return n, err
}

func (c *custom) page(ctx context.Context, after any, n int) ([]header, error) {
	s := c.s
	base := "SELECT * FROM (" + trimQuery(s.opts.TicketsQuery) + ") AS q"
	var rows *sql.Rows
	var err error
	if after == nil {
		rows, err = s.db.QueryContext(ctx, base+" ORDER BY q.id LIMIT ?", n)
	} else {
		rows, err = s.db.QueryContext(ctx, base+" WHERE q.id > ? ORDER BY q.id LIMIT ?", after, n)
	}
	if err != nil {
		return nil, fmt.Errorf("tickets_query: %w", err)
	}
	defer rows.Close()
	var hs []header
	for rows.Next() {
		m, err := scanMap(rows)
		if err != nil {
			return nil, err
		}
		id, ok := m["id"]
		if !ok || id == "" {
			return nil, fmt.Errorf("tickets_query returned a row with a NULL or empty id")
		}
		t := &sources.Ticket{
			ID:         id,
			Origin:     "tickets_query id=" + id,
			Subject:    m["subject"],
			Department: m["department"],
			Status:     m["status"],
			Priority:   m["priority"],
			Requester:  sources.Person{Name: m["name"], Email: m["email"]},
			CC:         splitList(m["cc"], ","),
		}
		if v := m["client_id"]; v != "" {
			cid, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.AddProblem(sources.Problem{Severity: sources.Error, Code: sources.CodeBadValue, Origin: t.Origin, Field: "client_id",
					Message: fmt.Sprintf("client_id %q is not a number", v)})
			}
			t.ClientID = cid
		}
		t.Created = c.time(t, m["created"], "", t.Origin, "created", false)
		t.Updated = c.time(t, m["updated"], "", t.Origin, "updated", false)
		hs = append(hs, header{key: id, t: t})
	}
	return hs, rows.Err()
}

func (c *custom) thread(ctx context.Context, h header) error {
	s, t := c.s, h.t
	atts := map[string][]sources.Attachment{}
	if q := trimQuery(s.opts.AttachmentsQuery); q != "" {
		rows, err := s.db.QueryContext(ctx, q, h.key)
		if err != nil {
			return fmt.Errorf("attachments_query: %w", err)
		}
		cols, _ := rows.Columns()
		if err := checkColumns("attachments_query", cols, customAttachCols, "entry_id", "path"); err != nil {
			rows.Close()
			return err
		}
		for rows.Next() {
			m, err := scanMap(rows)
			if err != nil {
				rows.Close()
				return err
			}
			name := m["name"]
			if name == "" {
				name = m["path"]
				if i := strings.LastIndexAny(name, "/\\"); i >= 0 {
					name = name[i+1:]
				}
			}
			origin := "attachments_query ticket=" + t.ID + " entry=" + m["entry_id"]
			if a, ok := s.fileAttachment(t, m["entry_id"], origin, m["path"], name); ok {
				atts[m["entry_id"]] = append(atts[m["entry_id"]], a)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	rows, err := s.db.QueryContext(ctx, trimQuery(s.opts.EntriesQuery), h.key)
	if err != nil {
		return fmt.Errorf("entries_query: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	if err := checkColumns("entries_query", cols, customEntryCols, "body"); err != nil {
		return err
	}
	n := 0
	for rows.Next() {
		n++
		m, err := scanMap(rows)
		if err != nil {
			return err
		}
		e := sources.Entry{
			ID:     m["id"],
			Author: sources.Person{Name: m["name"], Email: m["email"]},
			Body:   m["body"],
		}
		e.Origin = fmt.Sprintf("entries_query ticket=%s row %d", t.ID, n)
		if e.ID != "" {
			e.Origin = fmt.Sprintf("entries_query ticket=%s id=%s", t.ID, e.ID)
		}
		prob := func(field, msg string) {
			t.AddProblem(sources.Problem{Severity: sources.Error, Code: sources.CodeBadValue, Entry: e.ID, Origin: e.Origin, Field: field, Message: msg})
		}
		f, err := sources.ParseFormat(m["format"])
		if err != nil {
			prob("format", err.Error())
		}
		e.Format = f
		typ, author := strings.ToLower(strings.TrimSpace(m["type"])), strings.ToLower(strings.TrimSpace(m["author"]))
		switch {
		case typ == "note":
			e.Kind = sources.Note
		case typ == "reply" || typ == "":
			switch author {
			case "customer", "":
				e.Kind = sources.CustomerReply
			case "staff":
				e.Kind = sources.StaffReply
			default:
				prob("author", fmt.Sprintf("author %q is not customer or staff", m["author"]))
			}
		default:
			prob("type", fmt.Sprintf("type %q is not reply or note", m["type"]))
		}
		e.Created = c.time(t, m["created"], e.ID, e.Origin, "created", true)
		e.Attachments = atts[e.ID]
		t.Entries = append(t.Entries, e)
	}
	return rows.Err()
}
