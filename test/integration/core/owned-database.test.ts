import { Collection } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { TicketListQuerySchema } from '../../../src/core/tickets/ticket-queries.js';
import { createInbox, createUser, smsEvent, startTestCore, type TestCore } from '../../support/test-core.js';

/**
 * A core on a database of its own (the embedded one `npm start` launches) takes the tickets its last write
 * left as stored (`TicketLocks.lastKnown`): a conversation's next message reads no ticket, nor does the
 * open-work projection. These tests check that every other change still wins: an agent's status, merge and
 * assignment in between (writes that hand over no ticket), and a second process joining the database.
 */
let t: TestCore;
let inbox: string;
let tickets: string[];
beforeAll(async () => {
  t = await startTestCore({ REOPEN_WINDOW_DAYS: '0' });
  inbox = String((await createInbox(t.core, 'sms'))._id);
});
afterAll(async () => {
  await t.stop();
});

async function ingest(core: TestCore['core'], sid: string, from: string, text = `hello ${sid}`) {
  await core.ingest.accept([smsEvent(inbox, { sid, from, text })]);
  await core.ingest.drain();
  return String((await modelsOf(core).Message.findOne({ providerKey: `sms:${sid}` }).lean())!.ticketId);
}

/** Counts reads of the `tickets` collection (the driver's `find`, which `findOne` uses too) while `fn` runs. */
async function ticketReads(fn: () => Promise<unknown>): Promise<number> {
  const find = Collection.prototype.find;
  let reads = 0;
  Collection.prototype.find = function (this: Collection, ...args: Parameters<Collection['find']>) {
    if (this.collectionName === 'tickets') reads++;
    return find.apply(this, args);
  } as Collection['find'];
  try {
    await fn();
  } finally {
    Collection.prototype.find = find;
  }
  return reads;
}

describe('a hub that owns its database', () => {
  it("reads no ticket for a conversation's next message, and the inbox still shows it as stored", async () => {
    tickets = [await ingest(t.core, 'OD-1', '+5511900000901')];
    const reads = await ticketReads(() => ingest(t.core, 'OD-2', '+5511900000901', 'second words'));
    expect(reads).toBe(0);
    // The counter counts: an agent's write hands over no ticket, so the next message reads it.
    const admin0 = await createUser(t.core, 'admin');
    await t.core.tickets.setPriority(admin0, tickets[0]!, 'high');
    expect(await ticketReads(() => ingest(t.core, 'OD-2b', '+5511900000901'))).toBeGreaterThan(0);
    expect(await ingest(t.core, 'OD-3', '+5511900000901')).toBe(tickets[0]);
    const admin = await createUser(t.core, 'admin');
    const list = await t.core.tickets.list(admin, TicketListQuerySchema.parse({ status: 'new,open,pending,on-hold', limit: '100' }));
    const entry = list.items.find((x) => String(x._id) === tickets[0])!;
    const stored = (await modelsOf(t.core).Ticket.findById(tickets[0]).lean())!;
    expect(entry.lastMessageAt.getTime()).toBe(stored.lastMessageAt.getTime());
    expect(entry.updatedAt.getTime()).toBe(stored.updatedAt.getTime());
    expect(entry.lastMessagePreview).toBe(stored.lastMessagePreview);
  });

  it('an agent solving the ticket in between: the next message starts a follow-up, not a line in the solved ticket', async () => {
    const admin = await createUser(t.core, 'admin');
    await t.core.tickets.setStatus(admin, tickets[0]!, 'solved');
    const next = await ingest(t.core, 'OD-4', '+5511900000901');
    expect(next).not.toBe(tickets[0]);
    expect((await modelsOf(t.core).Ticket.findById(next).lean())!.previousTicketId?.toString()).toBe(tickets[0]);
    tickets.push(next);
  });

  it('an agent merging the ticket in between: the next message lands in the surviving ticket', async () => {
    const admin = await createUser(t.core, 'admin');
    const other = await ingest(t.core, 'OD-5', '+5511900000902');
    await ingest(t.core, 'OD-6', '+5511900000901');
    await t.core.tickets.merge(admin, tickets[1]!, other);
    expect(await ingest(t.core, 'OD-7', '+5511900000901')).toBe(other);
  });

  it('a second process joining the database: what it writes is read, not assumed', async () => {
    const from = '+5511900000903';
    const first = await ingest(t.core, 'OD-8', from);
    await ingest(t.core, 'OD-9', from);
    const b = await startTestCore({ REOPEN_WINDOW_DAYS: '0' }, t.db);
    try {
      const admin = await createUser(b.core, 'admin');
      await b.core.tickets.setStatus(admin, first, 'solved');
      // This process never saw that write: it must read the ticket, find it solved and start a follow-up.
      const next = await ingest(t.core, 'OD-10', from);
      expect(next).not.toBe(first);
    } finally {
      await b.stop();
    }
  });
});
