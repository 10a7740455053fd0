/**
 * Restarts of a hub on a kept embedded database (`bench:inbox --data-dir`, or a copy of one): how soon the inbox
 * lists (open-work projection) and the contacts list (contact order) answer, how long the catch-up of pending
 * inbound events keeps live events waiting (its list), and what the clean stop spends writing its snapshot.
 * Cycles in order: `--cycles` clean restarts, then (with `--crash`) a start that ends without its stop, as a kill
 * would, and the start after it (which has no snapshot and rebuilds).
 *
 * With `--live RATE`, each start also offers RATE inbound messages a second (existing conversations of the seeded
 * tickets, accepted as a webhook would be) from the start until 10 s after both verifications, and prints accepted →
 * `message.created` per phase: while the pending events are listed (held), while the background verification reads
 * every ticket and contact, and after it.
 *
 * With `--sweep`, each start then times the periodic full sweep of pending inbound events as this hub runs it
 * (it owns its database: the events it knows pending, by `_id`) and as a hub sharing its database does (a query).
 *
 *   FERRETDB_BINARY=… npx tsx scripts/bench/restart.ts DATA_DIR [--cycles 3] [--crash] [--sweep] [--live 20 [--live-conversations N] [--profile-commands]]
 */
import { parseArgs } from 'node:util';
import type { Connection } from 'mongoose';
import { loadConfig } from '../../src/core/config/config.js';
import { createCore } from '../../src/core/create-core.js';
import { connectMongoose, disconnect } from '../../src/core/db/connect.js';
import { startDatabase } from '../../src/core/db/start-database.js';
import { createLogger } from '../../src/core/logging/logger.js';
import { modelsOf } from '../../src/core/models/models-of.js';
import { profileCommands } from './command-profile.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { cycles: { type: 'string', default: '3' }, crash: { type: 'boolean', default: false }, sweep: { type: 'boolean', default: false }, live: { type: 'string', default: '0' }, 'live-conversations': { type: 'string', default: '0' }, 'profile-commands': { type: 'boolean', default: false } } });
const dataDir = positionals[0] ?? '';
if (!dataDir) throw new Error('usage: restart.ts DATA_DIR [--cycles N] [--crash]');
// The sweeps would add their own reads; the start is what is measured.
const config = loadConfig({ ...process.env, LOG_LEVEL: 'warn', INGEST_SWEEP_INTERVAL_MS: '3600000', SLA_SCAN_INTERVAL_MS: '3600000' } as Record<string, string>);
const logger = createLogger((process.env.BENCH_LOG_LEVEL as 'info' | undefined) ?? 'warn');

async function cycle(label: string, clean: boolean): Promise<void> {
  const db = await startDatabase({ dataDir, embedded: 'ferretdb', ferretdbBinary: config.database.ferretdbBinary, logger, dbName: 'bench_inbox' });
  const connection = await connectMongoose(db.uri, logger, { monitorCommands: values['profile-commands'] });
  const core = createCore({ config, connection, logger, secret: 'bench-secret-'.padEnd(40, 'x'), channels: { adapterFor: () => undefined }, ownsDatabase: true });
  const t0 = performance.now();
  const since = () => `${((performance.now() - t0) / 1000).toFixed(2)} s`;
  await core.start();
  const started = since();
  core.catchUp();
  const marks: Record<string, string> = { 'core started': started };
  const live = Number(values.live) > 0 ? await offerLive(core, connection, Number(values.live), t0) : undefined;
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
  const liveReport = await live?.finish();
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
  if (liveReport) console.log(`${label}, live messages accepted → message.created: ${liveReport}`);
  await disconnect(connection).catch(() => undefined);
  await db.stop();
}

type Phase = 'held (pending events being listed)' | 'during verification' | 'after verification';

/**
 * Live traffic beside a start: RATE messages a second into the seeded conversations, each timed from its
 * accept to its `message.created`, filed under the phase it was accepted in. `finish` waits 10 s more, stops
 * offering and reports.
 */
async function offerLive(core: ReturnType<typeof createCore>, connection: Connection, rate: number, t0: number): Promise<{ finish(): Promise<string> }> {
  const m = modelsOf(core);
  const inbox = await m.Inbox.findOne({ name: 'bench-inbox' }, { _id: 1 }).lean();
  if (!inbox) throw new Error('no bench-inbox: seed the data dir with bench:inbox first');
  // All seeded conversations, or the first N (so that a later start meets conversations an earlier one saw).
  const tickets = Number(values['live-conversations']) || (await m.Ticket.estimatedDocumentCount());
  let verified = false;
  let profile: ReturnType<typeof profileCommands> | undefined;
  let profiled = 0;
  void Promise.all([core.openWork.verified(), core.contactOrder.verified()]).then(() => {
    verified = true;
    if (values['profile-commands']) profile = profileCommands(connection);
  });
  const sent = new Map<string, { at: number; phase: Phase }>();
  const took = new Map<Phase, number[]>();
  /** When the slow ones were accepted (seconds since the start), to line them up with what the start does. */
  const slow: string[] = [];
  let failed = 0;
  const unsubscribe = core.bus.subscribe((e) => {
    if (e.type !== 'message.created') return;
    const mark = e.message.text?.match(/^live ([\w-]+)/)?.[1];
    if (!mark) return;
    const s = sent.get(mark);
    // Announced before its accept's promise was seen resolved: timed from there all the same (0 ms).
    if (!s) return void early.add(mark);
    sent.delete(mark);
    took.set(s.phase, [...(took.get(s.phase) ?? []), performance.now() - s.at]);
    if (performance.now() - s.at > 250) slow.push(`${((s.at - t0) / 1000).toFixed(1)} s: ${(performance.now() - s.at).toFixed(0)} ms`);
  });
  const early = new Set<string>();
  let n = 0;
  const phone = (i: number) => `+55219${String(10_000_000 + i).padStart(8, '0')}`;
  const timer = setInterval(() => {
    const mark = `${process.pid}-${Date.now()}-${n++}`;
    const i = Math.floor(Math.random() * tickets);
    if (profile) profiled++;
    const phase: Phase = core.ingest.backlogProgress().listing ? 'held (pending events being listed)' : verified ? 'after verification' : 'during verification';
    void core.ingest
      .accept([{ type: 'message.received', providerKey: `sms:LIVE-${mark}`, inboxId: String(inbox._id), occurredAt: new Date(), providerMessageId: `LIVE-${mark}`, sender: { handle: phone(i), phone: phone(i) }, text: `live ${mark}`, attachments: [], threading: { conversationId: phone(i) } }])
      .then(
        () => (early.delete(mark) ? took.set(phase, [...(took.get(phase) ?? []), 0]) : sent.set(mark, { at: performance.now(), phase })),
        () => (failed += 1),
      );
  }, 1000 / rate);
  const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;
  return {
    async finish() {
      await new Promise((r) => setTimeout(r, 10_000));
      clearInterval(timer);
      const until = Date.now() + 60_000;
      while (sent.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      unsubscribe();
      profile?.stop();
      profile?.print(profiled);
      const phases = [...took.entries()].map(([phase, xs]) => {
        xs.sort((a, b) => a - b);
        return `${phase}: n=${xs.length} p50 ${pct(xs, 50).toFixed(1)} p95 ${pct(xs, 95).toFixed(1)} p99 ${pct(xs, 99).toFixed(1)} max ${(xs.at(-1) ?? NaN).toFixed(1)} ms`;
      });
      const slowest = slow.length > 12 ? [...slow.slice(0, 6), '…', ...slow.slice(-6)] : slow;
      return `${phases.join('; ')}; ${sent.size} never announced, ${failed} refused${slow.length ? `; over 250 ms (${slow.length}): ${slowest.join(', ')}` : ''}`;
    },
  };
}

const cycles = Number(values.cycles);
for (let i = 1; i <= cycles; i++) await cycle(`start ${i}`, true);
if (values.crash) {
  await cycle(`start ${cycles + 1}`, false);
  await cycle(`start ${cycles + 2} (after the kill)`, true);
}
process.exit(0);
