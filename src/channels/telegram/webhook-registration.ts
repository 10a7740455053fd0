import { createHash } from 'node:crypto';
import type { ChannelStateStore } from '../../core/domain/channel-adapter.js';
import { ChannelError } from '../../core/errors/app-error.js';
import { toChannelError } from './api-errors.js';
import type { TelegramApi } from './client.js';
import { ALLOWED_UPDATES } from './settings.js';

/** What we last registered, in `ctx.state`: Telegram never tells the secret back, so we remember its hash. */
const STATE_KEY = 'telegram.webhook';
interface Registered {
  url: string;
  secretSha256: string;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * Points the bot at `<publicBase>/webhooks/telegram/<inboxId>` with our secret token. Idempotent and cheap
 * when nothing changed (every hub process runs it on start): `getWebhookInfo` names the same URL and the
 * secret is the one we registered last → no call. A changed URL, a rotated secret, or someone else's
 * webhook on the bot → `setWebhook` again.
 */
export async function ensureWebhook(
  api: TelegramApi,
  state: ChannelStateStore,
  target: { url: string; secret: string },
): Promise<'unchanged' | 'set'> {
  if (!/^https?:\/\//.test(target.url))
    throw new ChannelError('TELEGRAM_WEBHOOK_URL', `not a web address: ${target.url}`, false);
  try {
    const [info, last] = await Promise.all([api.getWebhookInfo(), state.get<Registered>(STATE_KEY)]);
    const wantedSecret = sha256(target.secret);
    const sameUpdates =
      !info.allowed_updates || [...info.allowed_updates].sort().join(',') === [...ALLOWED_UPDATES].sort().join(',');
    if (info.url === target.url && last?.url === target.url && last.secretSha256 === wantedSecret && sameUpdates)
      return 'unchanged';
    await api.setWebhook(target.url, { secret_token: target.secret, allowed_updates: [...ALLOWED_UPDATES] });
    await state.set(STATE_KEY, { url: target.url, secretSha256: wantedSecret } satisfies Registered);
    return 'set';
  } catch (err) {
    throw toChannelError(err);
  }
}

/** Long polling and a webhook exclude each other at Telegram (`getUpdates` answers 409 while one is set). */
export async function removeWebhook(api: TelegramApi, state: ChannelStateStore): Promise<void> {
  try {
    // Pending updates are kept: the poller reads them next.
    await api.deleteWebhook({ drop_pending_updates: false });
    await state.set(STATE_KEY, null);
  } catch (err) {
    throw toChannelError(err);
  }
}
