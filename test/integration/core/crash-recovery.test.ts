import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { InboundEventSchema } from '../../../src/core/domain/inbound-event.js';
import { createInbox, smsEvent, startTestCore, type TestCore } from '../../support/test-core.js';
import { startTestDatabase, type TestDatabase } from '../../support/test-database.js';

let db: TestDatabase;
let t: TestCore;
beforeAll(async () => {
  db = await startTestDatabase();
  t = await startTestCore({}, db);
});
afterAll(async () => {
  await t.stop();
  await db.stop();
});

/** Stores an event the way intake does, as if the process died right after acknowledging the platform. */
async function storeOnly(core: TestCore['core'], input: ReturnType<typeof smsEvent>) {
  const event = InboundEventSchema.parse(input);
  await core.models.InboundEvent.insertMany([
    { _id: event.providerKey, inboxId: event.inboxId, type: event.type, payloadJson: JSON.stringify(event), status: 'pending', attempts: 0, receivedAt: new Date() },
  ]);
}

describe('crash recovery', () => {
  it('events stored but never processed are processed at the next start', async () => {
    const inbox = String((await createInbox(t.core))._id);
    await storeOnly(t.core, smsEvent(inbox, { sid: 'SM-crash-1', from: '+5511966660001' }));
    await storeOnly(t.core, smsEvent(inbox, { sid: 'SM-crash-2', from: '+5511966660001' }));
    await t.core.stop();
    t = await startTestCore({}, db); // start() catches up with everything pending, in the background
    await t.core.ingest.drain();
    expect(await t.core.models.Message.countDocuments({ providerKey: { $in: ['sms:SM-crash-1', 'sms:SM-crash-2'] } })).toBe(2);
    expect(await t.core.models.InboundEvent.countDocuments({ _id: { $in: ['sms:SM-crash-1', 'sms:SM-crash-2'] }, status: 'processed' })).toBe(2);
    expect(await t.core.models.Ticket.countDocuments({ inboxId: inbox })).toBe(1);
  });

  it('an event processed half-way (message stored, event still pending) completes without duplicates', async () => {
    const inbox = String((await createInbox(t.core))._id);
    const input = smsEvent(inbox, { sid: 'SM-half-1', from: '+5511966660002' });
    await t.core.ingest.accept([input]);
    await t.core.ingest.drain();
    // Pretend the crash hit after the message write but before the event was marked processed.
    await t.core.models.InboundEvent.updateOne({ _id: 'sms:SM-half-1' }, { $set: { status: 'pending' } });
    const ticketId = (await t.core.models.Message.findOne({ providerKey: 'sms:SM-half-1' }).lean())!.ticketId;
    const auditBefore = await t.core.models.AuditEvent.countDocuments({ ticketId });
    const swept = await t.core.ingest.sweep(0);
    expect(swept).toBeGreaterThanOrEqual(1);
    expect(await t.core.models.Message.countDocuments({ providerKey: 'sms:SM-half-1' })).toBe(1);
    expect(await t.core.models.AuditEvent.countDocuments({ ticketId })).toBe(auditBefore);
    expect((await t.core.models.InboundEvent.findById('sms:SM-half-1').lean())!.status).toBe('processed');
  });

  it('a delivery status that arrives before its message is known waits, then applies', async () => {
    const inbox = String((await createInbox(t.core))._id);
    await t.core.ingest.accept([{ type: 'message.status', providerKey: 'sms-status:SM-later:delivered', inboxId: inbox, occurredAt: new Date(), providerMessageId: 'SM-later', status: 'delivered' }]);
    await t.core.ingest.drain();
    const pending = await t.core.models.InboundEvent.findById('sms-status:SM-later:delivered').lean();
    expect(pending).toMatchObject({ status: 'pending', attempts: 1 });
  });

  it('an event that failed here is retried from memory, without asking the database what is pending', async () => {
    const inbox = String((await createInbox(t.core))._id);
    const sid = 'SM-retry-1';
    await t.core.ingest.accept([{ type: 'message.status', providerKey: `sms-status:${sid}:delivered`, inboxId: inbox, occurredAt: new Date(), providerMessageId: sid, status: 'delivered' }]);
    await t.core.ingest.drain();
    expect(await t.core.models.InboundEvent.findById(`sms-status:${sid}:delivered`).lean()).toMatchObject({ status: 'pending', attempts: 1 });

    // The message it refers to is sent now (an outbound message with that provider id).
    const { _id: ticketId } = await t.core.models.Ticket.findOne({}).lean().then((x) => x!);
    await t.core.models.Message.create({ ticketId, inboxId: inbox, channel: 'sms', direction: 'outbound', kind: 'message', author: { type: 'agent', name: 'Ana' }, text: 'hi', providerKey: `out:${sid}`, providerMessageId: sid, delivery: { status: 'sent', attempts: 1 }, occurredAt: new Date() });

    const find = vi.spyOn(t.core.models.InboundEvent, 'find');
    try {
      expect(t.core.ingest.retryDue(0)).toBeGreaterThanOrEqual(1); // also the earlier test's waiting status
      await t.core.ingest.drain();
      expect(find).not.toHaveBeenCalled();
    } finally {
      find.mockRestore();
    }
    expect(await t.core.models.InboundEvent.findById(`sms-status:${sid}:delivered`).lean()).toMatchObject({ status: 'processed' });
    expect(await t.core.models.Message.findOne({ providerMessageId: sid }).lean()).toMatchObject({ delivery: { status: 'delivered' } });
  });
});
