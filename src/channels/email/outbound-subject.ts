import { withTicketToken } from '../../core/threading/subject-token.js';

/**
 * Subject of a mail we send: one `Re: ` for replies (never `Re: RE: Res:`), the
 * ticket token `[#N]` exactly once at the end. Forward prefixes (Fwd:, Enc:, RV:)
 * are part of the customer's subject and stay. A reply prefix we did not strip would
 * grow by one `Re: ` per round trip (`Re: 回复: Re: 回复: …`), so the localized ones
 * mail clients write are listed: IT `R:`/`Rif:`, TR `YNT:`, HU `Vá:`, HR `Odg:`, LV `Atb:`,
 * ZH `回复`/`回覆`/`答复` (also with a full-width colon), JA `返信`, RU `Ответ`, EL `ΑΠ`.
 */

const REPLY_PREFIX = /^\s*(re|res|aw|sv|antw|odp|vs|r|rif|ynt|vá|odg|atb|回复|回覆|答复|返信|ответ|απ)\s*(\[\d+\]|\(\d+\))?\s*[:：]\s*/iu;

export function stripReplyPrefixes(subject: string): string {
  let s = subject.replace(/[\r\n\t]+/g, ' ').trim();
  while (REPLY_PREFIX.test(s)) s = s.replace(REPLY_PREFIX, '');
  return s;
}

export function buildOutboundSubject(subject: string | undefined, ticketNumber: number, options: { reply: boolean }): string {
  const tokened = withTicketToken(stripReplyPrefixes(subject ?? ''), ticketNumber);
  return options.reply ? `Re: ${tokened}` : tokened;
}
