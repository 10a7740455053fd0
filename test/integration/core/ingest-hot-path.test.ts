import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../../src/core/audit/verify-chain.js';
import { rawCollection } from '../../../src/core/db/raw-collection.js';
import type { DomainEvent } from '../../../src/core/events/domain-events.js';
import { createInbox, createUser, smsEvent, startTestCore, type TestCore } from '../../support/test-core.js';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { listThread } from '../../../src/core/tickets/thread-queries.js';

/**
 * The ingest hot path keeps a few things in memory (contacts by identity,
 * conversation pointers, the ticket read by placement). These tests check
 * that what other writers change still wins: an agent's merge in this
 * process, and a second process (another core on the same database) that
 * closes the ticket and starts the follow-up.
 */
let a: TestCore;
let b: TestCore;
beforeAll(async () => {
  // Reopen window 0: a message to a solved ticket starts a follow-up ticket.
  a = await startTestCore({ REOPEN_WINDOW_DAYS: '0' });
  b = await startTestCore({ REOPEN_WINDOW_DAYS: '0' }, a.db);
});
afterAll(async () => {
  await b.stop();
  await a.stop();
});

async function ingest(t: TestCore, ...events: Parameters<TestCore['core']['ingest']['accept']>[0]) {
  await t.core.ingest.accept(events);
  await t.core.ingest.drain();
}
const messageOf = async (t: TestCore, providerKey: string) => (await modelsOf(t.core).Message.findOne({ providerKey }).lean())!;

type InsertOne = (doc: never, ...rest: never[]) => Promise<unknown>;
const locked = () => new Error('database is locked (SQLITE_BUSY)');

/**
 * Ingests while the driver's `insertOne` of one collection (a `rawCollection`) is intercepted: its first call goes to
 * `first` (given the real insert and the document), later calls straight through. Returns how many
 * calls there were and the domain events published meanwhile.
 */
async function ingestIntercepting(
  t: TestCore,
  collection: object,
  first: (insert: InsertOne, doc: never) => Promise<unknown>,
  ...events: Parameters<TestCore['core']['ingest']['accept']>[0]
): Promise<{ calls: number; published: DomainEvent[] }> {
  const target = collection as { insertOne: InsertOne };
  const insertOne = target.insertOne.bind(target);
  let calls = 0;
  target.insertOne = ((doc: never, ...rest: never[]) => (calls++ === 0 ? first(insertOne, doc) : insertOne(doc, ...rest))) as InsertOne;
  const published: DomainEvent[] = [];
  const off = t.core.bus.subscribe((e) => void published.push(e));
  try {
    await ingest(t, ...events);
  } finally {
    target.insertOne = insertOne;
    off();
  }
  return { calls, published };
}

/**
 * The event's message is stored once, and its ticket's chain is intact with exactly one
 * `message.received`, naming that message. Returns the message.
 */
async function storedOnceAndAudited(t: TestCore, providerKey: string) {
  const stored = await modelsOf(t.core).Message.find({ providerKey }).lean();
  expect(stored).toHaveLength(1);
  const received = await modelsOf(t.core).AuditEvent.find({ ticketId: stored[0]!.ticketId, type: 'message.received' }).lean();
  expect(received.map((e) => e.ref)).toEqual([`message:${String(stored[0]!._id)}`]);
  expect(await verifyAuditChain(modelsOf(t.core), String(stored[0]!.ticketId))).toMatchObject({ intact: true });
  return stored[0]!;
}

/** A fresh SMS inbox with one ticket opened by `from`'s first message, and an admin to act on it. */
async function openTicket(t: TestCore, sid: string, from: string) {
  const inbox = String((await createInbox(t.core, 'sms'))._id);
  await ingest(t, smsEvent(inbox, { sid, from }));
  const ticketId = String((await messageOf(t, `sms:${sid}`)).ticketId);
  return { inbox, ticketId, admin: await createUser(t.core, 'admin') };
}

describe('ingest hot path caches', () => {
  it('after a contact merge, the next message of the merged contact lands on the surviving one', async () => {
    const inbox = String((await createInbox(a.core, 'sms'))._id);
    await ingest(a, smsEvent(inbox, { sid: 'HP-m1', from: '+5511900000101' }));
    await ingest(a, smsEvent(inbox, { sid: 'HP-m2', from: '+5511900000102' }));
    const source = (await messageOf(a, 'sms:HP-m1')).author.contactId!;
    const target = (await messageOf(a, 'sms:HP-m2')).author.contactId!;
    const admin = await createUser(a.core, 'admin');
    await a.core.contacts.merge(admin, String(source), String(target));

    await ingest(a, smsEvent(inbox, { sid: 'HP-m3', from: '+5511900000101' }));
    const m3 = await messageOf(a, 'sms:HP-m3');
    expect(String(m3.author.contactId)).toBe(String(target));
  });

  it('a ticket another process solved gets a follow-up, although this process remembers the conversation', async () => {
    const inbox = String((await createInbox(a.core, 'sms'))._id);
    const from = '+5511900000201';
    await ingest(a, smsEvent(inbox, { sid: 'HP-f1', from }));
    await ingest(a, smsEvent(inbox, { sid: 'HP-f2', from })); // pointer and ticket now cached in a
    const first = (await messageOf(a, 'sms:HP-f1')).ticketId;
    expect(String((await messageOf(a, 'sms:HP-f2')).ticketId)).toBe(String(first));

    const admin = await createUser(b.core, 'admin');
    await b.core.tickets.setStatus(admin, String(first), 'solved');
    await new Promise((r) => setTimeout(r, 5));
    // The follow-up is made by process b: a's remembered pointer is now stale.
    await ingest(b, smsEvent(inbox, { sid: 'HP-f3', from }));
    const followUp = (await messageOf(b, 'sms:HP-f3')).ticketId;
    expect(String(followUp)).not.toBe(String(first));

    await ingest(a, smsEvent(inbox, { sid: 'HP-f4', from }));
    expect(String((await messageOf(a, 'sms:HP-f4')).ticketId)).toBe(String(followUp));
  });

  it('a status an agent set in this process between placement and the ticket update is not overwritten', async () => {
    const from = '+5511900000301';
    const { inbox, ticketId, admin } = await openTicket(a, 'HP-s1', from);
    // Agent work and customer messages interleaved on one ticket, in one process.
    await Promise.all([
      ingest(a, smsEvent(inbox, { sid: 'HP-s2', from })),
      a.core.tickets.setPriority(admin, ticketId, 'urgent'),
      ingest(a, smsEvent(inbox, { sid: 'HP-s3', from })),
      a.core.tickets.changeTags(admin, ticketId, ['vip'], []),
    ]);
    const ticket = (await modelsOf(a.core).Ticket.findById(ticketId).lean())!;
    expect(ticket.priority).toBe('urgent');
    expect(ticket.tags).toEqual(['vip']);
    const last = await modelsOf(a.core).Message.findOne({ ticketId: ticket._id }).sort({ occurredAt: -1 }).lean();
    expect(ticket.lastCustomerMessageAt?.getTime()).toBe(last!.occurredAt.getTime());
  });

  it('a customer reply wakes a snoozed pending ticket: open, no snooze, events and audit in order (message, then status)', async () => {
    const from = '+5511900000401';
    const { inbox, ticketId, admin } = await openTicket(a, 'HP-w1', from);
    await a.core.tickets.setStatus(admin, ticketId, 'pending');
    await a.core.tickets.snooze(admin, ticketId, new Date(Date.now() + 3_600_000));

    const seen: string[] = [];
    const off = a.core.bus.subscribe((e) => {
      if ('scope' in e && e.scope.ticketId === ticketId) seen.push(`${e.type}#${e.seq}`);
    });
    await ingest(a, smsEvent(inbox, { sid: 'HP-w2', from }));
    off();

    const ticket = (await modelsOf(a.core).Ticket.findById(ticketId).lean())!;
    expect(ticket.status).toBe('open');
    expect(ticket.snoozedUntil).toBeUndefined();
    const audit = await modelsOf(a.core).AuditEvent.find({ ticketId: ticket._id }).sort({ seq: 1 }).lean();
    // Then the SLA clock resumes (pending paused it): the resolution and first-response due times come back.
    const tail = audit.slice(-4);
    expect(tail.map((e) => e.type)).toEqual(['message.received', 'ticket.status_changed', 'sla.changed', 'sla.changed']);
    expect(tail.slice(2).map((e) => JSON.parse(e.dataJson).reason)).toEqual(['customer message', 'customer message']);
    expect(seen).toEqual([`message.created#${tail[0]!.seq}`, `ticket.updated#${tail[1]!.seq}`, `ticket.updated#${tail[3]!.seq}`]);

    // The same event again (a platform retry) changes nothing and tells nobody.
    const before = audit.length;
    await ingest(a, smsEvent(inbox, { sid: 'HP-w2', from }));
    expect(await modelsOf(a.core).AuditEvent.countDocuments({ ticketId: ticket._id })).toBe(before);
    expect(await modelsOf(a.core).Message.countDocuments({ ticketId: ticket._id })).toBe(2);
  });

  it('documents the hot path inserts through the driver have what their schemas promise (timestamps, defaults, no nulls)', async () => {
    const inbox = String((await createInbox(a.core, 'sms'))._id);
    const event = smsEvent(inbox, { sid: 'HP-n1', from: '+5511900000501' });
    const seen: string[] = [];
    const off = a.core.bus.subscribe((e) => void ('scope' in e && seen.push(`${e.type}#${e.seq}`)));
    await ingest(a, { ...event, sender: { ...event.sender, displayName: 'Ana Souza' } });
    off();
    // The new ticket's own event is written beside the message's insert, yet keeps seq 1 and comes first.
    expect(seen).toEqual(['ticket.created#1', 'message.created#2']);
    const message = await messageOf(a, 'sms:HP-n1');
    const contact = (await modelsOf(a.core).Contact.findById(message.author.contactId).lean())!;
    const ticket = (await modelsOf(a.core).Ticket.findById(message.ticketId).lean())!;
    const key = (await modelsOf(a.core).ConversationKey.findById(`conv:${inbox}:+5511900000501`).lean())!;
    const identity = (await modelsOf(a.core).ContactIdentity.findById('phone:+5511900000501').lean())!;
    expect(contact).toMatchObject({ name: 'Ana Souza', identities: ['phone:+5511900000501'] });
    expect(ticket).toMatchObject({ status: 'new', priority: 'normal', tags: [], mergedTicketIds: [], reopenCount: 0, inboxId: message.inboxId });
    expect(message).toMatchObject({ direction: 'inbound', kind: 'message', attachments: [], delivery: { status: 'received', attempts: 0 } });
    for (const doc of [contact, ticket, message]) {
      expect(doc.createdAt).toBeInstanceOf(Date);
      expect(doc.updatedAt).toBeInstanceOf(Date);
    }
    expect(String(key.ticketId)).toBe(String(ticket._id));
    expect(String(identity.contactId)).toBe(String(contact._id));
    const nulls = (doc: object) => Object.entries(doc).filter(([, v]) => v === null).map(([k]) => k);
    expect([...nulls(contact), ...nulls(ticket), ...nulls(message), ...nulls(ticket.replyTo), ...nulls(ticket.sla)]).toEqual([]);
    expect(await modelsOf(a.core).InboundEvent.findById('sms:HP-n1').lean()).toMatchObject({ status: 'processed' });
  });

  it('a first run whose message insert landed but reported a transient error is retried without doubling anything', async () => {
    const inbox = String((await createInbox(a.core, 'sms'))._id);
    // The write reaches the database, then the client hears "locked": the worst case for a retry.
    const { calls, published } = await ingestIntercepting(
      a,
      rawCollection(modelsOf(a.core).Message),
      async (insert, doc) => {
        await insert(doc);
        throw locked();
      },
      smsEvent(inbox, { sid: 'HP-t1', from: '+5511900000601' }),
    );
    const seen = published.flatMap((e) => (e.type === 'message.created' ? [e.message.id] : []));
    expect(calls).toBeGreaterThanOrEqual(1);
    const stored = await storedOnceAndAudited(a, 'sms:HP-t1');
    // Announced once: the failed attempt announced nothing, the retry here knows it.
    expect(seen.filter((id) => id === String(stored._id))).toHaveLength(1);
  });

  it("a first run writes its message beside its thread entry, not after it (one round trip on every message's path)", async () => {
    const inbox = String((await createInbox(a.core, 'sms'))._id);
    const messages = rawCollection(modelsOf(a.core).Message) as unknown as { insertOne: InsertOne };
    const insertMessage = messages.insertOne.bind(messages);
    let messageSent!: () => void;
    const messageInsertStarted = new Promise<void>((resolve) => (messageSent = resolve));
    messages.insertOne = ((doc: never, ...rest: never[]) => {
      messageSent();
      return insertMessage(doc, ...rest);
    }) as InsertOne;
    let sentBeforeEntryLanded = false;
    try {
      // The entry's insert is held until the message's has been sent (at most 3 s: the old order sent it after).
      await ingestIntercepting(
        a,
        rawCollection(modelsOf(a.core).ThreadEntry),
        async (insert, doc) => {
          sentBeforeEntryLanded = await Promise.race([messageInsertStarted.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 3_000))]);
          return insert(doc);
        },
        smsEvent(inbox, { sid: 'HP-par1', from: '+5511900000611' }),
      );
    } finally {
      messages.insertOne = insertMessage;
    }
    expect(sentBeforeEntryLanded).toBe(true);
    const stored = await storedOnceAndAudited(a, 'sms:HP-par1');
    const ticket = (await modelsOf(a.core).Ticket.findById(stored.ticketId).lean())!;
    expect((await listThread(modelsOf(a.core), ticket, { limit: 10, byEntries: true })).items.map((m) => String(m._id))).toEqual([String(stored._id)]);
  });

  it('a first run whose thread entry failed beside a message that landed: the retry claims the entry, one message, announced once', async () => {
    const inbox = String((await createInbox(a.core, 'sms'))._id);
    for (const [sid, landed, from] of [
      ['HP-te1', false, '+5511900000612'],
      ['HP-te2', true, '+5511900000613'],
    ] as const) {
      // Refused before reaching the database, or written and then reported as failed (the retry claims a second entry).
      const { published } = await ingestIntercepting(
        a,
        rawCollection(modelsOf(a.core).ThreadEntry),
        async (insert, doc) => {
          if (landed) await insert(doc);
          throw locked();
        },
        smsEvent(inbox, { sid, from }),
      );
      const stored = await storedOnceAndAudited(a, `sms:${sid}`);
      expect(published.flatMap((e) => (e.type === 'message.created' ? [e.message.id] : []))).toEqual([String(stored._id)]);
      const ticket = (await modelsOf(a.core).Ticket.findById(stored.ticketId).lean())!;
      const byEntries = await listThread(modelsOf(a.core), ticket, { limit: 10, byEntries: true });
      expect(byEntries).toEqual(await listThread(modelsOf(a.core), ticket, { limit: 10 }));
      expect(byEntries.items.filter((m) => m.providerKey === `sms:${sid}`)).toHaveLength(1);
      expect(await modelsOf(a.core).InboundEvent.findById(`sms:${sid}`).lean()).toMatchObject({ status: 'processed' });
    }
  });

  it('a message stored by a failed attempt on a ticket closed before the retry moves to the follow-up, where it is announced', async () => {
    const from = '+5511900000651';
    const { inbox, ticketId, admin } = await openTicket(a, 'HP-mv1', from);
    // The insert lands, an agent closes the ticket, then the attempt fails: the retry starts a follow-up.
    const { published } = await ingestIntercepting(
      a,
      rawCollection(modelsOf(a.core).Message),
      async (insert, doc) => {
        await insert(doc);
        await a.core.tickets.setStatus(admin, ticketId, 'closed');
        throw locked();
      },
      smsEvent(inbox, { sid: 'HP-mv2', from }),
    );
    const moved = await messageOf(a, 'sms:HP-mv2');
    expect(String(moved.ticketId)).not.toBe(ticketId);
    const followUp = (await modelsOf(a.core).Ticket.findById(moved.ticketId).lean())!;
    expect(String(followUp.previousTicketId)).toBe(ticketId);
    expect(await modelsOf(a.core).Message.countDocuments({ ticketId })).toBe(1);
    const created = published.flatMap((e) => (e.type === 'message.created' ? [e.scope.ticketId] : []));
    expect(created).toEqual([String(followUp._id)]);
    const oldTrail = await modelsOf(a.core).AuditEvent.find({ ticketId, type: 'message.moved' }).lean();
    expect(oldTrail.map((e) => JSON.parse(e.dataJson))).toEqual([{ messageId: String(moved._id), toTicketId: String(followUp._id), toNumber: followUp.number }]);
    const received = await modelsOf(a.core).AuditEvent.find({ ticketId: followUp._id, ref: `message:${String(moved._id)}` }).lean();
    expect(received.map((e) => e.type)).toEqual(['message.received']);
    for (const id of [ticketId, String(followUp._id)]) expect(await verifyAuditChain(modelsOf(a.core), id)).toMatchObject({ intact: true });
    // Thread entries: the move claimed one on the follow-up; the old ticket's entry now names a message it lost.
    const followUpThread = await listThread(modelsOf(a.core), followUp, { limit: 10, byEntries: true });
    expect(followUpThread.items.map((m) => String(m._id))).toEqual([String(moved._id)]);
    const old = (await modelsOf(a.core).Ticket.findById(ticketId).lean())!;
    const oldThread = await listThread(modelsOf(a.core), old, { limit: 10, byEntries: true });
    expect(oldThread).toEqual(await listThread(modelsOf(a.core), old, { limit: 10 }));
    expect(oldThread.items.map((m) => m.providerKey)).toEqual(['sms:HP-mv1']);
  });

  it('a first run whose audit event was written beside a message insert that failed stores that very message on retry', async () => {
    const inbox = String((await createInbox(a.core, 'sms'))._id);
    // Refused before reaching the database, while the message's audit event (written beside it) lands.
    const { calls, published } = await ingestIntercepting(
      a,
      rawCollection(modelsOf(a.core).Message),
      () => Promise.reject(locked()),
      smsEvent(inbox, { sid: 'HP-t2', from: '+5511900000602' }),
    );
    const seen = published.flatMap((e) => (e.type === 'message.created' ? [e.message.id] : []));
    expect(calls).toBe(2);
    // One audit event, naming the message that exists: the retry derived the same id.
    const stored = await storedOnceAndAudited(a, 'sms:HP-t2');
    expect(seen).toEqual([String(stored._id)]);
  });

  it("a new contact's key claimed beside a contact insert that failed is completed by the retry, name included", async () => {
    const inbox = String((await createInbox(a.core, 'sms'))._id);
    const event = smsEvent(inbox, { sid: 'HP-c1', from: '+5511900000701' });
    const { calls } = await ingestIntercepting(a, rawCollection(modelsOf(a.core).Contact), () => Promise.reject(locked()), {
      ...event,
      sender: { ...event.sender, displayName: 'Rita Lobo' },
    });
    expect(calls).toBeGreaterThanOrEqual(2);
    const message = await messageOf(a, 'sms:HP-c1');
    const identity = await modelsOf(a.core).ContactIdentity.findById('phone:+5511900000701').lean();
    // The key kept the contact id it was claimed with; that contact exists now, with the sender's name.
    expect(String(identity!.contactId)).toBe(String(message.author.contactId));
    expect(await modelsOf(a.core).Contact.findById(identity!.contactId).lean()).toMatchObject({ name: 'Rita Lobo', identities: ['phone:+5511900000701'] });
    expect(await modelsOf(a.core).Contact.countDocuments({ identities: 'phone:+5511900000701' })).toBe(1);
  });

  it("a new conversation's key, claimed before its ticket was written, gets that ticket on the retry: one ticket, announced", async () => {
    const inbox = String((await createInbox(a.core, 'sms'))._id);
    const { calls, published } = await ingestIntercepting(
      a,
      rawCollection(modelsOf(a.core).Ticket),
      () => Promise.reject(locked()),
      smsEvent(inbox, { sid: 'HP-k1', from: '+5511900000801' }),
    );
    const seen = published.map((e) => e.type);
    expect(calls).toBe(2);
    const message = await messageOf(a, 'sms:HP-k1');
    const key = await modelsOf(a.core).ConversationKey.findById(`conv:${inbox}:+5511900000801`).lean();
    // The claimed id became the ticket's; nothing else was made.
    expect(String(key!.ticketId)).toBe(String(message.ticketId));
    expect(await modelsOf(a.core).Ticket.countDocuments({ inboxId: inbox })).toBe(1);
    const audit = await modelsOf(a.core).AuditEvent.find({ ticketId: message.ticketId }).sort({ seq: 1 }).lean();
    expect(audit.map((e) => e.type)).toEqual(['ticket.created', 'message.received']);
    expect(seen).toEqual(['ticket.created', 'message.created']);
  });

  it('a known customer opening a chat in another inbox keeps their contact (the new-customer guess is undone)', async () => {
    const from = '+5511900000901';
    const sms = String((await createInbox(a.core, 'sms'))._id);
    const other = String((await createInbox(a.core, 'sms'))._id);
    await ingest(a, smsEvent(sms, { sid: 'HP-g1', from }));
    // Through the other process: as after a restart, nothing in its memory knows this customer.
    await ingest(b, smsEvent(other, { sid: 'HP-g2', from }));
    const [first, second] = [await messageOf(a, 'sms:HP-g1'), await messageOf(a, 'sms:HP-g2')];
    expect(String(second.ticketId)).not.toBe(String(first.ticketId)); // another inbox, another conversation
    expect(String(second.author.contactId)).toBe(String(first.author.contactId));
    // The contact created on the guess was removed again: one contact for the number.
    expect(await modelsOf(a.core).Contact.countDocuments({ identities: `phone:${from}` })).toBe(1);
  });

  it("a contact completed by another run between our key claim and our insert still gets the sender's details", async () => {
    const inbox = String((await createInbox(a.core, 'sms'))._id);
    const event = smsEvent(inbox, { sid: 'HP-c2', from: '+5511900000702' });
    await ingestIntercepting(
      a,
      rawCollection(modelsOf(a.core).Contact),
      async (insert, doc: { _id: unknown; identities: string[] }) => {
        // Another run found our claimed key first and completed its contact, bare.
        await insert({ _id: doc._id, identities: doc.identities, createdAt: new Date(), updatedAt: new Date() } as never);
        return insert(doc as never);
      },
      { ...event, sender: { ...event.sender, displayName: 'Rui Prado' } },
    );
    const message = await messageOf(a, 'sms:HP-c2');
    expect(await modelsOf(a.core).Contact.findById(message.author.contactId).lean()).toMatchObject({ name: 'Rui Prado', phone: '+5511900000702' });
    expect(await modelsOf(a.core).Contact.countDocuments({ identities: 'phone:+5511900000702' })).toBe(1);
  });

  it('a new chat whose sender also gives the email of a known customer joins that customer', async () => {
    const email = 'known.customer@example.com';
    const first = String((await createInbox(a.core, 'sms'))._id);
    const known = smsEvent(first, { sid: 'HP-e1', from: '+5511900000911' });
    await ingest(a, { ...known, sender: { ...known.sender, email } });
    const chat = String((await createInbox(a.core, 'sms'))._id);
    const fresh = smsEvent(chat, { sid: 'HP-e2', from: '+5511900000912' }); // another number, same email
    await ingest(b, { ...fresh, sender: { ...fresh.sender, email } });
    const [m1, m2] = [await messageOf(a, 'sms:HP-e1'), await messageOf(a, 'sms:HP-e2')];
    expect(String(m2.author.contactId)).toBe(String(m1.author.contactId));
    expect(await modelsOf(a.core).Contact.countDocuments({ identities: `email:${email}` })).toBe(1);
  });

  it('on FerretDB only unique indexes exist (it never reads the others, but maintains them on every write)', async () => {
    const indexes = await modelsOf(a.core).Ticket.collection.indexes();
    expect(indexes.map((i) => i.name).sort()).toEqual(['_id_', 'number_1']);
    const messageIndexes = await modelsOf(a.core).Message.collection.indexes();
    expect(messageIndexes.every((i) => i.name === '_id_' || i.unique)).toBe(true);
    expect(messageIndexes.some((i) => i.name === 'providerKey_1')).toBe(true);
  });
});
