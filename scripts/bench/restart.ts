/**
 * Restarts of a hub on a kept embedded database (`bench:inbox --data-dir`, or a copy of one): how soon the inbox
 * lists (open-work projection) and the contacts list (contact order) answer, how long the catch-up of pending
 * inbound events keeps live events waiting (its list), and what the clean stop spends writing its snapshot.
 * Cycles in order: `--cycles` clean restarts, then (with `--crash`) a start that ends without its stop, as a kill
 * would, and the start after it (which has no snapshot and rebuilds).
 *
 * With `--sweep`, each start then times the periodic full sweep of pending inbound events as this hub runs it
 * (it owns its database: the events it knows pending, by `_id`) and as a hub sharing its database does (a query).
 *
 *   FERRETDB_BINARY=… npx tsx scripts/bench/restart.ts DATA_DIR [--cycles 3] [--crash] [--sweep]
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../../src/core/config/config.js';
import { createCore } from '../../src/core/create-core.js';
import { connectMongoose, disconnect } from '../../src/core/db/connect.js';
import { startDatabase } from '../../src/core/db/start-database.js';
import { createLogger } from '../../src/core/logging/logger.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { cycles: { type: 'string', default: '3' }, crash: { type: 'boolean', default: false }, sweep: { type: 'boolean', default: false } } });
const dataDir = positionals[0] ?? '';
if (!dataDir) throw new Error('usage: restart.ts DATA_DIR [--cycles N] [--crash]');
// The sweeps would add their own reads; the start is what is measured.
const config = loadConfig({ ...process.env, LOG_LEVEL: 'warn', INGEST_SWEEP_INTERVAL_MS: '3600000', SLA_SCAN_INTERVAL_MS: '3600000' } as Record<string, string>);
const logger = createLogger((process.env.BENCH_LOG_LEVEL as 'info' | undefined) ?? 'warn');

async function cycle(label: string, clean: boolean): Promise<void> {
  const db = await startDatabase({ dataDir, embedded: 'ferretdb', ferretdbBinary: config.database.ferretdbBinary, logger, dbName: 'bench_inbox' });
  const connection = await connectMongoose(db.uri, logger);
  const core = createCore({ config, connection, logger, secret: 'bench-secret-'.padEnd(40, 'x'), channels: { adapterFor: () => undefined }, ownsDatabase: true });
  const t0 = performance.now();
  const since = () => `${((performance.now() - t0) / 1000).toFixed(2)} s`;
  await core.start();
  const started = since();
  core.catchUp();
  const marks: Record<string, string> = { 'core started': started };
  const watch = async (name: string, done: Promise<unknown>) => {
    await done;
    marks[name] = since();
  };
  const listed = (async () => {
    while (core.ingest.backlogProgress().listing) await new Promise((r) => setTimeout(r, 20));
  })();
  await Promise.all([
    watch('inbox lists answer (projection ready)', core.openWork.whenReady()),
    watch('contacts list answers (order ready)', (async () => {
      while (!(await core.contactOrder.newest(1))) await new Promise((r) => setTimeout(r, 20));
    })()),
    watch('pending events listed (live events held until then)', listed),
    watch('projection verified', core.openWork.verified()),
    watch('contact order verified', core.contactOrder.verified()),
  ]);
  const open = (await core.openWork.entries()).length;
  if (values.sweep) {
    for (const [how, sole] of [['by _id (owned database)', true], ['by query (shared database)', false]] as const) {
      core.ingest.setSoleWriter(sole);
      const w0 = performance.now();
      const found = await core.ingest.sweep(config.ingest.sweepMinAgeMs);
      marks[`full sweep ${how}`] = `${(performance.now() - w0).toFixed(0)} ms (${found} found)`;
    }
    core.ingest.setSoleWriter(true);
  }
  // A kill leaves no snapshot; the core is still stopped (its timers would go on in this process), without one.
  if (!clean) core.shareDatabase();
  const s0 = performance.now();
  await core.stop();
  const stopMs = performance.now() - s0;
  console.log(`${label}: ${Object.entries(marks).map(([k, v]) => `${k} ${v}`).join('; ')}; ${open} open entries; ${clean ? 'clean stop' : 'stop without a snapshot (as a kill)'} ${stopMs.toFixed(0)} ms`);
  await disconnect(connection).catch(() => undefined);
  await db.stop();
}

const cycles = Number(values.cycles);
for (let i = 1; i <= cycles; i++) await cycle(`start ${i}`, true);
if (values.crash) {
  await cycle(`start ${cycles + 1}`, false);
  await cycle(`start ${cycles + 2} (after the kill)`, true);
}
process.exit(0);
