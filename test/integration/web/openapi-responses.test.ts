import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { apiRoutes } from '../../../src/web/api/api-routes.js';
import { buildOpenApiDocument } from '../../../src/web/api/openapi-document.js';
import { responseSchemas } from '../../../src/web/api/response-schemas.js';
import { MapRegistry, ScriptedAdapter } from '../../support/fake-channel.js';
import { createInbox, createUser, smsEvent } from '../../support/test-core.js';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { webchatOperations } from '../../../src/channels/webchat/chat-api.js';
import type { ChannelDescription } from '../../../src/core/domain/channel-settings-form.js';
import type { ConnectionReport, ReplyWindow } from '../../../src/core/domain/channel-adapter.js';
import { ChannelError } from '../../../src/core/errors/app-error.js';
import { eventually, startWebHarness, type ApiClient, type WebHarness } from './web-harness.js';

type JsonSchema = Record<string, unknown>;
type Operation = { operationId: string; responses: Record<string, { content?: Record<string, { schema: JsonSchema }> }> };

function operations(): Operation[] {
  const doc = buildOpenApiDocument(apiRoutes({ databaseKind: 'ferretdb', version: 'test', devInbound: true }), { version: 'test' }, webchatOperations);
  return Object.values(doc.paths).flatMap((byMethod) => Object.values(byMethod) as Operation[]);
}

/** A success schema that says nothing: `{}` (any), a bare `{ type: 'object' }`, or an object with no field named. */
function untyped(schema: JsonSchema): boolean {
  if (Object.keys(schema).length === 0) return true;
  if (schema.type !== 'object') return false;
  const named = Object.keys((schema.properties as JsonSchema | undefined) ?? {}).length > 0;
  const extra = schema.additionalProperties;
  const keyed = typeof extra === 'object' && extra !== null && Object.keys(extra).length > 0;
  return !named && !keyed;
}

describe('OpenAPI success responses', () => {
  it('every JSON operation (API and web chat) has a success schema that names its fields', () => {
    const ops = operations();
    expect(ops.map((o) => o.operationId)).toEqual(expect.arrayContaining(['getTicket', 'updateTicket', 'chatSession', 'chatSendMessage']));
    const undescribed: string[] = [];
    for (const op of ops) {
      const success = Object.entries(op.responses).find(([status]) => status.startsWith('2'))![1];
      const json = success.content?.['application/json'];
      if (!json) continue; // 204, or a file download
      if (untyped(json.schema)) undescribed.push(op.operationId);
    }
    expect(undescribed, 'operations whose success payload is an untyped object').toEqual([]);
  });

  it('the check itself catches an untyped payload', () => {
    expect(untyped({ type: 'object' })).toBe(true);
    expect(untyped({})).toBe(true);
    expect(untyped({ type: 'object', properties: {}, additionalProperties: {} })).toBe(true);
    expect(untyped({ type: 'object', properties: { id: { type: 'string' } } })).toBe(false);
    expect(untyped({ type: 'object', additionalProperties: { type: 'number' } })).toBe(false);
  });
});

/** The registry the core delivers through, with a connection test (the catalogue's testers need real servers). */
class TestableRegistry extends MapRegistry {
  testConnection(): Promise<ConnectionReport> {
    return Promise.resolve({ ok: false, checks: { api: { ok: true, durationMs: 3 }, send: { ok: false, code: 'AUTH', message: 'bad token', durationMs: 5 } } });
  }
}

/** A phone inbox's adapter: SMS sends (scripted), call-backs and a reply window. */
class PhoneAdapter extends ScriptedAdapter {
  startCall(): Promise<{ providerCallId: string }> {
    return Promise.resolve({ providerCallId: 'CA-oa-1' });
  }
  replyWindow(last: Date | undefined, now: Date): ReplyWindow {
    const closesAt = last ? new Date(last.getTime() + 86_400_000) : null;
    return { open: closesAt !== null && closesAt > now, closesAt, canReply: true, detail: 'test window' };
  }
}

const smsKind: ChannelDescription = {
  kind: 'sms',
  label: 'SMS',
  fields: [
    { key: 'accountSid', label: 'Account SID', type: 'text', required: true, i18n: { pt: { label: 'SID da conta' } } },
    { key: 'authToken', label: 'Auth token', type: 'text', secret: true },
    { key: 'mode', label: 'Mode', type: 'select', options: [{ value: 'a', label: 'A' }], default: 'a' },
  ],
  webhook: true,
  testable: true,
  canStartConversation: true,
};

describe('the described payloads are what the API sends', () => {
  let h: WebHarness;
  let admin: ApiClient;
  const registry = new TestableRegistry();
  beforeAll(async () => {
    h = await startWebHarness({ DEV_INBOUND_ENABLED: 'true' }, { channels: registry, channelKinds: [smsKind] });
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
    // zod drops keys a schema does not name: a field the route sends but the document omits shows up here.
    expect(parsed.data, `${operationId}: fields sent but not described`).toEqual(res.body);
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
    registry.adapters.set(inbox, new ScriptedAdapter());
    await h.t.core.ingest.accept([smsEvent(inbox, { sid: 'SM-oa-5', from: '+5511987000005' })]);
    await h.t.core.ingest.drain();
    const ticket = (await modelsOf(h.t.core).Ticket.findOne({ inboxId: inbox }).lean())!;
    const applied = await admin.post(`/api/tickets/${ticket._id}/macros/${macro.body.id}`);
    check('applyMacro', applied);
    expect(applied.body.replyId).toEqual(expect.any(String));
  });

  it('a conversation an agent starts', async () => {
    const inbox = await createInbox(h.t.core, 'email');
    registry.adapters.set(String(inbox._id), new ScriptedAdapter());
    check('startConversation', await admin.post('/api/tickets', { inboxId: String(inbox._id), to: 'oa-start@example.com', subject: 'Hello', text: 'First words' }));
    const sms = String((await createInbox(h.t.core, 'sms'))._id);
    registry.adapters.set(sms, new ScriptedAdapter());
    const started = await admin.post('/api/tickets', { inboxId: sms, to: '+5511987000010', text: 'First words by SMS' });
    check('startConversation', started);
    expect(started.body.ticket.replyTo.handle).toBe('+5511987000010');
  });

  it('ticket detail, update, merge, call-back, audit, messages, reply window, retry', async () => {
    const inbox = String((await createInbox(h.t.core))._id);
    const adapter = new PhoneAdapter().then(() => {
      throw new ChannelError('REJECTED', 'number blocked', false);
    });
    registry.adapters.set(inbox, adapter);
    await h.t.core.ingest.accept([smsEvent(inbox, { sid: 'SM-oa-6', from: '+5511987000006' }), smsEvent(inbox, { sid: 'SM-oa-7', from: '+5511987000007' })]);
    await h.t.core.ingest.drain();
    const [first, second] = await modelsOf(h.t.core).Ticket.find({ inboxId: inbox }).sort({ number: 1 }).lean();
    const id = String(first!._id);

    check('getTicket', await admin.get(`/api/tickets/${id}`));
    const updated = await admin.patch(`/api/tickets/${id}`, { priority: 'high', addTags: ['vip'], type: 'question', snoozedUntil: new Date(Date.now() + 3_600_000).toISOString() });
    check('updateTicket', updated);
    expect(updated.body.priority).toBe('high');
    check('getTicketReplyWindow', await admin.get(`/api/tickets/${id}/reply-window`));
    check('callBack', await admin.post(`/api/tickets/${id}/call`));

    const reply = await admin.post(`/api/tickets/${id}/reply`, { text: 'We are on it' });
    check('replyToTicket', reply);
    check('addTicketNote', await admin.post(`/api/tickets/${id}/note`, { text: 'internal' }));
    await eventually(async () => ((await modelsOf(h.t.core).Message.findById(reply.body.id).lean())?.delivery.status === 'failed' ? true : undefined));
    const retried = await admin.post(`/api/messages/${reply.body.id}/retry`);
    check('retryMessage', retried);
    const thread = await admin.get(`/api/tickets/${id}/messages`);
    check('listTicketMessages', thread);
    expect(thread.body.items.length).toBeGreaterThanOrEqual(3);

    const audit = await admin.get(`/api/tickets/${id}/audit`);
    check('getTicketAudit', audit);
    expect(audit.body.items.length).toBeGreaterThan(1);
    check('verifyTicketAudit', await admin.get(`/api/tickets/${id}/audit/verify`));
    check('mergeTicket', await admin.post(`/api/tickets/${id}/merge`, { targetId: String(second!._id) }));
  });

  it('inboxes, channel kinds, reports, canned responses, dev inbound and this document', async () => {
    const created = await admin.post('/api/inboxes', { kind: 'sms', name: `OpenAPI SMS ${Date.now()}`, settings: { accountSid: 'AC1', group: { a: 1 } }, secrets: { authToken: 'x' } });
    check('createInbox', created);
    check('updateInbox', await admin.patch(`/api/inboxes/${created.body.id}`, { reopenWindowDays: 3 }));
    check('getInbox', await admin.get(`/api/inboxes/${created.body.id}`));
    check('listInboxes', await admin.get('/api/inboxes'));
    check('testInboxConnection', await admin.post(`/api/inboxes/${created.body.id}/test-connection`));
    const kinds = await admin.get('/api/channel-kinds');
    check('listChannelKinds', kinds);
    expect(kinds.body.items).toHaveLength(1);

    check('getChannelReport', await admin.get('/api/reports/channels'));
    check('getAgentReport', await admin.get('/api/reports/agents?granularity=week'));
    check('getLiveReport', await admin.get('/api/reports/live'));

    const canned = await admin.post('/api/canned-responses', { shortcut: 'oa', title: 'OpenAPI', body: 'Hello {{contact.name}}' });
    check('createCannedResponse', canned);
    check('updateCannedResponse', await admin.patch(`/api/canned-responses/${canned.body.id}`, { title: 'OpenAPI 2' }));
    check('listCannedResponses', await admin.get('/api/canned-responses'));

    const event = { ...smsEvent(created.body.id, { sid: 'SM-oa-dev', from: '+5511987000009' }), occurredAt: new Date().toISOString() };
    check('devInbound', await admin.post('/api/dev/inbound', event));
    const again = await admin.post('/api/dev/inbound', [event]);
    check('devInbound', again);
    expect(again.body.results).toEqual([{ providerKey: 'sms:SM-oa-dev', status: 'duplicate' }]);

    check('getOpenApiDocument', await h.anon.get('/api/openapi.json'));
  });
});
