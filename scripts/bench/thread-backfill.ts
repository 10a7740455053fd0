/**
 * The thread-entry backfill at an install's size: N tickets written the way hubs before thread entries
 * wrote them (no `threadEntries` flag, no entries), M messages each, then the backfill a hub runs at start
 * — its time, and a ticket's first thread page before (the `(ticketId, occurredAt)` query, a full read on
 * the embedded FerretDB) and after (by `_id` through the entries).
 *
 *   npx tsx scripts/bench/thread-backfill.ts [--tickets 10000] [--messages 3] [--runs 5]
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Types } from 'mongoose';
import { loadConfig } from '../../src/core/config/config.js';
import { createCore } from '../../src/core/create-core.js';
import { connectMongoose, disconnect } from '../../src/core/db/connect.js';
import { startDatabase } from '../../src/core/db/start-database.js';
import { createLogger } from '../../src/core/logging/logger.js';
import { modelsOf } from '../../src/core/models/models-of.js';
import type { Ticket } from '../../src/core/models/ticket.js';
import { ThreadBackfill } from '../../src/core/tickets/thread-backfill.js';
import { ThreadEntries } from '../../src/core/tickets/thread-entries.js';
import { listThread } from '../../src/core/tickets/thread-queries.js';
import { benchDatabaseUri } from './bench-database.js';

const { values } = parseArgs({ options: { tickets: { type: 'string', default: '10000' }, messages: { type: 'string', default: '3' }, runs: { type: 'string', default: '5' } } });
const total = Number(values.tickets);
const perTicket = Number(values.messages);
const runs = Number(values.runs);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent' } as Record<string, string>);
  const logger = createLogger('silent');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ponte-bench-backfill-'));
  const db = await startDatabase({ uri: benchDatabaseUri(config.database.uri), dataDir, embedded: 'ferretdb', ferretdbBinary: config.database.ferretdbBinary, logger, dbName: `bench_${Date.now()}` });
  const connection = await connectMongoose(db.uri, logger);
  const core = createCore({ config, connection, logger, secret: 'bench-secret-'.padEnd(40, 'x'), channels: { adapterFor: () => undefined }, ownsDatabase: !config.database.uri });
  const models = modelsOf(core);
  try {
    // Written directly (old hubs' shape), in bulk: what is measured is the backfill, not the seeding.
    const t0 = performance.now();
    const inboxId = new Types.ObjectId();
    const contactId = new Types.ObjectId();
    const base = Date.now() - 60 * 86_400_000;
    const ids: Types.ObjectId[] = [];
    for (let from = 0; from < total; from += 500) {
      const tickets = [];
      const messages = [];
      for (let i = from; i < Math.min(total, from + 500); i++) {
        const _id = new Types.ObjectId();
        ids.push(_id);
        const at = new Date(base + i * 1000);
        tickets.push({ _id, number: i + 1, subject: `Ticket ${i + 1}`, status: 'open', priority: 'normal', channel: 'sms', inboxId, contactId, tags: [], mergedTicketIds: [], lastMessageAt: new Date(at.getTime() + perTicket), createdAt: at, updatedAt: at });
        for (let k = 0; k < perTicket; k++) {
          messages.push({ _id: new Types.ObjectId(), ticketId: _id, inboxId, channel: 'sms', direction: 'inbound', kind: 'message', text: `message ${k} of ${i + 1}`, occurredAt: new Date(at.getTime() + k), attachments: [], createdAt: at });
        }
      }
      await models.Ticket.collection.insertMany(tickets as never[]);
      await models.Message.collection.insertMany(messages as never[]);
    }
    console.log(`database                 ${db.kind}`);
    console.log(`seeded                   ${total} tickets × ${perTicket} messages without entries in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const sample = ids.filter((_, i) => i % Math.max(1, Math.floor(total / runs)) === 0).slice(0, runs);
    const readAll = async () => {
      const times: number[] = [];
      for (const id of sample) {
        const ticket = (await models.Ticket.findById(id).lean()) as Ticket;
        const s = performance.now();
        const page = await listThread(models, ticket, { limit: 50, byEntries: true });
        times.push(performance.now() - s);
        if (page.items.length !== perTicket) throw new Error(`thread of ${String(id)}: ${page.items.length} messages, expected ${perTicket}`);
      }
      return times;
    };
    const before = await readAll();
    console.log(`thread page before       median ${median(before).toFixed(1)} ms (${before.map((t) => t.toFixed(1)).join(', ')})`);

    const cpu0 = process.cpuUsage();
    const result = await new ThreadBackfill(models, new ThreadEntries(models), logger).run();
    const used = process.cpuUsage(cpu0);
    const cpu = (used.user + used.system) / 1000;
    console.log(`backfill                 ${result.tickets} tickets, ${result.messages} entries in ${(result.ms / 1000).toFixed(1)} s = ${((result.tickets / result.ms) * 1000).toFixed(0)} tickets/s; hub CPU ${(cpu / result.tickets).toFixed(2)} ms per ticket`);
    const after = await readAll();
    console.log(`thread page after        median ${median(after).toFixed(1)} ms (${after.map((t) => t.toFixed(1)).join(', ')})`);
    const again = await new ThreadBackfill(models, new ThreadEntries(models), logger).run();
    console.log(`second start             ${again.skipped ?? 'ran again'} (${again.tickets} tickets)`);
  } finally {
    await disconnect(connection);
    await db.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

// Exit explicitly, as the other benches: nothing must keep a finished benchmark waiting.
main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
