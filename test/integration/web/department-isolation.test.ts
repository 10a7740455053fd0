import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Types } from 'mongoose';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { ScriptedAdapter } from '../../support/fake-channel.js';
import { createInbox, createUser, emailEvent, smsEvent } from '../../support/test-core.js';
import { startWebHarness, type ApiClient, type WebHarness } from './web-harness.js';

/**
 * Department isolation, from the side of a hostile agent of Sales probing Billing's customers and tickets:
 * what they may not see answers 404 or is left out, never named.
 */
let h: WebHarness;
let sales: ApiClient;
let supervisor: ApiClient;
let salesDept: Types.ObjectId;
let billingDept: Types.ObjectId;
let salesMail: string;
let salesSms: string;
let billingMail: string;
let billingTicket: { id: string; number: number; contactId: string };
const models = () => modelsOf(h.t.core);

beforeAll(async () => {
  h = await startWebHarness();
  const core = h.t.core;
  const [s, b] = await models().Department.insertMany([{ name: `Sales ${Date.now()}` }, { name: `Billing ${Date.now()}` }]);
  salesDept = s!._id;
  billingDept = b!._id;
  salesMail = String((await createInbox(core, 'email', { departmentId: salesDept }))._id);
  salesSms = String((await createInbox(core, 'sms', { departmentId: salesDept }))._id);
  billingMail = String((await createInbox(core, 'email', { departmentId: billingDept }))._id);
  h.t.registry.adapters.set(salesMail, new ScriptedAdapter());
  h.t.registry.adapters.set(salesSms, new ScriptedAdapter());
  sales = await h.login(await createUser(core, 'agent', [salesDept]));
  supervisor = await h.login(await createUser(core, 'supervisor', []));
  // Billing's customer: a name, a second identity (phone) and notes, and a ticket about a secret matter.
  await core.ingest.accept([
    { ...emailEvent(billingMail, { messageId: `<bill-${Date.now()}@example.com>`, from: 'bia@example.com', subject: 'Overdue invoice 4711', text: 'secret billing matter' }), sender: { handle: 'bia@example.com', email: 'bia@example.com', displayName: 'Bia Billing' } },
  ]);
  await core.ingest.drain();
  const t = (await models().Ticket.findOne({ inboxId: new Types.ObjectId(billingMail) }).lean())!;
  await models().Contact.updateOne({ _id: t.contactId }, { $set: { notes: 'VIP, disputes every invoice', phone: '+5511900001111' }, $addToSet: { identities: 'phone:+5511900001111' } });
  await models().ContactIdentity.create({ _id: 'phone:+5511900001111', contactId: t.contactId, createdAt: new Date() });
  billingTicket = { id: String(t._id), number: t.number, contactId: String(t.contactId) };
});
afterAll(async () => {
  await h?.stop();
});

describe('starting a conversation to an address of another department’s customer', () => {
  it('starts on the one contact (no duplicate), shown as the contacts API shows it, naming none of Billing’s tickets', async () => {
    expect((await sales.get(`/api/contacts/${billingTicket.contactId}`)).status).toBe(404);
    const res = await sales.post('/api/tickets', { inboxId: salesMail, to: 'Bia@example.com', subject: 'An offer', text: 'Hello from Sales', name: 'Someone' });
    expect(res.status, res.text).toBe(201);
    const { ticket } = res.body;
    // A new ticket of Sales, not Billing's one reopened or joined.
    expect(ticket).toMatchObject({ department: { id: String(salesDept) }, previousTicketId: null, mergedTicketIds: [] });
    expect(ticket.id).not.toBe(billingTicket.id);
    expect(ticket.contact.id).toBe(billingTicket.contactId);
    expect(await models().Contact.countDocuments({ identities: 'email:bia@example.com' })).toBe(1);
    expect((await models().Ticket.findById(billingTicket.id).lean())!.status).toBe('new');
    // The contact as the contacts API now shows it to Sales (one of their tickets is theirs): only Sales' ticket.
    const contact = await sales.get(`/api/contacts/${billingTicket.contactId}`);
    expect(contact.status).toBe(200);
    expect(contact.body.contact).toEqual(ticket.contact);
    expect(contact.body.tickets.map((t: { id: string }) => t.id)).toEqual([ticket.id]);
    const audit = await sales.get(`/api/tickets/${ticket.id}/audit`);
    for (const text of [res.text, contact.text, audit.text, (await sales.get(`/api/tickets/${ticket.id}/messages`)).text]) {
      expect(text).not.toContain(billingTicket.id);
      expect(text).not.toContain('Overdue');
      expect(text).not.toContain('secret billing matter');
      expect(text).not.toContain(String(billingDept));
    }
  });

  it('a number whose last conversation on the inbox is now Billing’s: a follow-up that names neither that ticket’s id nor its number', async () => {
    const number = '+5511922220001';
    await h.t.core.ingest.accept([smsEvent(salesSms, { sid: `FU-${Date.now()}`, from: number, text: 'my private billing question' })]);
    await h.t.core.ingest.drain();
    const first = (await models().Ticket.findOne({ inboxId: new Types.ObjectId(salesSms), 'replyTo.phone': number }).lean())!;
    // Transferred to Billing and solved there: Sales no longer sees it.
    expect((await supervisor.patch(`/api/tickets/${first._id}`, { departmentId: String(billingDept) })).status).toBe(200);
    expect((await supervisor.patch(`/api/tickets/${first._id}`, { status: 'solved' })).status).toBe(200);
    expect((await sales.get(`/api/tickets/${first._id}`)).status).toBe(404);

    const res = await sales.post('/api/tickets', { inboxId: salesSms, to: number, text: 'Hello again' });
    expect(res.status, res.text).toBe(201);
    const { ticket } = res.body;
    expect(ticket.id).not.toBe(String(first._id));
    // Linked as the conversation's follow-up where it is stored (the customer's answer needs the chain)…
    expect(String((await models().Ticket.findById(ticket.id).lean())!.previousTicketId)).toBe(String(first._id));
    // …but not to Sales, who may not see the ticket it follows.
    expect(ticket.previousTicketId).toBeNull();
    const again = await sales.get(`/api/tickets/${ticket.id}`);
    expect(again.body.previousTicketId).toBeNull();
    const audit = await sales.get(`/api/tickets/${ticket.id}/audit`);
    expect(audit.status).toBe(200);
    expect(audit.body.items[0].type).toBe('ticket.created');
    expect(audit.body.items[0].data).not.toHaveProperty('followUpOf');
    for (const text of [res.text, again.text, audit.text]) {
      expect(text).not.toContain(String(first._id));
      expect(text).not.toMatch(new RegExp(`#${first.number}(?!\\d)`));
    }
    // A supervisor, who sees both, still sees the link.
    expect((await supervisor.get(`/api/tickets/${ticket.id}`)).body.previousTicketId).toBe(String(first._id));
    expect((await supervisor.get(`/api/tickets/${ticket.id}/audit`)).body.items[0].data.followUpOf).toBe(first.number);
  });

  it('a number whose conversation on the inbox is open in Billing’s ticket: 409 that names no ticket, nothing written', async () => {
    const number = '+5511922220003';
    await h.t.core.ingest.accept([smsEvent(salesSms, { sid: `CO-${Date.now()}`, from: number, text: 'an open matter' })]);
    await h.t.core.ingest.drain();
    const open = (await models().Ticket.findOne({ inboxId: new Types.ObjectId(salesSms), 'replyTo.phone': number }).lean())!;
    expect((await supervisor.patch(`/api/tickets/${open._id}`, { departmentId: String(billingDept) })).status).toBe(200);
    const before = await models().Ticket.countDocuments({});
    const res = await sales.post('/api/tickets', { inboxId: salesSms, to: number, text: 'Hello?' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('CONVERSATION_OPEN');
    expect(res.body.error.details).toBeUndefined();
    expect(res.text).not.toContain(String(open._id));
    expect(res.text).not.toMatch(new RegExp(`#${open.number}(?!\\d)`));
    expect(await models().Ticket.countDocuments({})).toBe(before);
  });

  it('the customer’s own follow-up on Sales’ inbox after the ticket moved to Billing names it neither', async () => {
    const number = '+5511922220002';
    await h.t.core.ingest.accept([smsEvent(salesSms, { sid: `FI-1-${Date.now()}`, from: number, text: 'first' })]);
    await h.t.core.ingest.drain();
    const first = (await models().Ticket.findOne({ inboxId: new Types.ObjectId(salesSms), 'replyTo.phone': number }).lean())!;
    expect((await supervisor.patch(`/api/tickets/${first._id}`, { departmentId: String(billingDept), status: 'closed' })).status).toBe(200);
    await h.t.core.ingest.accept([smsEvent(salesSms, { sid: `FI-2-${Date.now()}`, from: number, text: 'second' })]);
    await h.t.core.ingest.drain();
    const next = (await models().Ticket.findOne({ inboxId: new Types.ObjectId(salesSms), 'replyTo.phone': number, _id: { $ne: first._id } }).lean())!;
    expect(String(next.previousTicketId)).toBe(String(first._id));
    expect(String(next.departmentId)).toBe(String(salesDept));
    const detail = await sales.get(`/api/tickets/${next._id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.previousTicketId).toBeNull();
    const audit = await sales.get(`/api/tickets/${next._id}/audit`);
    expect(audit.body.items[0].data).not.toHaveProperty('followUpOf');
    // Nor does the reason its first message was threaded as it was (the thread and the live event).
    const thread = await sales.get(`/api/tickets/${next._id}/messages`);
    expect(thread.body.items[0].threadReason).toMatchObject({ rule: 'conversation' });
    const live = h.t.events.find((e) => e.type === 'message.created' && e.message.ticketId === String(next._id));
    for (const text of [detail.text, audit.text, thread.text, JSON.stringify(live)]) {
      expect(text).not.toContain(String(first._id));
      expect(text).not.toMatch(new RegExp(`#${first.number}(?!\\d)`));
    }
  });
});

describe('the neighbours: what Sales may not see of Billing answers 404 or is left out', () => {
  let blobId: string;
  let noteId: string;
  let mine: string;
  let admin: ApiClient;
  let billingAgent: ApiClient;

  beforeAll(async () => {
    admin = await h.login(await createUser(h.t.core, 'admin', []));
    billingAgent = await h.login(await createUser(h.t.core, 'agent', [billingDept]));
    const note = await supervisor.post(`/api/tickets/${billingTicket.id}/note`, {
      text: 'internal: refund 4711 approved',
      attachments: [{ fileName: 'invoice-4711.txt', mimeType: 'text/plain', contentBase64: Buffer.from('invoice 4711').toString('base64') }],
    });
    expect(note.status, note.text).toBe(202);
    noteId = note.body.id;
    blobId = note.body.attachments[0].blobId;
    const own = await sales.post('/api/tickets', { inboxId: salesMail, to: 'someone.else@example.com', subject: 'Mine', text: 'hello' });
    mine = own.body.ticket.id;
  });

  it('the ticket, its thread, audit, recipients, reply window, replies and notes: 404 without a name', async () => {
    for (const path of ['', '/messages', '/audit', '/audit/verify', '/recipients', '/reply-window']) {
      const res = await sales.get(`/api/tickets/${billingTicket.id}${path}`);
      expect(res.status, path).toBe(404);
      expect(res.text).not.toContain('Overdue');
    }
    expect((await sales.post(`/api/tickets/${billingTicket.id}/reply`, { text: 'x' })).status).toBe(404);
    expect((await sales.post(`/api/tickets/${billingTicket.id}/note`, { text: 'x' })).status).toBe(404);
    expect((await sales.patch(`/api/tickets/${billingTicket.id}`, { status: 'open' })).status).toBe(404);
    expect((await sales.post(`/api/messages/${noteId}/retry`)).status).toBe(404);
  });

  it('search by number, by subject and by contact, the list filtered by its contact or department: nothing', async () => {
    for (const q of [`#${billingTicket.number}`, String(billingTicket.number), 'Overdue', 'Bia']) {
      const res = await sales.get(`/api/search/tickets?q=${encodeURIComponent(q)}`);
      expect(res.status, q).toBe(200);
      expect(res.body.items.map((t: { id: string }) => t.id), q).not.toContain(billingTicket.id);
    }
    for (const filter of [`contactId=${billingTicket.contactId}`, `departmentId=${billingDept}`]) {
      const res = await sales.get(`/api/tickets?${filter}`);
      expect(res.status, filter).toBe(200);
      expect(res.body.items.map((t: { id: string }) => t.id), filter).not.toContain(billingTicket.id);
    }
  });

  it('an attachment of its messages, by blob id: 404 (the supervisor gets it)', async () => {
    expect((await supervisor.get(`/api/attachments/${blobId}`)).status).toBe(200);
    const res = await sales.get(`/api/attachments/${blobId}`);
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('invoice 4711');
  });

  it('merge and split with it on either side: 404, nothing moved', async () => {
    expect((await sales.post(`/api/tickets/${mine}/merge`, { targetId: billingTicket.id })).status).toBe(404);
    expect((await sales.post(`/api/tickets/${billingTicket.id}/merge`, { targetId: mine })).status).toBe(404);
    const thread = await sales.get(`/api/tickets/${mine}/messages`);
    const split = await sales.post(`/api/tickets/${mine}/split`, { messageIds: [thread.body.items[0].id], targetTicketId: billingTicket.id });
    expect(split.status).toBe(404);
    expect((await sales.post(`/api/tickets/${billingTicket.id}/split`, { messageIds: [noteId] })).status).toBe(404);
    const after = (await models().Ticket.findById(billingTicket.id).lean())!;
    expect(after.mergedInto).toBeUndefined();
    expect(after.mergedTicketIds).toEqual([]);
  });

  it('a macro on it: 404, nothing applied', async () => {
    const macro = await admin.post('/api/macros', { name: 'Close it', actions: { status: 'solved', tagsAdd: ['probe'] } });
    expect(macro.status, macro.text).toBe(201);
    expect((await sales.post(`/api/tickets/${billingTicket.id}/macros/${macro.body.id}`, {})).status).toBe(404);
    const after = (await models().Ticket.findById(billingTicket.id).lean())!;
    expect(after.tags).not.toContain('probe');
    expect(after.status).toBe('new');
  });

  it('canned responses of Billing and another agent’s personal ones: not listed, 404 to change', async () => {
    const shared = await supervisor.post('/api/canned-responses', { shortcut: 'billing-refund', title: 'Refund', body: 'Your refund…', departmentId: String(billingDept) });
    expect(shared.status, shared.text).toBe(201);
    const personal = await billingAgent.post('/api/canned-responses', { shortcut: 'bia-private', title: 'Bia', body: 'Dear Bia…', personal: true });
    expect(personal.status, personal.text).toBe(201);
    const list = await sales.get('/api/canned-responses');
    expect(list.body.items.map((c: { shortcut: string }) => c.shortcut)).not.toContain('billing-refund');
    expect(list.body.items.map((c: { shortcut: string }) => c.shortcut)).not.toContain('bia-private');
    expect((await sales.patch(`/api/canned-responses/${personal.body.id}`, { body: 'changed' })).status).toBe(404);
    expect((await sales.delete(`/api/canned-responses/${personal.body.id}`)).status).toBe(404);
  });

  it('reports with Billing as the department filter: an agent gets only their own numbers (none there)', async () => {
    const live = await sales.get(`/api/reports/live?departmentId=${billingDept}`);
    expect(live.status).toBe(200);
    expect(live.body).toMatchObject({ openTotal: 0, waiting: 0 });
    expect((await supervisor.get(`/api/reports/live?departmentId=${billingDept}`)).body.openTotal).toBeGreaterThan(0);
    for (const path of ['/api/reports/channels', '/api/reports/agents']) {
      const res = await sales.get(`${path}?departmentId=${billingDept}`);
      expect(res.status, path).toBe(200);
      expect(res.body.total?.newTickets ?? 0, path).toBe(0);
    }
    expect((await sales.get(`/api/reports/agents?departmentId=${billingDept}`)).body.agents).toEqual([]);
  });

  it('the contact, by id, search and update: 404 and nothing', async () => {
    const other = await h.t.core.ingest.accept([
      { ...emailEvent(billingMail, { messageId: `<b2-${Date.now()}@example.com>`, from: 'carla@example.com', subject: 'Invoice', text: 'x' }), sender: { handle: 'carla@example.com', email: 'carla@example.com', displayName: 'Carla Conta' } },
    ]);
    expect(other).toBeDefined();
    await h.t.core.ingest.drain();
    const carla = (await models().Contact.findOne({ identities: 'email:carla@example.com' }).lean())!;
    expect((await sales.get(`/api/contacts/${carla._id}`)).status).toBe(404);
    expect((await sales.patch(`/api/contacts/${carla._id}`, { name: 'Hacked' })).status).toBe(404);
    for (const q of ['Carla', 'carla@example.com', 'carla']) expect((await sales.get(`/api/contacts?q=${encodeURIComponent(q)}`)).body.items, q).toEqual([]);
    expect((await models().Contact.findById(carla._id).lean())!.name).toBe('Carla Conta');
  });
});
