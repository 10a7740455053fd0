package main

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

// The keeper must give every collection table an index SQLite actually uses
// for FerretDB's _id lookups, and leave FerretDB's own tables alone.
func TestKeeperIndexesFerretDBIDLookups(t *testing.T) {
	dir := t.TempDir()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "ponte.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	for _, q := range []string{
		`CREATE TABLE "_ferretdb_collections" (name TEXT, table_name TEXT, settings TEXT)`,
		`CREATE TABLE "tickets_1a2b3c" (_ferretdb_sjson TEXT)`,
		// FerretDB's own _id index is on a different expression, which SQLite cannot use for the lookup.
		`CREATE UNIQUE INDEX "tickets_1a2b3c__id_" ON "tickets_1a2b3c" (_ferretdb_sjson->"_id")`,
		`INSERT INTO "tickets_1a2b3c" VALUES ('{"$s":{},"_id":"a"}'), ('{"$s":{},"_id":"b"}')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}

	plan := func(db *sql.DB) string {
		rows, err := db.QueryContext(ctx, `EXPLAIN QUERY PLAN SELECT _ferretdb_sjson FROM "tickets_1a2b3c" WHERE _ferretdb_sjson->'$._id' = ?`, `"a"`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			out = append(out, detail)
		}
		return strings.Join(out, "; ")
	}
	if p := plan(db); !strings.Contains(p, "SCAN") {
		t.Fatalf("expected a table scan before the keeper ran, got %q", p)
	}

	k := newIDIndexKeeper(dir)
	defer k.close()
	if err := k.pass(ctx); err != nil {
		t.Fatal(err)
	}
	// A new connection, as FerretDB's pooled ones see it once they notice the schema change.
	fresh, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "ponte.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if p := plan(fresh); !strings.Contains(p, "USING INDEX tickets_1a2b3c_ponte_id_path") {
		t.Fatalf("expected the _id lookup to use the keeper's index, got %q", p)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = '_ferretdb_collections'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("FerretDB's metadata table got %d indexes", n)
	}
	// A second pass (every tick) changes nothing and does not fail.
	if err := k.pass(ctx); err != nil {
		t.Fatal(err)
	}
}
