import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { randomUUID } from 'node:crypto';
import express from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/core/logging/logger.js';
import { createWebchatRouter } from '../../../src/channels/webchat/router.js';
import { VisitorIds } from '../../../src/channels/webchat/visitor-cookie.js';
import type { WebchatChannel, WebchatCore } from '../../../src/channels/webchat/webchat-channel.js';

/**
 * A refused visitor request leaves a log line of its own (module `webchat`, the route, the code, why, and
 * which visitor): the access log line has the status alone, so rejected input was otherwise untraceable.
 */
const out = new PassThrough();
let lines: Array<Record<string, unknown>> = [];
out.on('data', (d: Buffer) => {
  for (const l of d.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
});

const visitors = new VisitorIds('router-log-test-secret');
const { id: visitorId, cookie } = visitors.issue();
let server: Server;
let base: string;

beforeAll(async () => {
  // Only what the refused requests below reach: each is refused before any database read.
  const core = {
    config: { auth: { cookieSecure: false }, limits: { maxAttachmentBytes: 1000, maxMessageAttachmentsBytes: 2000 } },
    bus: { subscribe: () => () => undefined },
  } as unknown as WebchatCore;
  const channel = { visitors, closeWith: () => undefined, conversations: {} } as unknown as WebchatChannel;
  const app = express();
  app.use(
    '/chat',
    createWebchatRouter({
      core,
      channel,
      clientDir: '/nonexistent',
      newConversations: { perAddress: 10, perAddressWindowMs: 60_000, perMinute: 10 },
      logger: createLogger('info', { pretty: false, destination: out }),
    }),
  );
  app.use(((_err, _req, res, _next) => void res.status(400).end()) as express.ErrorRequestHandler);
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/chat`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  lines = [];
});

const refusals = async () => {
  await new Promise((r) => setTimeout(r, 50));
  return lines.filter((l) => l.module === 'webchat' && l.msg === 'web chat request refused');
};

describe('web chat refusals are logged with their context', () => {
  it('invalid input: the route, the code, the fields and the visitor', async () => {
    await fetch(`${base}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `ponte_visitor=${cookie}` },
      body: JSON.stringify({ clientMessageId: 'not-a-uuid', text: 5 }),
    });
    const [line] = await refusals();
    expect(line).toMatchObject({ method: 'POST', path: '/chat/api/messages', code: 'VALIDATION_FAILED', visitorId, fields: ['clientMessageId', 'text'] });
  });

  it('malformed JSON, no cookie, a bad inbox id: each leaves a line', async () => {
    const post = (body: string, withCookie = true) =>
      fetch(`${base}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(withCookie ? { cookie: `ponte_visitor=${cookie}` } : {}) },
        body,
      });
    await post('{"a":');
    await post(JSON.stringify({ clientMessageId: randomUUID(), text: 'hi' }), false);
    await post(JSON.stringify({ clientMessageId: randomUUID(), text: 'hi', inboxId: 'x' }));
    const codes = (await refusals()).map((l) => l.code);
    expect(codes).toEqual(['entity.parse.failed', 'UNAUTHENTICATED', 'VALIDATION_FAILED']);
  });
});
