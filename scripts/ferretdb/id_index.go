package main

// FerretDB 1.x (SQLite backend) looks documents up by _id with the SQL
// expression `_ferretdb_sjson->'$._id'`, but the unique index it creates for
// _id is on `_ferretdb_sjson->"_id"`. SQLite only uses an expression index for
// the very same expression, so every find/update/delete by _id scanned the
// whole table (and parsed every row's JSON): ~5 ms per update at 2,000
// documents, growing with the collection. This keeper adds, next to FerretDB's
// own, an index on exactly the expression FerretDB queries with, for every
// collection table of every database in the data directory, and for tables
// created later. It only adds indexes: FerretDB's data and metadata are left
// as they are, and dropping a collection drops its table and our index with it.

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the driver FerretDB itself uses (registered once)
)

const (
	sqliteExt     = ".sqlite" // FerretDB's file per database
	idIndexSuffix = "_ponte_id_path"
	idExpression  = `_ferretdb_sjson->'$._id'`
)

type idIndexKeeper struct {
	dir   string
	dbs   map[string]*sql.DB
	known map[string]bool // "<file>/<table>" already indexed
}

func newIDIndexKeeper(dir string) *idIndexKeeper {
	return &idIndexKeeper{dir: dir, dbs: map[string]*sql.DB{}, known: map[string]bool{}}
}

// run indexes what exists now, then looks again every interval until ctx ends.
func (k *idIndexKeeper) run(ctx context.Context, interval time.Duration) {
	defer k.close()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := k.pass(ctx); err != nil && ctx.Err() == nil {
			log.Printf("ferretdb-embedded: _id index keeper: %v", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (k *idIndexKeeper) pass(ctx context.Context) error {
	files, err := filepath.Glob(filepath.Join(k.dir, "*"+sqliteExt))
	if err != nil {
		return err
	}
	for _, file := range files {
		if err := k.indexFile(ctx, file); err != nil {
			return fmt.Errorf("%s: %w", filepath.Base(file), err)
		}
	}
	return nil
}

func (k *idIndexKeeper) indexFile(ctx context.Context, file string) error {
	db, err := k.open(file)
	if err != nil {
		return err
	}
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\_ferretdb\_%' ESCAPE '\' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`)
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		if !k.known[file+"/"+name] {
			tables = append(tables, name)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, table := range tables {
		if !hasDocumentColumn(ctx, db, table) {
			k.known[file+"/"+table] = true
			continue
		}
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (%s)`, table+idIndexSuffix, table, idExpression)
		if _, err := db.ExecContext(ctx, q); err != nil {
			// A table dropped between listing and indexing is not an error worth keeping.
			if strings.Contains(err.Error(), "no such table") {
				continue
			}
			return fmt.Errorf("index %s: %w", table, err)
		}
		k.known[file+"/"+table] = true
	}
	return nil
}

func hasDocumentColumn(ctx context.Context, db *sql.DB, table string) bool {
	var n int
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM pragma_table_info(?) WHERE name = '_ferretdb_sjson'`, table).Scan(&n)
	return err == nil && n == 1
}

func (k *idIndexKeeper) open(file string) (*sql.DB, error) {
	if db := k.dbs[file]; db != nil {
		return db, nil
	}
	// Same pragmas as FerretDB's connections: wait for its writers rather than fail, WAL.
	uri := "file:" + (&url.URL{Path: file}).EscapedPath() + "?_txlock=immediate&_pragma=busy_timeout(10000)&_pragma=journal_mode(wal)"
	db, err := sql.Open("sqlite", uri)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	k.dbs[file] = db
	return db, nil
}

func (k *idIndexKeeper) close() {
	for _, db := range k.dbs {
		_ = db.Close()
	}
}
