// Prepares the FerretDB module the launcher is built from: a copy of the pinned release (go.mod) with two
// changes, and an alternate go.mod that points at it. Run in scripts/ferretdb after `go mod download`, then:
//
//   go build -modfile=.patched/go.mod -o ferretdb-embedded .
//
// The first change: FerretDB's SQLite backend opens every transaction with BEGIN IMMEDIATE on one of up to 100
// connections. While one holds SQLite's write lock, the others sleep in SQLite's busy handler (1, 2, 5,
// 10, 15 … ms) and the lock sits idle between a commit and the next sleeper waking. Under the realtime
// benchmark (200 msg/s) that idle time, not the CPU, held ingest back: FerretDB and the hub were each ~60%
// busy while messages queued for a second. With a Go turn (a one-slot channel) around each transaction the
// next one is handed the lock at once (docs/benchmarks.md); a wait longer than SQLite's own busy timeout
// (10 s) still fails, as SQLITE_BUSY did. SQLite takes one writer at a time anyway, so nothing that could
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
  [
    '\tBatchSize int\n}',
    '\tBatchSize int\n\n\t// Ponte: one transaction at a time asks SQLite for its write lock; the others wait here and get\n\t// it at once, instead of sleeping in SQLite\'s busy handler (scripts/ferretdb/patch-ferretdb.mjs).\n\ttxTurn chan struct{}\n}',
  ],
  ['\t\ttoken:            resource.NewToken(),\n', '\t\ttoken:            resource.NewToken(),\n\t\ttxTurn:           make(chan struct{}, 1),\n'],
  [
    'func (db *DB) InTransaction(ctx context.Context, f func(*Tx) error) (err error) {\n',
    // As long as SQLite's busy timeout (10 s) and no longer: a transaction that never ends fails the ones
    // behind it, as SQLITE_BUSY did, instead of holding every writer forever.
    'func (db *DB) InTransaction(ctx context.Context, f func(*Tx) error) (err error) {\n' +
      '\tselect {\n\tcase db.txTurn <- struct{}{}:\n\tcase <-ctx.Done():\n\t\treturn lazyerrors.Error(ctx.Err())\n' +
      '\tcase <-time.After(10 * time.Second):\n\t\treturn lazyerrors.Errorf("waited 10s for the SQLite write lock")\n\t}\n' +
      '\tdefer func() { <-db.txTurn }()\n\n',
  ],
];
for (const [from, to] of edits) {
  if (text.split(from).length !== 2) throw new Error(`${file}: expected exactly one ${JSON.stringify(from)}; FerretDB changed, review the patch`);
  text = text.replace(from, to);
}
writeFileSync(file, text);

// The second change: fsql logs every SQL statement at debug level, and builds the record before asking
// whether debug is on. `slog.Logger.With` formats its attributes at once, so each INSERT or UPDATE had
// the document's whole JSON quoted rune by rune and thrown away: ~7% of FerretDB's CPU under the
// realtime benchmark, all of it while holding the write lock (docs/benchmarks.md). Now the record is
// built only when debug logging is on.
const logged = /^(\t)(db|tx)\.l\.With\(fields\.\.\.\)\.DebugContext\(ctx, (fmt\.Sprintf\("(?:>>>|<<<) %s", query\))\)$/gm;
for (const [name, count] of [
  ['db.go', 6],
  ['tx.go', 6],
]) {
  const target = path.join(copy, 'internal', 'util', 'fsql', name);
  const source = readFileSync(target, 'utf8');
  const found = source.match(logged)?.length ?? 0;
  if (found !== count) throw new Error(`${target}: expected ${count} debug log lines, found ${found}; FerretDB changed, review the patch`);
  writeFileSync(
    target,
    source.replace(logged, (_, tab, recv, message) => `${tab}if ${recv}.l.Enabled(ctx, slog.LevelDebug) {\n${tab}\t${recv}.l.With(fields...).DebugContext(ctx, ${message})\n${tab}}`),
  );
}

// The third change: the SQLite backend pushes down only `{_id: <string or ObjectId>}`; any other filter reads
// the whole table (and parses every row's JSON). `{_id: {$in: [...]}}` — a ticket's thread entries or audit
// events probed by their derived `_id`s, contacts or messages read by a list of ids — did the same, so Ponte
// sent one command per id instead. Now it becomes `WHERE <the _id expression> IN (?, …)`, served by the `_id`
// index the launcher keeps (id_index.go). Like the equality, it only narrows what is read: FerretDB still
// applies the whole filter to every document it reads, so the answer is the same. At most 1,000 ids (SQLite
// limits a statement's parameters); a longer list, or one with any other kind of value, is not pushed down.
{
  const target = path.join(copy, 'internal', 'backends', 'sqlite', 'collection.go');
  let source = readFileSync(target, 'utf8');
  const inCase = (pushdownLine) =>
    `\t\tcase *types.Document:\n\t\t\tif ids, ok := ponteIDsIn(v.(*types.Document)); ok {\n${pushdownLine}` +
    '\t\t\t\twhereClause = fmt.Sprintf(` WHERE %s IN (?%s)`, metadata.IDColumn, strings.Repeat(", ?", len(ids)-1))\n\t\t\t\targs = ids\n\t\t\t}\n';
  const queryEq = '\t\t\twhereClause = fmt.Sprintf(` WHERE %s = ?`, metadata.IDColumn)\n\t\t\targs = []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}\n\t\t}\n';
  const explainEq = '\t\t\tfilterPushdown = true\n' + queryEq;
  const edits = [
    [explainEq, explainEq.replace(/\t\t}\n$/, inCase('\t\t\t\tfilterPushdown = true\n') + '\t\t}\n')],
    ['\t\tcase string, types.ObjectID:\n' + queryEq, '\t\tcase string, types.ObjectID:\n' + queryEq.replace(/\t\t}\n$/, inCase('') + '\t\t}\n')],
  ];
  for (const [from, to] of edits) {
    if (source.split(from).length !== 2) throw new Error(`${target}: expected exactly one ${JSON.stringify(from)}; FerretDB changed, review the patch`);
    source = source.replace(from, to);
  }
  source +=
    '\n// ponteIDsIn returns the values of `{$in: [...]}` marshaled as the `_id` equality pushdown marshals its one\n' +
    '// value, when there are 1 to 1,000 of them and each is a string or an ObjectID (scripts/ferretdb/patch-ferretdb.mjs).\n' +
    'func ponteIDsIn(v *types.Document) ([]any, bool) {\n' +
    '\tif v.Len() != 1 {\n\t\treturn nil, false\n\t}\n' +
    '\tin, err := v.Get("$in")\n\tif err != nil {\n\t\treturn nil, false\n\t}\n' +
    '\tarr, ok := in.(*types.Array)\n\tif !ok || arr.Len() == 0 || arr.Len() > 1000 {\n\t\treturn nil, false\n\t}\n' +
    '\tids := make([]any, 0, arr.Len())\n' +
    '\tfor i := 0; i < arr.Len(); i++ {\n\t\te := must.NotFail(arr.Get(i))\n\t\tswitch e.(type) {\n\t\tcase string, types.ObjectID:\n' +
    '\t\t\tids = append(ids, string(must.NotFail(sjson.MarshalSingleValue(e))))\n\t\tdefault:\n\t\t\treturn nil, false\n\t\t}\n\t}\n' +
    '\treturn ids, true\n}\n';
  writeFileSync(target, source);
}

const mod = readFileSync(path.join(here, 'go.mod'), 'utf8');
writeFileSync(path.join(out, 'go.mod'), `${mod.trimEnd()}\n\nreplace ${MODULE} => ${copy}\n`);
copyFileSync(path.join(here, 'go.sum'), path.join(out, 'go.sum'));
