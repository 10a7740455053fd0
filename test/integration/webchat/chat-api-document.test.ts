import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { ChatCsatResultSchema, ChatMessageAcceptedSchema, ChatSessionSchema, ChatUploadAcceptedSchema } from '../../../src/channels/webchat/chat-api.js';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { startApp, type RunningApp } from '../../e2e/support/start-app.js';
import { createUser } from '../../support/test-core.js';
import { eventually } from '../web/web-harness.js';

/**
 * The website chat's `/chat/api/*` is listed in `/api/openapi.json` (served by the chat's own router, described by
 * src/channels/webchat/chat-api.ts), and what the router really answers is what the description says: every
 * answer is parsed with the documented schema, and a field the router sends that the schema does not name fails.
 */
let app: RunningApp;

beforeAll(async () => {
  app = await startApp();
  await app.core.automationSettings.put(app.webchatInboxId, { csat: { enabled: true, windowDays: 7 } });
});
afterAll(async () => {
  await app?.stop();
});

async function call(path: string, init: { cookie?: string; body?: unknown } = {}) {
  const res = await fetch(`${app.url}${path}`, {
    method: init.body === undefined ? 'GET' : 'POST',
    headers: { ...(init.cookie ? { cookie: init.cookie } : {}), ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: res.status, cookie: (res.headers.get('set-cookie') ?? '').split(';')[0]!, body: (await res.json()) as unknown };
}

function described(schema: z.ZodType, name: string, body: unknown) {
  const parsed = schema.safeParse(body);
  expect(parsed.success, `${name}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
  expect(parsed.data, `${name}: fields sent but not described`).toEqual(body);
}

describe('/chat/api in the OpenAPI document', () => {
  it('lists the chat operations with their schemas and the visitor cookie', async () => {
    const doc = (await call('/api/openapi.json')).body as {
      paths: Record<string, Record<string, { operationId: string; security: unknown[]; requestBody?: unknown; responses: Record<string, { headers?: object; content?: Record<string, { schema: { properties?: object } }> }> }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(doc.components.securitySchemes.visitorCookie).toEqual(expect.objectContaining({ type: 'apiKey', in: 'cookie', name: 'ponte_visitor' }));
    const session = doc.paths['/chat/api/session']!.get!;
    expect(session.security).toEqual([]);
    expect(session.responses['200']!.headers).toHaveProperty('Set-Cookie');
    expect(Object.keys(session.responses['200']!.content!['application/json']!.schema.properties!)).toEqual(['inbox', 'ticket', 'messages', 'csat', 'limits']);
    const send = doc.paths['/chat/api/messages']!.post!;
    expect(send.security).toEqual([{ visitorCookie: [] }]);
    expect(send.requestBody).toHaveProperty('content.application/json.schema.required', ['clientMessageId', 'text']);
    expect(send.responses['202']).toBeDefined();
    const upload = doc.paths['/chat/api/attachments']!.post!;
    expect(upload.security).toEqual([{ visitorCookie: [] }]);
    expect(upload.requestBody).toHaveProperty('content.multipart/form-data.schema.properties.file.items.format', 'binary');
    expect(upload.requestBody).toHaveProperty('content.multipart/form-data.schema.required', ['clientMessageId', 'file']);
    expect(upload.responses['202']).toBeDefined();
    expect(doc.paths['/chat/api/csat']!.post!.operationId).toBe('chatRate');
    expect(doc.paths['/chat/api/attachments/{messageId}/{index}']!.get!.responses['200']!.content).toHaveProperty('application/octet-stream');
  });

  it('session, message and rating answers are what the document describes', async () => {
    const first = await call(`/chat/api/session?inbox=${app.webchatInboxId}`);
    expect(first.status).toBe(200);
    described(ChatSessionSchema, 'chatSession (new visitor)', first.body);
    const cookie = first.cookie;
    expect(cookie).toMatch(/^ponte_visitor=/);

    const clientMessageId = randomUUID();
    const sent = await call('/chat/api/messages', { cookie, body: { clientMessageId, text: 'Hello from the document test', name: 'Doc Tester' } });
    expect(sent.status).toBe(202);
    described(ChatMessageAcceptedSchema, 'chatSendMessage', sent.body);
    const again = await call('/chat/api/messages', { cookie, body: { clientMessageId, text: 'Hello from the document test' } });
    described(ChatMessageAcceptedSchema, 'chatSendMessage (retry)', again.body);
    expect(again.body).toEqual({ status: 'duplicate', clientMessageId });
    await app.core.ingest.drain();

    const files = new FormData();
    files.append('clientMessageId', randomUUID());
    files.append('file', new Blob(['%PDF-1.4\n']), '../receipt.pdf');
    const uploaded = await fetch(`${app.url}/chat/api/attachments`, { method: 'POST', headers: { cookie, 'x-ponte-chat': 'upload' }, body: files });
    expect(uploaded.status).toBe(202);
    const uploadAnswer = await uploaded.json();
    described(ChatUploadAcceptedSchema, 'chatUpload', uploadAnswer);
    expect(uploadAnswer).toMatchObject({ status: 'accepted', attachments: [{ fileName: 'receipt.pdf', mimeType: 'application/pdf', size: 9 }] });
    await app.core.ingest.drain();

    const ticket = (await modelsOf(app.core).Ticket.findOne({ inboxId: app.webchatInboxId, 'replyTo.displayName': 'Doc Tester' }).lean())!;
    const admin = await createUser(app.core, 'admin');
    await app.core.tickets.setStatus(admin, String(ticket._id), 'solved');
    const asked = await eventually(async () => {
      const s = await call('/chat/api/session', { cookie });
      return (s.body as z.infer<typeof ChatSessionSchema>).csat ? s : undefined;
    });
    described(ChatSessionSchema, 'chatSession (with history and a rating question)', asked.body);
    expect((asked.body as z.infer<typeof ChatSessionSchema>).messages.length).toBeGreaterThanOrEqual(1);

    const rated = await call('/chat/api/csat', { cookie, body: { rating: 5, comment: 'great' } });
    expect(rated.status).toBe(200);
    described(ChatCsatResultSchema, 'chatRate', rated.body);
    expect(rated.body).toEqual({ ticketNumber: ticket.number, rating: 5 });
  });
});
