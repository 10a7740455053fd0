import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../../src/core/audit/verify-chain.js';
import { createInbox, smsEvent, startTestCore, type TestCore } from '../../support/test-core.js';
import { startTestDatabase, type TestDatabase } from '../../support/test-database.js';

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

    expect(await a.core.models.Contact.countDocuments({ identities: `phone:${phone}` })).toBe(1);
    const tickets = await a.core.models.Ticket.find({ inboxId: inbox._id }).lean();
    expect(tickets).toHaveLength(1);
    expect(await a.core.models.Message.countDocuments({ ticketId: tickets[0]!._id })).toBe(30);
    const created = [...a.events, ...b.events].filter((e) => e.type === 'ticket.created' && e.scope.ticketId === String(tickets[0]!._id));
    expect(created).toHaveLength(1);
  });

  it('a conversation whose ticket both hubs remember, its messages split across both → all on it, each announced once', async () => {
    const inbox = String((await createInbox(a.core))._id);
    const phone = '+5531999992222';
    const at = (i: number) => new Date(Date.parse('2026-11-21T10:00:00Z') + i * 1000);
    // One message through each hub: both now keep the ticket in memory.
    await a.core.ingest.accept([smsEvent(inbox, { sid: 'SM-rm-a', from: phone, at: at(0) })]);
    await a.core.ingest.drain();
    await b.core.ingest.accept([smsEvent(inbox, { sid: 'SM-rm-b', from: phone, at: at(1) })]);
    await b.core.ingest.drain();
    const ticketId = (await a.core.models.Message.findOne({ providerKey: 'sms:SM-rm-a' }).lean())!.ticketId;

    // Every write of one hub makes the other's copy stale: each run must notice and place again.
    const events = Array.from({ length: 30 }, (_, i) => smsEvent(inbox, { sid: `SM-rm-${i}`, from: phone, at: at(2 + i) }));
    const before = { a: a.events.length, b: b.events.length };
    await Promise.all(events.map((e, i) => (i % 2 ? b : a).core.ingest.accept([e])));
    await Promise.all([a.core.ingest.drain(), b.core.ingest.drain()]);

    const messages = await a.core.models.Message.find({ ticketId }).lean();
    expect(messages).toHaveLength(32);
    expect(await a.core.models.Ticket.countDocuments({ inboxId: inbox })).toBe(1);
    const announced = [...a.events.slice(before.a), ...b.events.slice(before.b)].flatMap((e) => (e.type === 'message.created' ? [e.message.id] : []));
    expect(announced.sort()).toEqual(messages.filter((m) => m.providerKey !== 'sms:SM-rm-a' && m.providerKey !== 'sms:SM-rm-b').map((m) => String(m._id)).sort());
    const received = await a.core.models.AuditEvent.find({ ticketId, type: 'message.received' }).lean();
    expect(new Set(received.map((e) => e.ref)).size).toBe(32);
    expect(received).toHaveLength(32);
    expect(await verifyAuditChain(a.core.models, ticketId)).toMatchObject({ intact: true });
    const ticket = (await a.core.models.Ticket.findById(ticketId).lean())!;
    expect(ticket.lastCustomerMessageAt?.getTime()).toBe(at(31).getTime());
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
      const owners = await a.core.models.ContactIdentity.find({ _id: { $in: [`phone:${p}`, `email:ana${round}@cust.example`] } }).lean();
      expect(owners).toHaveLength(2);
      expect(new Set(owners.map((o) => String(o.contactId))).size).toBe(1);
      const contacts = await a.core.models.Contact.find({ identities: `phone:${p}` }).lean();
      expect(contacts).toHaveLength(1);
    }
  });
});
