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

/** Subject without reply/forward prefixes and tokens, for "subject changed" detection. */
export function normaliseSubject(subject: string | undefined): string {
  let s = (subject ?? '').replace(TOKEN, ' ');
  const prefix = /^\s*(re|fw|fwd|aw|wg|res|enc|rv|tr|sv|vs)\s*(\[\d+\])?\s*:\s*/i;
  while (prefix.test(s)) s = s.replace(prefix, '');
  return s.replace(/\s+/g, ' ').trim().toLowerCase();
}
