package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	gomysql "github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// MySQL/MariaDB error numbers the schema detection tells apart.
const (
	erTableAccessDenied  = 1142 // a table the user may not read (or, without SELECT on it, one that may not exist)
	erColumnAccessDenied = 1143 // a column the user may not read (or, without SELECT on its table, one that may not exist)
	erNoSuchTable        = 1146 // a table that does not exist
)

// schema is what the presets know of the tables they read: each table's
// columns, and whether the user may see all of them.
//
// information_schema lists only the columns a user may read, so a column
// hidden by column-level grants looks the same there as a column this
// version of the helpdesk does not have. A preset that reads a column
// "when present" would then silently read less (a merged ticket imported as
// its own, attachments dropped). schema tells the two apart: a table is
// probed with SELECT * ... LIMIT 0, which lists every column when the user
// may read the whole table, fails with "no such table" (1146) when it does
// not exist, and is denied (1142) otherwise; the columns of a denied table
// are then those information_schema shows (column-level grants), and the
// table is "partial": a column not among them may exist, hidden. Asking
// about a partial table's unseen column, or about a denied table, records
// a denial; err returns them as one error naming each table, column and
// the GRANT that would let the user read it.
type schema struct {
	db, user string // for GRANT statements: the database, the account ('u'@'h')
	tabs     map[string]*tableInfo
	denied   []denial
}

type tableInfo struct {
	cols    map[string]bool // lower case
	partial bool            // the user may read only cols (column-level grants)
	denied  bool            // the user may read none of it
}

// denial is one table (column "") or column the user may not read.
type denial struct{ table, column string }

// schema probes the given tables of the current database (names as they
// are in the database, without quotes).
func (s *Source) schema(ctx context.Context, tables ...string) (*schema, error) {
	sch := &schema{tabs: map[string]*tableInfo{}}
	var db sql.NullString // NULL without a database in the DSN
	var who string
	if err := s.db.QueryRowContext(ctx, "SELECT DATABASE(), CURRENT_USER()").Scan(&db, &who); err != nil {
		return nil, fmt.Errorf("read the current database and user: %w", err)
	}
	sch.db, sch.user = db.String, account(who)
	var partial []string
	byLower := map[string]string{} // information_schema may spell a name in another case
	for _, t := range tables {
		rows, err := s.db.QueryContext(ctx, "SELECT * FROM "+quoteIdent(t)+" LIMIT 0")
		var me *gomysql.MySQLError
		switch {
		case err == nil:
			cols, cerr := rows.Columns()
			rows.Close()
			if cerr != nil {
				return nil, fmt.Errorf("read the columns of %s: %w", t, cerr)
			}
			ti := &tableInfo{cols: map[string]bool{}}
			for _, c := range cols {
				ti.cols[strings.ToLower(c)] = true
			}
			sch.tabs[t] = ti
		case errors.As(err, &me) && me.Number == erNoSuchTable:
			// Absent: not in the map.
		case errors.As(err, &me) && me.Number == erTableAccessDenied:
			sch.tabs[t] = &tableInfo{cols: map[string]bool{}, denied: true}
			partial = append(partial, t)
			byLower[strings.ToLower(t)] = t
		default:
			return nil, fmt.Errorf("read table %s: %w", t, err)
		}
	}
	if len(partial) == 0 {
		return sch, nil
	}
	// The columns a user may read of a table it may not read whole
	// (column-level grants): information_schema shows exactly those.
	q, args, err := sqlx.In(`SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?)`, partial)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read information_schema: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			return nil, err
		}
		if ti := sch.tabs[byLower[strings.ToLower(t)]]; ti != nil {
			ti.cols[strings.ToLower(c)] = true
			ti.denied, ti.partial = false, true
		}
	}
	return sch, rows.Err()
}

// table reports whether the table exists and the user may read at least
// some of it; a table the user may not read at all is recorded as denied
// (and reported false).
func (sch *schema) table(t string) bool {
	ti := sch.tabs[t]
	if ti == nil {
		return false
	}
	if ti.denied {
		sch.deny(t, "")
		return false
	}
	return true
}

// has reports whether the table has the column and the user may read it.
// A column the user may not see (its table denied, or read through
// column-level grants that leave it out) is recorded as denied.
func (sch *schema) has(t, col string) bool {
	ti := sch.tabs[t]
	if ti == nil {
		return false
	}
	col = strings.ToLower(col)
	switch {
	case ti.denied:
		sch.deny(t, "")
		return false
	case ti.cols[col]:
		return true
	case ti.partial:
		sch.deny(t, col)
	}
	return false
}

// check asks has about each of a table's columns that a preset reads when
// present, so that a hidden one is found before the first ticket is read.
func (sch *schema) check(t string, cols ...string) {
	for _, c := range cols {
		sch.has(t, c)
	}
}

func (sch *schema) deny(t, col string) {
	d := denial{t, col}
	if !slices.Contains(sch.denied, d) {
		sch.denied = append(sch.denied, d)
	}
}

// require fails when one of the tables does not exist ("not found") or the
// user may not read it (a GRANT error): a table the preset cannot do
// without.
func (sch *schema) require(tables ...string) error {
	var missing []string
	for _, t := range tables {
		ti := sch.tabs[t]
		switch {
		case ti == nil:
			missing = append(missing, t)
		case ti.denied:
			sch.deny(t, "")
		}
	}
	if len(missing) > 0 {
		return errors.Join(fmt.Errorf("table %s not found (wrong database, preset or table_prefix?)", strings.Join(missing, ", ")), sch.err())
	}
	return sch.err()
}

// err returns the denials recorded so far as one *grantError, or nil.
func (sch *schema) err() error {
	if len(sch.denied) == 0 {
		return nil
	}
	return &grantError{db: sch.db, user: sch.user, denied: slices.Clone(sch.denied), partial: sch.partialTables()}
}

func (sch *schema) partialTables() map[string]bool {
	m := map[string]bool{}
	for t, ti := range sch.tabs {
		if ti.partial {
			m[t] = true
		}
	}
	return m
}

// grantError is returned by Open when the database user may not read a
// table or column the preset reads: MariaDB and MySQL hide such a column
// rather than say whether it exists, so the preset cannot tell it from one
// this version of the helpdesk lacks, and refuses to guess. It names each
// table and column and the GRANT statement that would let the user read
// them. It matches sources.ErrConfig: the fix is in the database's grants,
// before any write.
type grantError struct {
	db, user string
	denied   []denial
	partial  map[string]bool
}

func (e *grantError) Is(target error) bool { return target == sources.ErrConfig }

func (e *grantError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the database user %s may not read ", e.user)
	var what []string
	for _, d := range e.denied {
		if d.column == "" {
			what = append(what, "table "+d.table)
		} else {
			what = append(what, d.table+"."+d.column)
		}
	}
	b.WriteString(strings.Join(what, ", "))
	b.WriteString(", which the preset reads: the server hides what a user may not read, so it cannot be told from what " +
		"this version of the helpdesk lacks, and nothing is guessed. Grant read access, then run again:")
	cols := map[string][]string{}
	var order []string
	for _, d := range e.denied {
		if cols[d.table] == nil {
			order = append(order, d.table)
			cols[d.table] = []string{}
		}
		if d.column != "" {
			cols[d.table] = append(cols[d.table], d.column)
		}
	}
	for _, t := range order {
		b.WriteString("\n  " + grantStmt(e.db, t, "", e.user))
		if e.partial[t] && len(cols[t]) > 0 {
			// The user reads this table through column-level grants:
			// the columns alone would do, those that exist.
			b.WriteString("\n    (or only the columns, those this version has: " + grantStmt(e.db, t, strings.Join(cols[t], ", "), e.user) + ")")
		}
	}
	b.WriteString("\n  or all at once, which also lets the tool see what this version lacks: " + grantStmt(e.db, "*", "", e.user))
	return b.String()
}

// grantStmt renders GRANT SELECT [(cols)] ON `db`.`table` TO user.
func grantStmt(db, table, cols, user string) string {
	on := quoteIdent(db) + "."
	if table == "*" {
		on += "*"
	} else {
		on += quoteIdent(table)
	}
	if cols != "" {
		return "GRANT SELECT (" + cols + ") ON " + on + " TO " + user
	}
	return "GRANT SELECT ON " + on + " TO " + user
}

// account renders CURRENT_USER()'s "user@host" as 'user'@'host'.
func account(who string) string {
	i := strings.LastIndexByte(who, '@')
	if i < 0 {
		return "'" + who + "'"
	}
	return "'" + who[:i] + "'@'" + who[i+1:] + "'"
}

func quoteIdent(name string) string { return "`" + strings.ReplaceAll(name, "`", "``") + "`" }

// deniedRe reads the table or column out of MariaDB's and MySQL's denial
// messages: "SELECT command denied to user 'u'@'h' for table `db`.`t`"
// (MySQL: 'db.t' or 't') and "... for column 'c' in table 't'".
var (
	deniedUserRe   = regexp.MustCompile(`denied to user ('[^']*'@'[^']*')`)
	deniedTableRe  = regexp.MustCompile("for table (?:`([^`]+)`\\.`([^`]+)`|'([^']+)')")
	deniedColumnRe = regexp.MustCompile(`for column '([^']+)' in table '([^']+)'`)
)

// grantHint is the GRANT that would let the user run a query the server
// refused for a missing privilege (1142, 1143), or "" for another error.
// It serves the queries run after Open (a custom query's table, a column
// read unconditionally but hidden by column-level grants).
func (s *Source) grantHint(err error) string {
	var me *gomysql.MySQLError
	if !errors.As(err, &me) || (me.Number != erTableAccessDenied && me.Number != erColumnAccessDenied) {
		return ""
	}
	user := "the user"
	if m := deniedUserRe.FindStringSubmatch(me.Message); m != nil {
		user = m[1]
	}
	if m := deniedColumnRe.FindStringSubmatch(me.Message); m != nil {
		return fmt.Sprintf("the database user may not read column %s.%s: %s (or %s)", m[2], m[1],
			grantStmt(s.dbName, m[2], m[1], user), grantStmt(s.dbName, m[2], "", user))
	}
	if m := deniedTableRe.FindStringSubmatch(me.Message); m != nil {
		db, t := m[1], m[2]
		if m[3] != "" {
			db, t = s.dbName, m[3]
			if i := strings.IndexByte(t, '.'); i >= 0 {
				db, t = t[:i], t[i+1:]
			}
		}
		return fmt.Sprintf("the database user may not read table %s (or it does not exist): %s", t, grantStmt(db, t, "", user))
	}
	return ""
}
