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
      expect(text).not.toContain(`#${first.number}`);
    }
    // A supervisor, who sees both, still sees the link.
    expect((await supervisor.get(`/api/tickets/${ticket.id}`)).body.previousTicketId).toBe(String(first._id));
    expect((await supervisor.get(`/api/tickets/${ticket.id}/audit`)).body.items[0].data.followUpOf).toBe(first.number);
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
  });
});
