import { ChannelError } from '../../core/errors/app-error.js';

/**
 * Twilio's error codes that agents meet most, with a reason a person understands
 * (https://www.twilio.com/docs/api/errors). Unknown codes keep Twilio's own message.
 */
export const twilioErrorReasons: Readonly<Record<string, string>> = {
  '20003': 'Twilio refused the credentials (check the Account SID and auth token)',
  '20404': 'Twilio does not know this resource',
  '20429': 'too many requests to Twilio; will retry',
  '21211': 'the number is not a valid phone number',
  '21408': 'sending to this country is not enabled on the Twilio account',
  '21606': 'the sending number cannot send SMS',
  '21610': 'the customer opted out (replied STOP); they must text START before we can send again',
  '21612': 'Twilio cannot route a message to this number',
  '21614': 'the number is not a mobile number',
  '30001': "Twilio's queue for this sender overflowed",
  '30002': 'the Twilio account is suspended',
  '30003': 'the phone is unreachable (off, or out of coverage)',
  '30004': 'the message was blocked (the customer or their carrier blocks it)',
  '30005': 'unknown number: it does not exist or is no longer in service',
  '30006': 'a landline or an unreachable carrier: it cannot receive SMS',
  '30007': 'filtered by the carrier as spam',
  '30008': 'unknown error at the carrier',
  '30034': 'the sender is not registered for A2P 10DLC',
};

export const OPTED_OUT_CODE = '21610';

/** `Twilio 30003: the phone is unreachable …` — what an agent sees on a failed message. */
export function describeTwilioError(code: string | number | undefined, fallback?: string): string {
  const key = code === undefined || code === '' ? '' : String(code);
  const reason = twilioErrorReasons[key] ?? fallback ?? 'delivery failed';
  return key ? `Twilio ${key}: ${reason}` : reason;
}

/** A REST failure (RestException, or a network error from the HTTP client) → ChannelError. */
export function toChannelError(err: unknown): ChannelError {
  if (err instanceof ChannelError) return err;
  const e = err as { status?: number; code?: number | string; message?: string };
  if (typeof e.status === 'number') {
    const reason = describeTwilioError(e.code, e.message);
    // No wait of our own: Twilio names none (no Retry-After) and asks for exponential backoff, which the
    // delivery worker applies. A fixed second spent all of a reply's attempts in five seconds of 429s.
    if (e.status === 429 || String(e.code) === '20429') return new ChannelError('RATE_LIMITED', reason, true);
    if (e.status >= 500) return new ChannelError('TWILIO_UNAVAILABLE', reason, true);
    if (e.status === 401 || String(e.code) === '20003') return new ChannelError('AUTH_FAILED', reason, false);
    if (String(e.code) === OPTED_OUT_CODE) return new ChannelError('RECIPIENT_OPTED_OUT', reason, false);
    if (String(e.code) === '21211' || String(e.code) === '21614')
      return new ChannelError('INVALID_RECIPIENT', reason, false);
    return new ChannelError('TWILIO_REJECTED', reason, false);
  }
  // No HTTP answer: refused, reset, timed out — worth another try.
  return new ChannelError('TWILIO_UNREACHABLE', `Twilio not reachable: ${e.message ?? String(err)}`, true);
}
