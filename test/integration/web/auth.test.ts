import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../support/test-core.js';
import { ApiClient, startWebHarness, type WebHarness } from './web-harness.js';

const MAX_ATTEMPTS = 3;
const MAX_PER_ADDRESS = 7;
let h: WebHarness;

beforeAll(async () => {
  // TRUST_PROXY: each test speaks from its own X-Forwarded-For address, so the per-address limit stays per test.
  h = await startWebHarness({
    LOGIN_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
    LOGIN_MAX_ATTEMPTS_PER_ADDRESS: String(MAX_PER_ADDRESS),
    SESSION_TTL_HOURS: '2',
    TRUST_PROXY: 'true',
  });
});
afterAll(async () => {
  await h?.stop();
});

describe('session auth', () => {
  it('login sets an httpOnly SameSite=Lax cookie and returns the viewer; me works; logout ends the session', async () => {
    const user = await createUser(h.t.core, 'agent');
    const login = await h.anon.post('/api/auth/login', { email: user.email.toUpperCase(), password: user.password });
    expect(login.status).toBe(200);
    expect(login.body).toEqual({ id: user.id, name: user.name, email: user.email, role: 'agent', departmentIds: [], locale: null });
    expect(login.text).not.toContain('passwordHash');
    const setCookie = login.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^ponte_session=[\w-]{20,};/);
    expect(setCookie).toMatch(/; HttpOnly/i);
    expect(setCookie).toMatch(/; SameSite=Lax/i);
    expect(setCookie).toMatch(/; Path=\//);
    expect(setCookie).toMatch(/; Max-Age=7200/);
    expect(setCookie).not.toMatch(/; Secure/i); // PUBLIC_URL is http:// in tests

    const client = new ApiClient(h.baseUrl, setCookie.split(';')[0]);
    const me = await client.get('/api/auth/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: user.id, role: 'agent' });

    const logout = await client.post('/api/auth/logout');
    expect(logout.status).toBe(204);
    expect(logout.headers.get('set-cookie')).toMatch(/^ponte_session=;.*Expires=Thu, 01 Jan 1970/);
    const after = await client.get('/api/auth/me');
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('UNAUTHENTICATED');
  });

  it('the session token also works as a Bearer token (API clients, no cookie, no CSRF check)', async () => {
    const user = await createUser(h.t.core, 'supervisor');
    const login = await h.anon.post('/api/auth/login', { email: user.email, password: user.password });
    const token = login.headers.get('set-cookie')!.split(';')[0]!.split('=')[1]!;
    const me = await h.anon.get('/api/auth/me', { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(me.body.role).toBe('supervisor');
    const list = await h.anon.get('/api/tickets', { headers: { authorization: `Bearer ${token}` } });
    expect(list.status).toBe(200);
  });

  it('every non-public route is 401 UNAUTHENTICATED without a session (or with a forged one)', async () => {
    const forged = new ApiClient(h.baseUrl, 'ponte_session=forged-token');
    const id = '0123456789abcdef01234567';
    for (const client of [h.anon, forged]) {
      const responses = await Promise.all([
        client.get('/api/auth/me'),
        client.get('/api/tickets'),
        client.get(`/api/tickets/${id}`),
        client.get(`/api/tickets/${id}/messages`),
        client.get(`/api/tickets/${id}/audit`),
        client.post(`/api/tickets/${id}/reply`, { text: 'x' }),
        client.patch(`/api/tickets/${id}`, { priority: 'high' }),
        client.get('/api/contacts'),
        client.get('/api/users'),
        client.post('/api/users', {}),
        client.get('/api/departments'),
        client.get('/api/inboxes'),
        client.get(`/api/attachments/${id}`),
      ]);
      for (const res of responses) {
        expect(res.status).toBe(401);
        expect(res.body).toEqual({ error: { code: 'UNAUTHENTICATED', message: expect.any(String) } });
      }
    }
  });

  it('a wrong password and an unknown user are the same 401', async () => {
    const user = await createUser(h.t.core, 'agent');
    const from = { headers: { 'x-forwarded-for': '198.51.100.1' } };
    const wrong = await h.anon.post('/api/auth/login', { email: user.email, password: 'not the password' }, from);
    const unknown = await h.anon.post('/api/auth/login', { email: 'nobody@example.com', password: 'whatever' }, from);
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.headers.get('set-cookie')).toBeNull();
  });

  it(`after ${MAX_ATTEMPTS} failures the account is rate limited from any address: 429 RATE_LIMITED with Retry-After`, async () => {
    const user = await createUser(h.t.core, 'agent');
    const other = await createUser(h.t.core, 'agent');
    const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });
    const statuses: number[] = [];
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      statuses.push((await h.anon.post('/api/auth/login', { email: user.email, password: `wrong-${i}` }, from('203.0.113.7'))).status);
    }
    expect(statuses).toEqual(Array(MAX_ATTEMPTS).fill(401));

    // Even the right password is refused now, for that account from any address.
    const limited = await h.anon.post('/api/auth/login', { email: user.email, password: user.password }, from('203.0.113.7'));
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(limited.headers.get('set-cookie')).toBeNull();
    expect((await h.anon.post('/api/auth/login', { email: user.email, password: user.password }, from('203.0.113.8'))).status).toBe(429);
    // The address is below its own (higher) limit: a colleague behind the same NAT still signs in.
    expect((await h.anon.post('/api/auth/login', { email: other.email, password: other.password }, from('203.0.113.7'))).status).toBe(200);
  });

  it(`the current password of a password change is guessed no faster than a login: ${MAX_ATTEMPTS} wrong ones, then 429 for the account`, async () => {
    const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });
    const user = await createUser(h.t.core, 'agent');
    // A stolen session: without this limit it could try current passwords as fast as bcrypt answers.
    const stolen = await h.login(user);
    const statuses: number[] = [];
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      statuses.push((await stolen.post('/api/auth/password', { currentPassword: `guess-${i}`, newPassword: 'taken over for good' }, from('203.0.113.30'))).status);
    }
    expect(statuses).toEqual(Array(MAX_ATTEMPTS).fill(403));
    const limited = await stolen.post('/api/auth/password', { currentPassword: user.password, newPassword: 'taken over for good' }, from('203.0.113.30'));
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // The password did not change, and the account's logins wait as after wrong logins.
    expect((await h.anon.post('/api/auth/login', { email: user.email, password: user.password }, from('203.0.113.31'))).status).toBe(429);
    expect(await h.t.core.sessions.login(user.email, 'taken over for good', '203.0.113.32').catch((err: { code?: string }) => err.code)).toBe('RATE_LIMITED');
  });

  it('a right current password gives the account its attempts back', async () => {
    const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });
    const user = await createUser(h.t.core, 'agent');
    const here = await h.login(user);
    for (let i = 0; i < MAX_ATTEMPTS - 1; i++) {
      expect((await here.post('/api/auth/password', { currentPassword: `typo-${i}`, newPassword: 'my next long password' }, from('203.0.113.40'))).status).toBe(403);
    }
    expect((await here.post('/api/auth/password', { currentPassword: user.password, newPassword: 'my next long password' }, from('203.0.113.40'))).status).toBe(204);
    expect((await here.post('/api/auth/password', { currentPassword: 'typo again', newPassword: 'my third long password' }, from('203.0.113.40'))).status).toBe(403);
    expect((await h.anon.post('/api/auth/login', { email: user.email, password: 'my next long password' }, from('203.0.113.41'))).status).toBe(200);
  });

  it('a new password longer than bcrypt reads (72 bytes) is a 400 saying so; 72 bytes are fine', async () => {
    const user = await createUser(h.t.core, 'agent');
    const here = await h.login(user);
    // 36 letters with accents: 72 bytes, and one more takes it past.
    const at72 = 'áéíóúçãõâêôàüñ'.repeat(3).slice(0, 36);
    const refused = await here.post('/api/auth/password', { currentPassword: user.password, newPassword: `${at72}ñ` });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('72 bytes');
    expect((await here.post('/api/auth/password', { currentPassword: user.password, newPassword: at72 })).status).toBe(204);
    expect((await h.anon.post('/api/auth/login', { email: user.email, password: at72 })).status).toBe(200);
  });

  it(`an address is limited after ${MAX_PER_ADDRESS} failed attempts whatever the accounts; other addresses are not`, async () => {
    const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });
    const user = await createUser(h.t.core, 'agent');
    // A different account each time, so no account reaches its own limit.
    for (let i = 0; i < MAX_PER_ADDRESS; i++) {
      const res = await h.anon.post('/api/auth/login', { email: `guess${i}@example.com`, password: 'x' }, from('203.0.113.20'));
      expect(res.status).toBe(401);
    }
    const limited = await h.anon.post('/api/auth/login', { email: user.email, password: user.password }, from('203.0.113.20'));
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect((await h.anon.post('/api/auth/login', { email: user.email, password: user.password }, from('203.0.113.21'))).status).toBe(200);
  });

  it('60 parallel wrong passwords: only the allowed number reach the password check; the right one is then refused', async () => {
    const user = await createUser(h.t.core, 'agent');
    const from = { headers: { 'x-forwarded-for': '203.0.113.30' } };
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => h.anon.post('/api/auth/login', { email: user.email, password: `wrong-${i}` }, from)),
    );
    const statuses = results.map((r) => r.status);
    // 401 means the attempt reached bcrypt; the others were refused before any work.
    expect(statuses.filter((s) => s === 401)).toHaveLength(MAX_ATTEMPTS);
    expect(statuses.filter((s) => s === 429)).toHaveLength(60 - MAX_ATTEMPTS);
    const right = await h.anon.post('/api/auth/login', { email: user.email, password: user.password }, from);
    expect(right.status).toBe(429);
  });
});
