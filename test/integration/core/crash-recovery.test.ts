import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuditLog } from '../../../src/core/audit/audit-log.js';
import { verifyAuditChain } from '../../../src/core/audit/verify-chain.js';
import { InboundEventSchema } from '../../../src/core/domain/inbound-event.js';
import { createInbox, smsEvent, startTestCore, type TestCore } from '../../support/test-core.js';
import { startTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { modelsOf } from '../../../src/core/models/models-of.js';

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
  await modelsOf(core).InboundEvent.insertMany([
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
    expect(await modelsOf(t.core).Message.countDocuments({ providerKey: { $in: ['sms:SM-crash-1', 'sms:SM-crash-2'] } })).toBe(2);
    expect(await modelsOf(t.core).InboundEvent.countDocuments({ _id: { $in: ['sms:SM-crash-1', 'sms:SM-crash-2'] }, status: 'processed' })).toBe(2);
    expect(await modelsOf(t.core).Ticket.countDocuments({ inboxId: inbox })).toBe(1);
  });

  it('an event processed half-way (message stored, event still pending) completes without duplicates', async () => {
    const inbox = String((await createInbox(t.core))._id);
    const input = smsEvent(inbox, { sid: 'SM-half-1', from: '+5511966660002' });
    await t.core.ingest.accept([input]);
    await t.core.ingest.drain();
    // Pretend the crash hit after the message write but before the event was marked processed.
    await modelsOf(t.core).InboundEvent.updateOne({ _id: 'sms:SM-half-1' }, { $set: { status: 'pending' } });
    const ticketId = (await modelsOf(t.core).Message.findOne({ providerKey: 'sms:SM-half-1' }).lean())!.ticketId;
    const auditBefore = await modelsOf(t.core).AuditEvent.countDocuments({ ticketId });
    const swept = await t.core.ingest.sweep(0);
    expect(swept).toBeGreaterThanOrEqual(1);
    expect(await modelsOf(t.core).Message.countDocuments({ providerKey: 'sms:SM-half-1' })).toBe(1);
    expect(await modelsOf(t.core).AuditEvent.countDocuments({ ticketId })).toBe(auditBefore);
    expect((await modelsOf(t.core).InboundEvent.findById('sms:SM-half-1').lean())!.status).toBe('processed');
  });

  it('a delivery status that arrives before its message is known waits, then applies', async () => {
    const inbox = String((await createInbox(t.core))._id);
    await t.core.ingest.accept([{ type: 'message.status', providerKey: 'sms-status:SM-later:delivered', inboxId: inbox, occurredAt: new Date(), providerMessageId: 'SM-later', status: 'delivered' }]);
    await t.core.ingest.drain();
    const pending = await modelsOf(t.core).InboundEvent.findById('sms-status:SM-later:delivered').lean();
    expect(pending).toMatchObject({ status: 'pending', attempts: 1 });
  });

  it('an event that failed here is retried from memory, without asking the database what is pending', async () => {
    const inbox = String((await createInbox(t.core))._id);
    const sid = 'SM-retry-1';
    await t.core.ingest.accept([{ type: 'message.status', providerKey: `sms-status:${sid}:delivered`, inboxId: inbox, occurredAt: new Date(), providerMessageId: sid, status: 'delivered' }]);
    await t.core.ingest.drain();
    expect(await modelsOf(t.core).InboundEvent.findById(`sms-status:${sid}:delivered`).lean()).toMatchObject({ status: 'pending', attempts: 1 });

    // The message it refers to is sent now (an outbound message with that provider id).
    const { _id: ticketId } = await modelsOf(t.core).Ticket.findOne({}).lean().then((x) => x!);
    const sent = await modelsOf(t.core).Message.create({ ticketId, inboxId: inbox, channel: 'sms', direction: 'outbound', kind: 'message', author: { type: 'agent', name: 'Ana' }, text: 'hi', providerKey: `out:${sid}`, providerMessageId: sid, delivery: { status: 'sent', attempts: 1 }, occurredAt: new Date() });
    // With its key, as the delivery worker writes it when the platform names the message.
    await t.core.messageKeys.record(sent);

    const find = vi.spyOn(modelsOf(t.core).InboundEvent, 'find');
    try {
      expect(t.core.ingest.retryDue(0)).toBeGreaterThanOrEqual(1); // also the earlier test's waiting status
      await t.core.ingest.drain();
      expect(find).not.toHaveBeenCalled();
    } finally {
      find.mockRestore();
    }
    expect(await modelsOf(t.core).InboundEvent.findById(`sms-status:${sid}:delivered`).lean()).toMatchObject({ status: 'processed' });
    expect(await modelsOf(t.core).Message.findOne({ providerMessageId: sid }).lean()).toMatchObject({ delivery: { status: 'delivered' } });
  });

  it('an edit interrupted between its two writes keeps the previous text in the history, once, and applies the new text', async () => {
    const inbox = String((await createInbox(t.core))._id);
    const sid = 'SM-edit-crash';
    await t.core.ingest.accept([smsEvent(inbox, { sid, from: '+5511966660003', text: 'Pedido 321' })]);
    await t.core.ingest.drain();
    const original = (await modelsOf(t.core).Message.findOne({ providerKey: `sms:${sid}` }).lean())!;

    // The process dies after the first of the edit's two writes (whichever comes first): the second fails once.
    const Message = modelsOf(t.core).Message;
    const append = AuditLog.prototype.append;
    const updateOne = Message.updateOne.bind(Message) as (...args: unknown[]) => unknown;
    let editWrites = 0;
    const crashOnSecond = () => ++editWrites === 2;
    const auditSpy = vi.spyOn(AuditLog.prototype, 'append').mockImplementation(function (this: AuditLog, ...args: Parameters<AuditLog['append']>) {
      if (args[1] === 'message.edited' && crashOnSecond()) return Promise.reject(new Error('crashed before the history was written'));
      return append.apply(this, args);
    });
    const updateSpy = vi.spyOn(Message, 'updateOne').mockImplementation(((...args: unknown[]) => {
      const update = args[1] as { $set?: { text?: string } } | undefined;
      if (update?.$set?.text !== undefined && crashOnSecond()) return Promise.reject(new Error('crashed before the text was written'));
      return updateOne(...args);
    }) as unknown as typeof Message.updateOne);
    const editKey = `sms-edit:${sid}:1`;
    try {
      await t.core.ingest.accept([{ type: 'message.edited', providerKey: editKey, inboxId: inbox, occurredAt: new Date(), providerMessageId: sid, text: 'Pedido 123' }]);
      await t.core.ingest.drain();
      expect(editWrites).toBe(2);
      expect(await modelsOf(t.core).InboundEvent.findById(editKey).lean()).toMatchObject({ status: 'pending', attempts: 1 });

      // The retry (here from memory; after a real crash, the start-up catch-up).
      expect(t.core.ingest.retryDue(0)).toBeGreaterThanOrEqual(1);
      await t.core.ingest.drain();
    } finally {
      auditSpy.mockRestore();
      updateSpy.mockRestore();
    }
    expect(await modelsOf(t.core).InboundEvent.findById(editKey).lean()).toMatchObject({ status: 'processed' });
    expect(await modelsOf(t.core).Message.findById(original._id).lean()).toMatchObject({ text: 'Pedido 123', editedAt: expect.any(Date) });
    const history = await modelsOf(t.core).AuditEvent.find({ ticketId: original.ticketId, type: 'message.edited' }).lean();
    expect(history.map((h) => JSON.parse(h.dataJson) as { messageId: string; previousText: string })).toEqual([
      expect.objectContaining({ messageId: String(original._id), previousText: 'Pedido 321' }),
    ]);
    expect(await verifyAuditChain(modelsOf(t.core), String(original.ticketId))).toMatchObject({ intact: true });
  });

  it('an edit older than the text shown (retried after a newer one landed) does not bring its text back', async () => {
    const inbox = String((await createInbox(t.core))._id);
    const sid = 'SM-edit-order';
    await t.core.ingest.accept([smsEvent(inbox, { sid, from: '+5511966660004', text: 'first' })]);
    await t.core.ingest.drain();
    const edit = (n: number, text: string, at: Date) => ({ type: 'message.edited' as const, providerKey: `sms-edit:${sid}:${n}`, inboxId: inbox, occurredAt: at, providerMessageId: sid, text });
    const older = new Date(Date.now() - 5_000);
    await t.core.ingest.accept([edit(2, 'third', new Date())]);
    await t.core.ingest.drain();
    await t.core.ingest.accept([edit(1, 'second', older)]);
    await t.core.ingest.drain();
    const message = (await modelsOf(t.core).Message.findOne({ providerKey: `sms:${sid}` }).lean())!;
    expect(message.text).toBe('third');
    expect(await modelsOf(t.core).InboundEvent.findById(`sms-edit:${sid}:1`).lean()).toMatchObject({ status: 'processed', result: { outcome: 'superseded' } });
    const history = await modelsOf(t.core).AuditEvent.find({ ticketId: message.ticketId, type: 'message.edited' }).lean();
    expect(history.map((h) => (JSON.parse(h.dataJson) as { previousText: string }).previousText)).toEqual(['first']);
  });
});
