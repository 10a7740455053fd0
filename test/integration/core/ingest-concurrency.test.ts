import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInbox, smsEvent, startTestCore, type TestCore } from '../../support/test-core.js';
import { modelsOf } from '../../../src/core/models/models-of.js';

let t: TestCore;
beforeAll(async () => {
  t = await startTestCore();
});
afterAll(async () => {
  await t.stop();
});

describe('ingest: at-least-once in, exactly-once stored', () => {
  it('the same provider message ingested 5 times concurrently → 1 message, 1 message.created event', async () => {
    const inbox = await createInbox(t.core);
    const event = smsEvent(String(inbox._id), { sid: 'SM-dup-1', from: '+5511900000001' });
    const before = t.events.length;
    const results = await Promise.all(Array.from({ length: 5 }, () => t.core.ingest.accept([event])));
    await t.core.ingest.drain();

    expect(results.reduce((n, r) => n + r.accepted, 0)).toBe(1);
    expect(results.reduce((n, r) => n + r.duplicates, 0)).toBe(4);
    expect(await modelsOf(t.core).Message.countDocuments({ providerKey: 'sms:SM-dup-1' })).toBe(1);
    const created = t.events.slice(before).filter((e) => e.type === 'message.created');
    expect(created).toHaveLength(1);
    expect(await modelsOf(t.core).InboundEvent.findById('sms:SM-dup-1').lean()).toMatchObject({ status: 'processed' });
  });

  it('a retry after processing is still a duplicate and changes nothing', async () => {
    const inbox = await createInbox(t.core);
    const event = smsEvent(String(inbox._id), { sid: 'SM-dup-2', from: '+5511900000002' });
    await t.core.ingest.accept([event]);
    await t.core.ingest.drain();
    const again = await t.core.ingest.accept([event]);
    await t.core.ingest.drain();
    expect(again).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(await modelsOf(t.core).Message.countDocuments({ providerKey: 'sms:SM-dup-2' })).toBe(1);
  });

  it('50 concurrent first messages from one new contact → 1 contact, 1 ticket, 50 messages in platform order', async () => {
    const inbox = await createInbox(t.core);
    const phone = '+5521988887777';
    const start = Date.parse('2026-11-20T10:00:00Z');
    // Shuffled arrival order; platform timestamps say the true order.
    const order = Array.from({ length: 50 }, (_, i) => i).sort(() => Math.random() - 0.5);
    await Promise.all(
      order.map((i) => t.core.ingest.accept([smsEvent(String(inbox._id), { sid: `SM-burst-${i}`, from: phone, text: `msg ${i}`, at: new Date(start + i * 1000) })])),
    );
    await t.core.ingest.drain();

    const contacts = await modelsOf(t.core).Contact.find({ identities: `phone:${phone}` }).lean();
    expect(contacts).toHaveLength(1);
    const tickets = await modelsOf(t.core).Ticket.find({ inboxId: inbox._id }).lean();
    expect(tickets).toHaveLength(1);
    const messages = await modelsOf(t.core).Message.find({ ticketId: tickets[0]!._id }).sort({ occurredAt: 1, _id: 1 }).lean();
    expect(messages.map((m) => m.text)).toEqual(Array.from({ length: 50 }, (_, i) => `msg ${i}`));
    expect(tickets[0]!.lastMessageAt.getTime()).toBe(start + 49 * 1000);
  });

  it('the same customer on two inboxes (SMS and WhatsApp) is one contact', async () => {
    const sms = await createInbox(t.core, 'sms');
    const wa = await createInbox(t.core, 'whatsapp');
    const phone = '+351912345678';
    await t.core.ingest.accept([smsEvent(String(sms._id), { sid: 'SM-x1', from: phone })]);
    await t.core.ingest.accept([{ ...smsEvent(String(wa._id), { sid: 'x', from: phone }), providerKey: 'wa:x1@c.us' }]);
    await t.core.ingest.drain();
    expect(await modelsOf(t.core).Contact.countDocuments({ identities: `phone:${phone}` })).toBe(1);
    expect(await modelsOf(t.core).Ticket.countDocuments({ inboxId: { $in: [sms._id, wa._id] } })).toBe(2);
  });

  it('20 concurrent new tickets get unique numbers', async () => {
    const inbox = await createInbox(t.core);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => t.core.ingest.accept([smsEvent(String(inbox._id), { sid: `SM-new-${i}`, from: `+55119770000${String(i).padStart(2, '0')}` })])),
    );
    await t.core.ingest.drain();
    const tickets = await modelsOf(t.core).Ticket.find({ inboxId: inbox._id }).lean();
    expect(tickets).toHaveLength(20);
    expect(new Set(tickets.map((x) => x.number)).size).toBe(20);
    const all = await modelsOf(t.core).Ticket.find({}, { number: 1 }).lean();
    expect(new Set(all.map((x) => x.number)).size).toBe(all.length);
  });

  it('invalid events are refused whole with field paths, nothing stored', async () => {
    const inbox = await createInbox(t.core);
    const good = smsEvent(String(inbox._id), { sid: 'SM-valid' });
    const bad = { ...smsEvent(String(inbox._id), { sid: 'SM-invalid' }), sender: { handle: '' } };
    await expect(t.core.ingest.accept([good, bad])).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await modelsOf(t.core).InboundEvent.exists({ _id: 'sms:SM-valid' })).toBeNull();
  });

  it('an event for an unknown inbox is refused', async () => {
    await expect(t.core.ingest.accept([smsEvent('65a1b2c3d4e5f60718293a4b', { sid: 'SM-noinbox' })])).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
