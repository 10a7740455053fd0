// Prepares the FerretDB module the launcher is built from: a copy of the pinned release (go.mod) with one
// change, and an alternate go.mod that points at it. Run in scripts/ferretdb after `go mod download`, then:
//
//   go build -modfile=.patched/go.mod -o ferretdb-embedded .
//
// The change: FerretDB's SQLite backend opens every transaction with BEGIN IMMEDIATE on one of up to 100
// connections. While one holds SQLite's write lock, the others sleep in SQLite's busy handler (1, 2, 5,
// 10, 15 … ms) and the lock sits idle between a commit and the next sleeper waking. Under the realtime
// benchmark (200 msg/s) that idle time, not the CPU, held ingest back: FerretDB and the hub were each ~60%
// busy while messages queued for a second. With a Go mutex around each transaction the next one is handed
// the lock at once (docs/benchmarks.md). SQLite takes one writer at a time anyway, so nothing that could
// run in parallel is serialized; plain reads (no transaction) are not affected.
//
// Only the text this expects is replaced; if FerretDB's source changes (a new version in go.mod), this
// fails loudly rather than build something else.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

const MODULE = 'github.com/FerretDB/FerretDB';
const here = process.cwd();
const out = path.join(here, '.patched');
const copy = path.join(out, 'ferretdb');

const source = execFileSync('go', ['list', '-m', '-f', '{{.Dir}}', MODULE], { cwd: here, encoding: 'utf8' }).trim();
if (!source) throw new Error(`go list found no directory for ${MODULE}: run go mod download first`);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
cpSync(source, copy, { recursive: true });
// The module cache is read-only; the copy must be writable (this file below, and removal on the next run).
const writable = (p) => {
  chmodSync(p, statSync(p).mode | 0o200);
  if (statSync(p).isDirectory()) for (const name of readdirSync(p)) writable(path.join(p, name));
};
writable(copy);

const file = path.join(copy, 'internal', 'util', 'fsql', 'db.go');
let text = readFileSync(file, 'utf8');
const edits = [
  ['\t"log/slog"\n', '\t"log/slog"\n\t"sync"\n'],
  [
    '\tBatchSize int\n}',
    '\tBatchSize int\n\n\t// Ponte: one transaction at a time asks SQLite for its write lock; the others wait here and get\n\t// it at once, instead of sleeping in SQLite\'s busy handler (scripts/ferretdb/patch-ferretdb.mjs).\n\ttxMu sync.Mutex\n}',
  ],
  [
    'func (db *DB) InTransaction(ctx context.Context, f func(*Tx) error) (err error) {\n',
    'func (db *DB) InTransaction(ctx context.Context, f func(*Tx) error) (err error) {\n\tdb.txMu.Lock()\n\tdefer db.txMu.Unlock()\n\n',
  ],
];
for (const [from, to] of edits) {
  if (text.split(from).length !== 2) throw new Error(`${file}: expected exactly one ${JSON.stringify(from)}; FerretDB changed, review the patch`);
  text = text.replace(from, to);
}
writeFileSync(file, text);

const mod = readFileSync(path.join(here, 'go.mod'), 'utf8');
writeFileSync(path.join(out, 'go.mod'), `${mod.trimEnd()}\n\nreplace ${MODULE} => ${copy}\n`);
copyFileSync(path.join(here, 'go.sum'), path.join(out, 'go.sum'));
