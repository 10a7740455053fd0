import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInbox, createUser, smsEvent } from '../../support/test-core.js';
import { eventually, startWebHarness, type ApiClient, type WebHarness } from './web-harness.js';
import { modelsOf } from '../../../src/core/models/models-of.js';

let h: WebHarness;
let admin: ApiClient;
let agent: ApiClient;
let supervisor: ApiClient;

beforeAll(async () => {
  h = await startWebHarness({ DEV_INBOUND_ENABLED: 'true' });
  admin = await h.login(await createUser(h.t.core, 'admin'));
  agent = await h.login(await createUser(h.t.core, 'agent'));
  supervisor = await h.login(await createUser(h.t.core, 'supervisor'));
});
afterAll(async () => {
  await h?.stop();
});

describe('departments and users', () => {
  it('admins create and change them; everyone signed in can list; others get 403 FORBIDDEN', async () => {
    const dep = await admin.post('/api/departments', { name: 'Support', description: 'first line' });
    expect(dep.status).toBe(201);
    expect(dep.body).toMatchObject({ id: expect.any(String), name: 'Support', description: 'first line' });
    expect((await admin.post('/api/departments', { name: 'Support' })).body.error.code).toBe('NAME_TAKEN');
    expect((await admin.patch(`/api/departments/${dep.body.id}`, { name: 'Support L1' })).body.name).toBe('Support L1');
    expect((await agent.post('/api/departments', { name: 'Mine' })).status).toBe(403);
    expect((await agent.get('/api/departments')).body.items.map((d: { name: string }) => d.name)).toContain('Support L1');

    const user = await admin.post('/api/users', { email: 'New.Agent@Example.com', name: 'New Agent', password: 'long enough pw', departmentIds: [dep.body.id] });
    expect(user.status).toBe(201);
    expect(user.body).toMatchObject({ email: 'new.agent@example.com', role: 'agent', departmentIds: [dep.body.id], active: true });
    expect(user.text).not.toMatch(/password/i);
    const bad = await admin.post('/api/users', { email: 'not-an-email', name: '', password: 'short' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues.map((i: { path: string }) => i.path).sort()).toEqual(['email', 'name', 'password']);
    const forbidden = await agent.post('/api/users', { email: 'x@example.com', name: 'X', password: 'long enough pw' });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe('FORBIDDEN');
    expect((await supervisor.patch(`/api/users/${user.body.id}`, { role: 'admin' })).status).toBe(403);

    const promoted = await admin.patch(`/api/users/${user.body.id}`, { role: 'supervisor' });
    // Omitted fields keep their values (no create-time defaults on PATCH).
    expect(promoted.body).toMatchObject({ role: 'supervisor', departmentIds: [dep.body.id], locale: null });
    const renamed = await admin.patch(`/api/users/${user.body.id}`, { name: 'Renamed' });
    expect(renamed.body).toMatchObject({ name: 'Renamed', role: 'supervisor', departmentIds: [dep.body.id] });
    const list = await agent.get('/api/users');
    expect(list.status).toBe(200);
    expect(list.text).not.toContain('passwordHash');
    expect(list.body.items.map((u: { email: string }) => u.email)).toContain('new.agent@example.com');
    const created = await h.login({ email: 'new.agent@example.com', password: 'long enough pw' });
    expect((await created.get('/api/auth/me')).body.role).toBe('supervisor');
  });
});

describe('inboxes', () => {
  const secrets = { authToken: 'tw-auth-SUPERSECRET-1234', apiKey: 'key-TOPSECRET-5678' };

  it('secrets are write-only: responses list their names, never values; the database holds ciphertext only', async () => {
    const created = await admin.post('/api/inboxes', { kind: 'sms', name: 'Twilio BR', settings: { fromNumber: '+5511999990000' }, secrets });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ kind: 'sms', name: 'Twilio BR', secretKeys: ['apiKey', 'authToken', 'webhookSecret'], settings: { fromNumber: '+5511999990000' } });
    const id = created.body.id as string;
    const responses = [created, await admin.get('/api/inboxes'), await admin.get(`/api/inboxes/${id}`), await agent.get(`/api/inboxes/${id}`)];
    const updated = await admin.patch(`/api/inboxes/${id}`, { name: 'Twilio Brasil', secrets: { apiKey: null, webhookSecret: 'wh-HIDDEN-9' } });
    expect(updated.body).toMatchObject({ secretKeys: ['authToken', 'webhookSecret'], settings: { fromNumber: '+5511999990000' }, enabled: true });
    const disabled = await admin.patch(`/api/inboxes/${id}`, { enabled: false });
    expect(disabled.body).toMatchObject({ enabled: false, secretKeys: ['authToken', 'webhookSecret'], settings: { fromNumber: '+5511999990000' } });
    responses.push(updated, disabled, await admin.get('/api/inboxes'));
    for (const res of responses) {
      expect(res.status).toBeLessThan(300);
      for (const value of [...Object.values(secrets), 'wh-HIDDEN-9']) expect(res.text).not.toContain(value);
      expect(res.text).not.toContain('settingsCipher');
    }
    const raw = await h.t.db.connection.collection('inboxes').findOne({ name: 'Twilio Brasil' });
    const stored = JSON.stringify(raw);
    for (const value of [...Object.values(secrets), 'wh-HIDDEN-9', 'SUPERSECRET', 'HIDDEN']) expect(stored).not.toContain(value);
    expect(raw?.settingsCipher).toEqual(expect.any(String));
    // The adapter still gets them.
    expect(await h.t.core.inboxes.runtimeSettings(id)).toMatchObject({ authToken: secrets.authToken, webhookSecret: 'wh-HIDDEN-9', fromNumber: '+5511999990000' });
  });

  it('only admins create or change inboxes; bad input is field-level', async () => {
    expect((await agent.post('/api/inboxes', { kind: 'sms', name: 'x' })).status).toBe(403);
    const bad = await admin.post('/api/inboxes', { kind: 'carrier-pigeon', name: 'x', secrets: { 'bad key': 'v' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues.map((i: { path: string }) => i.path)).toContain('kind');
    expect((await admin.get('/api/inboxes/0123456789abcdef01234567')).status).toBe(404);
  });
});

describe('contacts', () => {
  it('search, detail with tickets across channels, merge for supervisors and admins only', async () => {
    const sms = String((await createInbox(h.t.core, 'sms'))._id);
    const tg = String((await createInbox(h.t.core, 'telegram'))._id);
    await h.t.core.ingest.accept([
      smsEvent(sms, { sid: 'CT1', from: '+5511912340001' }),
      {
        type: 'message.received',
        providerKey: 'tg:bot:77:1',
        inboxId: tg,
        occurredAt: new Date(),
        sender: { handle: '77', displayName: 'Ana Telegram' },
        text: 'oi',
        threading: { conversationId: '77' },
      },
    ]);
    await h.t.core.ingest.drain();
    const search = await agent.get('/api/contacts?q=5511912340001');
    expect(search.status).toBe(200);
    expect(search.body.items).toHaveLength(1);
    const phoneContact = search.body.items[0] as { id: string };
    const tgContact = (await agent.get('/api/contacts?q=Ana%20Telegram')).body.items[0] as { id: string };
    expect(tgContact.id).not.toBe(phoneContact.id);

    const forbidden = await agent.post(`/api/contacts/${tgContact.id}/merge`, { targetId: phoneContact.id });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe('FORBIDDEN');
    const merged = await supervisor.post(`/api/contacts/${tgContact.id}/merge`, { targetId: phoneContact.id });
    expect(merged.status).toBe(200);
    expect(merged.body.identities).toEqual(expect.arrayContaining(['telegram:77']));

    const detail = await agent.get(`/api/contacts/${phoneContact.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.tickets.map((t: { channel: string }) => t.channel).sort()).toEqual(['sms', 'telegram']);
    expect((await agent.get('/api/contacts?limit=0')).status).toBe(400);
  });
});

describe('dev inbound (enabled in this file)', () => {
  it('admins can feed InboundEvents: 202 with the outcome; duplicates are reported; others get 403', async () => {
    const inbox = String((await createInbox(h.t.core, 'sms'))._id);
    const event = { ...smsEvent(inbox, { sid: 'DEV1', from: '+5511900001111', text: 'via dev route' }), occurredAt: new Date().toISOString() };
    const res = await admin.post('/api/dev/inbound', event);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ accepted: 1, duplicates: 0, results: [{ providerKey: 'sms:DEV1', status: 'accepted' }] });
    const again = await admin.post('/api/dev/inbound', [event, { ...event, providerKey: 'sms:DEV2', providerMessageId: 'DEV2' }]);
    expect(again.body).toMatchObject({ accepted: 1, duplicates: 1 });
    await eventually(async () => ((await modelsOf(h.t.core).Message.countDocuments({ providerKey: { $in: ['sms:DEV1', 'sms:DEV2'] } })) === 2 ? true : undefined));

    expect((await agent.post('/api/dev/inbound', event)).status).toBe(403);
    const invalid = await admin.post('/api/dev/inbound', { ...event, sender: {} });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details.issues.map((i: { path: string }) => i.path)).toContain('sender.handle');
    const invalidBatch = await admin.post('/api/dev/inbound', [event, { ...event, threading: {} }]);
    expect(invalidBatch.body.error.details.issues.map((i: { path: string }) => i.path)).toContain('1.threading.conversationId');
    expect((await h.anon.get('/api/openapi.json')).body.paths['/api/dev/inbound'].post['x-roles']).toEqual(['admin']);
  });
});
