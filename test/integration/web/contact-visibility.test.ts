import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInbox, createUser, smsEvent } from '../../support/test-core.js';
import { startWebHarness, type ApiClient, type WebHarness } from './web-harness.js';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { visibilityFilter } from '../../../src/core/tickets/visibility.js';
import type { Viewer } from '../../../src/core/users/viewer.js';

/**
 * A contact is visible to an agent when one of their tickets is (supervisors and admins see all): by id,
 * in search and in the list. Hidden contacts answer 404, like hidden tickets.
 */
let h: WebHarness;
let agentA: ApiClient;
let agentB: ApiClient;
let supervisor: ApiClient;
let billingContactId: string;
let billingTicketId: string;
let salesId: string;
let agentAUser: Viewer;
let triageInbox: string;
let billingInbox: string;
let billingId: string;

beforeAll(async () => {
  h = await startWebHarness();
  const [sales, billing] = await modelsOf(h.t.core).Department.insertMany([{ name: 'Sales' }, { name: 'Billing' }]);
  salesId = String(sales!._id);
  billingId = String(billing!._id);
  billingInbox = String((await createInbox(h.t.core, 'sms', { departmentId: billing!._id }))._id);
  triageInbox = String((await createInbox(h.t.core, 'sms'))._id);
  const a = await createUser(h.t.core, 'agent', [sales!._id]);
  agentAUser = a;
  agentA = await h.login(a);
  agentB = await h.login(await createUser(h.t.core, 'agent', [billing!._id]));
  supervisor = await h.login(await createUser(h.t.core, 'supervisor'));
  await h.t.core.ingest.accept([
    { ...smsEvent(billingInbox, { sid: 'CV-1', from: '+5511933330001', text: 'invoice' }), sender: { handle: '+5511933330001', displayName: 'Bia Billing' } },
    { ...smsEvent(triageInbox, { sid: 'CV-2', from: '+5511933330002', text: 'hello' }), sender: { handle: '+5511933330002', displayName: 'Tito Triage' } },
  ]);
  await h.t.core.ingest.drain();
  const message = (await modelsOf(h.t.core).Message.findOne({ providerKey: 'sms:CV-1' }).lean())!;
  billingTicketId = String(message.ticketId);
  billingContactId = String((await modelsOf(h.t.core).Ticket.findById(message.ticketId).lean())!.contactId);
});
afterAll(async () => {
  await h?.stop();
});

const names = (res: { body: { items: Array<{ name?: string }> } }) => res.body.items.map((c) => c.name);

describe('contact visibility follows ticket visibility', () => {
  it('an agent who sees none of the contact’s tickets gets 404 by id and finds nothing in search or list', async () => {
    const byId = await agentA.get(`/api/contacts/${billingContactId}`);
    expect(byId.status).toBe(404);
    expect(byId.body.error.code).toBe('NOT_FOUND');
    expect(byId.text).not.toContain('Bia');
    expect(names(await agentA.get('/api/contacts?q=Bia'))).toEqual([]);
    expect(names(await agentA.get('/api/contacts?q=5511933330001'))).toEqual([]);
    const list = await agentA.get('/api/contacts');
    expect(names(list)).not.toContain('Bia Billing');
    // The triage ticket is everyone's, and so is its contact.
    expect(names(list)).toContain('Tito Triage');
  });

  it('the department’s agent and a supervisor see the contact', async () => {
    for (const client of [agentB, supervisor]) {
      expect((await client.get(`/api/contacts/${billingContactId}`)).status).toBe(200);
      expect(names(await client.get('/api/contacts?q=Bia'))).toEqual(['Bia Billing']);
    }
  });

  it('a transfer of the ticket into the agent’s department makes the contact visible to them', async () => {
    const moved = await supervisor.patch(`/api/tickets/${billingTicketId}`, { departmentId: salesId });
    expect(moved.status).toBe(200);
    expect((await agentA.get(`/api/contacts/${billingContactId}`)).status).toBe(200);
    expect(names(await agentA.get('/api/contacts?q=Bia'))).toEqual(['Bia Billing']);
    expect((await agentB.get(`/api/contacts/${billingContactId}`)).status).toBe(404);
  });
});

describe('an agent’s contacts list on the embedded database', () => {
  it('is the list the query gives, from the in-memory ticket index (many visible contacts, some hidden)', async () => {
    // More visible contacts than are read one by one: the list is read newest first and filtered in memory.
    const events = [
      ...Array.from({ length: 230 }, (_, i) => smsEvent(triageInbox, { sid: `CL-t${i}`, from: `+55119444${String(i).padStart(5, '0')}` })),
      ...Array.from({ length: 30 }, (_, i) => smsEvent(billingInbox, { sid: `CL-b${i}`, from: `+55119555${String(i).padStart(5, '0')}` })),
    ];
    for (let i = 0; i < events.length; i += 50) await h.t.core.ingest.accept(events.slice(i, i + 50));
    await h.t.core.ingest.drain();
    expect(await h.t.core.openWork.whenReady()).toBe(true);

    const models = modelsOf(h.t.core);
    const visibleIds = (await models.Ticket.find(visibilityFilter(agentAUser), { contactId: 1 }).lean()).map((t) => t.contactId);
    for (const limit of [1, 50, 400]) {
      const expected = await models.Contact.find({ mergedInto: { $exists: false }, _id: { $in: visibleIds } })
        .sort({ updatedAt: -1, _id: -1 })
        .limit(limit)
        .lean();
      const listed = await h.t.core.contacts.search(agentAUser, undefined, limit);
      expect(listed.map((c) => String(c._id))).toEqual(expected.map((c) => String(c._id)));
    }
    // None of the contacts whose only tickets are Billing's is among them.
    const billingContacts = new Set(
      (await models.Ticket.find({ departmentId: billingId }, { contactId: 1 }).lean()).map((t) => String(t.contactId)),
    );
    expect(billingContacts.size).toBe(30);
    const all = await h.t.core.contacts.search(agentAUser, undefined, 1000);
    expect(all.length).toBeGreaterThan(200);
    expect(all.filter((c) => billingContacts.has(String(c._id)))).toEqual([]);
  });
});
