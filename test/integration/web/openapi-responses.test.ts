import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { apiRoutes } from '../../../src/web/api/api-routes.js';
import { buildOpenApiDocument } from '../../../src/web/api/openapi-document.js';
import { responseSchemas } from '../../../src/web/api/response-schemas.js';
import { ScriptedAdapter } from '../../support/fake-channel.js';
import { createInbox, createUser, smsEvent } from '../../support/test-core.js';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { startWebHarness, type ApiClient, type WebHarness } from './web-harness.js';

/**
 * Every JSON operation in /api/openapi.json describes its success payload. Operations not yet described are
 * listed here by name, so the list can only shrink: a new route without a schema fails, and so does a
 * listed route that gained one (take it off the list).
 */
const NOT_YET_DESCRIBED = new Set([
  'getTicketAudit',
  'verifyTicketAudit',
  'listChannelKinds',
  'devInbound',
  'listInboxes',
  'getInbox',
  'createInbox',
  'updateInbox',
  'testInboxConnection',
  'listTicketMessages',
  'replyToTicket',
  'getTicketReplyWindow',
  'addTicketNote',
  'retryMessage',
  'getChannelReport',
  'getAgentReport',
  'getLiveReport',
  'getTicket',
  'updateTicket',
  'callBack',
  'mergeTicket',
  'listCannedResponses',
  'createCannedResponse',
  'updateCannedResponse',
  'getOpenApiDocument',
]);

type Operation = { operationId: string; responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }> };

function operations(): Operation[] {
  const doc = buildOpenApiDocument(apiRoutes({ databaseKind: 'ferretdb', version: 'test', devInbound: true }), { version: 'test' });
  return Object.values(doc.paths).flatMap((byMethod) => Object.values(byMethod) as Operation[]);
}

describe('OpenAPI success responses', () => {
  it('every JSON operation has a success schema (beyond a bare object), except the listed ones', () => {
    const undescribed: string[] = [];
    for (const op of operations()) {
      const success = Object.entries(op.responses).find(([status]) => status.startsWith('2'))![1];
      const json = success.content?.['application/json'];
      if (!json) continue; // 204, or a file download
      const bare = Object.keys(json.schema).length === 1 && json.schema.type === 'object';
      if (bare) undescribed.push(op.operationId);
    }
    expect(undescribed.filter((id) => !NOT_YET_DESCRIBED.has(id)), 'operations without a success schema').toEqual([]);
    expect([...NOT_YET_DESCRIBED].filter((id) => !undescribed.includes(id)), 'described now: take them off NOT_YET_DESCRIBED').toEqual([]);
  });
});

describe('the described payloads are what the API sends', () => {
  let h: WebHarness;
  let admin: ApiClient;
  beforeAll(async () => {
    h = await startWebHarness();
    const user = await createUser(h.t.core, 'admin');
    admin = await h.login(user);
    const inbox = String((await createInbox(h.t.core))._id);
    await h.t.core.ingest.accept([smsEvent(inbox, { sid: 'SM-oa-1', from: '+5511987000001' }), smsEvent(inbox, { sid: 'SM-oa-2', from: '+5511987000002' })]);
    await h.t.core.ingest.drain();
  });
  afterAll(async () => {
    await h?.stop();
  });

  const check = (operationId: string, res: { status: number; body: unknown; text: string }) => {
    expect(res.status, res.text).toBeLessThan(300);
    const parsed = (responseSchemas[operationId] as z.ZodType).safeParse(res.body);
    expect(parsed.success, `${operationId}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
  };

  it('health, auth, departments, users, contacts', async () => {
    check('getHealth', await h.anon.get('/api/health'));
    const user = await createUser(h.t.core, 'agent');
    check('login', await h.anon.post('/api/auth/login', { email: user.email, password: user.password }));
    check('getMe', await admin.get('/api/auth/me'));

    const dept = await admin.post('/api/departments', { name: 'OpenAPI dept', description: 'x' });
    check('createDepartment', dept);
    check('updateDepartment', await admin.patch(`/api/departments/${dept.body.id}`, { name: 'OpenAPI dept 2' }));
    check('listDepartments', await admin.get('/api/departments'));

    const created = await admin.post('/api/users', { email: `oa-${Date.now()}@example.com`, name: 'Open Api', password: 'long enough password', departmentIds: [dept.body.id] });
    check('createUser', created);
    check('updateUser', await admin.patch(`/api/users/${created.body.id}`, { locale: 'pt' }));
    check('getUser', await admin.get(`/api/users/${created.body.id}`));
    check('listUsers', await admin.get('/api/users'));

    const contacts = await modelsOf(h.t.core).Contact.find({}).lean();
    expect(contacts.length).toBeGreaterThanOrEqual(2);
    check('searchContacts', await admin.get('/api/contacts?q=5511987'));
    check('getContact', await admin.get(`/api/contacts/${contacts[0]!._id}`));
    check('mergeContact', await admin.post(`/api/contacts/${contacts[1]!._id}/merge`, { targetId: String(contacts[0]!._id) }));
  });

  it('own profile, one-time links, contact edit / merge preview / undo', async () => {
    check('updateMe', await admin.patch('/api/auth/me', { name: 'Admin Renamed', locale: 'es' }));
    const user = await createUser(h.t.core, 'agent');
    const link = await admin.post(`/api/users/${user.id}/reset-link`);
    check('issuePasswordResetLink', link);
    check('describeUserLink', await h.anon.get(`/api/auth/links/${link.body.token}`));
    check('useUserLink', await h.anon.post('/api/auth/links', { token: link.body.token, password: 'a brand new long secret' }));

    const inbox = String((await createInbox(h.t.core))._id);
    await h.t.core.ingest.accept([smsEvent(inbox, { sid: 'SM-oa-3', from: '+5511987000003' }), smsEvent(inbox, { sid: 'SM-oa-4', from: '+5511987000004' })]);
    await h.t.core.ingest.drain();
    const [source, target] = await Promise.all(['5511987000003', '5511987000004'].map(async (phone) => (await admin.get(`/api/contacts?q=${encodeURIComponent(phone)}`)).body.items[0].id as string));
    check('updateContact', await admin.patch(`/api/contacts/${target}`, { name: 'Ana Lima', email: 'ana@example.com', notes: 'prefers SMS' }));
    check('previewContactMerge', await admin.get(`/api/contacts/${source}/merge-preview?targetId=${target}`));
    const merged = await admin.post(`/api/contacts/${source}/merge`, { targetId: target });
    check('mergeContact', merged);
    const detail = await admin.get(`/api/contacts/${target}`);
    check('getContact', detail);
    expect(detail.body.merges).toHaveLength(1);
    check('undoContactMerge', await admin.post(`/api/contact-merges/${merged.body.mergeId}/undo`));
  });

  it('SLA calendars and policies, routing rules and assignment, macros', async () => {
    const dept = (await admin.post('/api/departments', { name: 'OpenAPI routing' })).body.id as string;
    const overflow = (await admin.post('/api/departments', { name: 'OpenAPI overflow' })).body.id as string;
    const nine2six = [{ from: '09:00', to: '18:00' }];
    const calendar = { name: 'OpenAPI hours', timeZone: 'America/Sao_Paulo', week: [nine2six, nine2six, nine2six, nine2six, nine2six, [], []], holidays: ['2026-12-25'], departmentIds: [dept] };
    const cal = await admin.post('/api/sla/calendars', calendar);
    check('createSlaCalendar', cal);
    check('updateSlaCalendar', await admin.put(`/api/sla/calendars/${cal.body.id}`, { ...calendar, isDefault: true }));
    check('listSlaCalendars', await admin.get('/api/sla/calendars'));
    check('deleteSlaCalendar', await admin.delete(`/api/sla/calendars/${cal.body.id}`));

    const row = { firstResponseMinutes: 30, nextResponseMinutes: 60, resolutionMinutes: null };
    const targets = { urgent: row, high: row, normal: row, low: row };
    const inbox = String((await createInbox(h.t.core))._id);
    const policy = await admin.post('/api/sla/policies', { name: 'OpenAPI VIP', targets, inboxId: inbox, channel: 'sms', contactTag: 'vip' });
    check('createSlaPolicy', policy);
    check('updateSlaPolicy', await admin.put(`/api/sla/policies/${policy.body.id}`, { name: 'OpenAPI VIP+', targets }));
    check('listSlaPolicies', await admin.get('/api/sla/policies'));
    check('deleteSlaPolicy', await admin.delete(`/api/sla/policies/${policy.body.id}`));

    const full = await admin.post('/api/routing-rules', {
      name: 'OpenAPI full',
      conditions: { inboxIds: [inbox], channels: ['sms'], keywords: ['refund'], contactTags: ['vip'], timeWindow: { timeZone: 'UTC', days: [1, 2, 3], from: '09:00', to: '17:00' } },
      actions: { departmentId: dept, priority: 'high', type: 'refund', tags: ['refund'], requiredSkills: ['billing'] },
    });
    check('createRoutingRule', full);
    const minimal = await admin.post('/api/routing-rules', { name: 'OpenAPI minimal', actions: { tags: ['triage'] } });
    check('createRoutingRule', minimal);
    check('updateRoutingRule', await admin.put(`/api/routing-rules/${full.body.id}`, { name: 'OpenAPI full', enabled: false, actions: { priority: 'low' } }));
    const rules = await admin.get('/api/routing-rules');
    check('listRoutingRules', rules);
    check('reorderRoutingRules', await admin.put('/api/routing-rules/order', { ids: rules.body.items.map((r: { id: string }) => r.id).reverse() }));
    check('setDepartmentAssignment', await admin.put(`/api/departments/${dept}/assignment`, { mode: 'round_robin', capacity: { chat: 2, email: 5 }, overflowDepartmentId: overflow, overflowAfterMinutes: 15 }));
    const agent = await createUser(h.t.core, 'agent', []);
    check('setRoutingProfile', await admin.put(`/api/users/${agent.id}/routing-profile`, { skills: ['Billing'], capacity: { chat: 4, email: null } }));

    const macro = await admin.post('/api/macros', { name: 'OpenAPI solve', actions: { status: 'solved', priority: 'low', tagsAdd: ['done'], reply: 'Thanks {{contact.name}}' } });
    check('createMacro', macro);
    check('updateMacro', await admin.put(`/api/macros/${macro.body.id}`, { name: 'OpenAPI solve 2', actions: { status: 'solved', reply: 'Thanks {{contact.name}}' } }));
    check('listMacros', await admin.get('/api/macros'));
    h.t.registry.adapters.set(inbox, new ScriptedAdapter());
    await h.t.core.ingest.accept([smsEvent(inbox, { sid: 'SM-oa-5', from: '+5511987000005' })]);
    await h.t.core.ingest.drain();
    const ticket = (await modelsOf(h.t.core).Ticket.findOne({ inboxId: inbox }).lean())!;
    const applied = await admin.post(`/api/tickets/${ticket._id}/macros/${macro.body.id}`);
    check('applyMacro', applied);
    expect(applied.body.replyId).toEqual(expect.any(String));
  });

  it('a conversation an agent starts', async () => {
    const inbox = await createInbox(h.t.core, 'email');
    h.t.registry.adapters.set(String(inbox._id), new ScriptedAdapter());
    check('startConversation', await admin.post('/api/tickets', { inboxId: String(inbox._id), to: 'oa-start@example.com', subject: 'Hello', text: 'First words' }));
  });

  it('a split: messages moved to a new ticket', async () => {
    const inbox = String((await createInbox(h.t.core))._id);
    await h.t.core.ingest.accept([
      smsEvent(inbox, { sid: 'SM-oa-s1', from: '+5511987000009', at: new Date(Date.now() - 2000) }),
      smsEvent(inbox, { sid: 'SM-oa-s2', from: '+5511987000009' }),
    ]);
    await h.t.core.ingest.drain();
    const m = await modelsOf(h.t.core).Message.findOne({ providerKey: 'sms:SM-oa-s2' }).lean();
    check('splitTicket', await admin.post(`/api/tickets/${String(m!.ticketId)}/split`, { messageIds: [String(m!._id)] }));
  });
});
