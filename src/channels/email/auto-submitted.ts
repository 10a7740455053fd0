import type { HeaderLookup } from './headers.js';

/**
 * RFC 3834 loop and noise detection: is this mail written by a machine? Such mail
 * is stored like any other but never answered automatically (no auto-ack, no
 * trigger mail), which is what breaks mail loops between two auto-responders.
 */

export interface AutomatedInput {
  headers: HeaderLookup;
  /** The author's address (From). */
  fromAddress?: string;
  /** Our own X-Loop values (normally the inbox address); a mail carrying one went through us already. */
  loopValues?: readonly string[];
  /** The decoded Subject (localized auto-reply prefixes). */
  subject?: string;
}

export interface AutomatedVerdict {
  automated: boolean;
  /** Why, e.g. `auto-submitted:auto-replied`, `precedence:bulk`, `list-id`, `x-loop`. */
  reason?: string;
  /** A delivery failure report (DSN / non-delivery notice) rather than just automatic mail. */
  bounce?: boolean;
}

const DAEMON_LOCAL_PARTS = new Set(['mailer-daemon', 'mailer_daemon', 'mailerdaemon', 'postmaster']);
/**
 * Subject prefixes of out-of-office and other auto-replies (Exchange/Outlook, Gmail, in PT/ES/EN/FR/DE/IT),
 * for the auto-replies that carry none of the RFC 3834 headers and arrive without In-Reply-To.
 */
const AUTOREPLY_PREFIXES = [
  'automatic reply',
  'auto(?:matic)?[-_ ]?(?:reply|response)',
  // Exchange 2003/2007: "Out of Office AutoReply: …"
  'out of (?:the )?office(?: auto[-_ ]?reply)?',
  'resposta autom[aá]tica',
  'fora do escrit[oó]rio',
  'aus[eê]ncia tempor[aá]ria',
  'respuesta autom[aá]tica',
  'fuera de la oficina',
  'r[eé]ponse automatique',
  'absence du bureau',
  'automatische antwort',
  'abwesenheitsnotiz',
  'risposta automatica',
];
const PREFIX = `(?:${AUTOREPLY_PREFIXES.join('|')})`;
/** `Prefix: …` or `[Prefix] …`; Lotus Notes writes "AUTO: Ana Silva is out of the office (returning …)". */
const AUTOREPLY_SUBJECT = new RegExp(`^\\s*(?:${PREFIX}\\s*:|\\[\\s*${PREFIX}\\s*\\]|auto:.*\\bis out of (?:the )?office\\b)`, 'i');
/**
 * Subjects of non-delivery notices (EN/PT/ES/FR/DE/IT). Postmaster also writes other things (DMARC reports, a
 * person's note), so from postmaster only a mail with such a subject is read as a bounce.
 */
const NDR_SUBJECT =
  /^\s*(?:undeliverable|undelivered|delivery status notification|delivery (?:has )?failed|delivery failure|returned mail|failure notice|mail delivery failed|message not delivered|non[- ]?deliverable|non remis|n[aã]o (?:foi )?entregue|no se puede entregar|no entregado|unzustellbar|non recapitabile)\b/i;
/** Exchange stamps these on what its mailbox rules and auto-responders send. */
const EXCHANGE_AUTO_HEADERS = ['x-ms-exchange-inbox-rules-loop', 'x-ms-exchange-generated-message-source'];

const AUTOREPLY_HEADERS = ['x-autoreply', 'x-autorespond', 'x-autoresponder', 'x-autoreply-from', 'x-mail-autoreply'];

function mediaType(contentType: string | undefined): { type: string; reportType?: string } {
  if (!contentType) return { type: '' };
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  const rt = /(?:^|;)\s*report-type\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  return { type, ...(rt ? { reportType: (rt[1] as string).toLowerCase() } : {}) };
}

function isNo(value: string): boolean {
  const v = (value.split(';')[0] ?? '').trim().toLowerCase();
  return v === 'no' || v === 'false' || v === '0';
}

function localPart(address: string | undefined): string {
  if (!address) return '';
  const at = address.lastIndexOf('@');
  return (at >= 0 ? address.slice(0, at) : address).trim().toLowerCase();
}

export function classifyAutomated(input: AutomatedInput): AutomatedVerdict {
  const h = input.headers;
  const { type, reportType } = mediaType(h.first('content-type'));
  const sender = localPart(input.fromAddress);
  const isDaemon = DAEMON_LOCAL_PARTS.has(sender);

  if (type === 'multipart/report') {
    if (reportType === 'delivery-status') return { automated: true, reason: 'report:delivery-status', bounce: true };
    if (reportType === 'disposition-notification') return { automated: true, reason: 'report:disposition-notification' };
    return { automated: true, reason: `report:${reportType ?? 'unknown'}` };
  }

  const loops = new Set((input.loopValues ?? []).map((v) => v.trim().toLowerCase()).filter(Boolean));
  if (loops.size > 0 && h.all('x-loop').some((v) => loops.has(v.trim().toLowerCase()))) {
    return { automated: true, reason: 'x-loop' };
  }

  const autoSubmitted = h.first('auto-submitted');
  if (autoSubmitted !== undefined && !isNo(autoSubmitted)) {
    const value = (autoSubmitted.split(';')[0] ?? '').trim().toLowerCase() || 'empty';
    return { automated: true, reason: `auto-submitted:${value}`, ...(isDaemon ? { bounce: true } : {}) };
  }

  if (isDaemon) {
    const bounce = sender !== 'postmaster' || NDR_SUBJECT.test(input.subject ?? '');
    return { automated: true, reason: `sender:${sender}`, ...(bounce ? { bounce: true } : {}) };
  }

  const returnPath = h.first('return-path');
  if (returnPath !== undefined && /^<?\s*>?$/.test(returnPath.trim())) {
    return { automated: true, reason: 'null-return-path' };
  }

  const precedence = (h.first('precedence') ?? '').trim().toLowerCase();
  if (precedence === 'bulk' || precedence === 'junk' || precedence === 'list' || precedence === 'auto_reply') {
    return { automated: true, reason: `precedence:${precedence}` };
  }

  // Outlook/Exchange auto-replies: "do not auto-answer me" (All, OOF, AutoReply, …) and the rules agent's stamps.
  const suppress = h.first('x-auto-response-suppress');
  if (suppress !== undefined && suppress.trim() !== '' && !/^\s*none\s*$/i.test(suppress)) {
    return { automated: true, reason: 'x-auto-response-suppress' };
  }
  for (const name of EXCHANGE_AUTO_HEADERS) if (h.has(name)) return { automated: true, reason: name };

  if (h.has('list-id')) return { automated: true, reason: 'list-id' };
  if (h.has('list-unsubscribe')) return { automated: true, reason: 'list-unsubscribe' };

  for (const name of AUTOREPLY_HEADERS) {
    const v = h.first(name);
    if (v !== undefined && !isNo(v)) return { automated: true, reason: name };
  }
  const generated = h.first('x-autogenerated');
  if (generated !== undefined && /reply|forward|group|mirror/i.test(generated)) {
    return { automated: true, reason: 'x-autogenerated' };
  }
  if (input.subject && AUTOREPLY_SUBJECT.test(input.subject)) return { automated: true, reason: 'subject:auto-reply' };

  return { automated: false };
}
