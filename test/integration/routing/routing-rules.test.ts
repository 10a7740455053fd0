import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { createInbox, createUser, smsEvent } from '../../support/test-core.js';
import { eventually, startWebHarness, type ApiClient, type WebHarness } from '../web/web-harness.js';

let h: WebHarness;
let admin: ApiClient;
let agentClient: ApiClient;
let agentId: string;
let billingId: string;
let generalId: string;
let inboxId: string;

beforeAll(async () => {
  h = await startWebHarness({ AGENT_OFFLINE_GRACE_MS: '0' });
  admin = await h.login(await createUser(h.t.core, 'admin'));
  billingId = (await admin.post('/api/departments', { name: 'Billing' })).body.id;
  generalId = (await admin.post('/api/departments', { name: 'General' })).body.id;
  const inbox = await createInbox(h.t.core, 'sms');
  await modelsOf(h.t.core).Inbox.updateOne({ _id: inbox._id }, { $set: { departmentId: generalId } });
  inboxId = String(inbox._id);
  const agent = await createUser(h.t.core, 'agent');
  agentId = agent.id;
  agentClient = await h.login(agent);
  expect((await admin.patch(`/api/users/${agentId}`, { departmentIds: [billingId] })).status).toBe(200);
});
afterAll(async () => {
  await h?.stop();
});

let sid = 0;
async function customerWrites(text: string, from: string) {
  const id = `SM-route-${++sid}`;
  await h.t.core.ingest.accept([smsEvent(inboxId, { sid: id, from, text })]);
  await h.t.core.ingest.drain();
  await h.t.core.router.idle();
  await h.t.core.assignment.idle();
  const m = await modelsOf(h.t.core).Message.findOne({ providerKey: `sms:${id}` }).lean();
  return (await modelsOf(h.t.core).Ticket.findById(m!.ticketId).lean())!;
}

const auditOf = async (ticketId: unknown) =>
  (await modelsOf(h.t.core).AuditEvent.find({ ticketId }).sort({ seq: 1 }).lean()).map((e) => ({ type: e.type, data: JSON.parse(e.dataJson) as Record<string, unknown> }));

describe('routing rules (REST, admins only, zod-checked)', () => {
  it('refuses bad input with field paths, and non-admins with 403', async () => {
    const bad = await admin.post('/api/routing-rules', {
      name: '',
      conditions: { channels: ['fax'], timeWindow: { timeZone: 'Mars/Base', days: [0], from: '25:00', to: '10:00' } },
      actions: {},
    });
    expect(bad.status).toBe(400);
    const paths = (bad.body.error.details.issues as { path: string }[]).map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['name', 'conditions.channels.0', 'conditions.timeWindow.timeZone', 'conditions.timeWindow.days.0', 'conditions.timeWindow.from', 'actions']));
    expect((await admin.post('/api/routing-rules', { name: 'x', actions: { departmentId: 'ffffffffffffffffffffffff' } })).body.error.code).toBe('VALIDATION_FAILED');
    expect((await agentClient.get('/api/routing-rules')).status).toBe(403);
    expect((await agentClient.post('/api/routing-rules', { name: 'x', actions: { tags: ['a'] } })).status).toBe(403);
  });
});

describe('a new ticket is routed once by the first matching rule, then assigned automatically', () => {
  it('keyword rule (accent/case-insensitive): department, priority, type, tags, skills, canned auto-reply — audited as routed by the rule', async () => {
    const canned = await admin.post('/api/canned-responses', { shortcut: 'refund-ack', title: 'Refund', body: 'Olá {{contact.firstName}}, recebemos o pedido de devolução (#{{ticket.number}}).' });
    expect(canned.status).toBe(201);
    const catchAll = await admin.post('/api/routing-rules', { name: 'Everything else', actions: { tags: ['triage'] } });
    const refund = await admin.post('/api/routing-rules', {
      name: 'Refunds',
      conditions: { channels: ['sms'], keywords: ['devolução', 'refund', 'reembolso'] },
      actions: { departmentId: billingId, priority: 'high', type: 'refund', tags: ['Refund'], requiredSkills: ['billing'], cannedResponseId: canned.body.id },
    });
    expect(refund.status).toBe(201);
    // The catch-all was first; put the refund rule before it.
    const order = await admin.put('/api/routing-rules/order', { ids: [refund.body.id, catchAll.body.id] });
    expect(order.body.items.map((r: { name: string }) => r.name)).toEqual(['Refunds', 'Everything else']);
    expect((await admin.put('/api/routing-rules/order', { ids: [refund.body.id] })).status).toBe(400);

    // Billing assigns automatically; the agent has the skill, is online and available.
    expect((await admin.put(`/api/departments/${billingId}/assignment`, { mode: 'least_loaded', capacity: { chat: 2, email: 5 } })).status).toBe(200);
    expect((await admin.put(`/api/users/${agentId}/routing-profile`, { skills: ['Billing'], capacity: { chat: null, email: null } })).body.skills).toEqual(['billing']);
    h.t.core.availability.connected(agentId);
    await h.t.core.assignment.idle();

    const ticket = await customerWrites('Quero a DEVOLUCAO do meu pedido', '+5511900000001');
    expect(ticket).toMatchObject({ priority: 'high', type: 'refund', requiredSkills: ['billing'] });
    expect(String(ticket.departmentId)).toBe(billingId);
    expect(ticket.tags).toEqual(['refund']);
    expect(String(ticket.assigneeId)).toBe(agentId);
    const audit = await auditOf(ticket._id);
    const routed = audit.find((e) => e.type === 'ticket.routed');
    expect(routed?.data).toMatchObject({ ruleId: refund.body.id, ruleName: 'Refunds', departmentId: billingId, priority: 'high' });
    expect(audit.find((e) => e.type === 'ticket.assigned')?.data).toMatchObject({ from: null, to: agentId, automatic: true, mode: 'least_loaded' });
    expect(audit.filter((e) => e.type === 'ticket.routed')).toHaveLength(1);
    // The canned auto-reply is queued on the customer's channel, variables filled.
    const out = await eventually(async () => (await modelsOf(h.t.core).Message.findOne({ ticketId: ticket._id, direction: 'outbound' }).lean()) ?? undefined);
    // The contact has no name, only a number: nobody is greeted by their phone number.
    expect(out.text).toMatch(new RegExp(`^Olá, recebemos o pedido de devolução \\(#${ticket.number}\\)\\.$`));
    expect(out.text).not.toContain('{{ticket.number}}');

    // A later message on the same ticket does not route it again.
    await customerWrites('e o reembolso?', '+5511900000001');
    expect((await auditOf(ticket._id)).filter((e) => e.type === 'ticket.routed')).toHaveLength(1);
  });

  it('no keyword: the next rule matches; a rule edited or deleted stops matching', async () => {
    const other = await customerWrites('Bom dia, dúvida sobre horário', '+5511900000002');
    expect(other.tags).toEqual(['triage']);
    expect(String(other.departmentId)).toBe(generalId);
    expect(other.assigneeId).toBeUndefined();
    const rules = (await admin.get('/api/routing-rules')).body.items as { id: string; name: string }[];
    const catchAll = rules.find((r) => r.name === 'Everything else')!;
    expect((await admin.put(`/api/routing-rules/${catchAll.id}`, { name: 'Everything else', enabled: false, actions: { tags: ['triage'] } })).body.enabled).toBe(false);
    expect((await customerWrites('outra pergunta', '+5511900000003')).tags).toEqual([]);
    expect((await admin.delete(`/api/routing-rules/${catchAll.id}`)).status).toBe(204);
    expect((await admin.get('/api/routing-rules')).body.items).toHaveLength(1);
  });

  it('availability: away gives back the unstarted chat to the queue, available takes it again; the event is published', async () => {
    const ticket = await customerWrites('refund please', '+5511900000004');
    expect(String(ticket.assigneeId)).toBe(agentId);
    const seen: string[] = [];
    const off = h.t.core.bus.subscribe((e) => {
      if (e.type === 'user.availability_changed' && e.userId === agentId) seen.push(e.availability);
    });
    expect((await agentClient.put('/api/me/availability', { availability: 'away' })).body).toEqual({ availability: 'away' });
    await h.t.core.assignment.idle();
    expect((await modelsOf(h.t.core).Ticket.findById(ticket._id).lean())!.assigneeId).toBeUndefined();
    expect(await h.t.core.assignment.position(String(ticket._id))).toMatchObject({ position: expect.any(Number) });
    expect((await agentClient.put('/api/me/availability', { availability: 'busy' })).status).toBe(400);
    expect((await agentClient.put('/api/me/availability', { availability: 'available' })).status).toBe(200);
    await h.t.core.assignment.idle();
    expect(String((await modelsOf(h.t.core).Ticket.findById(ticket._id).lean())!.assigneeId)).toBe(agentId);
    expect(seen).toEqual(['away', 'available']);
    const audit = await auditOf(ticket._id);
    expect(audit.filter((e) => e.type === 'ticket.assigned').map((e) => [e.data.to ?? null, e.data.reason ?? null])).toEqual([
      [agentId, null],
      [null, 'agent_away'],
      [agentId, null],
    ]);
    off();
  });
});
