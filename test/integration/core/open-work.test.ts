import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Types } from 'mongoose';
import { toTicketSummary } from '../../../src/core/events/views.js';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { servedByOpenWork } from '../../../src/core/tickets/open-work-query.js';
import { listTickets, TicketListQuerySchema } from '../../../src/core/tickets/ticket-queries.js';
import type { Viewer } from '../../../src/core/users/viewer.js';
import { createInbox, createUser, smsEvent, startTestCore, type TestCore } from '../../support/test-core.js';

let t: TestCore;
let deps: Types.ObjectId[];
let agent: Viewer;
let otherAgent: Viewer;
let admin: Viewer;
let ticketIds: string[];
const active = 'new,open,pending,on-hold';

beforeAll(async () => {
  t = await startTestCore();
  const m = modelsOf(t.core);
  deps = (await m.Department.insertMany([{ name: 'Sales' }, { name: 'Support' }])).map((d) => d._id);
  agent = await createUser(t.core, 'agent', [deps[0]!]);
  otherAgent = await createUser(t.core, 'agent', [deps[1]!]);
  admin = await createUser(t.core, 'admin');
  const inbox = String((await createInbox(t.core))._id);
  const base = Date.now() - 3_600_000;
  await t.core.ingest.accept(
    Array.from({ length: 24 }, (_, i) =>
      smsEvent(inbox, { sid: `OW${i}`, from: `+55119${String(20_000_000 + i)}`, text: i % 5 === 0 ? `Invoice question ${i}` : `hello ${i}`, at: new Date(base + (i % 7) * 1000) }),
    ),
  );
  await t.core.ingest.drain();
  ticketIds = (await m.Ticket.find({}, { _id: 1 }).sort({ number: 1 }).lean()).map((x) => String(x._id));
  // A spread of what agents do, so every filter has something to keep and something to drop.
  for (const [i, id] of ticketIds.entries()) {
    if (i % 3 === 0) await t.core.tickets.transfer(admin, id, String(deps[0]));
    if (i % 3 === 1) await t.core.tickets.transfer(admin, id, String(deps[1]));
    if (i % 4 === 0) await t.core.tickets.assign(admin, id, agent.id);
    if (i % 6 === 1) await t.core.tickets.assign(admin, id, otherAgent.id);
    if (i % 5 === 2) await t.core.tickets.setPriority(admin, id, 'urgent');
    if (i % 4 === 3) await t.core.tickets.changeTags(admin, id, ['vip'], []);
    if (i % 7 === 2) await t.core.tickets.setStatus(admin, id, 'pending');
    if (i % 8 === 5) await t.core.tickets.setStatus(admin, id, 'solved');
    if (i % 9 === 4) await t.core.tickets.snooze(admin, id, new Date(Date.now() + 3_600_000));
  }
  await t.core.tickets.merge(admin, ticketIds[22]!, ticketIds[23]!);
});
afterAll(async () => {
  await t?.stop();
});

const queries = (): Array<Record<string, string>> => [
  { status: active },
  { status: active, sort: 'lastMessage' },
  { status: active, sort: 'created' },
  { status: active, assignee: 'me' },
  { status: active, assignee: 'unassigned' },
  { status: active, assignee: otherAgent.id },
  { status: active, departmentId: String(deps[0]) },
  { status: active, departmentId: String(deps[1]), sort: 'lastMessage' },
  { status: 'open', priority: 'urgent' },
  { status: 'pending,on-hold' },
  { status: active, tag: 'vip' },
  { status: active, q: 'invoice' },
  { status: active, q: '#3' },
  { status: active, channel: 'sms,email' },
];

/** Every page of a list, walked with the cursor (small pages so the cursor is exercised). */
async function allPages(list: (cursor?: string) => Promise<{ items: unknown[]; nextCursor: string | null }>) {
  const out: unknown[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 50; page++) {
    const r = await list(cursor);
    out.push(...r.items);
    if (!r.nextCursor) return out;
    cursor = r.nextCursor;
  }
  throw new Error('pagination did not end');
}

async function expectSameAsTicketsQuery() {
  const models = modelsOf(t.core);
  for (const viewer of [agent, otherAgent, admin]) {
    for (const q of queries()) {
      const parse = (cursor?: string) => TicketListQuerySchema.parse({ ...q, limit: '4', ...(cursor ? { cursor } : {}) });
      expect(servedByOpenWork(parse())).toBe(true);
      const fromProjection = await allPages((c) => t.core.tickets.list(viewer, parse(c)));
      const fromTickets = await allPages((c) => listTickets(models, viewer, parse(c)));
      const summaries = (rows: unknown[]) => rows.map((r) => toTicketSummary(r as Parameters<typeof toTicketSummary>[0]));
      expect({ viewer: viewer.id, q, rows: summaries(fromProjection) }).toEqual({ viewer: viewer.id, q, rows: summaries(fromTickets) });
    }
  }
}

describe('open-work projection (inbox views on the embedded database)', () => {
  it('answers every open view — filters, sorts, visibility, cursor pages — exactly as the tickets query does', async () => {
    expect(await t.core.openWork.whenReady()).toBe(true);
    await expectSameAsTicketsQuery();
    // The views are not trivially empty: the comparison has something to compare.
    const mine = await t.core.tickets.list(agent, TicketListQuerySchema.parse({ status: active, assignee: 'me' }));
    expect(mine.items.length).toBeGreaterThan(2);
  });

  it('is read-your-writes: a change is in the next list, a solved ticket leaves it', async () => {
    const id = ticketIds[1]!;
    const mine = () => t.core.tickets.list(agent, TicketListQuerySchema.parse({ status: active, assignee: 'me', limit: '100' })).then((p) => p.items.map((x) => String(x._id)));
    await t.core.tickets.assign(admin, id, agent.id);
    expect(await mine()).toContain(id);
    await t.core.tickets.setStatus(admin, id, 'solved');
    expect(await mine()).not.toContain(id);
    // A new customer message moves lastMessageAt: the entry follows.
    const inbox = String((await modelsOf(t.core).Inbox.findOne().lean())!._id);
    const ticket = await modelsOf(t.core).Ticket.findById(ticketIds[0]).lean();
    const at = new Date();
    await t.core.ingest.accept([smsEvent(inbox, { sid: 'OW-late', from: ticket!.replyTo.handle, at })]);
    await t.core.ingest.drain();
    const top = await t.core.tickets.list(admin, TicketListQuerySchema.parse({ status: active, sort: 'lastMessage', limit: '1' }));
    expect(String(top.items[0]!._id)).toBe(ticketIds[0]);
    expect(top.items[0]!.lastMessageAt.getTime()).toBe(at.getTime());
    await expectSameAsTicketsQuery();
  });

  it('is rebuilt from the tickets at start: lost or wrong buckets are corrected', async () => {
    const buckets = t.db.connection.db!.collection<{ _id: string }>('open_work');
    // Damage: one bucket gone, a ghost entry in another.
    await buckets.deleteOne({ _id: 'bucket:3' });
    await buckets.updateOne({ _id: 'bucket:5' }, { $set: { 'e.000000000000000000000005': { ...(await modelsOf(t.core).Ticket.findById(ticketIds[0]).lean())!, status: 'open' } } });
    const damaged = await t.core.tickets.list(admin, TicketListQuerySchema.parse({ status: active, limit: '100' }));
    const truth = await listTickets(modelsOf(t.core), admin, TicketListQuerySchema.parse({ status: active, limit: '100' }));
    expect(damaged.items.map((x) => String(x._id))).not.toEqual(truth.items.map((x) => String(x._id)));
    const second = await startTestCore({}, t.db);
    try {
      expect(await second.core.openWork.whenReady()).toBe(true);
      await expectSameAsTicketsQuery();
    } finally {
      await second.stop();
    }
  });
});
