import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import express from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { InboundEventInput } from '../../../src/core/domain/inbound-event.js';
import { NotFoundError, ValidationError } from '../../../src/core/errors/app-error.js';
import type { WebhookInboxes } from '../../../src/core/inboxes/webhook-target.js';
import { createLogger } from '../../../src/core/logging/logger.js';
import { webhookRouter } from '../../../src/web/webhooks/webhook-router.js';
import { signTestBody, testChannelWebhook } from '../../support/signed-test-channel.js';

/**
 * Every refusal of the webhook router leaves a log line of its own (module `webhooks`, the kind and inbox id
 * from the path, why) — the only trace an operator has of a platform whose calls we refuse, since the
 * platform reads the status code alone.
 */
const SMS_INBOX = '0123456789abcdef01234567';
const EMAIL_INBOX = '0123456789abcdef0123456a';
const SECRET = 'router-test-secret';

const out = new PassThrough();
let lines: Array<Record<string, unknown>> = [];
out.on('data', (d: Buffer) => {
  for (const l of d.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
});

const inboxes: WebhookInboxes = {
  async webhookTarget(id) {
    if (id === SMS_INBOX) return { id, kind: 'sms', settings: { webhookSecret: SECRET }, publicBaseUrl: 'https://hub.example.test' };
    if (id === EMAIL_INBOX) return { id, kind: 'email', settings: {}, publicBaseUrl: 'https://hub.example.test' };
    throw new NotFoundError('Inbox');
  },
};
let acceptError: Error | undefined;
let server: Server;
let base: string;

beforeAll(async () => {
  const app = express();
  app.use(
    '/webhooks',
    webhookRouter({
      inboxes,
      accept: async (events: InboundEventInput[]) => {
        if (acceptError) throw acceptError;
        return { accepted: events.length, duplicates: 0 };
      },
      webhooks: { sms: testChannelWebhook },
      maxBodyBytes: 2048,
      logger: createLogger('info', { pretty: false, destination: out }),
    }),
  );
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  lines = [];
  acceptError = undefined;
});

const body = JSON.stringify({ messages: [{ id: 'm1', from: 'ana', text: 'olá', at: 1764770400000 }] });
const signed = (b: string) => ({ 'content-type': 'application/json', 'x-test-signature': signTestBody(SECRET, b) });

/** The request's status, and the router's log lines it left (after pino wrote them). */
async function refused(path: string, init: RequestInit) {
  const res = await fetch(`${base}${path}`, init);
  await res.text();
  await new Promise((r) => setImmediate(r));
  return { status: res.status, logs: lines.filter((l) => l.module === 'webhooks') };
}

describe('webhook router: every refusal is logged with its context', () => {
  it.each([
    ['a kind no channel has', `/fax/${SMS_INBOX}`, { method: 'POST', body }, 404, 'fax'],
    ['a kind without a webhook', `/email/${EMAIL_INBOX}`, { method: 'POST', body }, 404, 'email'],
    ['a method the channel does not take', `/sms/${SMS_INBOX}`, { method: 'PUT', body }, 405, 'sms'],
    ['an unknown inbox', `/sms/ffffffffffffffffffffffff`, { method: 'POST', body }, 404, 'sms'],
    ['an inbox of another kind', `/sms/${EMAIL_INBOX}`, { method: 'POST', body }, 404, 'sms'],
    ['a body over the limit', `/sms/${SMS_INBOX}`, { method: 'POST', body: 'x'.repeat(4096), headers: signed('x'.repeat(4096)) }, 413, 'sms'],
    ['a wrong signature', `/sms/${SMS_INBOX}`, { method: 'POST', body, headers: signed(`${body} `) }, 403, 'sms'],
    ['a malformed body', `/sms/${SMS_INBOX}`, { method: 'POST', body: '{"messages":1}', headers: signed('{"messages":1}') }, 400, 'sms'],
  ] as const)('%s', async (_label, path, init, status, kind) => {
    const { status: got, logs } = await refused(path, init as RequestInit);
    expect(got).toBe(status);
    expect(logs.length, 'a log line of the webhooks module').toBeGreaterThanOrEqual(1);
    expect(logs[0]).toMatchObject({ kind, inboxId: path.split('/')[2] });
    expect(logs[0]!.level as number).toBeGreaterThanOrEqual(30);
  });

  it('events the core refuses → 400, logged with the reason', async () => {
    acceptError = new ValidationError('Invalid inbound event: 0.sender.handle: too long', []);
    const { status, logs } = await refused(`/sms/${SMS_INBOX}`, { method: 'POST', body, headers: signed(body) });
    expect(status).toBe(400);
    expect(logs[0]).toMatchObject({ kind: 'sms', inboxId: SMS_INBOX, reason: expect.stringContaining('sender.handle') });
  });
});
