import { createHash, timingSafeEqual } from 'node:crypto';
import { WebhookPayloadError, type ChannelWebhook, type WebhookRequest } from '../../core/domain/channel-webhook.js';
import { mapUpdate } from './mapper.js';
import { botIdOf, TelegramInboxSettingsSchema } from './settings.js';
import { TelegramUpdateSchema } from './update-schema.js';

/** Telegram puts the `secret_token` we registered with `setWebhook` in this header of every call. */
export const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

/** Constant-time comparison (over equal-length digests of both, so the length leaks nothing either). */
export function secretMatches(given: string | undefined, expected: unknown): boolean {
  if (typeof expected !== 'string' || !expected || typeof given !== 'string' || !given) return false;
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * The webhook half: Telegram POSTs one `Update` per call. Verified by the secret token (403 otherwise, nothing
 * stored), mapped purely (files are fetched later by the adapter), answered 200 once stored — Telegram retries
 * anything else, and a retry is a duplicate by provider key.
 */
export const telegramWebhook: ChannelWebhook = {
  methods: ['POST'],
  verify(req: WebhookRequest): boolean {
    return secretMatches(req.headers[SECRET_HEADER], req.settings.webhookSecret);
  },
  parse(req: WebhookRequest) {
    const settings = TelegramInboxSettingsSchema.safeParse(req.settings);
    if (!settings.success) throw new WebhookPayloadError('the inbox has no valid bot token');
    let body: unknown;
    try {
      body = JSON.parse(req.rawBody.toString('utf8'));
    } catch {
      throw new WebhookPayloadError('body is not JSON');
    }
    const update = TelegramUpdateSchema.safeParse(body);
    if (!update.success) {
      const where = update.error.issues
        .slice(0, 3)
        .map((i) => i.path.join('.') || '(root)')
        .join(', ');
      throw new WebhookPayloadError(`not a Telegram update (${where})`);
    }
    const events = mapUpdate(update.data, {
      inboxId: req.inboxId,
      botId: botIdOf(settings.data.botToken),
      allowGroups: settings.data.allowGroups,
    });
    return { kind: 'events', events };
  },
  respond() {
    return { status: 200, contentType: 'application/json', body: '{}' };
  },
};
