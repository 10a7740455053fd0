import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInbox, smsEvent, startTestCore, type TestCore } from '../../support/test-core.js';
import { startTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { modelsOf } from '../../../src/core/models/models-of.js';

/**
 * Two hub processes on one database share nothing in memory, so the
 * in-process queues cannot help: only the unique keys keep one contact and one
 * ticket per conversation.
 */
let db: TestDatabase;
let a: TestCore;
let b: TestCore;
beforeAll(async () => {
  db = await startTestDatabase();
  a = await startTestCore({}, db);
  b = await startTestCore({}, db);
});
afterAll(async () => {
  await a.stop();
  await b.stop();
  await db.stop();
});

describe('two hubs on one database', () => {
  it('first messages of one new customer split across both → 1 contact, 1 ticket, every message once', async () => {
    const inbox = await createInbox(a.core);
    const phone = '+5531999990000';
    const events = Array.from({ length: 30 }, (_, i) => smsEvent(String(inbox._id), { sid: `SM-2p-${i}`, from: phone, at: new Date(Date.parse('2026-11-21T09:00:00Z') + i) }));
    // Every event is delivered to both hubs, like a platform retrying against a load balancer.
    await Promise.all(events.flatMap((e) => [a.core.ingest.accept([e]), b.core.ingest.accept([e])]));
    await Promise.all([a.core.ingest.drain(), b.core.ingest.drain()]);

    expect(await modelsOf(a.core).Contact.countDocuments({ identities: `phone:${phone}` })).toBe(1);
    const tickets = await modelsOf(a.core).Ticket.find({ inboxId: inbox._id }).lean();
    expect(tickets).toHaveLength(1);
    expect(await modelsOf(a.core).Message.countDocuments({ ticketId: tickets[0]!._id })).toBe(30);
    const created = [...a.events, ...b.events].filter((e) => e.type === 'ticket.created' && e.scope.ticketId === String(tickets[0]!._id));
    expect(created).toHaveLength(1);
  });

  it('one customer arriving with different identity key sets in both hubs at once → 1 contact owning every key', async () => {
    const inbox = await createInbox(a.core, 'whatsapp');
    const phone = '+5531999991111';
    for (let round = 0; round < 5; round++) {
      const p = phone.slice(0, -1) + String(round);
      const plain = { ...smsEvent(String(inbox._id), { sid: `r${round}a`, from: p }), providerKey: `wa:r${round}a` };
      const withEmail = { ...smsEvent(String(inbox._id), { sid: `r${round}b`, from: p }), providerKey: `wa:r${round}b` };
      withEmail.sender = { ...withEmail.sender, email: `ana${round}@cust.example` };
      // Different conversation ids, so even one hub would process them in parallel.
      withEmail.threading = { conversationId: `other-${round}` };
      await Promise.all([a.core.ingest.accept([plain]), b.core.ingest.accept([withEmail])]);
      await Promise.all([a.core.ingest.drain(), b.core.ingest.drain()]);
      const owners = await modelsOf(a.core).ContactIdentity.find({ _id: { $in: [`phone:${p}`, `email:ana${round}@cust.example`] } }).lean();
      expect(owners).toHaveLength(2);
      expect(new Set(owners.map((o) => String(o.contactId))).size).toBe(1);
      const contacts = await modelsOf(a.core).Contact.find({ identities: `phone:${p}` }).lean();
      expect(contacts).toHaveLength(1);
    }
  });
});
