import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { apiRoutes } from '../../../src/web/api/api-routes.js';
import { buildOpenApiDocument } from '../../../src/web/api/openapi-document.js';
import { responseSchemas } from '../../../src/web/api/response-schemas.js';
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
});
