import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInbox, createUser, smsEvent } from '../../support/test-core.js';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { startWebHarness, type ApiClient, type WebHarness } from '../web/web-harness.js';

/** The admins' SLA API: zod at the boundary (400 with the field), admins only (403), in the OpenAPI document. */
let h: WebHarness;
let admin: ApiClient;
let agent: ApiClient;
const nine2six = [{ from: '09:00', to: '18:00' }];
const row = { firstResponseMinutes: 60, nextResponseMinutes: 30, resolutionMinutes: 480 };

beforeAll(async () => {
  h = await startWebHarness();
  admin = await h.login(await createUser(h.t.core, 'admin'));
  agent = await h.login(await createUser(h.t.core, 'agent'));
}, 120_000);
afterAll(async () => {
  await h.stop();
});

describe('SLA REST API', () => {
  it('calendars and policies: create, read back, refuse bad input and non-admins', async () => {
    const dep = (await admin.post('/api/departments', { name: 'Suporte' })).body;
    const cal = await admin.post('/api/sla/calendars', { name: 'Horário comercial', timeZone: 'America/Sao_Paulo', week: [nine2six, nine2six, nine2six, nine2six, nine2six, [], []], holidays: ['2026-12-25'], departmentIds: [dep.id] });
    expect(cal.status).toBe(201);
    expect(cal.body).toMatchObject({ name: 'Horário comercial', week: [nine2six, nine2six, nine2six, nine2six, nine2six, [], []], departmentIds: [dep.id], isDefault: false, reevaluated: 0 });
    expect((await agent.get('/api/sla/calendars')).body.items).toHaveLength(1);

    const badZone = await admin.post('/api/sla/calendars', { name: 'X', timeZone: 'Mars/Olympus', week: [[], [], [], [], [], [], []], holidays: [] });
    expect(badZone.status).toBe(400);
    expect(badZone.body.error.details.issues[0].path).toBe('timeZone');
    const badHours = await admin.post('/api/sla/calendars', { name: 'Y', timeZone: 'UTC', week: [[{ from: '18:00', to: '09:00' }], [], [], [], [], [], []], holidays: [] });
    expect(badHours.status).toBe(400);
    const overlapping = await admin.post('/api/sla/calendars', { name: 'O', timeZone: 'UTC', week: [[{ from: '09:00', to: '13:00' }, { from: '12:00', to: '18:00' }], [], [], [], [], [], []], holidays: [] });
    expect(overlapping.status).toBe(400);
    expect(overlapping.body.error.details.issues[0]).toEqual({ path: 'week.0.1.from', message: 'overlaps 09:00–13:00 of the same day' });

    const policy = await admin.post('/api/sla/policies', { name: 'VIP', contactTag: 'VIP', targets: { urgent: row, high: row, normal: row, low: { ...row, nextResponseMinutes: null } } });
    expect(policy.status).toBe(201);
    expect(policy.body).toMatchObject({ name: 'VIP', contactTag: 'vip', inboxId: null, channel: null });
    const badPolicy = await admin.post('/api/sla/policies', { name: 'Z', targets: { urgent: row, high: row, normal: { ...row, firstResponseMinutes: -5 }, low: row } });
    expect(badPolicy.status).toBe(400);
    expect(badPolicy.body.error.details.issues[0].path).toBe('targets.normal.firstResponseMinutes');
    expect((await agent.post('/api/sla/policies', { name: 'Mine', targets: { urgent: row, high: row, normal: row, low: row } })).status).toBe(403);
    const list = (await agent.get('/api/sla/policies')).body;
    expect(list.items.map((p: { name: string }) => p.name)).toEqual(['VIP']);
    expect(list.builtIn.targets.normal).toEqual({ firstResponseMinutes: 240, nextResponseMinutes: null, resolutionMinutes: 1440 });
    expect((await admin.put(`/api/sla/policies/${policy.body.id}`, { name: 'VIP+', targets: { urgent: row, high: row, normal: row, low: row } })).body).toMatchObject({ name: 'VIP+', contactTag: null });
    expect((await admin.delete(`/api/sla/policies/${policy.body.id}`)).body).toEqual({ reevaluated: 0 });
    expect((await admin.delete(`/api/sla/policies/${policy.body.id}`)).status).toBe(404);

    const doc = (await h.anon.get('/api/openapi.json')).body;
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/api/sla/')).sort()).toEqual(['/api/sla/calendars', '/api/sla/calendars/{id}', '/api/sla/policies', '/api/sla/policies/{id}']);
  });

  it('a calendar with no opening hours is a 400; one too sparse for the targets leaves them without a due time, and nothing breaks', async () => {
    const dep = (await admin.post('/api/departments', { name: 'Night owls' })).body;
    const closed = await admin.post('/api/sla/calendars', { name: 'Closed', timeZone: 'UTC', week: [[], [], [], [], [], [], []], holidays: [], departmentIds: [dep.id] });
    expect(closed.status).toBe(400);
    expect(closed.body.error.details.issues[0].path).toBe('week');
    expect((await admin.get('/api/sla/calendars')).body.items.map((c: { name: string }) => c.name)).not.toContain('Closed');

    // One minute a week: 480 minutes of resolution are more than nine years away.
    const inbox = String((await createInbox(h.t.core, 'sms', { departmentId: new Types.ObjectId(dep.id) }))._id);
    await h.t.core.ingest.accept([smsEvent(inbox, { sid: 'SPARSE-1', from: '+5511944440001', text: 'before the calendar' })]);
    await h.t.core.ingest.drain();
    const sparse = await admin.post('/api/sla/calendars', { name: 'Sparse', timeZone: 'UTC', week: [[{ from: '09:00', to: '09:01' }], [], [], [], [], [], []], holidays: [], departmentIds: [dep.id] });
    expect(sparse.status).toBe(201);
    await h.t.core.ingest.accept([smsEvent(inbox, { sid: 'SPARSE-2', from: '+5511944440002', text: 'after the calendar' })]);
    await h.t.core.ingest.drain();
    const message = await modelsOf(h.t.core).Message.findOne({ providerKey: 'sms:SPARSE-2' }).lean();
    expect(message).not.toBeNull();
    const ticket = (await admin.get(`/api/tickets/${String(message!.ticketId)}`)).body;
    expect(ticket.sla.resolutionDueAt).toBeNull();
    expect((await admin.patch(`/api/tickets/${ticket.id}`, { priority: 'urgent' })).status).toBe(200);
    expect((await admin.post(`/api/tickets/${ticket.id}/reply`, { text: 'on it' })).status).toBe(202);
  });

  it('a holiday that is no calendar day (2026-02-30, 2026-13-01) is a 400 naming it; a real one is kept', async () => {
    const week = [[], [{ from: '09:00', to: '18:00' }], [], [], [], [], []];
    for (const day of ['2026-02-30', '2026-13-01', '2026-00-10']) {
      const res = await admin.post('/api/sla/calendars', { name: `Bad ${day}`, timeZone: 'UTC', week, holidays: ['2026-12-25', day], departmentIds: [] });
      expect(res.status, day).toBe(400);
      expect(res.body.error.details.issues[0]).toMatchObject({ path: 'holidays.1', message: 'must be a calendar day' });
    }
    const ok = await admin.post('/api/sla/calendars', { name: 'Christmas', timeZone: 'UTC', week, holidays: ['2026-12-25', '2028-02-29'], departmentIds: [] });
    expect(ok.status, ok.text).toBe(201);
  });
});

