/** Ticket token in email subjects: `[#1234]`. The last one wins (forwards prepend their own). */
const TOKEN = /\[#(\d{1,12})\]/g;

export function extractTicketNumber(subject: string | undefined): number | undefined {
  if (!subject) return undefined;
  const all = [...subject.matchAll(TOKEN)];
  const last = all.at(-1);
  return last ? Number(last[1]) : undefined;
}

export function withTicketToken(subject: string, ticketNumber: number): string {
  const token = `[#${ticketNumber}]`;
  const clean = subject.replace(TOKEN, '').replace(/\s{2,}/g, ' ').trim();
  return `${clean} ${token}`.trim();
}

/**
 * Reply and forward prefixes mail clients add, in EN/PT/ES/FR/DE/Nordic: Re, Res (PT), RV (ES), Fw/Fwd, Enc (PT),
 * TR (FR), AW/WG (DE), SV/VS; also `Re[2]:` and `RE :`.
 */
const PREFIX = /^\s*(re|fw|fwd|aw|wg|res|enc|rv|tr|sv|vs)\s*(\[\d+\])?\s*:\s*/i;

function withoutPrefixes(subject: string): string {
  let s = subject;
  for (let i = 0; i < 20 && PREFIX.test(s); i++) s = s.replace(PREFIX, '');
  return s;
}

/** Subject without reply/forward prefixes and tokens, for "subject changed" detection. */
export function normaliseSubject(subject: string | undefined): string {
  return withoutPrefixes((subject ?? '').replace(TOKEN, ' ')).replace(/\s+/g, ' ').trim().toLowerCase();
}

/**
 * A new ticket's title from a mail subject: no `[#N]` token, no reply/forward prefixes (a prefix the token
 * hid, `Re: [#12] Re: x`, too), single spaces; the case the customer wrote is kept. Empty when nothing is left.
 */
export function cleanTicketSubject(subject: string | undefined): string {
  let s = (subject ?? '').replace(TOKEN, ' ').replace(/\s+/g, ' ').trim();
  s = withoutPrefixes(s).replace(/\s+/g, ' ').trim();
  return s;
}
