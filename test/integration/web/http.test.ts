import { once } from 'node:events';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes } from '../../../src/web/api/api-routes.js';
import { createWebApp } from '../../../src/web/create-web-app.js';
import { consoleMounts } from '../../../src/web/mount-console.js';
import { createInbox, createUser } from '../../support/test-core.js';
import { ApiClient, startWebHarness, type WebHarness } from './web-harness.js';
import { modelsOf } from '../../../src/core/models/models-of.js';

let h: WebHarness;
let admin: ApiClient;
let ticketId: string;

beforeAll(async () => {
  h = await startWebHarness();
  admin = await h.login(await createUser(h.t.core, 'admin'));
  const inbox = await createInbox(h.t.core, 'sms');
  await h.t.core.ingest.accept([
    { type: 'message.received', providerKey: 'sms:HTTP1', inboxId: String(inbox._id), occurredAt: new Date(), sender: { handle: '+5511955550000' }, threading: { conversationId: '+5511955550000' } },
  ]);
  await h.t.core.ingest.drain();
  ticketId = String((await modelsOf(h.t.core).Message.findOne({ providerKey: 'sms:HTTP1' }).lean())!.ticketId);
});
afterAll(async () => {
  await h?.stop();
});

describe('basics', () => {
  it('GET /api/health needs no session and names the database', async () => {
    const res = await h.anon.get('/api/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', database: 'ferretdb', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(res.body.parts).toMatchObject({
      database: { status: 'ok', latencyMs: expect.any(Number) },
      jobs: { status: 'ok' },
      ingest: { status: 'ok', backlog: { catchingUp: false, pending: 0 } },
    });
    expect(res.body.parts.inboxes).toContainEqual(expect.objectContaining({ kind: 'sms', status: 'unknown' }));
  });

  it('GET /api/health names no inbox and shows no channel error to the public; admins and supervisors see them', async () => {
    const inbox = await modelsOf(h.t.core).Inbox.findOne({ kind: 'sms' }).lean();
    await modelsOf(h.t.core).Inbox.updateOne({ _id: inbox!._id }, { $set: { health: { status: 'down', detail: 'IMAP login refused for support@acme.example at imap.acme.example', checkedAt: new Date() } } });
    const anon = await h.anon.get('/api/health');
    const shown = JSON.stringify(anon.body);
    expect(shown).not.toContain('acme.example');
    expect(shown).not.toContain(inbox!.name);
    expect(shown).not.toContain(String(inbox!._id));
    expect(anon.body.parts.inboxes).toContainEqual({ kind: 'sms', status: 'down' });
    const asAdmin = await admin.get('/api/health');
    expect(asAdmin.body.parts.inboxes).toContainEqual(expect.objectContaining({ id: String(inbox!._id), name: inbox!.name, status: 'down', detail: expect.stringContaining('acme.example') }));
    await modelsOf(h.t.core).Inbox.updateOne({ _id: inbox!._id }, { $unset: { health: 1 } });
  });

  it('every response carries the security headers and a request id; no x-powered-by', async () => {
    for (const path of ['/api/health', '/api/nope', '/elsewhere']) {
      const res = await h.anon.get(path, { headers: { 'x-request-id': 'trace-123' } });
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
      expect(res.headers.get('content-security-policy')).toMatch(/default-src '(none|self)'/);
      expect(res.headers.get('x-powered-by')).toBeNull();
      expect(res.headers.get('x-request-id')).toBe('trace-123');
    }
    expect((await h.anon.get('/api/health')).headers.get('content-security-policy')).toContain("default-src 'none'");
    expect((await h.anon.get('/api/health')).headers.get('cache-control')).toBe('no-store');
    const generated = (await h.anon.get('/api/health', { headers: { 'x-request-id': 'bad id with spaces' } })).headers.get('x-request-id');
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('unknown routes are 404 NOT_FOUND in the error shape', async () => {
    for (const res of [await admin.get('/api/does-not-exist'), await admin.post('/api/tickets/x/explode', {}), await h.anon.get('/nothing-here')]) {
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
    }
  });

  it('OPTIONS on a known path lists its methods', async () => {
    const res = await admin.request('OPTIONS', `/api/tickets/${ticketId}`);
    expect(res.status).toBe(204);
    expect(res.headers.get('allow')).toBe('GET, PATCH, HEAD, OPTIONS');
  });
});

describe('request bodies', () => {
  it('malformed JSON → 400 MALFORMED_JSON', async () => {
    const res = await admin.request('PATCH', `/api/tickets/${ticketId}`, { raw: '{"priority": "high"' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('MALFORMED_JSON');
  });

  it('a body over the limit → 413 PAYLOAD_TOO_LARGE (1 MB in general, larger for compose)', async () => {
    const big = { priority: 'high', type: 'x'.repeat(1_100_000) };
    const res = await admin.patch(`/api/tickets/${ticketId}`, big);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    // The same size is fine for a note (base64 attachments), where the service decides.
    const note = await admin.post(`/api/tickets/${ticketId}/note`, {
      text: 'big file',
      attachments: [{ fileName: 'big.bin', mimeType: 'application/octet-stream', contentBase64: Buffer.alloc(900_000, 7).toString('base64') }],
    });
    expect(note.status).toBe(202);
  });

  it('a non-JSON body → 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await admin.request('POST', `/api/tickets/${ticketId}/note`, { raw: 'text=hello', contentType: 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('a missing body on a route that needs one → 400 VALIDATION_FAILED', async () => {
    const res = await admin.request('POST', `/api/tickets/${ticketId}/note`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });
});

describe('CSRF', () => {
  it('a state-changing request with a foreign Origin → 403 CSRF_ORIGIN_MISMATCH, nothing changed', async () => {
    const before = await modelsOf(h.t.core).AuditEvent.countDocuments({ ticketId });
    for (const origin of ['https://evil.example', 'null', 'http://127.0.0.1:1']) {
      const res = await admin.patch(`/api/tickets/${ticketId}`, { priority: 'urgent' }, { origin });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('CSRF_ORIGIN_MISMATCH');
    }
    // Even without a cookie (login CSRF).
    const login = await h.anon.post('/api/auth/login', { email: 'a@b.c', password: 'x' }, { origin: 'https://evil.example' });
    expect(login.status).toBe(403);
    expect(await modelsOf(h.t.core).AuditEvent.countDocuments({ ticketId })).toBe(before);
  });

  it('with the session cookie, a request must show where it comes from (Origin, else Referer)', async () => {
    const bare = await admin.patch(`/api/tickets/${ticketId}`, { priority: 'high' }, { origin: false });
    expect(bare.status).toBe(403);
    expect(bare.body.error.code).toBe('CSRF_ORIGIN_MISMATCH');
    const foreignReferer = await admin.patch(`/api/tickets/${ticketId}`, { priority: 'high' }, { origin: false, headers: { referer: 'https://evil.example/page' } });
    expect(foreignReferer.status).toBe(403);
    const ownReferer = await admin.patch(`/api/tickets/${ticketId}`, { priority: 'high' }, { origin: false, headers: { referer: `${h.baseUrl}/tickets/1` } });
    expect(ownReferer.status).toBe(200);
    const publicUrl = await admin.patch(`/api/tickets/${ticketId}`, { priority: 'low' }, { origin: h.t.config.publicUrl });
    expect(publicUrl.status).toBe(200);
  });

  it('clients without cookies and without Origin (scripts, API clients) are unaffected; GET never checks', async () => {
    const login = await h.anon.post('/api/auth/login', { email: 'nobody@example.com', password: 'x' }, { origin: false });
    expect(login.status).toBe(401);
    expect((await admin.get('/api/tickets', { origin: 'https://evil.example' })).status).toBe(200);
  });
});

describe('OpenAPI', () => {
  it('/api/openapi.json is an OpenAPI 3.1 document listing every route of the registry, with zod-derived schemas', async () => {
    const res = await h.anon.get('/api/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toBe('3.1.0');
    const registry = apiRoutes({ databaseKind: 'x', version: '0', devInbound: h.t.config.devInboundEnabled });
    const listed = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    const expected = registry.map((r) => `${r.method.toUpperCase()} /api${r.path.replace(/:(\w+)/g, '{$1}')}`);
    expect(listed.sort()).toEqual(expected.sort());
    expect(listed).toContain('PATCH /api/tickets/{id}');
    expect(listed.some((l) => l.includes('/dev/inbound'))).toBe(false);
    const operationIds = listed.map((l) => {
      const [m, p] = l.split(' ');
      return doc.paths[p!][m!.toLowerCase()].operationId;
    });
    expect(new Set(operationIds).size).toBe(operationIds.length);

    const patch = doc.paths['/api/tickets/{id}'].patch;
    const body = patch.requestBody.content['application/json'].schema;
    expect(body.properties.priority.enum).toEqual(['low', 'normal', 'high', 'urgent']);
    expect(body.additionalProperties).toBe(false);
    expect(patch.parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path', required: true })]);
    const list = doc.paths['/api/tickets'].get;
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['status', 'assignee', 'sort', 'limit', 'cursor']));
    expect(doc.paths['/api/tickets/{id}/reply'].post.requestBody.content['application/json'].schema.required).toEqual(['text']);
    expect(doc.paths['/api/health'].get.security).toEqual([]);
    expect(doc.paths['/api/users'].post['x-roles']).toEqual(['admin']);
    // No write path exists under /audit.
    for (const [p, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      if (p.includes('/audit')) expect(Object.keys(ops)).toEqual(['get']);
    }
  });
});

describe('dev inbound', () => {
  it('is 404 unless DEV_INBOUND_ENABLED', async () => {
    expect(h.t.config.devInboundEnabled).toBe(false);
    const res = await admin.post('/api/dev/inbound', { type: 'message.received' });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });
});

describe('unexpected errors', () => {
  it('become 500 INTERNAL without details, logged with the request id', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const app = createWebApp({
      core: h.t.core,
      logger: pino({ level: 'info' }, sink),
      databaseKind: 'ferretdb',
      mounts: [
        {
          path: '/boom',
          handler: () => {
            throw new Error('secret internals at /srv/ponte/db.ts:42');
          },
        },
      ],
    });
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const client = new ApiClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      const res = await client.get('/boom', { headers: { 'x-request-id': 'req-500' } });
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ error: { code: 'INTERNAL', message: 'Internal server error' } });
      expect(res.text).not.toContain('secret internals');
      const logged = lines.map((l) => JSON.parse(l) as { reqId?: string; err?: { message: string }; msg: string });
      expect(logged.find((l) => l.msg === 'request failed')).toMatchObject({ reqId: 'req-500', err: { message: expect.stringContaining('secret internals') } });
      // Access log lines carry no bodies and no query strings.
      await client.post('/api/auth/login?q=private', { email: 'someone@example.com', password: 'hunter2hunter2' });
      expect(lines.join('\n')).not.toContain('hunter2');
      expect(lines.join('\n')).not.toContain('q=private');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('client errors are 4xx with a stable code, never 500 with a stack', () => {
  /** An app with the console's static mount over a temporary folder, logging into `lines`. */
  async function appWithConsole() {
    const dir = mkdtempSync(path.join(tmpdir(), 'ponte-console-'));
    mkdirSync(path.join(dir, 'assets'));
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(path.join(dir, 'assets', 'app-1234.js'), 'console.log(1)');
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const app = createWebApp({ core: h.t.core, logger: pino({ level: 'info' }, sink), databaseKind: 'ferretdb', mounts: consoleMounts(dir) });
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const client = new ApiClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return {
      client,
      errorsLogged: () => lines.map((l) => JSON.parse(l) as { level: number }).filter((l) => l.level >= 50),
      close: () => {
        server.closeAllConnections();
        server.close();
      },
    };
  }

  it('a malformed percent-encoding in a path → 400 MALFORMED_URL, nothing logged as an error', async () => {
    const app = await appWithConsole();
    try {
      for (const url of ['/api/tickets/%E0%A4%A', `/api/tickets/${ticketId}/messages/%ZZ`, '/console/assets/%E0%A4%A', '/chat/%']) {
        const res = await admin.get(url);
        const res2 = await app.client.get(url, { headers: admin.cookie ? { cookie: admin.cookie } : {} });
        for (const r of [res, res2]) {
          expect(r.status, url).toBe(400);
          expect(r.body.error.code, url).toBe('MALFORMED_URL');
          expect(r.text).not.toContain('URIError');
        }
      }
      expect(app.errorsLogged()).toEqual([]);
    } finally {
      app.close();
    }
  });

  it('a missing static asset → 404 NOT_FOUND in the error shape; a present one is served', async () => {
    const app = await appWithConsole();
    try {
      expect((await app.client.get('/console/assets/app-1234.js')).status).toBe(200);
      for (const url of ['/console/assets/missing-0000.js', '/console/assets/']) {
        const res = await app.client.get(url);
        expect(res.status, url).toBe(404);
        expect(res.body.error.code, url).toBe('NOT_FOUND');
      }
      const climbing = await app.client.get('/console/assets/..%2f..%2fpackage.json');
      expect(climbing.status).toBe(403);
      expect(climbing.body.error.code).toBe('FORBIDDEN');
      expect(app.errorsLogged()).toEqual([]);
    } finally {
      app.close();
    }
  });
});

describe('proxy headers', () => {
  it('warns once in the log when requests carry X-Forwarded-For but TRUST_PROXY is false', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    expect(h.t.core.config.auth.trustProxy).toBe(false);
    const app = createWebApp({ core: h.t.core, logger: pino({ level: 'info' }, sink), databaseKind: 'ferretdb' });
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const client = new ApiClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      await client.get('/api/health');
      for (let i = 0; i < 3; i++) await client.get('/api/health', { headers: { 'x-forwarded-for': `203.0.113.${i}` } });
      const warnings = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level === 40 && l.msg.includes('TRUST_PROXY'));
      expect(warnings).toHaveLength(1);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('secrets in paths', () => {
  it('an invite or reset link token and a rating token never reach the access log', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const app = createWebApp({ core: h.t.core, logger: pino({ level: 'info' }, sink), databaseKind: 'ferretdb' });
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const adminViewer = await createUser(h.t.core, 'admin');
      const { invite } = await h.t.core.users.create(adminViewer, { email: 'log.me@example.com', name: 'Log Me', role: 'agent', departmentIds: [] });
      const client = new ApiClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      // The console's "set your password" page asks who the link is for before the link is used.
      expect((await client.get(`/api/auth/links/${invite!.token}`)).status).toBe(200);
      const ratingToken = 'a-rating-token.0123456789abcdef';
      // Express routes paths in any case.
      expect((await client.get(`/API/Auth/Links/${invite!.token}`)).status).toBe(200);
      await client.get(`/csat/${ratingToken}`);
      const logged = lines.map((l) => JSON.parse(l) as { msg: string; path?: string }).filter((l) => l.msg === 'request');
      expect(logged.map((l) => l.path)).toEqual(['/api/auth/links/:token', '/api/auth/links/:token', '/csat/:token']);
      expect(lines.join('\n')).not.toContain(invite!.token);
      expect(lines.join('\n')).not.toContain(ratingToken);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
