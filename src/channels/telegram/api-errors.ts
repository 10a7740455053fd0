import { TelegramError } from 'telegraf';
import { ChannelError } from '../../core/errors/app-error.js';

/**
 * A Bot API failure → `ChannelError` with a stable code and a reason an agent can act on. Permanent (the
 * customer blocked the bot, the chat is gone, the request is wrong) → not retryable, the message is `failed`
 * with the reason; 429 → retryable after exactly the `retry_after` Telegram gave; 5xx and network → retryable.
 */
export function toChannelError(err: unknown): ChannelError {
  if (err instanceof ChannelError) return err;
  if (err instanceof TelegramError) {
    const code = err.code;
    const description = err.description ?? String(err.message);
    if (code === 429) {
      const seconds = err.parameters?.retry_after;
      const retryAfterMs = typeof seconds === 'number' && seconds >= 0 ? seconds * 1000 : undefined;
      return new ChannelError(
        'TELEGRAM_RATE_LIMITED',
        `Telegram asked to slow down (${description})`,
        true,
        retryAfterMs,
      );
    }
    if (code === 403) {
      if (/blocked by the user/i.test(description)) {
        return new ChannelError(
          'TELEGRAM_BOT_BLOCKED',
          'The customer blocked the bot on Telegram; they cannot receive messages from it',
          false,
        );
      }
      if (/user is deactivated/i.test(description)) {
        return new ChannelError('TELEGRAM_USER_DEACTIVATED', 'The customer deleted their Telegram account', false);
      }
      if (/kicked|not a member/i.test(description)) {
        return new ChannelError('TELEGRAM_BOT_REMOVED', 'The bot was removed from this chat', false);
      }
      return new ChannelError('TELEGRAM_FORBIDDEN', `Telegram refused: ${description}`, false);
    }
    if (code === 400) {
      if (/chat not found/i.test(description)) {
        return new ChannelError(
          'TELEGRAM_CHAT_NOT_FOUND',
          'Telegram does not know this chat (the customer never started the bot, or it was deleted)',
          false,
        );
      }
      if (/file is too big/i.test(description)) {
        return new ChannelError('MEDIA_TOO_LARGE', 'over the 20 MB a bot may download from Telegram', false);
      }
      return new ChannelError('TELEGRAM_BAD_REQUEST', `Telegram refused the request: ${description}`, false);
    }
    if (code === 401 || code === 404) {
      return new ChannelError(
        'TELEGRAM_UNAUTHORIZED',
        'Telegram does not accept the bot token (revoked or mistyped)',
        false,
      );
    }
    if (code === 409) {
      // Another getUpdates or an active webhook: temporary while modes change over.
      return new ChannelError('TELEGRAM_CONFLICT', `Telegram reports a conflict: ${description}`, true);
    }
    if (code >= 500)
      return new ChannelError('TELEGRAM_UNAVAILABLE', `Telegram is unavailable (${code} ${description})`, true);
    return new ChannelError('TELEGRAM_ERROR', `Telegram error ${code}: ${description}`, false);
  }
  const e = err as { name?: string; code?: string; type?: string; message?: string };
  if (e?.name === 'AbortError') return new ChannelError('TELEGRAM_ABORTED', 'request aborted', true);
  // node-fetch's FetchError (type 'system') or fetch's TypeError: no answer from Telegram at all.
  const reason = e?.code ?? e?.message ?? String(err);
  return new ChannelError('TELEGRAM_NETWORK', `Telegram could not be reached (${reason})`, true);
}
