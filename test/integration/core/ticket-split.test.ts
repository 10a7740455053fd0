import { Types } from 'mongoose';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageKeys } from '../../../src/core/messages/message-keys.js';
import { MessageReceivedSchema } from '../../../src/core/domain/inbound-event.js';
import type { AppError } from '../../../src/core/errors/app-error.js';
import type { Message } from '../../../src/core/models/message.js';
import { modelsOf } from '../../../src/core/models/models-of.js';
import type { Ticket } from '../../../src/core/models/ticket.js';
import { TicketPlacement } from '../../../src/core/threading/ticket-placement.js';
import { listThread } from '../../../src/core/tickets/thread-queries.js';
import { TicketListQuerySchema } from '../../../src/core/tickets/ticket-queries.js';
import { TicketSearchQuerySchema } from '../../../src/core/tickets/ticket-search.js';
import type { Viewer } from '../../../src/core/users/viewer.js';
import { ScriptedAdapter } from '../../support/fake-channel.js';
import { createInbox, createUser, emailEvent, smsEvent, startTestCore, TEST_SECRET, type TestCore } from '../../support/test-core.js';

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
const nextPhone = () => `+55119100${String(5000 + ++phone)}`;
let sid = 0;
const ago = (s: number) => new Date(Date.now() - s * 1000);

async function ingest(...events: ReturnType<typeof smsEvent>[]) {
  await t.core.ingest.accept(events);
  await t.core.ingest.drain();
}

/** A customer message, `secondsAgo` in the past (thread order is by time). */
async function say(inbox: string, from: string, text: string, secondsAgo = 0): Promise<Message> {
  const key = `SM-split-${++sid}`;
  await ingest(smsEvent(inbox, { sid: key, from, text, at: ago(secondsAgo) }));
  return (await models().Message.findOne({ providerKey: `sms:${key}` }).lean())!;
}

const reload = async (id: Types.ObjectId | string) => (await models().Ticket.findById(id).lean())!;
const ticketOfMessage = async (m: Message) => reload((await models().Message.findById(m._id).lean())!.ticketId);

/** The thread's texts, by the entries path (must answer, not fall back) and by the query: both the same. */
async function threadTexts(ticket: Ticket): Promise<string[]> {
  const byQuery = await listThread(models(), ticket, { limit: 100 });
  const byEntries = await listThread(models(), ticket, { limit: 100, byEntries: true });
  expect(byEntries.items.map((m) => String(m._id))).toEqual(byQuery.items.map((m) => String(m._id)));
  return byQuery.items.map((m) => m.text);
}

async function auditTypes(ticketId: Types.ObjectId | string) {
  return t.core.tickets.auditTrail(admin, String(ticketId));
}

async function rejection(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    return err as AppError;
  }
  throw new Error('expected a rejection');
}

describe('split', () => {
  it('moves a message to a new ticket: both threads, list fields, audit on both sides, search', async () => {
    const inbox = String((await createInbox(t.core, 'sms'))._id);
    const from = nextPhone();
    const first = await say(inbox, from, 'my router is broken', 30);
    const second = await say(inbox, from, 'also the invoice zanzibar is wrong', 20);
    const third = await say(inbox, from, 'router still blinking', 10);
    const source = await ticketOfMessage(first);
    expect(String((await ticketOfMessage(third))._id)).toBe(String(source._id));

    const target = await t.core.ticketSplit.split(admin, String(source._id), { messageIds: [String(second._id)] });
    expect(String(target._id)).not.toBe(String(source._id));
    expect(target).toMatchObject({ status: 'open', contactId: source.contactId, inboxId: source.inboxId, subject: 'also the invoice zanzibar is wrong' });
    expect(target.replyTo.handle).toBe(from);
    expect(target.lastMessagePreview).toBe('also the invoice zanzibar is wrong');

    expect(await threadTexts(await reload(source._id))).toEqual(['my router is broken', 'router still blinking']);
    expect(await threadTexts(await reload(target._id))).toEqual(['also the invoice zanzibar is wrong']);
    expect(await models().Message.countDocuments({ ticketId: source._id })).toBe(2);
    expect(await models().Message.countDocuments({ ticketId: target._id })).toBe(1);
    const after = await reload(source._id);
    expect(after.lastMessagePreview).toBe('router still blinking');

    const out = (await auditTypes(source._id)).find((e) => e.type === 'ticket.split_out')!;
    expect(out.data).toMatchObject({ messageIds: [String(second._id)], targetId: String(target._id), targetNumber: target.number, newTicket: true });
    const inTrail = await auditTypes(target._id);
    expect(inTrail.map((e) => e.type)).toEqual(['ticket.created', 'ticket.split_in']);
    expect(inTrail[0]!.data).toMatchObject({ splitFrom: { id: String(source._id), number: source.number } });
    expect(inTrail[1]!.data).toMatchObject({ messageIds: [String(second._id)], sourceId: String(source._id), sourceNumber: source.number });
    expect((await t.core.tickets.verifyAudit(admin, String(source._id))).intact).toBe(true);
    expect((await t.core.tickets.verifyAudit(admin, String(target._id))).intact).toBe(true);

    // Announced: the new ticket, then a change on each side (the console and the open-work projection follow).
    const changes = t.events.filter((e) => e.type === 'ticket.updated' && (e.change === 'split_out' || e.change === 'split_in'));
    expect(changes.map((e) => e.type === 'ticket.updated' && [e.ticket.id, e.change])).toEqual(
      expect.arrayContaining([
        [String(source._id), 'split_out'],
        [String(target._id), 'split_in'],
      ]),
    );
    expect(t.events.some((e) => e.type === 'ticket.created' && e.ticket.id === String(target._id))).toBe(true);
    const open = await t.core.tickets.list(admin, TicketListQuerySchema.parse({ status: 'open,new', limit: 100 }));
    expect(open.items.map((x) => String(x._id))).toContain(String(target._id));

    // The moved words find the new ticket.
    await t.core.search.settled();
    const found = await t.core.search.tickets(admin, TicketSearchQuerySchema.parse({ q: 'zanzibar' }));
    expect(found.items.map((x) => String(x._id))).toContain(String(target._id));

    // Some of the conversation stayed: the customer's next message still joins the source.
    const next = await say(inbox, from, 'any news?');
    expect(String((await ticketOfMessage(next))._id)).toBe(String(source._id));
  });

  it('moves messages to an existing ticket', async () => {
    const inbox = String((await createInbox(t.core, 'sms'))._id);
    const a = nextPhone();
    const b = nextPhone();
    const a1 = await say(inbox, a, 'a one', 30);
    const a2 = await say(inbox, a, 'a two', 5);
    const b1 = await say(inbox, b, 'b one', 20);
    const source = await ticketOfMessage(a1);
    const target = await ticketOfMessage(b1);
    const moved = await t.core.ticketSplit.split(admin, String(source._id), { messageIds: [String(a2._id)], targetTicketId: String(target._id) });
    expect(String(moved._id)).toBe(String(target._id));
    expect(await threadTexts(await reload(target._id))).toEqual(['b one', 'a two']);
    expect(await threadTexts(await reload(source._id))).toEqual(['a one']);
    expect((await reload(target._id)).lastMessagePreview).toBe('a two');
    expect((await reload(source._id)).lastMessagePreview).toBe('a one');
    const inTrail = await auditTypes(target._id);
    expect(inTrail.at(-1)).toMatchObject({ type: 'ticket.split_in', data: { newTicket: false, sourceNumber: source.number } });
  });

  it('undoes a wrong merge: the other customer’s messages (notes too) go to a new ticket that gets their conversation', async () => {
    const inbox = String((await createInbox(t.core, 'sms'))._id);
    const adapter = new ScriptedAdapter();
    t.registry.adapters.set(inbox, adapter);
    const ana = nextPhone();
    const bruno = nextPhone();
    const a1 = await say(inbox, ana, 'ana: order 1', 60);
    const b1 = await say(inbox, bruno, 'bruno: refund please', 50);
    const anaTicket = await ticketOfMessage(a1);
    const brunoTicket = await ticketOfMessage(b1);
    // The wrong merge: Bruno's ticket into Ana's. Bruno writes again: it follows the merge.
    await t.core.tickets.merge(admin, String(brunoTicket._id), String(anaTicket._id));
    const b2 = await say(inbox, bruno, 'bruno: still waiting', 40);
    expect(String((await ticketOfMessage(b2))._id)).toBe(String(anaTicket._id));
    const note = await t.core.compose.note(admin, String(anaTicket._id), { text: 'bruno is a VIP', attachments: [] });

    const target = await t.core.ticketSplit.split(admin, String(anaTicket._id), { messageIds: [String(b1._id), String(b2._id), String(note._id)] });
    expect(String(target.contactId)).toBe(String(brunoTicket.contactId));
    expect(target.replyTo.handle).toBe(bruno);
    expect(await threadTexts(await reload(target._id))).toEqual(['bruno: refund please', 'bruno: still waiting', 'bruno is a VIP']);
    expect(await threadTexts(await reload(anaTicket._id))).toEqual(['ana: order 1']);
    // The merged ticket that lost its message says so too.
    expect((await auditTypes(brunoTicket._id)).at(-1)).toMatchObject({ type: 'ticket.split_out', data: { messageIds: [String(b1._id)], targetNumber: target.number } });
    expect((await auditTypes(anaTicket._id)).at(-1)?.data).toMatchObject({ conversations: [`conv:${inbox}:${bruno}`] });

    // Bruno's next message lands in the new ticket; Ana's stays with hers.
    const b3 = await say(inbox, bruno, 'bruno: hello?');
    expect(String((await ticketOfMessage(b3))._id)).toBe(String(target._id));
    const a2 = await say(inbox, ana, 'ana: thanks');
    expect(String((await ticketOfMessage(a2))._id)).toBe(String(anaTicket._id));

    // A reply from the new ticket reaches Bruno on his channel.
    await t.core.compose.reply(admin, String(target._id), { text: 'refund done', attachments: [] });
    await expect.poll(() => adapter.sent.find((o) => o.text === 'refund done')?.to.handle, { timeout: 10_000 }).toBe(bruno);
  });

  it('a hub that remembered the old pointer reads the moved conversation’s key again', async () => {
    const inbox = String((await createInbox(t.core, 'sms'))._id);
    const from = nextPhone();
    const m1 = await say(inbox, from, 'first', 30);
    const source = await ticketOfMessage(m1);
    await t.core.compose.note(admin, String(source._id), { text: 'a note that stays', attachments: [] });
    // Another hub's placement, which places a message of this conversation (and so remembers its pointer).
    const other = new TicketPlacement(models(), TEST_SECRET, new MessageKeys(models(), pino({ level: 'silent' })));
    const contact = (await models().Contact.findById(source.contactId).lean())!;
    const event = (n: number) => MessageReceivedSchema.parse(smsEvent(inbox, { sid: `SM-other-${n}`, from }));
    expect(await other.place({ event: event(1), contact, reopenWindowMs: 0 })).toMatchObject({ kind: 'join', ticket: { _id: source._id } });

    const target = await t.core.ticketSplit.split(admin, String(source._id), { messageIds: [String(m1._id)] });
    expect((await reload(source._id)).conversationsMovedOut).toEqual([`conv:${inbox}:${from}`]);
    expect(await other.place({ event: event(2), contact, reopenWindowMs: 0 })).toMatchObject({ kind: 'join', ticket: { _id: target._id } });
  });

  it("email: the customer's answer to our reply that moved follows the reply to the new ticket", async () => {
    const inbox = String((await createInbox(t.core, 'email'))._id);
    t.registry.adapters.set(inbox, new ScriptedAdapter());
    await ingest(emailEvent(inbox, { messageId: '<sp1@cust.example>', from: 'lia@cust.example', subject: 'Two questions', at: ago(60) }));
    const first = (await models().Message.findOne({ providerKey: `mail:${inbox}:<sp1@cust.example>` }).lean())!;
    const source = await ticketOfMessage(first);
    const reply = await t.core.compose.reply(admin, String(source._id), { text: 'About the second question…', attachments: [] });
    expect(reply.emailMessageId).toMatch(new RegExp(`^<ponte\\.${String(source._id)}\\.`));
    const target = await t.core.ticketSplit.split(admin, String(source._id), { messageIds: [String(reply._id)] });
    // The customer answers our reply (its Message-ID names the source): the answer joins the reply's new ticket.
    await ingest(emailEvent(inbox, { messageId: '<sp2@cust.example>', from: 'lia@cust.example', subject: 'Re: Two questions', inReplyTo: reply.emailMessageId! }));
    const answer = (await models().Message.findOne({ providerKey: `mail:${inbox}:<sp2@cust.example>` }).lean())!;
    expect(String(answer.ticketId)).toBe(String(target._id));
    expect(await threadTexts(await reload(target._id))).toHaveLength(2);
  });

  it("the customer's own history (web chat) still has every message after their conversation moved", async () => {
    const inbox = String((await createInbox(t.core, 'sms'))._id);
    const from = nextPhone();
    const old = await ticketOfMessage(await say(inbox, from, 'last month', 90));
    await t.core.tickets.setStatus(admin, String(old._id), 'closed');
    const now = await say(inbox, from, 'this month', 10);
    const source = await ticketOfMessage(now);
    expect(String(source.previousTicketId)).toBe(String(old._id));
    await t.core.compose.note(admin, String(source._id), { text: 'stays here', attachments: [] });
    const target = await t.core.ticketSplit.split(admin, String(source._id), { messageIds: [String(now._id)] });
    const history = await t.core.conversations.history(inbox, from);
    expect(history.ticket?.number).toBe(target.number);
    expect(history.messages.map((m) => m.text)).toEqual(['last month', 'this month']);
  });

  it('refuses what it cannot do, and says why', async () => {
    const inbox = String((await createInbox(t.core, 'sms'))._id);
    const from = nextPhone();
    const m1 = await say(inbox, from, 'one', 30);
    const m2 = await say(inbox, from, 'two', 20);
    const source = await ticketOfMessage(m1);
    const elsewhere = await say(inbox, nextPhone(), 'elsewhere', 10);
    const other = await ticketOfMessage(elsewhere);
    const split = (body: { messageIds: string[]; targetTicketId?: string }) => rejection(t.core.ticketSplit.split(admin, String(source._id), body));

    const all = await split({ messageIds: [String(m1._id), String(m2._id)] });
    expect(all.category).toBe('VALIDATION_FAILED');
    expect(all.message).toMatch(/would move/);
    expect((await split({ messageIds: [new Types.ObjectId().toHexString()] })).category).toBe('VALIDATION_FAILED');
    const foreign = await split({ messageIds: [String(elsewhere._id)] });
    expect(foreign.category).toBe('VALIDATION_FAILED');
    expect(foreign.message).toMatch(new RegExp(`not in ticket #${source.number}`));
    expect((await split({ messageIds: [String(m2._id)], targetTicketId: String(source._id) })).category).toBe('VALIDATION_FAILED');

    await t.core.tickets.setStatus(admin, String(other._id), 'closed');
    expect((await split({ messageIds: [String(m2._id)], targetTicketId: String(other._id) })).category).toBe('TICKET_CLOSED');
    const x = await ticketOfMessage(await say(inbox, nextPhone(), 'x'));
    const y = await ticketOfMessage(await say(inbox, nextPhone(), 'y'));
    await t.core.tickets.merge(admin, String(x._id), String(y._id));
    expect((await split({ messageIds: [String(m2._id)], targetTicketId: String(x._id) })).category).toBe('TICKET_MERGED');

    // An agent who may not see the target: not found, as everywhere.
    const dept = (await models().Department.insertMany([{ name: `hidden-${Date.now()}` }]))[0]!;
    await models().Ticket.updateOne({ _id: y._id }, { $set: { departmentId: dept._id } });
    const agent = await createUser(t.core, 'agent');
    expect((await rejection(t.core.ticketSplit.split(agent, String(source._id), { messageIds: [String(m2._id)], targetTicketId: String(y._id) }))).category).toBe('NOT_FOUND');
    // Nothing moved by any of it.
    expect(await threadTexts(await reload(source._id))).toEqual(['one', 'two']);
  });

  it('two splits of the same message at once: one moves it, the other is refused; one new ticket', async () => {
    const inbox = String((await createInbox(t.core, 'sms'))._id);
    const from = nextPhone();
    const m1 = await say(inbox, from, 'stay', 30);
    const m2 = await say(inbox, from, 'go', 20);
    const source = await ticketOfMessage(m1);
    const before = await models().Ticket.countDocuments({});
    const results = await Promise.allSettled([
      t.core.ticketSplit.split(admin, String(source._id), { messageIds: [String(m2._id)] }),
      t.core.ticketSplit.split(admin, String(source._id), { messageIds: [String(m2._id)] }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((refused.reason as AppError).category).toBe('VALIDATION_FAILED');
    expect(await models().Ticket.countDocuments({})).toBe(before + 1);
    const target = (results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<Ticket>).value;
    expect(await threadTexts(await reload(target._id))).toEqual(['go']);
    expect(await threadTexts(await reload(source._id))).toEqual(['stay']);
    expect((await auditTypes(source._id)).filter((e) => e.type === 'ticket.split_out')).toHaveLength(1);
  });
});
