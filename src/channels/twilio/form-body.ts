import { WebhookPayloadError } from '../../core/domain/channel-webhook.js';

/** A Twilio webhook's fields: form-encoded, a repeated field becomes a list (the signature covers both). */
export type TwilioParams = Record<string, string | string[]>;

/**
 * Far more fields than any Twilio webhook carries (an MMS with ten media has about fifty). The body is parsed
 * before its signature can be checked, so this bounds what an unsigned request costs.
 */
export const MAX_FORM_FIELDS = 1000;

/** Parses the raw bytes exactly as sent (the signature is computed over these values). */
export function parseFormBody(rawBody: Buffer, contentType: string | undefined): TwilioParams {
  if (rawBody.length && contentType && !/application\/x-www-form-urlencoded/i.test(contentType)) {
    throw new WebhookPayloadError(`Twilio posts form bodies, not ${contentType}`);
  }
  // No prototype: a field named `__proto__` or `constructor` is a field, not Object.prototype's.
  const params = Object.create(null) as TwilioParams;
  let count = 0;
  for (const [key, value] of new URLSearchParams(rawBody.toString('utf8'))) {
    if (++count > MAX_FORM_FIELDS) throw new WebhookPayloadError(`more than ${MAX_FORM_FIELDS} form fields`);
    const seen = params[key];
    // Appended in place: copying the list for each value made a body of one repeated name quadratic.
    if (seen === undefined) params[key] = value;
    else if (Array.isArray(seen)) seen.push(value);
    else params[key] = [seen, value];
  }
  return params;
}

/** One field as text ('' when absent; the first value of a repeated field). */
export const field = (p: TwilioParams, key: string): string => {
  const v = p[key];
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
};
