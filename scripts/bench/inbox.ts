/**
 * The screens agents live in, at scale: seeds tickets through the public ingest
 * path (several messages each, plus agent actions that write audit events) and
 * prints medians of the reads the console makes — the inbox first page of each
 * view, a ticket's thread, its audit trail, a contact's page — at each size.
 *
 *   npx tsx scripts/bench/inbox.ts [--sizes 1000,10000,50000] [--messages 3] [--runs 9]
 *                                  [--data-dir DIR]   (kept: a later run reuses what is seeded there)
 *                                  [--measure-only]   (measure what --data-dir holds, seed nothing)
 *   (MONGODB_URI=… to run against a real MongoDB instead of an embedded FerretDB)
 *
 * Sizes grow one database: 10,000 means the 1,000 plus 9,000 more.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Types } from 'mongoose';
import { loadConfig } from '../../src/core/config/config.js';
import { createCore, type Core } from '../../src/core/create-core.js';
import { connectMongoose, disconnect } from '../../src/core/db/connect.js';
import { startDatabase } from '../../src/core/db/start-database.js';
import { createLogger } from '../../src/core/logging/logger.js';
import { modelsOf } from '../../src/core/models/models-of.js';
import { TicketListQuerySchema } from '../../src/core/tickets/ticket-queries.js';
import type { Viewer } from '../../src/core/users/viewer.js';
import { benchDatabaseUri } from './bench-database.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000,50000' },
    messages: { type: 'string', default: '3' },
    runs: { type: 'string', default: '9' },
    'data-dir': { type: 'string' },
    batch: { type: 'string', default: '100' },
    /** Measure the database in --data-dir as it is (no seeding): one row set, labelled with what is stored. */
    'measure-only': { type: 'boolean', default: false },
  },
});
const sizes = values.sizes.split(',').map(Number);
const messagesPerTicket = Number(values.messages);
const runs = Number(values.runs);
const batch = Number(values.batch);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const phoneOf = (i: number) => `+55219${String(10_000_000 + i).padStart(8, '0')}`;

interface Fixture {
  inboxId: string;
  departments: Types.ObjectId[];
  agent: Viewer;
  admin: Viewer;
}

async function fixture(core: Core): Promise<Fixture> {
  const m = modelsOf(core);
  const inbox =
    (await m.Inbox.findOne({ name: 'bench-inbox' }, { _id: 1 }).lean())?._id ??
    (await m.Inbox.insertMany([{ kind: 'sms', name: 'bench-inbox', publicSettings: {}, health: { status: 'unknown' } }]))[0]!._id;
  let departments = (await m.Department.find({ name: /^bench-dep/ }).sort({ name: 1 }).lean()).map((d) => d._id);
  if (departments.length === 0) departments = (await m.Department.insertMany([0, 1, 2].map((i) => ({ name: `bench-dep-${i}` })))).map((d) => d._id);
  const userOf = async (email: string, role: 'agent' | 'admin', departmentIds: Types.ObjectId[]): Promise<Viewer> => {
    const id =
      (await m.User.findOne({ email }, { _id: 1 }).lean())?._id ??
      (await m.User.insertMany([{ email, name: email.split('@')[0]!, role, departmentIds, passwordHash: 'x', active: true }]))[0]!._id;
    return { id: String(id), name: email.split('@')[0]!, email, role, departmentIds: departmentIds.map(String) };
  };
  return {
    inboxId: String(inbox),
    departments,
    agent: await userOf('bench-agent@ponte.test', 'agent', [departments[0]!]),
    admin: await userOf('bench-admin@ponte.test', 'admin', []),
  };
}

/** Tickets i in [from, to): `messagesPerTicket` inbound messages each, accepted in batches like a busy webhook. */
async function seed(core: Core, f: Fixture, from: number, to: number) {
  const t0 = performance.now();
  // History spread over the past year, as a real install's is (50,000 tickets ≈ 140 a day). Squeezed into
  // minutes, a day's report bucket would hold every message of the benchmark (report facts are per day).
  const spacingMs = (365 * 86_400_000) / Math.max(...sizes);
  const base = Date.now() - 366 * 86_400_000;
  for (let round = 0; round < messagesPerTicket; round++) {
    const events = [];
    for (let i = from; i < to; i++) {
      const phone = phoneOf(i);
      events.push({
        type: 'message.received' as const,
        providerKey: `sms:INBOX${i}-${round}`,
        inboxId: f.inboxId,
        occurredAt: new Date(base + i * spacingMs + round * 60_000),
        providerMessageId: `INBOX${i}-${round}`,
        sender: { handle: phone, phone },
        text: `message ${round} of ticket ${i} about order ref${i}: ${'lorem ipsum '.repeat(5)}`,
        attachments: [],
        threading: { conversationId: phone },
      });
    }
    const chunks: Array<typeof events> = [];
    for (let k = 0; k < events.length; k += batch) chunks.push(events.slice(k, k + batch));
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < chunks.length) await core.ingest.accept(chunks[next++]!);
      }),
    );
    await core.ingest.drain();
  }
  const acceptedSeconds = (performance.now() - t0) / 1000;
  // Agent work on the new tickets, each an audit event: nine in ten solved (a helpdesk's history is mostly
  // done work); of the open tenth, three quarters in a department, one in eight assigned, one in five high.
  const all = await modelsOf(core).Ticket.find({ inboxId: new Types.ObjectId(f.inboxId) }, { _id: 1, replyTo: 1 }).lean();
  const index = (h: string) => Number(h.slice(-8)) - 10_000_000;
  const work = all.map((t) => ({ id: String(t._id), i: index(t.replyTo.handle) })).filter((w) => w.i >= from && w.i < to);
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < work.length) {
        const { id, i } = work[next++]!;
        if (i % 10 !== 0) {
          await core.tickets.setStatus(f.admin, id, 'solved');
          continue;
        }
        const j = i / 10;
        if (j % 4 !== 3) await core.tickets.transfer(f.admin, id, String(f.departments[j % 3]));
        if (j % 8 === 0) await core.tickets.assign(f.admin, id, f.agent.id);
        if (j % 5 === 1) await core.tickets.setPriority(f.admin, id, 'high');
      }
    }),
  );
  return { acceptedSeconds, totalSeconds: (performance.now() - t0) / 1000 };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

async function measure(core: Core, f: Fixture, size: number) {
  const list = (viewer: Viewer, q: Record<string, string>) => () => core.tickets.list(viewer, TicketListQuerySchema.parse({ limit: '100', ...q }));
  const active = 'new,open,pending,on-hold';
  // A ticket from the middle of the seeded range, as an agent opens it.
  const sample = await core.tickets.list(f.admin, TicketListQuerySchema.parse({ status: active, departmentId: String(f.departments[0]), sort: 'lastMessage', limit: '1' }));
  const ticket = sample.items[0]!;
  const rows: Array<[string, number]> = [
    ['inbox: mine (sla)', await timed(list(f.agent, { assignee: 'me', status: active }))],
    ['inbox: unassigned (sla)', await timed(list(f.agent, { assignee: 'unassigned', status: active }))],
    ['inbox: department (sla)', await timed(list(f.agent, { departmentId: String(f.departments[0]), status: active }))],
    ['inbox: all open, agent (sla)', await timed(list(f.agent, { status: active }))],
    ['inbox: all open, admin (sla)', await timed(list(f.admin, { status: active }))],
    ['inbox: all open (last message)', await timed(list(f.admin, { status: active, sort: 'lastMessage' }))],
    ['inbox: solved (last message)', await timed(list(f.admin, { status: 'solved', sort: 'lastMessage' }))],
    ['ticket detail', await timed(() => core.tickets.get(f.agent, String(ticket._id)))],
    ['ticket thread (first page)', await timed(async () => core.threads.list(await core.tickets.get(f.agent, String(ticket._id)), { limit: 50 }))],
    // What the console reads when a ticket opens: its newest page.
    ['ticket thread (newest page)', await timed(async () => core.threads.list(await core.tickets.get(f.agent, String(ticket._id)), { before: 'end', limit: 100 }))],
    ['ticket audit', await timed(() => core.tickets.auditTrail(f.agent, String(ticket._id)))],
    ['contact page', await timed(() => core.contacts.detail(f.agent, String(ticket.contactId)))],
    ['contacts: list, agent', await timed(() => core.contacts.search(f.agent, undefined, 50))],
    ['contacts: list, admin', await timed(() => core.contacts.search(f.admin, undefined, 50))],
  ];
  // Search as an agent (visibility filtered): a word in every ticket, a rare one, a ticket number, no match.
  await core.search.settled();
  const searches: Array<[string, string]> = [
    ['search: common word', 'lorem'],
    ['search: rare reference', `ref${Math.floor(size / 3)}`],
    ['search: ticket number', `#${Math.floor(size / 2)}`],
    ['search: no match', 'zebra'],
  ];
  for (const [name, q] of searches) rows.push([name, await timed(() => core.search.tickets(f.agent, { q, limit: 25 }))]);
  const stored = await modelsOf(core).Ticket.countDocuments({});
  console.log(`\n${size} tickets asked, ${stored} stored; open-work projection ${core.openWork.ready ? 'on' : 'off'} — medians of ${runs} runs (ms)`);
  for (const [name, ms] of rows) console.log(`  ${name.padEnd(32)} ${ms.toFixed(1).padStart(9)}`);
  // The projection lives in the hub's memory: what the whole process holds after a collection, for scale.
  globalThis.gc?.();
  const held = (await core.openWork.entries()).length;
  const { heapUsed, rss } = process.memoryUsage();
  console.log(`  open-work entries ${held}; hub heap ${(heapUsed / 1048576).toFixed(0)} MiB, rss ${(rss / 1048576).toFixed(0)} MiB${globalThis.gc ? ' (after gc)' : ''}`);
}

async function main() {
  const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent', INGEST_SWEEP_INTERVAL_MS: '600000' } as Record<string, string>);
  const logger = createLogger('silent');
  const keep = values['data-dir'];
  const dataDir = keep ?? (await mkdtemp(path.join(os.tmpdir(), 'ponte-bench-inbox-')));
  await mkdir(dataDir, { recursive: true });
  const db = await startDatabase({ uri: benchDatabaseUri(config.database.uri), dataDir, embedded: 'ferretdb', ferretdbBinary: config.database.ferretdbBinary, logger, dbName: 'bench_inbox' });
  const connection = await connectMongoose(db.uri, logger);
  const core = createCore({ config, connection, logger, secret: 'bench-secret-'.padEnd(40, 'x'), channels: { adapterFor: () => undefined }, ownsDatabase: !config.database.uri });
  const t0 = performance.now();
  await core.start();
  console.log(`database ${db.kind}; ${messagesPerTicket} messages per ticket; core started in ${(performance.now() - t0).toFixed(0)} ms`);
  // The open-work projection is rebuilt from the tickets at start (embedded database only).
  const t1 = performance.now();
  const projected = await core.openWork.whenReady();
  console.log(`open-work projection ${projected ? `ready in ${(performance.now() - t1).toFixed(0)} ms` : 'off (MongoDB: indexes)'}`);
  const f = await fixture(core);
  if (values['measure-only']) {
    // A restart's background work (the catch-up of pending events; once, after an upgrade, the message-key
    // backfill) competes with every read: how long it takes, then the reads on a settled hub.
    const t2 = performance.now();
    const keyed = await core.messageKeys.backfill();
    while (core.ingest.backlogProgress().catchingUp) await new Promise((r) => setTimeout(r, 250));
    console.log(`start-up background work settled ${((performance.now() - t2) / 1000).toFixed(1)} s after the projection (message keys: ${keyed.skipped ?? `${keyed.messages} messages keyed`})`);
  }
  if (values['measure-only']) await measure(core, f, await modelsOf(core).Ticket.countDocuments({ inboxId: new Types.ObjectId(f.inboxId) }));
  for (const size of values['measure-only'] ? [] : sizes) {
    const have = await modelsOf(core).Ticket.countDocuments({ inboxId: new Types.ObjectId(f.inboxId) });
    if (have < size) {
      // A run stopped part way (a data dir kept) is resumed from the last size it finished: accepting an event
      // again is a no-op (its provider key is taken), so the rounds and the agent actions are completed.
      const from = Math.max(0, ...sizes.filter((s) => s <= have));
      const s = await seed(core, f, from, size);
      console.log(`seeded tickets ${from}..${size} (${have} stored before): accepted + processed in ${s.acceptedSeconds.toFixed(0)} s, with agent actions ${s.totalSeconds.toFixed(0)} s`);
    }
    await measure(core, f, size);
  }
  await core.stop();
  if (db.kind === 'mongodb') await connection.dropDatabase();
  await disconnect(connection);
  await db.stop();
  if (!keep) await rm(dataDir, { recursive: true, force: true });
}

// Exit explicitly: agenda leaves a job-lock watchdog timer (half the lock lifetime) running after it stops.
main().then(() => process.exit(process.exitCode ?? 0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
