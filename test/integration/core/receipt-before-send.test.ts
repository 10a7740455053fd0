import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../support/eventually.js';
import { ScriptedAdapter } from '../../support/fake-channel.js';
import { createInbox, createUser, smsEvent, startTestCore, type TestCore } from '../../support/test-core.js';
import { modelsOf } from '../../../src/core/models/models-of.js';

/** Far beyond every wait below: whatever applies the waiting events here, it is not the sweep. */
const SWEEP_MS = 600_000;
/** How long a waiting event may take to be applied once its message is known (the sweep would take SWEEP_MS). */
const PROMPTLY_MS = 5_000;

let t: TestCore;
beforeAll(async () => {
  t = await startTestCore({ INGEST_SWEEP_INTERVAL_MS: String(SWEEP_MS), INGEST_SWEEP_MIN_AGE_MS: String(SWEEP_MS) });
});
afterAll(async () => {
  await t.stop();
});

const inboundEvent = (providerKey: string) => modelsOf(t.core).InboundEvent.findById(providerKey).lean();

describe('events that name a message before it is known', () => {
  it('a receipt that arrives before the worker recorded the provider id is applied once it is, not at the sweep', async () => {
    const inbox = await createInbox(t.core);
    const inboxId = String(inbox._id);
    let receiptKey = '';
    // The platform confirms delivery before our send call has returned (a fast webhook, the web chat's ack).
    const adapter = new ScriptedAdapter().then(async (out) => {
      const providerMessageId = `SM-early-${out.messageId}`;
      receiptKey = `sms-status:${providerMessageId}:delivered`;
      await t.core.ingest.accept([{ type: 'message.status', providerKey: receiptKey, inboxId, occurredAt: new Date(), providerMessageId, status: 'delivered' }]);
      // Processed, and found no message: it waits.
      const waiting = await eventually(() => inboundEvent(receiptKey), (r) => r?.attempts === 1);
      expect(waiting).toMatchObject({ status: 'pending', attempts: 1 });
      return { providerMessageId, sentAt: new Date() };
    });
    t.registry.adapters.set(inboxId, adapter);
    await t.core.ingest.accept([smsEvent(inboxId, { sid: 'SM-early-in', from: '+5511944440001' })]);
    await t.core.ingest.drain();
    const ticketId = String((await modelsOf(t.core).Message.findOne({ providerKey: 'sms:SM-early-in' }).lean())!.ticketId);
    const agent = await createUser(t.core, 'admin');

    const reply = await t.core.compose.reply(agent, ticketId, { text: 'On its way', attachments: [] });
    const sent = await eventually(() => modelsOf(t.core).Message.findById(reply._id).lean(), (m) => m?.delivery.status === 'sent' || m?.delivery.status === 'delivered');
    const sentAt = Date.now();
    expect(sent?.providerMessageId).toBeTruthy();

    const delivered = await eventually(() => modelsOf(t.core).Message.findById(reply._id).lean(), (m) => m?.delivery.status === 'delivered', PROMPTLY_MS);
    expect(delivered!.delivery.status).toBe('delivered');
    expect(Date.now() - sentAt).toBeLessThan(PROMPTLY_MS);
    expect(await eventually(() => inboundEvent(receiptKey), (r) => r?.status === 'processed')).toMatchObject({ status: 'processed', attempts: 2 });
    // Applied after the send was recorded: `sent` never overwrites the receipt, and consoles see the ticks in order.
    expect(delivered!.delivery.history.map((h) => h.status)).toEqual(['queued', 'sending', 'sent', 'delivered']);
    const statuses = t.events.filter((e) => e.type === 'message.status_changed' && e.messageId === String(reply._id)).map((e) => (e as { status: string }).status);
    expect(statuses).toEqual(['sent', 'delivered']);
  });

  // The receipt lands while the worker is recording the send: its key is written; `sent` is about to be written,
  // or written but not yet announced to the consoles. Applied there, its `delivered` reached the consoles first
  // and the worker's `sent` after it: every console showed `sent` for good (the browser test's rare failure).
  it.each([
    ['before the worker wrote `sent`', 'before'],
    ['after `sent` was written, before the consoles were told', 'after'],
  ] as const)('a receipt that arrives while the send is being recorded (%s) waits for it: the ticks never go back', async (_, when) => {
    const inbox = await createInbox(t.core);
    const inboxId = String(inbox._id);
    const sid = `SM-race-${when}`;
    t.registry.adapters.set(inboxId, new ScriptedAdapter().then(async (out) => ({ providerMessageId: `${sid}-${out.messageId}`, sentAt: new Date() })));
    await t.core.ingest.accept([smsEvent(inboxId, { sid: `${sid}-in`, from: when === 'before' ? '+5511944440003' : '+5511944440004' })]);
    await t.core.ingest.drain();
    const ticketId = String((await modelsOf(t.core).Message.findOne({ providerKey: `sms:${sid}-in` }).lean())!.ticketId);
    const agent = await createUser(t.core, 'admin');
    const Message = modelsOf(t.core).Message;
    const original = Message.updateOne;
    let receiptKey = '';
    const receipt = async (providerMessageId: string) => {
      receiptKey = `sms-status:${providerMessageId}:delivered`;
      await t.core.ingest.accept([{ type: 'message.status', providerKey: receiptKey, inboxId, occurredAt: new Date(), providerMessageId, status: 'delivered' }]);
      // Taken in and run once: applied (the old way) or waiting for the send's recording.
      await eventually(() => inboundEvent(receiptKey), (r) => r?.status === 'processed' || (r?.attempts ?? 0) >= 1);
    };
    Message.updateOne = async function (this: unknown, ...args: unknown[]) {
      const set = (args[1] as { $set?: Record<string, unknown> } | undefined)?.$set;
      const isSent = !receiptKey && set?.['delivery.status'] === 'sent';
      if (isSent && when === 'before') await receipt(String(set.providerMessageId));
      const written = await (original as (...a: unknown[]) => Promise<unknown>).apply(this, args);
      if (isSent && when === 'after') await receipt(String(set.providerMessageId));
      return written;
    } as unknown as typeof original;
    try {
      const reply = await t.core.compose.reply(agent, ticketId, { text: `Racing its receipt ${when}`, attachments: [] });
      const delivered = await eventually(() => Message.findById(reply._id).lean(), (m) => m?.delivery.status === 'delivered', PROMPTLY_MS);
      await eventually(() => inboundEvent(receiptKey), (r) => r?.status === 'processed');
      await t.core.ingest.drain();
      expect(receiptKey).not.toBe('');
      expect(delivered!.providerMessageId).toBe(`${sid}-${String(reply._id)}`);
      expect(delivered!.delivery.history.map((h) => h.status)).toEqual(['queued', 'sending', 'sent', 'delivered']);
      const statuses = t.events.filter((e) => e.type === 'message.status_changed' && e.messageId === String(reply._id)).map((e) => (e as { status: string }).status);
      expect(statuses).toEqual(['sent', 'delivered']);
    } finally {
      Message.updateOne = original;
    }
  });

  it('an edit that arrives before its message was processed is applied once the message is stored', async () => {
    const inboxId = String((await createInbox(t.core))._id);
    const editKey = 'sms-edit:SM-edit-early:1';
    await t.core.ingest.accept([{ type: 'message.edited', providerKey: editKey, inboxId, occurredAt: new Date(), providerMessageId: 'SM-edit-early', text: 'the corrected text' }]);
    await t.core.ingest.drain();
    expect(await inboundEvent(editKey)).toMatchObject({ status: 'pending', attempts: 1 });

    await t.core.ingest.accept([smsEvent(inboxId, { sid: 'SM-edit-early', from: '+5511944440002', text: 'the first text' })]);
    const edited = await eventually(() => modelsOf(t.core).Message.findOne({ providerKey: 'sms:SM-edit-early' }).lean(), (m) => m?.text === 'the corrected text', PROMPTLY_MS);
    expect(edited?.text).toBe('the corrected text');
    const history = await modelsOf(t.core).AuditEvent.find({ ticketId: edited!.ticketId, type: 'message.edited' }).lean();
    expect(history.map((h) => JSON.parse(h.dataJson).previousText)).toEqual(['the first text']);
  });
});
