import { withTicketToken } from '../../core/threading/subject-token.js';

/**
 * Subject of a mail we send: one `Re: ` for replies (never `Re: RE: Res:`), the
 * ticket token `[#N]` exactly once at the end. Forward prefixes (Fwd:, Enc:, RV:)
 * are part of the customer's subject and stay.
 */

const REPLY_PREFIX = /^\s*(re|res|aw|sv|antw|odp|vs)\s*(\[\d+\]|\(\d+\))?\s*:\s*/i;

export function stripReplyPrefixes(subject: string): string {
  let s = subject.replace(/[\r\n\t]+/g, ' ').trim();
  while (REPLY_PREFIX.test(s)) s = s.replace(REPLY_PREFIX, '');
  return s;
}

export function buildOutboundSubject(subject: string | undefined, ticketNumber: number, options: { reply: boolean }): string {
  const tokened = withTicketToken(stripReplyPrefixes(subject ?? ''), ticketNumber);
  return options.reply ? `Re: ${tokened}` : tokened;
}
