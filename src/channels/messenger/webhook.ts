import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  WebhookPayloadError,
  type ChannelWebhook,
  type WebhookParseResult,
  type WebhookRequest,
} from '../../core/domain/channel-webhook.js';
import { mapWebhookBody } from './mapper.js';
import { WebhookBodySchema } from './payload.js';
import { verifyTokenOf } from './settings.js';

/**
 * Messenger's webhook at `/webhooks/messenger/<inboxId>`:
 * - GET: Meta's subscription handshake (`hub.mode=subscribe`, `hub.verify_token`, `hub.challenge`): a right
 *   token is answered with the challenge as text/plain; a wrong one fails `verify` (403).
 * - POST: `X-Hub-Signature-256: sha256=<hex>` = HMAC-SHA256 of the raw body with the app secret, compared in
 *   constant time before anything is parsed; answered `200 EVENT_RECEIVED` once the events are stored.
 */

/** Constant-time equality of two strings (their lengths may leak, their contents do not). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export function signatureOf(rawBody: Buffer, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

function verifySignature(req: WebhookRequest): boolean {
  const secret = req.settings.appSecret;
  const header = req.headers['x-hub-signature-256'];
  if (typeof secret !== 'string' || !secret || !header) return false;
  const given = header.trim();
  if (!/^sha256=[0-9a-fA-F]{64}$/.test(given)) return false;
  return safeEqual(`sha256=${given.slice(7).toLowerCase()}`, signatureOf(req.rawBody, secret));
}

function verifyHandshake(req: WebhookRequest): boolean {
  const expected = verifyTokenOf(req.settings);
  const token = req.query.get('hub.verify_token');
  return req.query.get('hub.mode') === 'subscribe' && !!expected && token !== null && safeEqual(token, expected);
}

export const messengerWebhook: ChannelWebhook = {
  methods: ['GET', 'POST'],

  verify(req) {
    return req.method === 'GET' ? verifyHandshake(req) : verifySignature(req);
  },

  parse(req): WebhookParseResult {
    if (req.method === 'GET') {
      const challenge = req.query.get('hub.challenge') ?? '';
      return { kind: 'reply', response: { status: 200, contentType: 'text/plain', body: challenge } };
    }
    let json: unknown;
    try {
      json = JSON.parse(req.rawBody.toString('utf8'));
    } catch {
      throw new WebhookPayloadError('body is not JSON');
    }
    const body = WebhookBodySchema.safeParse(json);
    if (!body.success)
      throw new WebhookPayloadError(`not a Messenger webhook body: ${body.error.issues[0]?.path.join('.')}`);
    const pageId = req.settings.pageId;
    return {
      kind: 'events',
      events: mapWebhookBody(body.data, {
        inboxId: req.inboxId,
        ...(pageId !== undefined && pageId !== '' ? { pageId: String(pageId) } : {}),
      }),
    };
  },

  respond() {
    return { status: 200, contentType: 'text/plain', body: 'EVENT_RECEIVED' };
  },
};
