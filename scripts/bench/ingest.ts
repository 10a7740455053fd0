/**
 * Ingest throughput: InboundEvents accepted and fully processed (contact,
 * threading, message, audit, domain event) per second, next to the raw
 * insertOne rate of the same database in the same run, so the figure says
 * something about our code and not about FerretDB's speed.
 *
 *   npx tsx scripts/bench/ingest.ts [--messages 500] [--conversations 50] [--concurrency 20]
 *   (MONGODB_URI=… to run against a real MongoDB instead of an embedded FerretDB)
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../src/core/config/config.js';
import { createCore } from '../../src/core/create-core.js';
import { connectMongoose, disconnect } from '../../src/core/db/connect.js';
import { startDatabase } from '../../src/core/db/start-database.js';
import { benchDatabaseUri } from './bench-database.js';
import { processCpuMs } from './process-cpu.js';
import { profileCommands } from './command-profile.js';
import { createLogger } from '../../src/core/logging/logger.js';
import { modelsOf } from '../../src/core/models/models-of.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '500' },
    conversations: { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '20' },
    profile: { type: 'boolean', default: false },
  },
});
const total = Number(values.messages);
const conversations = Number(values.conversations);
const concurrency = Number(values.concurrency);

async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<unknown>): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const item = items[next++]!;
        const t0 = performance.now();
        await fn(item);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return latencies.sort((a, b) => a - b);
}
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!.toFixed(1);

async function main() {
  const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent', INGEST_SWEEP_INTERVAL_MS: '600000' } as Record<string, string>);
  const logger = createLogger('silent');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ponte-bench-'));
  const db = await startDatabase({ uri: benchDatabaseUri(config.database.uri), dataDir, embedded: 'ferretdb', ferretdbBinary: config.database.ferretdbBinary, logger, dbName: `bench_${Date.now()}` });
  const connection = await connectMongoose(db.uri, logger, { monitorCommands: values.profile });
  const profile = values.profile ? profileCommands(connection) : undefined;
  const core = createCore({ config, connection, logger, secret: 'bench-secret-'.padEnd(40, 'x'), channels: { adapterFor: () => undefined }, ownsDatabase: !config.database.uri });
  await core.start();
  const [inbox] = await modelsOf(core).Inbox.insertMany([{ kind: 'sms', name: 'bench', publicSettings: {}, health: { status: 'unknown' } }]);
  const inboxId = String(inbox!._id);

  // Raw rate of the same database: one small document per insertOne.
  const raw = connection.collection('bench_raw');
  const rawDocs = Array.from({ length: total }, (_, i) => ({ i, text: `hello ${i}`, at: new Date() }));
  let t0 = performance.now();
  await pool(rawDocs, concurrency, (d) => raw.insertOne({ ...d }));
  const rawRate = total / ((performance.now() - t0) / 1000);

  const events = Array.from({ length: total }, (_, i) => {
    const phone = `+55119${String(10_000_000 + (i % conversations)).padStart(8, '0')}`;
    return {
      type: 'message.received' as const,
      providerKey: `sms:BENCH${i}`,
      inboxId,
      occurredAt: new Date(Date.now() + i),
      providerMessageId: `BENCH${i}`,
      sender: { handle: phone, phone },
      text: `message ${i}`,
      attachments: [],
      threading: { conversationId: phone },
    };
  });
  const rssBefore = process.memoryUsage().rss;
  const cpuBefore = { hub: process.cpuUsage(), db: processCpuMs(db.pid) };
  t0 = performance.now();
  // Like a platform: a failed webhook (HTTP 5xx) is delivered again a little later.
  let platformRetries = 0;
  const acceptLikeAPlatform = async (e: (typeof events)[number]) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await core.ingest.accept([e]);
      } catch (err) {
        if (attempt >= 20) throw err;
        platformRetries++;
        await new Promise((r) => setTimeout(r, 250 * attempt));
      }
    }
  };
  const acceptLatencies = await pool(events, concurrency, acceptLikeAPlatform);
  const acceptSeconds = (performance.now() - t0) / 1000;
  await core.ingest.drain();
  profile?.stop();
  const processSeconds = (performance.now() - t0) / 1000;
  const hubCpu = process.cpuUsage(cpuBefore.hub);
  const hubCpuMs = (hubCpu.user + hubCpu.system) / 1000;
  const dbCpuMs = processCpuMs(db.pid) - cpuBefore.db;
  const rate = total / processSeconds;

  const stored = await modelsOf(core).Message.countDocuments({ inboxId: inbox!._id });
  const tickets = await modelsOf(core).Ticket.countDocuments({ inboxId: inbox!._id });
  // Replaying every event (a platform retrying all of them) must store nothing new.
  t0 = performance.now();
  await pool(events, concurrency, acceptLikeAPlatform);
  const replaySeconds = (performance.now() - t0) / 1000;
  await core.ingest.drain();
  const afterReplay = await modelsOf(core).Message.countDocuments({ inboxId: inbox!._id });

  console.log(`database                 ${db.kind}`);
  console.log(`messages / conversations ${total} / ${conversations} (concurrency ${concurrency})`);
  console.log(`raw insertOne rate       ${rawRate.toFixed(0)} docs/s`);
  console.log(`accept (store + ack)     ${(total / acceptSeconds).toFixed(0)} events/s   p50 ${pct(acceptLatencies, 50)} ms  p95 ${pct(acceptLatencies, 95)} ms  p99 ${pct(acceptLatencies, 99)} ms`);
  console.log(`fully processed          ${rate.toFixed(0)} messages/s   = ${(rate / rawRate).toFixed(3)} × raw insert rate`);
  console.log(`cpu per message          hub ${(hubCpuMs / total).toFixed(2)} ms, database ${db.pid ? `${(dbCpuMs / total).toFixed(2)} ms` : 'n/a (external)'}`);
  console.log(`accepts retried          ${platformRetries} (the hub answered 5xx; nothing stored, platform retried)`);
  console.log(`duplicate replay         ${(total / replaySeconds).toFixed(0)} events/s`);
  console.log(`stored messages          ${stored} (expected ${total}), after replay ${afterReplay}; tickets ${tickets} (expected ${conversations})`);
  console.log(`rss growth               ${((process.memoryUsage().rss - rssBefore) / 1048576).toFixed(1)} MiB`);

  if (profile) profile.print(total);
  const unfinished = await modelsOf(core).InboundEvent.find({ status: { $ne: 'processed' } }, { lastError: 1, status: 1 }).limit(5).lean();
  for (const u of unfinished) console.log(`unprocessed              ${u._id} ${u.status}: ${u.lastError ?? ''}`);

  await core.stop();
  if (db.kind === 'mongodb') await connection.dropDatabase(); // our own ponte_bench_… database
  await disconnect(connection);
  await db.stop();
  await rm(dataDir, { recursive: true, force: true });
  if (stored !== total || afterReplay !== total || tickets !== conversations) process.exit(1);
}

// Exit explicitly: agenda leaves a job-lock watchdog timer (half the lock lifetime) running after it stops.
main().then(() => process.exit(process.exitCode ?? 0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
