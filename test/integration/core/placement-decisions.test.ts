import { Types } from 'mongoose';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MessageKeys } from '../../../src/core/messages/message-keys.js';
import type { DomainEvent } from '../../../src/core/events/domain-events.js';
import { MessageReceivedSchema } from '../../../src/core/domain/inbound-event.js';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { TicketPlacement } from '../../../src/core/threading/ticket-placement.js';
import { createInbox, emailEvent, smsEvent, startTestCore, TEST_SECRET, type TestCore } from '../../support/test-core.js';

/**
 * Threading decides, the ingest step writes: placement answers with a decision (`join`, `reopen`, or
 * `create` a ticket first) and never inserts a ticket itself.
 */
let t: TestCore;
beforeAll(async () => {
  t = await startTestCore();
});
afterAll(async () => {
  await t.stop();
});

async function ingest(...events: Parameters<TestCore['core']['ingest']['accept']>[0]) {
  await t.core.ingest.accept(events);
  await t.core.ingest.drain();
}

describe('placement decisions', () => {
  it('a reply carrying [#n] in its subject finds ticket n through the search index, not a query by number', async () => {
    const models = modelsOf(t.core);
    const inbox = String((await createInbox(t.core, 'email'))._id);
    await ingest(emailEvent(inbox, { messageId: '<pdn-1@cust.example>', from: 'pdn@cust.example', subject: 'Invoice missing' }));
    const first = (await models.Message.findOne({ providerKey: `mail:${inbox}:<pdn-1@cust.example>` }).lean())!;
    const ticket = (await models.Ticket.findById(first.ticketId).lean())!;
    await t.core.search.settled();
    const findOne = vi.spyOn(models.Ticket, 'findOne');
    try {
      // A new thread (no references) from the same customer, with the ticket's token in the subject.
      await ingest(emailEvent(inbox, { messageId: '<pdn-2@cust.example>', from: 'pdn@cust.example', subject: `Re: Invoice missing [#${ticket.number}]` }));
      const byNumber = findOne.mock.calls.filter(([filter]) => filter && typeof filter === 'object' && 'number' in filter);
      expect(byNumber).toEqual([]);
    } finally {
      findOne.mockRestore();
    }
    const second = (await models.Message.findOne({ providerKey: `mail:${inbox}:<pdn-2@cust.example>` }).lean())!;
    expect(String(second.ticketId)).toBe(String(ticket._id));
    expect(second.threadReason).toMatchObject({ rule: 'subject-token' });
  });

  it('a new conversation: placement claims its key and asks for a ticket, writing none; afterCreate then places the message on it', async () => {
    const models = modelsOf(t.core);
    const inbox = String((await createInbox(t.core, 'email'))._id);
    const placement = new TicketPlacement(models, TEST_SECRET, new MessageKeys(models, pino({ level: 'silent' })));
    const contact = { _id: new Types.ObjectId(), identities: ['email:pd1@cust.example'] } as never;
    const mail = (id: string) => MessageReceivedSchema.parse(emailEvent(inbox, { messageId: id, from: 'pd1@cust.example', subject: 'Hello' }));
    const before = await models.Ticket.countDocuments({});

    // Looked up ahead (as the resolve-sender step does): a chat-like first message claims the conversation at once.
    const first = { event: mail('<pd1@cust.example>'), contact, reopenWindowMs: 0 };
    const claimed = await placement.place(first, await placement.lookupPointer(first.event));
    expect(claimed).toMatchObject({ kind: 'create', reason: 'claimed-conversation' });
    if (claimed.kind !== 'create') throw new Error('expected create');
    const key = await models.ConversationKey.findById(`conv:${inbox}:${first.event.threading.conversationId}`).lean();
    expect(String(key!.ticketId)).toBe(String(claimed.ticketId));
    const ticket = { _id: claimed.ticketId, number: 999_001, subject: 'Hello', status: 'new' } as never;
    expect(await placement.afterCreate(first, claimed, { ticket, created: true })).toMatchObject({ kind: 'created', decision: { action: 'new', rule: 'new-conversation' } });

    // Without a lookup: placement reads, decides "new", claims the key and asks for the ticket.
    const second = { event: mail('<pd2@cust.example>'), contact, reopenWindowMs: 0 };
    const asked = await placement.place(second);
    expect(asked).toMatchObject({ kind: 'create', reason: 'new-ticket', resume: { decision: { action: 'new' } } });
    if (asked.kind !== 'create') throw new Error('expected create');
    expect(await models.Ticket.countDocuments({})).toBe(before);
    // "Another writer inserted it" although no ticket is stored: placement decides again and finds the claim
    // unfinished, so it asks for that ticket to be written rather than losing the message.
    const again = await placement.afterCreate(second, asked, { ticket: { ...(ticket as object), _id: asked.ticketId } as never, created: false });
    expect(again).toMatchObject({ kind: 'create', reason: 'unfinished-claim', ticketId: asked.ticketId });
    expect(await models.Ticket.countDocuments({})).toBe(before);
  });

  it('a conversation key whose ticket was never written (its writer crashed) is finished by the next message, announced once', async () => {
    const models = modelsOf(t.core);
    const inbox = String((await createInbox(t.core, 'sms'))._id);
    const orphan = new Types.ObjectId();
    await models.ConversationKey.create({ _id: `conv:${inbox}:+5511900000901`, ticketId: orphan, createdAt: new Date() });
    const seen: DomainEvent[] = [];
    const off = t.core.bus.subscribe((e) => void seen.push(e));
    await ingest(smsEvent(inbox, { sid: 'PD-orphan-1', from: '+5511900000901' }));
    off();
    const message = (await models.Message.findOne({ providerKey: 'sms:PD-orphan-1' }).lean())!;
    expect(String(message.ticketId)).toBe(String(orphan));
    expect(await models.Ticket.countDocuments({ inboxId: new Types.ObjectId(inbox) })).toBe(1);
    expect(seen.filter((e) => e.type === 'ticket.created').map((e) => 'ticket' in e && e.ticket.id)).toEqual([String(orphan)]);
    expect(seen.filter((e) => e.type === 'message.created')).toHaveLength(1);
    expect(message.threadReason).toMatchObject({ rule: 'conversation' });
  });
});
