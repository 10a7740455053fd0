import type { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInbox, createUser, smsEvent, startTestCore, type TestCore } from '../../support/test-core.js';
import { connected, record, startHarness, until, type Harness } from './harness.js';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { RoutingRuleInputSchema } from '../../../src/core/routing/routing-rule-service.js';

/**
 * A routing rule moves a new ticket of the shared (department-less) inbox to Billing. Sales' agent must
 * never receive that ticket's events — its first message included — and Billing's must receive them all.
 */
let t: TestCore;
let h: Harness;
let billing: Types.ObjectId;
let sharedInbox: string;
let salesAgent: Awaited<ReturnType<typeof createUser>>;
let billingAgent: Awaited<ReturnType<typeof createUser>>;
let sid = 0;

async function inbound(from: string, text: string): Promise<string> {
  await t.core.ingest.accept([smsEvent(sharedInbox, { sid: `rh-${++sid}`, from, text })]);
  await t.core.ingest.drain();
  return String((await modelsOf(t.core).Ticket.findOne({ 'replyTo.handle': from, inboxId: sharedInbox }).lean())!._id);
}

beforeAll(async () => {
  t = await startTestCore();
  const [sales, bill] = await modelsOf(t.core).Department.insertMany([{ name: 'Sales' }, { name: 'Billing' }]);
  billing = bill!._id;
  sharedInbox = String((await createInbox(t.core, 'sms', { name: 'shared-sms' }))._id);
  salesAgent = await createUser(t.core, 'agent', [sales!._id]);
  billingAgent = await createUser(t.core, 'agent', [billing]);
  const admin = await createUser(t.core, 'admin');
  await t.core.routingRules.create(admin, RoutingRuleInputSchema.parse({ name: 'Invoices to billing', conditions: { keywords: ['invoice'] }, actions: { departmentId: String(billing) } }));
  h = await startHarness(t, { revalidateMs: 3_600_000 });
});
afterAll(async () => {
  await h?.close();
  await t?.stop();
});

describe('a new ticket routed to another department', () => {
  it("its first message reaches only the department it is routed to, never the inbox's (here: every agent)", async () => {
    const [sales, bill] = [h.connect(await h.login(salesAgent)), h.connect(await h.login(billingAgent))];
    await Promise.all([connected(sales), connected(bill)]);
    const names = ['ticket.created', 'message.created', 'ticket.updated', 'ticket.revoked'];
    const [salesGot, billGot] = [record(sales, names), record(bill, names)];

    const routed = await inbound('+5511900000001', 'my invoice, card 4111 1111 1111 1111');
    await until(() => billGot.some((e) => e.name === 'message.created' && e.payload.scope.ticketId === routed));
    // Fence: a ticket no rule moves stays in the shared queue and reaches every agent, after the routed one.
    const stays = await inbound('+5511900000002', 'hello there');
    await until(() => salesGot.some((e) => e.name === 'message.created' && e.payload.scope.ticketId === stays));

    expect(salesGot.filter((e) => (e.payload.scope?.ticketId ?? e.payload.ticketId) === routed)).toEqual([]);
    // Billing gets all of it, each event in the department the ticket ended in (it was never anyone else's).
    const billingEvents = billGot.filter((e) => e.payload.scope?.ticketId === routed);
    expect(billingEvents.map((e) => e.name)).toEqual(['ticket.created', 'message.created', 'ticket.updated']);
    expect(billingEvents.map((e) => e.payload.scope.departmentId)).toEqual([String(billing), String(billing), String(billing)]);
    expect(billGot.some((e) => e.name === 'message.created' && e.payload.scope.ticketId === stays)).toBe(true);
  });
});
