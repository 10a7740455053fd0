import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Model } from 'mongoose';
import { Types } from 'mongoose';
import { connectMongoose, disconnect } from '../../../src/core/db/connect.js';
import { createLogger } from '../../../src/core/logging/logger.js';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { readAuditTrail } from '../../../src/core/audit/audit-trail.js';
import { listThread } from '../../../src/core/tickets/thread-queries.js';
import { listTickets, TicketListQuerySchema } from '../../../src/core/tickets/ticket-queries.js';
import { SnoozeWake } from '../../../src/core/tickets/snooze-wake.js';
import { systemClock } from '../../../src/core/time/clock.js';
import { startTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { createInbox, createUser, smsEvent, startTestCore, type TestCore } from '../../support/test-core.js';
import { servedByIndex, uncovered, type IndexKeys, type QueryShape } from '../../support/index-coverage.js';

/**
 * Every list, thread, audit and contact query the code issues, recorded from the
 * driver's command events while the real operations run, checked against the
 * indexes the models declare: a shape no index serves would read the whole
 * collection on MongoDB (FerretDB reads it whole anyway; there the open-work
 * projection and `_id` reads carry the load).
 */
let db: TestDatabase;
let monitored: TestDatabase;
let t: TestCore;
const shapes: QueryShape[] = [];
let origin = 'setup';

beforeAll(async () => {
  db = await startTestDatabase();
  const connection = await connectMongoose(db.uri, createLogger('silent'), { monitorCommands: true });
  monitored = { ...db, connection, stop: () => disconnect(connection) };
  connection.getClient().on('commandStarted', (e) => {
    const c = e.command as Record<string, unknown>;
    const name = e.commandName;
    const collection = String(c[name]);
    // The driver sends a sort as a Map.
    const sort = c.sort instanceof Map ? (Object.fromEntries(c.sort) as Record<string, 1 | -1>) : (c.sort as Record<string, 1 | -1> | undefined);
    if (name === 'find') shapes.push({ collection, filter: (c.filter ?? {}) as Record<string, unknown>, ...(sort && Object.keys(sort).length ? { sort } : {}), origin });
    else if (name === 'count') shapes.push({ collection, filter: (c.query ?? {}) as Record<string, unknown>, origin });
    else if (name === 'update' || name === 'delete') {
      for (const op of (c.updates ?? c.deletes) as Array<{ q: Record<string, unknown> }>) shapes.push({ collection, filter: op.q, origin });
    } else if (name === 'findAndModify') shapes.push({ collection, filter: (c.query ?? {}) as Record<string, unknown>, origin });
  });
  t = await startTestCore({}, monitored);
});
afterAll(async () => {
  await t?.stop();
  await db?.stop();
});

/** The indexes a model's schema declares (plus `_id`), by collection name. */
function declaredIndexes(): Map<string, IndexKeys[]> {
  const out = new Map<string, IndexKeys[]>();
  for (const model of Object.values(modelsOf(t.core)) as Array<Model<unknown>>) {
    out.set(model.collection.collectionName, model.schema.indexes().map(([keys]) => Object.entries(keys) as IndexKeys));
  }
  return out;
}

const checked = new Set(['tickets', 'messages', 'audit_events', 'contacts', 'contact_identities']);

describe('index coverage (MongoDB)', () => {
  it('every list filter and sort, the thread, the audit trail and the contact lookups are served by a declared index', async () => {
    const m = modelsOf(t.core);
    const dep = (await m.Department.insertMany([{ name: 'Support' }]))[0]!._id;
    const agent = await createUser(t.core, 'agent', [dep]);
    const admin = await createUser(t.core, 'admin');
    const inbox = String((await createInbox(t.core))._id);
    await t.core.ingest.accept([smsEvent(inbox, { sid: 'IX1', from: '+5511930000001' }), smsEvent(inbox, { sid: 'IX2', from: '+5511930000002' })]);
    await t.core.ingest.drain();
    const ticket = (await m.Ticket.findOne().lean())!;
    const id = String(ticket._id);

    // The tickets query as MongoDB runs it (no open-work projection there): every filter alone and the
    // console's combinations, each sort, first page and a cursor page, for an agent and an admin.
    const filters: Array<Record<string, string>> = [
      {},
      { status: 'open' },
      { status: 'new,open,pending,on-hold' },
      { status: 'solved,closed' },
      { priority: 'urgent' },
      { channel: 'sms' },
      { inboxId: inbox },
      { departmentId: String(dep) },
      { assignee: 'me' },
      { assignee: 'unassigned' },
      { assignee: agent.id },
      { tag: 'vip' },
      { contactId: String(ticket.contactId) },
      { status: 'new,open,pending,on-hold', assignee: 'me' },
      { status: 'new,open,pending,on-hold', assignee: 'unassigned' },
      { status: 'new,open,pending,on-hold', departmentId: String(dep) },
    ];
    for (const viewer of [agent, admin]) {
      for (const f of filters) {
        for (const sort of ['sla', 'lastMessage', 'created']) {
          origin = `list ${viewer.role} ${JSON.stringify(f)} sort=${sort}`;
          const page = await listTickets(m, viewer, TicketListQuerySchema.parse({ ...f, sort, limit: '1' }));
          if (page.nextCursor) await listTickets(m, viewer, TicketListQuerySchema.parse({ ...f, sort, limit: '1', cursor: page.nextCursor }));
        }
      }
    }
    origin = 'ticket detail';
    await t.core.tickets.get(agent, id);
    origin = 'thread as served (FerretDB: by thread entries)';
    const served = await t.core.threads.list(ticket, { limit: 1 });
    if (served.nextCursor) await t.core.threads.list(ticket, { limit: 1, after: served.nextCursor });
    origin = 'thread newest page as served (the console opens a ticket at its end)';
    const newestServed = await t.core.threads.list(ticket, { limit: 1, before: 'end' });
    if (newestServed.prevCursor) await t.core.threads.list(ticket, { limit: 1, before: newestServed.prevCursor });
    // The query: MongoDB's thread, and FerretDB's for a ticket whose thread entries are incomplete.
    origin = 'thread';
    const thread = await listThread(m, ticket, { limit: 1 });
    origin = 'thread next page';
    if (thread.nextCursor) await listThread(m, ticket, { limit: 1, after: thread.nextCursor });
    origin = 'thread newest page';
    const newest = await listThread(m, ticket, { limit: 1, before: 'end' });
    origin = 'thread previous page';
    await listThread(m, ticket, { limit: 1, before: newest.prevCursor ?? `${Date.now()}_${String(ticket._id)}` });
    origin = 'audit trail';
    await t.core.tickets.auditTrail(admin, id);
    origin = 'audit trail by query (events older than derived ids)';
    await readAuditTrail(m, new Types.ObjectId(id), 0, 1).then(() => m.AuditEvent.find({ ticketId: ticket._id, seq: { $gt: 0 } }).sort({ seq: 1 }).limit(1).lean());
    origin = 'audit verify';
    await t.core.tickets.verifyAudit(admin, id);
    origin = 'sync check';
    await t.core.tickets.syncCheck(agent, { [id]: 0 });
    origin = 'contact page';
    await t.core.contacts.detail(admin, String(ticket.contactId));
    origin = 'contact search (agent: visible contacts)';
    await t.core.contacts.search(agent, undefined, 10);
    origin = 'snoozed tickets due (the wake sweep on MongoDB)';
    await new SnoozeWake(m, t.core.tickets, systemClock, createLogger('silent')).run();

    const mine = shapes.filter((s) => checked.has(s.collection) && s.origin !== 'setup');
    expect(mine.length).toBeGreaterThan(100);
    const indexes = declaredIndexes();
    const missing = uncovered(mine, (c) => indexes.get(c));
    expect(missing.map((s) => `${s.origin}: ${s.collection} ${JSON.stringify(s.filter)} sort ${JSON.stringify(s.sort ?? {})}`)).toEqual([]);
  });

  it('fails when an index is missing: without (ticketId, occurredAt) the thread reads every message', () => {
    const thread = shapes.filter((s) => ['thread', 'thread newest page', 'thread previous page'].includes(s.origin) && s.collection === 'messages');
    expect(new Set(thread.map((s) => s.origin))).toEqual(new Set(['thread', 'thread newest page', 'thread previous page']));
    // The backward reads: the same index, walked from its other end.
    expect(thread.filter((s) => s.sort?.occurredAt === -1 && s.sort?._id === -1).length).toBe(2);
    const indexes = declaredIndexes();
    const without = (indexes.get('messages') ?? []).filter((ix) => ix[0]![0] !== 'ticketId');
    expect(uncovered(thread, (c) => (c === 'messages' ? without : indexes.get(c)))).toHaveLength(thread.length);
    expect(uncovered(thread, (c) => indexes.get(c))).toHaveLength(0);
  });

  it('the rules: a first-field bound or a whole sort serves; a later field, $ne, an unanchored regex or a half-served $or does not', () => {
    const ix: IndexKeys[] = [[['status', 1]], [['slaDueAt', 1], ['_id', 1]], [['departmentId', 1], ['status', 1]]];
    expect(servedByIndex({ status: { $in: ['open'] } }, undefined, ix)).toBe(true);
    expect(servedByIndex({ subject: { $regex: 'x', $options: 'i' } }, { slaDueAt: 1, _id: 1 }, ix)).toBe(true);
    expect(servedByIndex({ subject: { $regex: 'x', $options: 'i' } }, { lastMessageAt: -1, _id: -1 }, ix)).toBe(false);
    expect(servedByIndex({ tags: 'vip' }, undefined, ix)).toBe(false);
    expect(servedByIndex({ status: { $ne: 'open' } }, undefined, ix)).toBe(false);
    expect(servedByIndex({ $or: [{ departmentId: { $in: [] } }, { assigneeId: 'a' }] }, undefined, ix)).toBe(false);
    expect(servedByIndex({ $or: [{ departmentId: { $in: [] } }, { departmentId: { $exists: false } }] }, undefined, ix)).toBe(true);
  });
});
