package csv

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// DefaultMemoryIndexMessages is how many messages.csv records a pass
// indexes in memory (about 150 bytes each at the peak, ticket ids and
// garbage included) before it moves the index to a temporary SQLite file
// on disk: see Options.MemoryIndexMessages.
const DefaultMemoryIndexMessages = 250_000

// diskIndex is a pass's index of messages.csv in a temporary SQLite
// database, for files past the memory budget: the records' locations by
// ticket id, and the ticket ids tickets.csv claimed (with the origin of
// their row, for the duplicate check). Its memory is SQLite's page cache,
// whatever the file's size. The file is removed on close.
type diskIndex struct {
	path string
	db   *sql.DB
	tx   *sql.Tx // while the index is built
	ins  *sql.Stmt

	claimIns, claimGet, refsGet *sql.Stmt
}

// newDiskIndex makes the index's file in dir (the command's scratch
// directory; "" = the system's temporary directory).
func newDiskIndex(ctx context.Context, dir string) (_ *diskIndex, err error) {
	f, err := os.CreateTemp(dir, "whmcs-migrate-csv-index-*.db") // 0600
	if err != nil {
		return nil, fmt.Errorf("csv: index on disk: %w", err)
	}
	_ = f.Close() // created empty, to name the index; nothing written
	d := &diskIndex{path: f.Name()}
	defer func() {
		if err != nil {
			d.close()
		}
	}()
	// A throwaway file: no journal, no fsync.
	dsn := "file:" + (&url.URL{Path: d.path}).EscapedPath() +
		"?_pragma=journal_mode(OFF)&_pragma=synchronous(OFF)&_pragma=cache_size(-16384)&_pragma=temp_store(FILE)"
	if d.db, err = sql.Open("sqlite", dsn); err != nil {
		return nil, fmt.Errorf("csv: index on disk: %w", err)
	}
	d.db.SetMaxOpenConns(2) // the leftovers' query reads refs as it goes
	if _, err = d.db.ExecContext(ctx, `CREATE TABLE refs (tid TEXT NOT NULL, off INTEGER NOT NULL, size INTEGER NOT NULL, line INTEGER NOT NULL);
CREATE TABLE claimed (tid TEXT PRIMARY KEY, origin TEXT NOT NULL) WITHOUT ROWID;`); err != nil {
		return nil, fmt.Errorf("csv: index on disk: %w", err)
	}
	if d.tx, err = d.db.BeginTx(ctx, nil); err != nil {
		return nil, fmt.Errorf("csv: index on disk: %w", err)
	}
	if d.ins, err = d.tx.PrepareContext(ctx, `INSERT INTO refs (tid, off, size, line) VALUES (?, ?, ?, ?)`); err != nil {
		return nil, fmt.Errorf("csv: index on disk: %w", err)
	}
	return d, nil
}

// add records one message's location.
func (d *diskIndex) add(ctx context.Context, id string, r ref) error {
	if _, err := d.ins.ExecContext(ctx, id, r.off, int64(r.size), int64(r.line)); err != nil {
		return fmt.Errorf("csv: index on disk: %w", err)
	}
	return nil
}

// finish ends the build: the records are committed and indexed by ticket.
func (d *diskIndex) finish(ctx context.Context) error {
	if err := d.ins.Close(); err != nil {
		return fmt.Errorf("csv: index on disk: %w", err)
	}
	if err := d.tx.Commit(); err != nil {
		return fmt.Errorf("csv: index on disk: %w", err)
	}
	d.tx = nil
	if _, err := d.db.ExecContext(ctx, `CREATE INDEX refs_tid ON refs (tid, off)`); err != nil {
		return fmt.Errorf("csv: index on disk: %w", err)
	}
	var err error
	if d.claimIns, err = d.db.PrepareContext(ctx, `INSERT OR IGNORE INTO claimed (tid, origin) VALUES (?, ?)`); err != nil {
		return fmt.Errorf("csv: index on disk: %w", err)
	}
	if d.claimGet, err = d.db.PrepareContext(ctx, `SELECT origin FROM claimed WHERE tid = ?`); err != nil {
		return fmt.Errorf("csv: index on disk: %w", err)
	}
	if d.refsGet, err = d.db.PrepareContext(ctx, `SELECT off, size, line FROM refs WHERE tid = ? ORDER BY off`); err != nil {
		return fmt.Errorf("csv: index on disk: %w", err)
	}
	return nil
}

// claim records that tickets.csv's row at origin holds ticket key; when
// an earlier row did, first is that row's origin and dup is true.
func (d *diskIndex) claim(ctx context.Context, key, origin string) (first string, dup bool, err error) {
	res, err := d.claimIns.ExecContext(ctx, key, origin)
	if err != nil {
		return "", false, fmt.Errorf("csv: index on disk: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return "", false, nil
	}
	if err := d.claimGet.QueryRowContext(ctx, key).Scan(&first); err != nil {
		return "", false, fmt.Errorf("csv: index on disk: %w", err)
	}
	return first, true, nil
}

// refs returns ticket key's records, in file order.
func (d *diskIndex) refs(ctx context.Context, key string) ([]ref, error) {
	rows, err := d.refsGet.QueryContext(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("csv: index on disk: %w", err)
	}
	defer rows.Close()
	var out []ref
	for rows.Next() {
		var off, size, line int64
		if err := rows.Scan(&off, &size, &line); err != nil {
			return nil, fmt.Errorf("csv: index on disk: %w", err)
		}
		out = append(out, ref{off: off, size: uint32(size), line: int32(line)})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("csv: index on disk: %w", err)
	}
	return out, nil
}

// leftovers calls fn for every ticket id that messages.csv names and
// tickets.csv did not claim, in the file order of its first record, with
// its records.
func (d *diskIndex) leftovers(ctx context.Context, fn func(id string, refs []ref) error) error {
	rows, err := d.db.QueryContext(ctx, `SELECT tid FROM refs WHERE tid NOT IN (SELECT tid FROM claimed) GROUP BY tid ORDER BY MIN(off)`)
	if err != nil {
		return fmt.Errorf("csv: index on disk: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return fmt.Errorf("csv: index on disk: %w", err)
		}
		refs, err := d.refs(ctx, id)
		if err != nil {
			return err
		}
		if err := fn(id, refs); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("csv: index on disk: %w", err)
	}
	return nil
}

// close closes the database and removes its file. Safe twice.
func (d *diskIndex) close() {
	if d.tx != nil {
		d.tx.Rollback()
		d.tx = nil
	}
	if d.db != nil {
		_ = d.db.Close() // a throwaway index, removed next
		d.db = nil
	}
	if d.path != "" {
		_ = os.Remove(d.path) // best effort: close reports nothing (a leftover is a temporary file)
		d.path = ""
	}
}
