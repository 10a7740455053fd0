import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInbox, createUser, smsEvent } from '../../support/test-core.js';
import { startWebHarness, type ApiClient, type WebHarness } from './web-harness.js';
import { modelsOf } from '../../../src/core/models/models-of.js';

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

beforeAll(async () => {
  h = await startWebHarness();
  const [sales, billing] = await modelsOf(h.t.core).Department.insertMany([{ name: 'Sales' }, { name: 'Billing' }]);
  salesId = String(sales!._id);
  const billingInbox = String((await createInbox(h.t.core, 'sms', { departmentId: billing!._id }))._id);
  const triageInbox = String((await createInbox(h.t.core, 'sms'))._id);
  agentA = await h.login(await createUser(h.t.core, 'agent', [sales!._id]));
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
