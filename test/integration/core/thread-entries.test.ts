import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Types } from 'mongoose';
import { rawCollection } from '../../../src/core/db/raw-collection.js';
import type { Message } from '../../../src/core/models/message.js';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { threadEntryId } from '../../../src/core/models/thread-entry.js';
import type { Ticket } from '../../../src/core/models/ticket.js';
import { BACKFILL_DONE_ID } from '../../../src/core/tickets/thread-backfill.js';
import { readThreadByEntries, ThreadEntries } from '../../../src/core/tickets/thread-entries.js';
import { listThread } from '../../../src/core/tickets/thread-queries.js';
import type { Viewer } from '../../../src/core/users/viewer.js';
import { createInbox, createUser, smsEvent, startTestCore, type TestCore } from '../../support/test-core.js';

let t: TestCore;
let admin: Viewer;
beforeAll(async () => {
  t = await startTestCore();
  admin = await createUser(t.core, 'admin');
});
afterAll(async () => {
  await t?.stop();
});

const models = () => modelsOf(t.core);
let phone = 0;
const nextPhone = () => `+55119000${String(7000 + ++phone)}`;

async function ingest(...events: ReturnType<typeof smsEvent>[]) {
  await t.core.ingest.accept(events);
  await t.core.ingest.drain();
}

async function ticketOf(providerKey: string): Promise<Ticket> {
  const m = (await models().Message.findOne({ providerKey }).lean())!;
  return (await models().Ticket.findById(m.ticketId).lean())!;
}

const reload = async (id: Types.ObjectId | string) => (await models().Ticket.findById(id).lean())!;

/** The ticket's entries, positions 1.. until the first missing one. */
async function entriesOf(ticketId: Types.ObjectId) {
  const out = [];
  for (let n = 1; ; n++) {
    const e = await models().ThreadEntry.findOne({ _id: threadEntryId(ticketId, n) }).lean();
    if (!e) return out;
    out.push(e);
  }
}

const shape = (m: Message) => ({ id: String(m._id), ticketId: String(m.ticketId), at: m.occurredAt, key: m.providerKey, text: m.text });

/** Both paths, every page of `limit`; the entries path must answer (not fall back) when `entries` says so. */
async function expectSameThread(ticket: Ticket, limit: number, entries = true) {
  const pages: Message[][] = [];
  let after: string | undefined;
  for (;;) {
    const query = await listThread(models(), ticket, { limit, ...(after ? { after } : {}) });
    const byEntries = await listThread(models(), ticket, { limit, byEntries: true, ...(after ? { after } : {}) });
    // Replies keep changing in the background (their delivery is retried): compared by what a page is made of.
    expect({ items: byEntries.items.map(shape), nextCursor: byEntries.nextCursor }).toEqual({ items: query.items.map(shape), nextCursor: query.nextCursor });
    const position = after ? { at: new Date(Number(after.split('_')[0])), id: new Types.ObjectId(after.split('_')[1]) } : undefined;
    const direct = await readThreadByEntries<Message>(
      models(),
      [ticket._id, ...ticket.mergedTicketIds],
      new Set(ticket.threadEntries ? [String(ticket._id)] : []),
      position,
      limit + 1,
      (id) => models().Message.findOne({ _id: id }).lean(),
    );
    if (entries) expect(direct).not.toBeNull();
    else expect(direct).toBeNull();
    pages.push(query.items);
    if (!query.nextCursor) return pages;
    after = query.nextCursor;
  }
}

describe('thread entries', () => {
  it('every message insert path claims an entry for the message', async () => {
    const inbox = String((await createInbox(t.core, 'sms'))._id);
    const from = nextPhone();
    await ingest(smsEvent(inbox, { sid: 'TE-p1', from }), smsEvent(inbox, { sid: 'TE-p2', from }));
    const ticket = await ticketOf('sms:TE-p1');
    expect(ticket.threadEntries).toBe(true);
    await t.core.compose.reply(admin, String(ticket._id), { text: 'a reply', attachments: [] });
    await t.core.compose.note(admin, String(ticket._id), { text: 'a note', attachments: [] });
    await t.core.compose.sendAutomatic(ticket, 'an automatic message', 'test.automatic');
    await t.core.ingest.accept([
      { type: 'message.sent_outside', providerKey: 'sms:TE-out1', providerMessageId: 'TE-out1', inboxId: inbox, occurredAt: new Date(), conversationId: from, text: 'typed elsewhere' },
    ]);
    await t.core.ingest.drain();
    const messages = await models().Message.find({ ticketId: ticket._id }).lean();
    // Two received, a reply, a note, an automatic message, one sent outside Ponte.
    expect(messages.map((m) => `${m.direction}:${m.kind}:${m.author.type}`).sort()).toEqual(
      ['inbound:message:contact', 'inbound:message:contact', 'internal:note:agent', 'outbound:message:agent', 'outbound:message:system', 'outbound:message:system'].sort(),
    );
    const entries = await entriesOf(ticket._id);
    expect(entries.map((e) => String(e.messageId)).sort()).toEqual(messages.map((m) => String(m._id)).sort());
    for (const m of messages) expect(entries.find((e) => String(e.messageId) === String(m._id))!.occurredAt).toEqual(m.occurredAt);
    await expectSameThread(await reload(ticket._id), 2);
  });

  it('a thread of more than 50 messages (ties in occurredAt included): first page and cursor pages equal the query', async () => {
    const inbox = String((await createInbox(t.core, 'sms'))._id);
    const from = nextPhone();
    const base = Date.now() - 3_600_000;
    // Pairs share a timestamp: the order between them is by _id, as the query's.
    await ingest(...Array.from({ length: 60 }, (_, i) => smsEvent(inbox, { sid: `TE-long-${i}`, from, at: new Date(base + Math.floor(i / 2) * 1000) })));
    const ticket = await ticketOf('sms:TE-long-0');
    for (let i = 0; i < 4; i++) await t.core.compose.note(admin, String(ticket._id), { text: `note ${i}`, attachments: [] });
    expect(await models().Message.countDocuments({ ticketId: ticket._id })).toBe(64);
    const pages = await expectSameThread(ticket, 50);
    expect(pages.map((p) => p.length)).toEqual([50, 14]);
    expect((await expectSameThread(ticket, 7)).flat()).toEqual(pages.flat());
    const first = await t.core.threads.list(ticket, { limit: 50 });
    expect(first.items).toEqual(pages[0]);
    expect((await t.core.threads.list(ticket, { limit: 50, after: first.nextCursor! })).items).toEqual(pages[1]);
  });

  it('falls back to the query: a ticket from before entries, an entry missing under a later one', async () => {
    const inbox = String((await createInbox(t.core, 'sms'))._id);
    const from = nextPhone();
    await ingest(...Array.from({ length: 5 }, (_, i) => smsEvent(inbox, { sid: `TE-fb-${i}`, from, at: new Date(Date.now() - 10_000 + i) })));
    const ticket = await ticketOf('sms:TE-fb-0');
    await expectSameThread(ticket, 3);

    // A ticket written before entries: no flag (and no mark), its messages have none.
    await rawCollection(models().Ticket).updateOne({ _id: ticket._id }, { $unset: { threadEntries: 1 } });
    await rawCollection(models().ThreadEntry).deleteMany({ _id: { $in: [1, 2, 3, 4, 5].map((n) => threadEntryId(ticket._id, n)) } });
    const legacy = await reload(ticket._id);
    expect((await expectSameThread(legacy, 3, false)).flat()).toHaveLength(5);
    // A backfill's mark makes entries count as complete again.
    for (const m of await models().Message.find({ ticketId: ticket._id }).lean()) await new ThreadEntries(models()).claim(ticket._id, m);
    await rawCollection(models().ThreadEntry).insertOne({ _id: threadEntryId(ticket._id, 0), complete: true });
    await expectSameThread(legacy, 3);

    // Entry 2 deleted: the ones after it still exist, so the read goes to the query and loses nothing.
    await rawCollection(models().ThreadEntry).deleteOne({ _id: threadEntryId(ticket._id, 2) });
    expect((await expectSameThread(legacy, 3, false)).flat()).toHaveLength(5);
  });

  it('an upgraded hub backfills tickets from before entries at start (a message arriving meanwhile included), once', async () => {
    const inbox = String((await createInbox(t.core, 'sms'))._id);
    const phones = [nextPhone(), nextPhone(), nextPhone()];
    for (const [k, from] of phones.entries()) {
      await ingest(...Array.from({ length: 4 + k }, (_, i) => smsEvent(inbox, { sid: `TE-bf-${k}-${i}`, from, at: new Date(Date.now() - 20_000 + i) })));
    }
    const tickets = await Promise.all(phones.map((_, k) => ticketOf(`sms:TE-bf-${k}-0`)));
    // As written before entries: no flag, no entries, no mark — and no record that a backfill ran.
    for (const ticket of tickets) {
      await rawCollection(models().Ticket).updateOne({ _id: ticket._id }, { $unset: { threadEntries: 1 } });
      await rawCollection(models().ThreadEntry).deleteMany({ _id: { $in: Array.from({ length: 8 }, (_, n) => threadEntryId(ticket._id, n)) } });
    }
    await rawCollection(models().ThreadEntry).deleteOne({ _id: BACKFILL_DONE_ID });
    for (const ticket of tickets) await expectSameThread(await reload(ticket._id), 3, false);

    // The upgraded hub starts (its backfill runs in the background) and a customer writes at once.
    const upgraded = await startTestCore({}, t.db);
    try {
      await upgraded.core.ingest.accept([smsEvent(inbox, { sid: 'TE-bf-0-late', from: phones[0]!, at: new Date() })]);
      await upgraded.core.ingest.drain();
      await upgraded.core.threadBackfill.run(); // the one started at start, or (done) a run that finds the marker
      for (const [k, ticket] of tickets.entries()) {
        const legacy = await reload(ticket._id);
        expect(legacy.threadEntries).toBeUndefined();
        const thread = (await expectSameThread(legacy, 3)).flat();
        expect(thread).toHaveLength(4 + k + (k === 0 ? 1 : 0));
        // Dense positions, one per message: the late message's own entry kept, none twice.
        const entries = await entriesOf(ticket._id);
        expect(entries).toHaveLength(thread.length);
        expect(new Set(entries.map((e) => String(e.messageId))).size).toBe(thread.length);
      }
      expect(await upgraded.core.threadBackfill.run()).toMatchObject({ tickets: 0, skipped: 'done-before' });
    } finally {
      await upgraded.stop();
    }
  });

  it('an entry whose message never landed (a crash in between) or moved away is skipped', async () => {
    const inbox = String((await createInbox(t.core, 'sms'))._id);
    await ingest(smsEvent(inbox, { sid: 'TE-cr-1', from: nextPhone() }));
    const ticket = await ticketOf('sms:TE-cr-1');
    const entries = new ThreadEntries(models());
    await entries.claim(ticket._id, { _id: new Types.ObjectId(), occurredAt: new Date() });
    const elsewhere = (await models().Message.findOne({ providerKey: { $ne: 'sms:TE-cr-1' }, ticketId: { $ne: ticket._id } }).lean())!;
    await entries.claim(ticket._id, elsewhere);
    await ingest(smsEvent(inbox, { sid: 'TE-cr-2', from: ticket.replyTo.handle }));
    expect(await entriesOf(ticket._id)).toHaveLength(4);
    const pages = await expectSameThread(ticket, 10);
    expect(pages.flat().map((m) => m.providerKey)).toEqual(['sms:TE-cr-1', 'sms:TE-cr-2']);
  });

  it('two writers claiming for one ticket (another process): the loser probes on, positions stay dense', async () => {
    const ticketId = new Types.ObjectId();
    const [one, two] = [new ThreadEntries(models()), new ThreadEntries(models())];
    const ids = Array.from({ length: 6 }, () => new Types.ObjectId());
    await one.claim(ticketId, { _id: ids[0]!, occurredAt: new Date() });
    await two.claim(ticketId, { _id: ids[1]!, occurredAt: new Date() });
    await one.claim(ticketId, { _id: ids[2]!, occurredAt: new Date() }); // remembered 2: taken, probes on to 3
    await Promise.all([one.claim(ticketId, { _id: ids[3]!, occurredAt: new Date() }), two.claim(ticketId, { _id: ids[4]!, occurredAt: new Date() })]);
    await two.claim(ticketId, { _id: ids[5]!, occurredAt: new Date() });
    const entries = await entriesOf(ticketId);
    expect(entries.map((e) => e._id)).toEqual([1, 2, 3, 4, 5, 6].map((n) => threadEntryId(ticketId, n)));
    expect(entries.map((e) => String(e.messageId)).sort()).toEqual(ids.map(String).sort());
  });

  it('merged tickets: the target reads its own and the merged tickets entries, in one order', async () => {
    const inbox = String((await createInbox(t.core, 'sms'))._id);
    const [a, b, c] = [nextPhone(), nextPhone(), nextPhone()];
    const base = Date.now() - 600_000;
    await ingest(
      ...Array.from({ length: 6 }, (_, i) => smsEvent(inbox, { sid: `TE-mA-${i}`, from: a, at: new Date(base + i * 2000) })),
      ...Array.from({ length: 6 }, (_, i) => smsEvent(inbox, { sid: `TE-mB-${i}`, from: b, at: new Date(base + i * 2000 + 1000) })),
      ...Array.from({ length: 3 }, (_, i) => smsEvent(inbox, { sid: `TE-mC-${i}`, from: c, at: new Date(base + i * 3000 + 500) })),
    );
    const [ta, tb, tc] = [await ticketOf('sms:TE-mA-0'), await ticketOf('sms:TE-mB-0'), await ticketOf('sms:TE-mC-0')];
    await t.core.compose.note(admin, String(tb._id), { text: 'on B before the merge', attachments: [] });
    await t.core.tickets.merge(admin, String(tc._id), String(tb._id));
    await t.core.tickets.merge(admin, String(tb._id), String(ta._id));
    await t.core.compose.reply(admin, String(ta._id), { text: 'after the merge', attachments: [] });
    // The merged conversation's next message follows the pointer to the target.
    await ingest(smsEvent(inbox, { sid: 'TE-mB-late', from: b }));
    const target = await reload(ta._id);
    expect(target.mergedTicketIds.map(String)).toEqual([String(tb._id), String(tc._id)]);
    const pages = await expectSameThread(target, 5);
    expect(pages.flat()).toHaveLength(6 + 6 + 3 + 1 + 1 + 1);
    expect((await t.core.threads.list(target, { limit: 100 })).items.map(shape)).toEqual(pages.flat().map(shape));
    // One merged ticket from before entries sends the whole thread to the query.
    await rawCollection(models().Ticket).updateOne({ _id: tc._id }, { $unset: { threadEntries: 1 } });
    expect((await expectSameThread(target, 5, false)).flat().map(shape)).toEqual(pages.flat().map(shape));
  });
});
