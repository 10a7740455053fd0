/**
 * The crash test of issue 17 against the real hub (`src/main.ts`): start it on a fresh data directory, kill -9 it,
 * leave N unprocessed inbound events in its embedded database (as a crash right after acknowledging the
 * platforms would), start it again and measure how soon `/api/health` answers and reports the backlog, how long
 * the catch-up takes, and that every event was processed exactly once.
 *
 *   FERRETDB_BINARY=… npx tsx scripts/bench/crash-catch-up.ts [--events 600] [--conversations 60] [--built]
 *   (--built: the hub as `npm start` runs it, from dist/, built once before the first start)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MongoClient } from 'mongodb';
import { InboundEventSchema } from '../../src/core/domain/inbound-event.js';
import { startDatabase } from '../../src/core/db/start-database.js';
import { orderingKey } from '../../src/core/ingest/event-intake.js';
import { createLogger } from '../../src/core/logging/logger.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '600' },
    conversations: { type: 'string', default: '60' },
    // `npm start` runs the built hub (scripts/start.mjs → dist/): no TypeScript transpiling at each start.
    built: { type: 'boolean', default: false },
  },
});
const N = Number(values.events);
const CONVERSATIONS = Number(values.conversations);
const dataDir = mkdtempSync(path.join(tmpdir(), 'ponte-crash-'));
const port = 3900 + Math.floor(Math.random() * 50);
const env = { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', EMBEDDED_DB: 'ferretdb', ADMIN_PASSWORD: 'crash-test-password', LOG_LEVEL: 'info' };
const health = `http://127.0.0.1:${port}/api/health`;

function startHub(): ChildProcess {
  const args = values.built ? ['scripts/start.mjs'] : ['--import', 'tsx', 'src/main.ts'];
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (b: Buffer) => {
    for (const line of b.toString().split('\n')) if (/catch|caught/.test(line)) process.stderr.write(`[hub] ${line.slice(0, 200)}\n`);
  });
  child.stderr!.resume();
  return child;
}

async function firstHealth(deadlineMs: number): Promise<{ ms: number; body: any; status: number }> {
  const started = Date.now();
  for (;;) {
    try {
      const res = await fetch(health);
      return { ms: Date.now() - started, body: await res.json(), status: res.status };
    } catch {
      if (Date.now() - started > deadlineMs) throw new Error('hub did not answer');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

const log = (m: string) => process.stderr.write(`[crash] ${m}\n`);
// 1. A first start creates the schema, the admin and the web chat inbox; then kill -9.
let hub = startHub();
const clean = await firstHealth(120_000);
log(`clean first start: health after ${(clean.ms / 1000).toFixed(2)} s; kill -9`);
hub.kill('SIGKILL');
await new Promise((r) => hub.once('exit', r));

// 2. N events left pending, as intake stores them (the embedded FerretDB the hub used, started by itself).
const db = await startDatabase({ dataDir, embedded: 'ferretdb', ferretdbBinary: process.env.FERRETDB_BINARY, logger: createLogger('silent') });
const client = await MongoClient.connect(db.uri);
const inbox = (await client.db().collection('inboxes').findOne({ kind: 'webchat' }))!;
const inboxId = String(inbox._id);
const events = Array.from({ length: N }, (_, i) =>
  InboundEventSchema.parse({
    type: 'message.received',
    providerKey: `webchat:${inboxId}:crash-visitor-${i % CONVERSATIONS}:${i}`,
    inboxId,
    occurredAt: new Date(Date.now() - 60_000 + i),
    sender: { handle: `crash-visitor-${i % CONVERSATIONS}`, identityKeys: [`visitor:crash-visitor-${i % CONVERSATIONS}`] },
    text: `message ${Math.floor(i / CONVERSATIONS)}`,
    attachments: [],
    threading: { conversationId: `crash-visitor-${i % CONVERSATIONS}` },
  }),
);
await client.db().collection('inbound_events').insertMany(
  events.map((e, i) => ({
    _id: e.providerKey as never,
    inboxId,
    type: e.type,
    payloadJson: JSON.stringify(e),
    conversationKey: orderingKey(e),
    status: 'pending',
    attempts: 0,
    receivedAt: new Date(Date.now() - 60_000 + i),
  })),
);
await client.close();
await db.stop();
log(`${N} pending events stored; restarting`);

// 3. Restart: time to the first health answer, the backlog it reports, time to caught up.
const restarted = Date.now();
hub = startHub();
const first = await firstHealth(120_000);
log(`first /api/health after ${(first.ms / 1000).toFixed(2)} s: ${first.status} ${JSON.stringify(first.body.parts?.ingest)}`);
let reported: any;
for (;;) {
  const res = (await (await fetch(health)).json()) as any;
  if (!reported && res.parts.ingest.backlog.total > 0) {
    reported = { seconds: (Date.now() - restarted) / 1000, backlog: res.parts.ingest.backlog };
    log(`backlog reported ${reported.seconds.toFixed(2)} s after restart: ${JSON.stringify(res.parts.ingest.backlog)}`);
  }
  if (!res.parts.ingest.backlog.catchingUp) break;
  await new Promise((r) => setTimeout(r, 250));
}
const caughtUp = (Date.now() - restarted) / 1000;
hub.kill('SIGTERM');
await new Promise((r) => hub.once('exit', r));

// 4. Exactly once: one message per event, every event processed.
const db2 = await startDatabase({ dataDir, embedded: 'ferretdb', ferretdbBinary: process.env.FERRETDB_BINARY, logger: createLogger('silent') });
const c2 = await MongoClient.connect(db2.uri);
const keys = events.map((e) => e.providerKey);
const messages = await c2.db().collection('messages').countDocuments({ providerKey: { $in: keys } });
const processed = await c2.db().collection('inbound_events').countDocuments({ _id: { $in: keys as never[] }, status: 'processed' });
await c2.close();
await db2.stop();
rmSync(dataDir, { recursive: true, force: true });
console.log(JSON.stringify({ events: N, cleanStartHealthSeconds: clean.ms / 1000, firstHealthSeconds: first.ms / 1000, backlogReported: reported, caughtUpSeconds: caughtUp, messages, processed }, null, 2));
