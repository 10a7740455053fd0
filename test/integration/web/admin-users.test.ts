import { Types } from 'mongoose';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../support/test-core.js';
import { startWebHarness, type ApiClient, type WebHarness } from './web-harness.js';

/** The gaps of issue 14 in users, departments and canned responses, through the HTTP API. */
let h: WebHarness;
let admin: ApiClient;
let adminUser: Awaited<ReturnType<typeof createUser>>;
let agent: ApiClient;
let agentUser: Awaited<ReturnType<typeof createUser>>;
let supervisor: ApiClient;

beforeAll(async () => {
  h = await startWebHarness();
  adminUser = await createUser(h.t.core, 'admin');
  admin = await h.login(adminUser);
  agentUser = await createUser(h.t.core, 'agent');
  agent = await h.login(agentUser);
  supervisor = await h.login(await createUser(h.t.core, 'supervisor'));
});
afterAll(async () => {
  await h?.stop();
});

describe('users', () => {
  it('invite without a password: a one-time link sets the password and signs in, in the user\'s own language', async () => {
    const created = await admin.post('/api/users', { email: 'joana@example.com', name: 'Joana', locale: 'pt' });
    expect(created.status).toBe(201);
    const { token, path } = created.body.invite;
    expect(path).toBe(`/console/#/link/${token}`);
    // Nobody can sign in before the link is used (the random password is known to no one).
    expect((await h.anon.get(`/api/auth/links/${token}`)).body).toEqual({ purpose: 'invite', name: 'Joana', email: 'joana@example.com', locale: 'pt' });
    const weak = await h.anon.post('/api/auth/links', { token, password: 'joana12345678' });
    expect(weak.status).toBe(400);
    expect(weak.body.error.details.issues[0]).toMatchObject({ path: 'password', message: 'must not contain the email address' });
    const used = await h.anon.post('/api/auth/links', { token, password: 'a good long secret' });
    expect(used.status).toBe(200);
    expect(used.body).toMatchObject({ email: 'joana@example.com', locale: 'pt' });
    expect(used.headers.get('set-cookie')).toMatch(/ponte/i);
    // Once only.
    expect((await h.anon.post('/api/auth/links', { token, password: 'a good long secret' })).status).toBe(401);
    const joana = await h.login({ email: 'joana@example.com', password: 'a good long secret' });
    expect((await joana.get('/api/auth/me')).body.locale).toBe('pt');
  });

  it('reset link: the old password stops working once the new one is set; a second link voids the first', async () => {
    const user = await createUser(h.t.core, 'agent');
    const first = (await admin.post(`/api/users/${user.id}/reset-link`)).body.token as string;
    const second = (await admin.post(`/api/users/${user.id}/reset-link`)).body.token as string;
    expect((await h.anon.post('/api/auth/links', { token: first, password: 'brand new secret 1' })).status).toBe(401);
    expect((await agent.post(`/api/users/${user.id}/reset-link`)).status).toBe(403);
    expect((await h.anon.post('/api/auth/links', { token: second, password: 'brand new secret 1' })).status).toBe(200);
    expect((await h.anon.post('/api/auth/login', { email: user.email, password: user.password })).status).toBe(401);
  });

  it('a link made for a deactivated account: 409 saying so (no password set), the link still good once the account is active again', async () => {
    const user = await createUser(h.t.core, 'agent');
    expect((await admin.patch(`/api/users/${user.id}`, { active: false })).status).toBe(200);
    const token = (await admin.post(`/api/users/${user.id}/reset-link`)).body.token as string;
    const refused = await h.anon.post('/api/auth/links', { token, password: 'brand new secret 2' });
    expect([refused.status, refused.body.error.code]).toEqual([409, 'ACCOUNT_INACTIVE']);
    expect((await admin.patch(`/api/users/${user.id}`, { active: true })).status).toBe(200);
    expect((await h.anon.post('/api/auth/links', { token, password: 'brand new secret 2' })).status).toBe(200);
    expect((await h.anon.post('/api/auth/login', { email: user.email, password: 'brand new secret 2' })).status).toBe(200);
  });

  it('a password set another way voids the outstanding link: whoever holds it can no longer take the account over', async () => {
    // The user changes their own password while a reset link handed out earlier is still unused.
    const own = await createUser(h.t.core, 'agent');
    const ownLink = (await admin.post(`/api/users/${own.id}/reset-link`)).body.token as string;
    const ownClient = await h.login(own);
    expect((await ownClient.post('/api/auth/password', { currentPassword: own.password, newPassword: 'my own new secret' })).status).toBe(204);
    const late = await h.anon.post('/api/auth/links', { token: ownLink, password: 'taken over by link' });
    expect([late.status, late.headers.get('set-cookie')]).toEqual([401, null]);
    expect((await h.anon.get(`/api/auth/links/${ownLink}`)).status).toBe(401);
    expect((await h.anon.post('/api/auth/login', { email: own.email, password: 'my own new secret' })).status).toBe(200);

    // An admin sets the password directly (for an invited user who lost the link, say).
    const invited = (await admin.post('/api/users', { email: 'lost.link@example.com', name: 'Lost Link' })).body;
    expect((await admin.patch(`/api/users/${invited.id}`, { password: 'set by the admin 1' })).status).toBe(200);
    expect((await h.anon.post('/api/auth/links', { token: invited.invite.token, password: 'taken over by link' })).status).toBe(401);
    expect((await h.anon.post('/api/auth/login', { email: 'lost.link@example.com', password: 'set by the admin 1' })).status).toBe(200);
  });

  it('clear 4xx: duplicate email, weak password, last admin', async () => {
    const dup = await admin.post('/api/users', { email: agentUser.email.toUpperCase(), name: 'Dup', password: 'long enough pw' });
    expect([dup.status, dup.body.error.code]).toEqual([409, 'EMAIL_TAKEN']);
    const common = await admin.post('/api/users', { email: 'w@example.com', name: 'W', password: 'password123' });
    expect([common.status, common.body.error.details.issues[0].message]).toEqual([400, 'is a well-known password']);
    const repeated = await admin.patch(`/api/users/${agentUser.id}`, { password: 'aaaaaaaaaaab' });
    expect([repeated.status, repeated.body.error.details.issues[0].message]).toEqual([400, 'needs at least 4 different characters']);
    // The only active admin demoting themselves: the last-admin rule answers first.
    const last = await admin.patch(`/api/users/${adminUser.id}`, { role: 'agent' });
    expect([last.status, last.body.error.code]).toEqual([409, 'LAST_ADMIN']);
    expect((await admin.patch(`/api/users/${adminUser.id}`, { active: false })).body.error.code).toBe('LAST_ADMIN');
    // With a second admin, demoting the other one works and the rule holds again for the one left.
    const second = await admin.post('/api/users', { email: 'second.admin@example.com', name: 'Second', role: 'admin', password: 'long enough pw' });
    expect((await admin.patch(`/api/users/${second.body.id}`, { active: false })).body.active).toBe(false);
    expect((await admin.patch(`/api/users/${adminUser.id}`, { role: 'agent' })).body.error.code).toBe('LAST_ADMIN');
  });

  it('an admin cannot demote or deactivate themselves, however their id is written (SELF_LOCKOUT)', async () => {
    const other = await admin.post('/api/users', { email: 'third.admin@example.com', name: 'Third', role: 'admin', password: 'long enough pw' });
    expect(other.status).toBe(201);
    for (const id of [adminUser.id, adminUser.id.toUpperCase()]) {
      const demoted = await admin.patch(`/api/users/${id}`, { role: 'agent' });
      expect([demoted.status, demoted.body.error?.code]).toEqual([409, 'SELF_LOCKOUT']);
      expect((await admin.patch(`/api/users/${id}`, { active: false })).body.error?.code).toBe('SELF_LOCKOUT');
    }
    expect((await admin.get(`/api/users/${adminUser.id}`)).body).toMatchObject({ role: 'admin', active: true });
    expect((await admin.patch(`/api/users/${other.body.id}`, { active: false })).status).toBe(200);
  });

  it('every user edits their own name and locale; their password only with the current one', async () => {
    const me = await agent.patch('/api/auth/me', { name: 'Agent Renamed', locale: 'es' });
    expect(me.body).toMatchObject({ id: agentUser.id, name: 'Agent Renamed', locale: 'es', role: 'agent' });
    expect((await agent.get('/api/auth/me')).body).toMatchObject({ name: 'Agent Renamed', locale: 'es' });
    expect((await agent.patch('/api/auth/me', { role: 'admin' })).status).toBe(400);
    expect((await agent.patch('/api/auth/me', { locale: 'fr' })).status).toBe(400);
    expect((await agent.post('/api/auth/password', { currentPassword: 'wrong one', newPassword: 'another long one' })).status).toBe(403);
    const weak = await agent.post('/api/auth/password', { currentPassword: agentUser.password, newPassword: 'qwertyuiop' });
    expect([weak.status, weak.body.error.details.issues[0].path]).toEqual([400, 'newPassword']);
    expect((await agent.post('/api/auth/password', { currentPassword: agentUser.password, newPassword: 'another long one' })).status).toBe(204);
  });
});

describe('departments', () => {
  it('delete only when empty, with what is left named', async () => {
    const dep = (await admin.post('/api/departments', { name: 'Temp' })).body;
    const member = await admin.post('/api/users', { email: 'temp.member@example.com', name: 'M', password: 'long enough pw', departmentIds: [dep.id] });
    const busy = await admin.delete(`/api/departments/${dep.id}`);
    expect([busy.status, busy.body.error.code, busy.body.error.message]).toEqual([409, 'DEPARTMENT_NOT_EMPTY', 'This department still has 1 users']);
    expect((await supervisor.delete(`/api/departments/${dep.id}`)).status).toBe(403);
    await admin.patch(`/api/users/${member.body.id}`, { departmentIds: [] });
    expect((await admin.delete(`/api/departments/${dep.id}`)).status).toBe(204);
    expect((await admin.delete(`/api/departments/${dep.id}`)).status).toBe(404);
  });
});

describe('canned responses', () => {
  it('personal ones are their author\'s only; shared ones stay the managers\'', async () => {
    const mine = await agent.post('/api/canned-responses', { shortcut: 'mybye', title: 'Bye', body: 'Bye {{contact.name}}', personal: true });
    expect(mine.status).toBe(201);
    expect(mine.body).toMatchObject({ personal: true, ownerId: agentUser.id, departmentId: null });
    expect((await agent.post('/api/canned-responses', { shortcut: 'shared1', title: 'S', body: 'S' })).status).toBe(403);
    const shared = await supervisor.post('/api/canned-responses', { shortcut: 'shared1', title: 'S', body: 'S' });
    expect(shared.body.personal).toBe(false);
    const agentSees = (await agent.get('/api/canned-responses')).body.items.map((c: { shortcut: string }) => c.shortcut);
    expect(agentSees).toEqual(expect.arrayContaining(['mybye', 'shared1']));
    expect((await supervisor.get('/api/canned-responses')).body.items.map((c: { shortcut: string }) => c.shortcut)).not.toContain('mybye');
    expect((await supervisor.patch(`/api/canned-responses/${mine.body.id}`, { title: 'x' })).status).toBe(404);
    expect((await agent.patch(`/api/canned-responses/${shared.body.id}`, { title: 'x' })).status).toBe(403);
    expect((await agent.patch(`/api/canned-responses/${mine.body.id}`, { title: 'See you' })).body.title).toBe('See you');
    expect((await agent.delete(`/api/canned-responses/${mine.body.id}`)).status).toBe(204);
  });

  // Last: one of the two admins ends up an agent.
  it('two admins demoting each other at the same moment: one change wins, the other is LAST_ADMIN; an admin is left', async () => {
    const activeAdmins = () => modelsOf(h.t.core).User.countDocuments({ role: 'admin', active: { $ne: false } });
    // Exactly two active admins: the suite's and a new one.
    await modelsOf(h.t.core).User.updateMany({ role: 'admin', _id: { $ne: new Types.ObjectId(adminUser.id) } }, { $set: { active: false } });
    const other = await createUser(h.t.core, 'admin');
    const otherClient = await h.login(other);
    expect(await activeAdmins()).toBe(2);
    const [a, b] = await Promise.all([admin.patch(`/api/users/${other.id}`, { role: 'agent' }), otherClient.patch(`/api/users/${adminUser.id}`, { role: 'agent' })]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect([a, b].find((r) => r.status === 409)!.body.error.code).toBe('LAST_ADMIN');
    expect(await activeAdmins()).toBe(1);
  });
});

