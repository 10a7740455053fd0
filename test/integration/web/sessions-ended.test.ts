import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInbox, createUser, smsEvent } from '../../support/test-core.js';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { ack, connected, record, startHarness, until, type Harness } from '../realtime/harness.js';
import { ApiClient, startWebHarness, type WebHarness } from './web-harness.js';

/**
 * A password change or reset, a role change and a deactivation end every other session of the user:
 * cookie and bearer alike, and their live sockets. The socket harness re-checks sessions only once an
 * hour here, so a disconnect within the test can only come from the core's `user.sessions_ended`.
 */
let h: WebHarness;
let rt: Harness;
let admin: Awaited<ReturnType<typeof createUser>>;

beforeAll(async () => {
  h = await startWebHarness();
  rt = await startHarness(h.t, { revalidateMs: 3_600_000 });
  admin = await createUser(h.t.core, 'admin');
});
afterAll(async () => {
  await rt?.close();
  await h?.stop();
});

/** A cookie session, a bearer session and a live socket of the same user. */
async function signedInEverywhere(user: { email: string; password: string }) {
  const cookie = await h.login(user);
  const bearerToken = (await h.t.core.sessions.login(user.email, user.password, '127.0.0.1')).token;
  const bearer = new ApiClient(h.baseUrl);
  const socket = rt.connect(await rt.login(user));
  await connected(socket);
  const disconnected = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
  const me = (c: ApiClient) => c.get('/api/auth/me', c === bearer ? { headers: { authorization: `Bearer ${bearerToken}` } } : {});
  expect((await me(cookie)).status).toBe(200);
  expect((await me(bearer)).status).toBe(200);
  return { cookie, bearer, me, socket, disconnected };
}

async function expectAllEnded(s: Awaited<ReturnType<typeof signedInEverywhere>>) {
  const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('still connected after 10 s'), 10_000).unref());
  expect(await Promise.race([s.disconnected, timeout])).toBe('io server disconnect');
  expect((await s.me(s.cookie)).status).toBe(401);
  expect((await s.me(s.bearer)).status).toBe(401);
}

describe('sessions end when credentials or access change', () => {
  it('an admin resets a password: cookie, bearer and socket of that user end', async () => {
    const user = await createUser(h.t.core, 'agent');
    const s = await signedInEverywhere(user);
    const adminApi = await h.login(admin);
    expect((await adminApi.patch(`/api/users/${user.id}`, { password: 'a brand new password' })).status).toBe(200);
    await expectAllEnded(s);
    expect((await adminApi.get('/api/auth/me')).status).toBe(200);
  });

  it('a role change ends the sessions; a name change does not', async () => {
    const user = await createUser(h.t.core, 'agent');
    const s = await signedInEverywhere(user);
    const adminApi = await h.login(admin);
    expect((await adminApi.patch(`/api/users/${user.id}`, { name: 'Renamed' })).status).toBe(200);
    expect((await s.me(s.cookie)).status).toBe(200);
    expect((await adminApi.patch(`/api/users/${user.id}`, { role: 'supervisor' })).status).toBe(200);
    await expectAllEnded(s);
  });

  it('a deactivation ends the sessions', async () => {
    const user = await createUser(h.t.core, 'agent');
    const s = await signedInEverywhere(user);
    const adminApi = await h.login(admin);
    expect((await adminApi.patch(`/api/users/${user.id}`, { active: false })).status).toBe(200);
    await expectAllEnded(s);
  });

  it('changing your own password keeps this session and ends every other one', async () => {
    const user = await createUser(h.t.core, 'agent');
    const s = await signedInEverywhere(user);
    const here = await h.login(user);
    const wrong = await here.post('/api/auth/password', { currentPassword: 'not it', newPassword: 'another long password' });
    expect(wrong.status).toBe(403);
    const res = await here.post('/api/auth/password', { currentPassword: user.password, newPassword: 'another long password' });
    expect(res.status).toBe(204);
    await expectAllEnded(s);
    expect((await here.get('/api/auth/me')).status).toBe(200);
    expect((await h.anon.post('/api/auth/login', { email: user.email, password: 'another long password' })).status).toBe(200);
  });

  it('logging out ends that session’s socket at once, and only that one', async () => {
    const user = await createUser(h.t.core, 'agent');
    const token = await rt.login(user);
    const socket = rt.connect(token);
    const other = rt.connect(await rt.login(user));
    await Promise.all([connected(socket), connected(other)]);
    const disconnected = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
    const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('still connected after 10 s'), 10_000).unref());
    const bearer = new ApiClient(h.baseUrl);
    expect((await bearer.post('/api/auth/logout', undefined, { headers: { authorization: `Bearer ${token}` } })).status).toBe(204);
    expect(await Promise.race([disconnected, timeout])).toBe('io server disconnect');
    expect(other.connected).toBe(true);
  });
});

/**
 * Departments are access too: an agent taken out of a department stops receiving its tickets' events on the
 * sockets already open, and loses the tickets of it they had open, at once (not at the next periodic re-check).
 */
describe('a change of departments reaches open sockets at once', () => {
  it('an agent removed from a department gets ticket.revoked for its open ticket and none of its later events', async () => {
    const [sales, billing] = await modelsOf(h.t.core).Department.insertMany([{ name: 'Sales R' }, { name: 'Billing R' }]);
    const billingInbox = String((await createInbox(h.t.core, 'sms', { departmentId: billing!._id }))._id);
    const triageInbox = String((await createInbox(h.t.core, 'sms'))._id);
    const user = await createUser(h.t.core, 'agent', [sales!._id, billing!._id]);
    const socket = rt.connect(await rt.login(user));
    await connected(socket);
    const got = record(socket, ['message.created', 'ticket.revoked']);
    await h.t.core.ingest.accept([smsEvent(billingInbox, { sid: 'DEP-1', from: '+5511955550001', text: 'first invoice question' })]);
    await h.t.core.ingest.drain();
    const ticketId = String((await modelsOf(h.t.core).Message.findOne({ providerKey: 'sms:DEP-1' }).lean())!.ticketId);
    await until(() => got.some((e) => e.name === 'message.created' && e.payload.scope.ticketId === ticketId));
    expect((await ack(socket, 'ticket:join', { ticketId })).ok).toBe(true);

    const adminApi = await h.login(admin);
    expect((await adminApi.patch(`/api/users/${user.id}`, { departmentIds: [String(sales!._id)] })).status).toBe(200);
    await until(() => got.some((e) => e.name === 'ticket.revoked' && e.payload.ticketId === ticketId), 10_000);

    const seen = got.length;
    await h.t.core.ingest.accept([smsEvent(billingInbox, { sid: 'DEP-2', from: '+5511955550001', text: 'secret second invoice question' })]);
    await h.t.core.ingest.drain();
    await h.t.core.ingest.accept([smsEvent(triageInbox, { sid: 'DEP-3', from: '+5511955550002', text: 'fence' })]);
    await h.t.core.ingest.drain();
    // The triage message reaches every agent: once it is here, an event of the billing ticket would be too.
    await until(() => got.slice(seen).some((e) => e.name === 'message.created' && e.payload.message.text === 'fence'));
    expect(got.slice(seen).filter((e) => e.name === 'message.created' && e.payload.scope.ticketId === ticketId)).toEqual([]);
    expect(socket.connected).toBe(true);
  });
});
