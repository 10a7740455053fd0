/**
 * What a hub's start spends the database on, at the size of a kept data dir (`bench:inbox --data-dir`): starts
 * the core on it with the driver's command events on and prints every command that took over 500 ms (a
 * `getMore` with the `find` it continues), and one still running every 10 s. Found the start-up scans of
 * 2026-12-04 (docs/benchmarks.md).
 *
 *   npx tsx scripts/bench/start-commands.ts DATA_DIR     (PROBE_WAIT_MS: how long to watch after the start, 90 s;
 *                                                          PROBE_COUNTS=1: then count every collection)
 */
import { loadConfig } from '../../src/core/config/config.js';
import { createCore } from '../../src/core/create-core.js';
import { connectMongoose } from '../../src/core/db/connect.js';
import { startDatabase } from '../../src/core/db/start-database.js';
import { createLogger } from '../../src/core/logging/logger.js';
import { benchDatabaseUri } from './bench-database.js';

const dataDir = process.argv[2]!;
const config = loadConfig({ ...process.env, LOG_LEVEL: 'info', INGEST_SWEEP_INTERVAL_MS: '600000' } as Record<string, string>);
const logger = createLogger('info');
const db = await startDatabase({ uri: benchDatabaseUri(config.database.uri), dataDir, embedded: 'ferretdb', ferretdbBinary: config.database.ferretdbBinary, logger, dbName: 'bench_inbox' });
const connection = await connectMongoose(db.uri, logger, { monitorCommands: true });
const started = new Map<number, { t: number; what: string }>();
const t00 = performance.now();
connection.getClient().on('commandStarted', (e) => {
  const c = e.command as Record<string, unknown>;
  started.set(e.requestId, { t: performance.now(), what: `${e.commandName} ${String(c[e.commandName])} ${JSON.stringify(c.filter ?? c.query ?? c.updates ?? '').slice(0, 200)} sort=${JSON.stringify(c.sort ?? '')}` });
});
const cursors = new Map<string, string>();
connection.getClient().on('commandFailed', (e) => started.delete(e.requestId));
connection.getClient().on('commandSucceeded', (e) => {
  const s = started.get(e.requestId);
  started.delete(e.requestId);
  const id = (e.reply as { cursor?: { id?: unknown } }).cursor?.id;
  if (s && id && String(id) !== '0' && s.what.startsWith('find')) cursors.set(String(id), s.what);
  if (s && s.what.startsWith('getMore')) s.what += ' of ' + (cursors.get(s.what.split(' ')[1]!) ?? '?');
  if (s && performance.now() - s.t > 500) console.log(`${((s.t - t00) / 1000).toFixed(1)}s +${(performance.now() - s.t).toFixed(0)} ms ${s.what}`);
});
setInterval(() => {
  for (const s of started.values()) if (performance.now() - s.t > 5000) console.log(`  still running after ${((performance.now() - s.t) / 1000).toFixed(0)} s: ${s.what}`);
}, 10_000).unref();
const core = createCore({ config, connection, logger, secret: 'bench-secret-'.padEnd(40, 'x'), channels: { adapterFor: () => undefined }, ownsDatabase: true });
const t0 = performance.now();
await core.start();
console.log(`started in ${(performance.now() - t0).toFixed(0)} ms`);
if (process.env.PROBE_COUNTS) for (const c of await connection.db!.listCollections().toArray()) console.log(`  ${c.name}: ${await connection.db!.collection(c.name).estimatedDocumentCount()}`);
await new Promise((r) => setTimeout(r, Number(process.env.PROBE_WAIT_MS ?? 90_000)));
process.exit(0);
