import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Types } from 'mongoose';
import { toTicketSummary } from '../../../src/core/events/views.js';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { OpenWork } from '../../../src/core/tickets/open-work.js';
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
  // Solved tickets are held too (the Solved view, the auto-close and rating sweeps).
  { status: 'solved', sort: 'lastMessage' },
  { status: 'solved', departmentId: String(deps[0]) },
  { status: `${active},solved`, assignee: 'me' },
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

async function expectSameAsTicketsQuery(core: TestCore['core'] = t.core) {
  const models = modelsOf(core);
  for (const viewer of [agent, otherAgent, admin]) {
    for (const q of queries()) {
      const parse = (cursor?: string) => TicketListQuerySchema.parse({ ...q, limit: '4', ...(cursor ? { cursor } : {}) });
      expect(servedByOpenWork(parse())).toBe(true);
      const fromProjection = await allPages((c) => core.tickets.list(viewer, parse(c)));
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

  it('is built from the tickets at every start: a change made behind its back (no event) is corrected by the next start', async () => {
    const m = modelsOf(t.core);
    // Written straight to the database, as no code of the hub does (every ticket write announces itself).
    const openId = ticketIds.find((_, i) => i % 8 !== 5 && i % 9 !== 4 && i < 22)!;
    await m.Ticket.updateOne({ _id: openId }, { $set: { status: 'solved' } });
    const list = (core: TestCore['core']) => core.tickets.list(admin, TicketListQuerySchema.parse({ status: active, limit: '100' })).then((p) => p.items.map((x) => String(x._id)));
    expect(await list(t.core)).toContain(openId);
    // Earlier versions stored the projection in `open_work`: a start drops it.
    await t.db.connection.db!.collection<{ _id: string }>('open_work').insertOne({ _id: 'bucket:0' });
    // The projection's build is held up a moment, as a big install's (20 s at 50,000 tickets) is.
    const proto = OpenWork.prototype as unknown as { rebuild(): Promise<void> };
    const rebuild = proto.rebuild;
    const slow = vi.spyOn(proto, 'rebuild').mockImplementation(async function (this: unknown) {
      await new Promise((r) => setTimeout(r, 500));
      return rebuild.call(this);
    });
    const second = await startTestCore({}, t.db);
    slow.mockRestore();
    try {
      expect(second.core.openWork.ready).toBe(false);
      // While it is built a sweep gets no candidates (its next round does), and a list waits for it: neither
      // reads every ticket.
      expect(await second.core.openWork.dueScan(() => true)).toEqual([]);
      const find = vi.spyOn(m.Ticket, 'find');
      try {
        expect(await list(second.core)).not.toContain(openId);
        expect(find).not.toHaveBeenCalled();
      } finally {
        find.mockRestore();
      }
      expect(await second.core.openWork.whenReady()).toBe(true);
      expect((await second.core.openWork.dueScan(() => true))!.length).toBeGreaterThan(0);
      expect(await list(second.core)).not.toContain(openId);
      await expectSameAsTicketsQuery(second.core);
      expect(await t.db.connection.db!.listCollections({ name: 'open_work' }).toArray()).toEqual([]);
    } finally {
      await second.stop();
    }
  });
});
