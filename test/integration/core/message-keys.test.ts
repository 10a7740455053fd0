import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { rawCollection } from '../../../src/core/db/raw-collection.js';
import { NotFoundError } from '../../../src/core/errors/app-error.js';
import { MessageKeys } from '../../../src/core/messages/message-keys.js';
import { inboxMessageKeyId, MESSAGE_KEYS_BACKFILLED_ID } from '../../../src/core/models/message-key.js';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { ScriptedAdapter } from '../../support/fake-channel.js';
import { createInbox, createUser, emailEvent, smsEvent, startTestCore, type TestCore } from '../../support/test-core.js';
import { eventually } from '../../support/eventually.js';

/**
 * Messages found by the ids other systems gave them go through `message_keys` (two `_id` reads) instead of a
 * query on the message's fields, which reads every message on the embedded database. Each test removes the
 * field the old query matched on, behind the hub's back: only a lookup by key can still find the message.
 */
let t: TestCore;
beforeAll(async () => {
  t = await startTestCore();
  // The start's backfill (nothing to key on a new database) has finished: a missing key now means no message.
  await t.core.messageKeys.backfill();
});
afterAll(async () => {
  await t?.stop();
});

const models = () => modelsOf(t.core);
const silent = pino({ level: 'silent' });

async function accept(...events: Parameters<TestCore['core']['ingest']['accept']>[0]) {
  await t.core.ingest.accept(events);
  await t.core.ingest.drain();
}

const forgetFields = (filter: object) =>
  rawCollection(models().Message).updateMany(filter, { $unset: { providerMessageId: 1, emailMessageId: 1 } });

describe('message keys', () => {
  it('a delivery receipt and a reaction find their message by its keys', async () => {
    const adapter = new ScriptedAdapter();
    const inbox = await createInbox(t.core);
    t.registry.adapters.set(String(inbox._id), adapter);
    await accept(smsEvent(String(inbox._id), { sid: 'MK-in-1', from: '+5511900007001' }));
    const inbound = (await models().Message.findOne({ providerKey: 'sms:MK-in-1' }).lean())!;
    const agent = await createUser(t.core, 'admin');
    const reply = await t.core.compose.reply(agent, String(inbound.ticketId), { text: 'On it', attachments: [] });
    const sent = (await eventually(() => models().Message.findById(reply._id).lean(), (m) => m?.delivery.status === 'sent'))!;
    const providerId = sent.providerMessageId!;
    expect(providerId).toMatch(/^prov-/);
    await forgetFields({ _id: { $in: [inbound._id, reply._id] } });

    await accept(
      { type: 'message.status', providerKey: `st:${providerId}:delivered`, inboxId: String(inbox._id), occurredAt: new Date(), providerMessageId: providerId, status: 'delivered' },
      { type: 'message.reaction', providerKey: 'react:MK-in-1:1', inboxId: String(inbox._id), occurredAt: new Date(), providerMessageId: 'MK-in-1', by: '+5511900007001', emoji: '👍' },
    );
    expect((await models().Message.findById(reply._id).lean())!.delivery.status).toBe('delivered');
    expect((await models().Message.findById(inbound._id).lean())!.reactions).toMatchObject([{ by: '+5511900007001', emoji: '👍' }]);
    for (const key of ['st:', 'react:']) {
      const id = key === 'st:' ? `st:${providerId}:delivered` : 'react:MK-in-1:1';
      expect((await models().InboundEvent.findById(id).lean())!.status).toBe('processed');
    }
  });

  it('a receipt for an id no message has yet waits; keys of another inbox do not answer it', async () => {
    const a = await createInbox(t.core);
    const b = await createInbox(t.core);
    await accept(smsEvent(String(a._id), { sid: 'MK-shared-1', from: '+5511900007002' }));
    await accept({ type: 'message.reaction', providerKey: 'react:b:MK-shared-1', inboxId: String(b._id), occurredAt: new Date(), providerMessageId: 'MK-shared-1', by: 'x', emoji: '❤️' });
    expect(await models().InboundEvent.findById('react:b:MK-shared-1').lean()).toMatchObject({ status: 'pending', attempts: 1 });
    expect((await models().Message.findOne({ providerKey: 'sms:MK-shared-1' }).lean())!.reactions ?? []).toEqual([]);
  });

  it('an email reply threads by References to the message its key names', async () => {
    const inbox = String((await createInbox(t.core, 'email'))._id);
    await accept(emailEvent(inbox, { messageId: '<mk-root@customer.example>', from: 'ana@customer.example', subject: 'Broken order' }));
    const root = (await models().Message.findOne({ providerKey: `mail:${inbox}:<mk-root@customer.example>` }).lean())!;
    await forgetFields({ _id: root._id });
    // Another address, another subject: only the reference ties it to the first ticket.
    await accept(
      emailEvent(inbox, { messageId: '<mk-reply@other.example>', from: 'bob@other.example', subject: 'Re: something else', references: ['<mk-root@customer.example>'] }),
    );
    const reply = (await models().Message.findOne({ providerKey: `mail:${inbox}:<mk-reply@other.example>` }).lean())!;
    expect(String(reply.ticketId)).toBe(String(root.ticketId));
    expect(reply.threadReason?.rule).toBe('reference');
  });

  it('an attachment is found for download by its key (customer upload and agent note); a hidden ticket is still a 404', async () => {
    const inbox = await createInbox(t.core);
    const png = Buffer.from('not really a png').toString('base64');
    await accept({ ...smsEvent(String(inbox._id), { sid: 'MK-att-1', from: '+5511900007004' }), attachments: [{ fileName: 'photo.png', mimeType: 'image/png', size: 16, contentBase64: png }] });
    const inbound = (await models().Message.findOne({ providerKey: 'sms:MK-att-1' }).lean())!;
    const admin = await createUser(t.core, 'admin');
    const note = await t.core.compose.note(admin, String(inbound.ticketId), { text: 'see attached', attachments: [{ fileName: 'notes.txt', mimeType: 'text/plain', contentBase64: png }] });
    const blobs = [inbound.attachments[0]!.blobId, note.attachments[0]!.blobId];
    const find = vi.spyOn(models().Message, 'find');
    const findOne = vi.spyOn(models().Message, 'findOne');
    try {
      expect((await t.core.attachments.find(admin, blobs[0]!)).fileName).toBe('photo.png');
      expect((await t.core.attachments.find(admin, blobs[1]!)).fileName).toBe('notes.txt');
      const byBlob = [...find.mock.calls, ...findOne.mock.calls].filter(([filter]) => JSON.stringify(filter ?? {}).includes('attachments.blobId'));
      expect(byBlob).toEqual([]);
    } finally {
      find.mockRestore();
      findOne.mockRestore();
    }
    // An agent of another department does not see the ticket: the same 404 as an unknown blob.
    const dep = await models().Department.create({ name: 'MK elsewhere' });
    const outsider = await createUser(t.core, 'agent', [dep._id]);
    await models().Ticket.updateOne({ _id: inbound.ticketId }, { $set: { departmentId: (await models().Department.create({ name: 'MK own' }))._id } });
    await expect(t.core.attachments.find(outsider, blobs[0]!)).rejects.toBeInstanceOf(NotFoundError);
    await expect(t.core.attachments.find(admin, '0123456789abcdef01234567')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('before the backfill has run, a message without keys is found by the query; after it, by its key', async () => {
    const inbox = String((await createInbox(t.core))._id);
    await accept(smsEvent(inbox, { sid: 'MK-old-1', from: '+5511900007003' }));
    // As stored before keys: no key, no record that a backfill ran.
    await rawCollection(models().MessageKey).deleteMany({ _id: { $in: [inboxMessageKeyId(inbox, 'MK-old-1'), MESSAGE_KEYS_BACKFILLED_ID] } });

    const upgraded = new MessageKeys(models(), silent);
    await upgraded.load();
    expect((await upgraded.inInbox(inbox, 'MK-old-1'))?.providerKey).toBe('sms:MK-old-1');
    const result = await upgraded.backfill();
    expect(result.skipped).toBeUndefined();
    expect(result.messages).toBeGreaterThanOrEqual(1);
    expect(await models().MessageKey.exists({ _id: inboxMessageKeyId(inbox, 'MK-old-1') })).toBeTruthy();
    expect(await upgraded.backfill()).toMatchObject({ messages: 0, skipped: 'done-before' });

    // Complete now: the key answers though the field is gone, and an id nobody has is "none" at once.
    await forgetFields({ providerKey: 'sms:MK-old-1' });
    expect((await upgraded.inInbox(inbox, 'MK-old-1'))?.providerKey).toBe('sms:MK-old-1');
    expect(await upgraded.inInbox(inbox, 'MK-nobody')).toBeNull();
    // A caller's condition (a direction, a kind) still applies to what the key names.
    expect(await upgraded.inInbox(inbox, 'MK-old-1', (m) => m.direction === 'outbound')).toBeNull();
  });
});
