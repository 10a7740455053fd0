import { ChannelError } from '../../core/errors/app-error.js';
import { GraphApiError } from './client.js';

/**
 * Graph API error → `ChannelError`, with the codes Meta documents for the Send API
 * (developers.facebook.com/docs/messenger-platform/error-codes, /docs/graph-api/guides/error-handling):
 * - 190 (token expired or revoked), 10 and 200–299 (permission) — the inbox cannot send until an admin acts:
 *   permanent, and `inboxDown` tells the adapter to mark the inbox's health down;
 * - 4, 17, 32, 613 (rate limits) and 1, 2 (temporary), HTTP 5xx, no answer: retry later;
 * - 551 and subcode 2018001 (the person is unavailable / no matching user), 10 with subcode 2018278 (outside
 *   the allowed window), everything else: permanent for this message only.
 */
export interface MappedGraphError {
  error: ChannelError;
  /** The inbox itself is broken (token, permission): mark its health down. */
  inboxDown: boolean;
}

const RATE_LIMIT_CODES = new Set([4, 17, 32, 613]);
const TEMPORARY_CODES = new Set([1, 2]);
/** Rate limits without a Retry-After: Meta's counters move in windows of minutes, so start at one. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;

export function mapGraphError(err: unknown): MappedGraphError {
  if (!(err instanceof GraphApiError)) {
    const message = err instanceof Error ? err.message : String(err);
    return { error: new ChannelError('MESSENGER_UNEXPECTED', message, true), inboxDown: false };
  }
  const { code, subcode, httpStatus } = err;
  const reason = `${err.message}${code !== undefined ? ` (Graph code ${code}${subcode ? `/${subcode}` : ''})` : ''}`;
  if (code === 190) {
    return {
      error: new ChannelError('MESSENGER_TOKEN_INVALID', `Page access token rejected: ${reason}`, false),
      inboxDown: true,
    };
  }
  if (code === 10 && subcode === 2018278) {
    return {
      error: new ChannelError('OUTSIDE_MESSAGING_WINDOW', `Meta refused a reply outside the window: ${reason}`, false),
      inboxDown: false,
    };
  }
  if (code === 10 || (code !== undefined && code >= 200 && code <= 299)) {
    return {
      error: new ChannelError('MESSENGER_PERMISSION_DENIED', `Permission missing: ${reason}`, false),
      inboxDown: true,
    };
  }
  if (code !== undefined && RATE_LIMIT_CODES.has(code)) {
    const waitMs = err.retryAfterSeconds !== undefined ? err.retryAfterSeconds * 1000 : DEFAULT_RATE_LIMIT_WAIT_MS;
    return {
      error: new ChannelError('MESSENGER_RATE_LIMITED', `Rate limited: ${reason}`, true, waitMs),
      inboxDown: false,
    };
  }
  if (code === 551 || subcode === 2018001) {
    return {
      error: new ChannelError('MESSENGER_USER_UNAVAILABLE', `This person is not available: ${reason}`, false),
      inboxDown: false,
    };
  }
  if ((code !== undefined && TEMPORARY_CODES.has(code)) || httpStatus === 0 || httpStatus >= 500) {
    return {
      error: new ChannelError('MESSENGER_UNAVAILABLE', `Messenger temporarily unavailable: ${reason}`, true),
      inboxDown: false,
    };
  }
  return {
    error: new ChannelError('MESSENGER_REJECTED', `Messenger refused the message: ${reason}`, false),
    inboxDown: false,
  };
}
