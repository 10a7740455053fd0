import { WebhookPayloadError } from '../../core/domain/channel-webhook.js';

/** A Twilio webhook's fields: form-encoded, a repeated field becomes a list (the signature covers both). */
export type TwilioParams = Record<string, string | string[]>;

/** Parses the raw bytes exactly as sent (the signature is computed over these values). */
export function parseFormBody(rawBody: Buffer, contentType: string | undefined): TwilioParams {
  if (rawBody.length && contentType && !/application\/x-www-form-urlencoded/i.test(contentType)) {
    throw new WebhookPayloadError(`Twilio posts form bodies, not ${contentType}`);
  }
  const params: TwilioParams = {};
  for (const [key, value] of new URLSearchParams(rawBody.toString('utf8'))) {
    const seen = params[key];
    params[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return params;
}

/** One field as text ('' when absent; the first value of a repeated field). */
export const field = (p: TwilioParams, key: string): string => {
  const v = p[key];
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
};
