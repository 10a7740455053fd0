import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { visibilityFilter } from '../../../src/core/tickets/visibility.js';
import type { Viewer } from '../../../src/core/users/viewer.js';
import { createInbox, createUser, smsEvent, startTestCore, type TestCore } from '../../support/test-core.js';

/**
 * The contacts list without a search is read from the contacts' in-memory order on the embedded database
 * (contacts/contact-order.ts): it must be the list the query gives, after every kind of contact write —
 * new customers, an agent's edit, a merge and its undo, a write that names no contact.
 */
let t: TestCore;
let admin: Viewer;
let agent: Viewer;

beforeAll(async () => {
  t = await startTestCore();
  const [sales] = await modelsOf(t.core).Department.insertMany([{ name: 'Sales' }, { name: 'Billing' }]);
  admin = await createUser(t.core, 'admin');
  agent = await createUser(t.core, 'agent', [sales!._id]);
  const open = String((await createInbox(t.core, 'sms'))._id);
  const billing = String((await createInbox(t.core, 'sms', { departmentId: (await modelsOf(t.core).Department.findOne({ name: 'Billing' }).lean())!._id }))._id);
  const events = [
    ...Array.from({ length: 40 }, (_, i) => ({ ...smsEvent(open, { sid: `CO-o${i}`, from: `+55119666${String(i).padStart(5, '0')}` }), sender: { handle: `+55119666${String(i).padStart(5, '0')}`, displayName: `Open ${i}` } })),
    ...Array.from({ length: 10 }, (_, i) => ({ ...smsEvent(billing, { sid: `CO-b${i}`, from: `+55119777${String(i).padStart(5, '0')}` }), sender: { handle: `+55119777${String(i).padStart(5, '0')}`, displayName: `Billing ${i}` } })),
  ];
  await t.core.ingest.accept(events);
  await t.core.ingest.drain();
});
afterAll(async () => {
  await t?.stop();
});

/** What the query answers (MongoDB's way), newest first. */
async function queried(viewer: Viewer, limit: number): Promise<string[]> {
  const models = modelsOf(t.core);
  const filter: Record<string, unknown> = { mergedInto: { $exists: false } };
  if (viewer.role === 'agent') filter._id = { $in: (await models.Ticket.find(visibilityFilter(viewer), { contactId: 1 }).lean()).map((x) => x.contactId) };
  return (await models.Contact.find(filter).sort({ updatedAt: -1, _id: -1 }).limit(limit).lean()).map((c) => String(c._id));
}

async function expectSameLists(): Promise<void> {
  for (const viewer of [admin, agent]) {
    for (const limit of [1, 7, 50, 100]) {
      const listed = (await t.core.contacts.search(viewer, undefined, limit)).map((c) => String(c._id));
      expect(listed, `${viewer.role}, ${limit}`).toEqual(await queried(viewer, limit));
    }
  }
}

describe('the contacts list from the in-memory order', () => {
  it('is the query’s list after new customers, an edit, a merge, its undo and a write that names no contact', async () => {
    expect(await t.core.contactOrder.whenReady()).toBe(true);
    // The order answers (not the query): it knows every contact.
    expect(await t.core.contactOrder.newest(1000)).toHaveLength(await modelsOf(t.core).Contact.countDocuments({ mergedInto: { $exists: false } }));
    await expectSameLists();

    const [oldest] = await modelsOf(t.core).Contact.find({ name: 'Open 0' }).lean();
    await t.core.contacts.update(admin, String(oldest!._id), { notes: 'called back' });
    expect((await t.core.contacts.search(admin, undefined, 1))[0]!.name).toBe('Open 0');
    await expectSameLists();

    const source = (await modelsOf(t.core).Contact.findOne({ name: 'Open 5' }).lean())!;
    const target = (await modelsOf(t.core).Contact.findOne({ name: 'Open 6' }).lean())!;
    const { merge } = await t.core.contacts.merge(admin, String(source._id), String(target._id));
    expect((await t.core.contacts.search(admin, undefined, 100)).map((c) => c.name)).not.toContain('Open 5');
    await expectSameLists();
    await t.core.contacts.undoMerge(admin, String(merge._id));
    expect((await t.core.contacts.search(admin, undefined, 100)).map((c) => c.name)).toContain('Open 5');
    await expectSameLists();

    // A write whose filter names no contact: the order is rebuilt, the list meanwhile comes from the query.
    await modelsOf(t.core).Contact.updateMany({ name: /^Billing [0-4]$/ }, { $set: { notes: 'batch' } });
    await expectSameLists();
    expect(await t.core.contactOrder.whenReady()).toBe(true);
    await expectSameLists();
  });
});
