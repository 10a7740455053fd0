import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { ChannelAdapter, ChannelHealth, FetchedMedia, RemoteMedia, SendResult } from '../../src/core/domain/channel-adapter.js';
import { WebhookPayloadError, type ChannelWebhook } from '../../src/core/domain/channel-webhook.js';
import { ChannelError } from '../../src/core/errors/app-error.js';

/**
 * A channel that exists only in tests: webhooks signed like Meta's (`X-Test-Signature: sha256=<hmac of the raw
 * body with settings.webhookSecret>`), a GET handshake echoing `challenge`, and media fetched by reference.
 * It runs through the same router and ingest as the real channels.
 */
const PayloadSchema = z.object({
  messages: z.array(
    z.object({
      id: z.string().min(1),
      from: z.string().min(1),
      text: z.string(),
      at: z.number().int(),
      media: z.array(z.object({ ref: z.string(), name: z.string(), type: z.string() })).optional(),
    }),
  ),
});

export const signTestBody = (secret: string, body: string | Buffer) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

export const testChannelWebhook: ChannelWebhook = {
  methods: ['GET', 'POST'],
  verify(req) {
    const secret = req.settings.webhookSecret;
    if (typeof secret !== 'string') return false;
    if (req.method === 'GET') return req.query.get('token') === secret;
    const given = Buffer.from(req.headers['x-test-signature'] ?? '');
    const expected = Buffer.from(signTestBody(secret, req.rawBody));
    return given.length === expected.length && timingSafeEqual(given, expected);
  },
  parse(req) {
    if (req.method === 'GET') {
      return { kind: 'reply', response: { status: 200, contentType: 'text/plain', body: req.query.get('challenge') ?? '' } };
    }
    let json: unknown;
    try {
      json = JSON.parse(req.rawBody.toString('utf8'));
    } catch {
      throw new WebhookPayloadError('body is not JSON');
    }
    const payload = PayloadSchema.safeParse(json);
    if (!payload.success) throw new WebhookPayloadError(`unexpected payload: ${payload.error.issues[0]?.message}`);
    return {
      kind: 'events',
      events: payload.data.messages.map((m) => ({
        type: 'message.received' as const,
        providerKey: `test:${req.inboxId}:${m.id}`,
        providerMessageId: m.id,
        inboxId: req.inboxId,
        occurredAt: new Date(m.at),
        sender: { handle: m.from, identityKeys: [`testchat:${m.from}`] },
        text: m.text,
        attachments: (m.media ?? []).map((a) => ({ fileName: a.name, mimeType: a.type, size: 0, remoteRef: a.ref })),
        threading: { conversationId: m.from },
      })),
    };
  },
  respond: (result) => ({ status: 200, contentType: 'application/json', body: JSON.stringify(result) }),
};

/** The adapter half: media served from a map; a ref starting with `gone:` is a permanent failure. */
export class TestChannelAdapter implements ChannelAdapter {
  readonly kind = 'sms' as const;
  readonly fetched: string[] = [];
  constructor(private readonly media: Map<string, Buffer> = new Map()) {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async checkHealth(): Promise<ChannelHealth> {
    return { status: 'ok', checkedAt: new Date() };
  }
  async send(): Promise<SendResult> {
    return { providerMessageId: `sent-${Date.now()}`, sentAt: new Date() };
  }
  async fetchMedia(m: RemoteMedia, maxBytes: number): Promise<FetchedMedia> {
    this.fetched.push(m.remoteRef);
    if (m.remoteRef.startsWith('gone:')) throw new ChannelError('MEDIA_GONE', 'the platform no longer has this file', false);
    const content = this.media.get(m.remoteRef);
    if (!content) throw new ChannelError('MEDIA_UNAVAILABLE', 'not yet', true);
    if (content.length > maxBytes) throw new ChannelError('MEDIA_TOO_LARGE', 'over the size limit', false);
    return { content };
  }
}
