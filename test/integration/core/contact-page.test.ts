import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Types } from 'mongoose';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { visibilityFilter } from '../../../src/core/tickets/visibility.js';
import type { Viewer } from '../../../src/core/users/viewer.js';
import { createInbox, createUser, smsEvent, startTestCore, type TestCore } from '../../support/test-core.js';

/**
 * The contact page on the embedded database reads a contact's tickets from the open-work projection's
 * contact index and by `_id`, not by a query on `contactId` (a read of every ticket there). Its answer must
 * be the query's: every status (closed too), merged contacts' tickets, the agent's visibility, new tickets.
 */
let t: TestCore;
let inbox: string;
let deps: Types.ObjectId[];
let admin: Viewer;
let agent: Viewer;
const ana = '+5511955500001';
const bruno = '+5511955500002';
let seq = 0;

async function message(from: string, text = 'hello') {
  await t.core.ingest.accept([smsEvent(inbox, { sid: `CP${seq++}`, from, text })]);
  await t.core.ingest.drain();
}
const contactOf = async (phone: string) => (await modelsOf(t.core).Ticket.findOne({ 'replyTo.handle': phone }).sort({ number: -1 }).lean())!;

/** The page as the query answers it (what MongoDB runs). */
async function byQuery(viewer: Viewer, contactIds: Types.ObjectId[]) {
  const rows = await modelsOf(t.core).Ticket.find({ $and: [{ contactId: { $in: contactIds } }, visibilityFilter(viewer)] }).sort({ lastMessageAt: -1 }).lean();
  return rows.map((r) => String(r._id));
}

beforeAll(async () => {
  t = await startTestCore();
  const m = modelsOf(t.core);
  deps = (await m.Department.insertMany([{ name: 'Sales' }, { name: 'Support' }])).map((d) => d._id);
  admin = await createUser(t.core, 'admin');
  agent = await createUser(t.core, 'agent', [deps[0]!]);
  inbox = String((await createInbox(t.core))._id);
  // Ana: three tickets (each closed before the next message opens another), one in Support, one in Sales.
  for (let i = 0; i < 3; i++) {
    await message(ana, `question ${i}`);
    const ticket = await contactOf(ana);
    await t.core.tickets.transfer(admin, String(ticket._id), String(deps[i % 2]));
    if (i < 2) await t.core.tickets.setStatus(admin, String(ticket._id), 'closed');
  }
  await message(bruno, 'hi');
  await t.core.tickets.transfer(admin, String((await contactOf(bruno))._id), String(deps[0]));
  expect(await t.core.openWork.whenReady()).toBe(true);
});
afterAll(async () => {
  await t?.stop();
});

describe('contact page on the embedded database', () => {
  it('lists every ticket of the contact, closed ones too, as the query does, with the agent seeing only theirs', async () => {
    const anaId = (await contactOf(ana)).contactId;
    const page = await t.core.contacts.detail(admin, String(anaId));
    expect(page.tickets.map((x) => String(x._id))).toEqual(await byQuery(admin, [anaId]));
    expect(page.tickets).toHaveLength(3);
    expect(page.tickets.filter((x) => x.status === 'closed')).toHaveLength(2);
    // Read from the index and by `_id`: no query of the tickets by contact (a read of every ticket on FerretDB).
    const queried: unknown[] = [];
    t.db.connection.set('debug', (collection: string, method: string, filter: unknown) => {
      if (collection === 'tickets' && JSON.stringify(filter ?? {}).includes('contactId')) queried.push([method, filter]);
    });
    try {
      await t.core.contacts.detail(admin, String(anaId));
    } finally {
      t.db.connection.set('debug', false);
    }
    expect(queried).toEqual([]);
    const seen = await t.core.contacts.detail(agent, String(anaId));
    expect(seen.tickets.map((x) => String(x._id))).toEqual(await byQuery(agent, [anaId]));
    expect(seen.tickets.every((x) => String(x.departmentId) === String(deps[0]))).toBe(true);
    expect(seen.tickets.length).toBeGreaterThan(0);
    expect(seen.tickets.length).toBeLessThan(3);
  });

  it('follows a merge and its undo, and a ticket created since', async () => {
    const anaId = (await contactOf(ana)).contactId;
    const brunoId = (await contactOf(bruno)).contactId;
    const merge = await t.core.contacts.merge(admin, String(brunoId), String(anaId));
    const merged = await t.core.contacts.detail(admin, String(anaId));
    expect(merged.tickets).toHaveLength(4);
    expect(merged.tickets.map((x) => String(x._id))).toEqual(await byQuery(admin, [anaId, brunoId]));
    await t.core.contacts.undoMerge(admin, String(merge.merge._id));
    const undone = await t.core.contacts.detail(admin, String(anaId));
    expect(undone.tickets).toHaveLength(3);
    expect((await t.core.contacts.detail(admin, String(brunoId))).tickets).toHaveLength(1);
    // A new ticket (the open one closed, then she writes again) is on the page at once (read-your-writes).
    await t.core.tickets.setStatus(admin, String((await contactOf(ana))._id), 'closed');
    await message(ana, 'me again');
    const again = await t.core.contacts.detail(admin, String(anaId));
    expect(again.tickets).toHaveLength(4);
    expect(again.tickets.map((x) => String(x._id))).toEqual(await byQuery(admin, [anaId]));
  });
});
