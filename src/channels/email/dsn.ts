import { createHash } from 'node:crypto';
import type { MessageStatusEvent } from '../../core/domain/inbound-event.js';
import { headerLookupFromBlock, type HeaderLookup } from './headers.js';
import { bareMessageId, parseMessageId, parseMessageIdList } from './message-id-parsing.js';
import { embeddedHeaders, flattenParts, parseMime, type MimePart } from './mime-parts.js';

/**
 * Delivery Status Notifications (RFC 3464, `multipart/report; report-type=delivery-status`)
 * and old-style plain-text bounces: which of our messages failed, and why.
 */

export interface DsnRecipient {
  recipient?: string;
  action?: string;
  /** Enhanced status code, e.g. `5.1.1`. */
  status?: string;
  /** Diagnostic-Code without its type prefix, e.g. `550 5.1.1 User unknown`. */
  diagnostic?: string;
}

export interface DeliveryReport {
  /** The Message-ID of the message that bounced, `<...>` form. */
  originalMessageId?: string;
  /** Where that id was found. */
  originalFrom?: 'message/rfc822' | 'text/rfc822-headers' | 'original-message-id' | 'in-reply-to' | 'body';
  originalInReplyTo?: string;
  originalReferences: string[];
  originalSubject?: string;
  reportingMta?: string;
  recipients: DsnRecipient[];
  /** At least one recipient failed permanently (action `failed`, or a 5.x.x status). */
  failed: boolean;
  /** Human summary for the agent: recipients, status codes and the server's text. */
  reason: string;
}

const STATUS_PARTS = new Set(['message/delivery-status', 'message/global-delivery-status']);
const MESSAGE_PARTS = new Set(['message/rfc822', 'message/global']);
const HEADER_PARTS = new Set(['text/rfc822-headers', 'message/global-headers']);

/** delivery-status body: per-message fields, then one block per recipient. */
function parseStatusFields(body: Buffer): { message: HeaderLookup; recipients: HeaderLookup[] } {
  const blocks = body
    .toString('utf8')
    .split(/\r?\n(?:[ \t]*\r?\n)+/)
    .map((b) => b.trim())
    .filter(Boolean);
  const [first, ...rest] = blocks;
  return { message: headerLookupFromBlock(first ?? ''), recipients: rest.map((b) => headerLookupFromBlock(b)) };
}

function typed(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const i = value.indexOf(';');
  return (i >= 0 ? value.slice(i + 1) : value).replace(/\s+/g, ' ').trim() || undefined;
}

function summarise(recipients: DsnRecipient[]): string {
  const lines = recipients.map((r) => {
    const who = r.recipient ?? 'recipient';
    const code = r.status ? ` (${r.status})` : '';
    const why = r.diagnostic ? `: ${r.diagnostic}` : '';
    return `Delivery to ${who} ${r.action ?? 'failed'}${code}${why}`;
  });
  return (lines.join('\n') || 'Delivery failed').slice(0, 2000);
}

function isPermanent(r: DsnRecipient): boolean {
  const action = (r.action ?? '').toLowerCase();
  if (action === 'failed') return true;
  if (action) return false; // delayed, delivered, relayed, expanded
  return (r.status ?? '').startsWith('5');
}

function fromEmbedded(h: HeaderLookup): Pick<DeliveryReport, 'originalMessageId' | 'originalInReplyTo' | 'originalReferences' | 'originalSubject'> {
  const inReplyTo = parseMessageId(h.first('in-reply-to'));
  const subject = h.first('subject');
  return {
    originalMessageId: parseMessageId(h.first('message-id')),
    ...(inReplyTo ? { originalInReplyTo: inReplyTo } : {}),
    originalReferences: parseMessageIdList(h.all('references').join(' ')),
    ...(subject ? { originalSubject: subject } : {}),
  };
}

/**
 * Parses a DSN. Returns undefined when the message is not a delivery report.
 * `plainTextBounce`: the caller decided (from the sender, e.g. MAILER-DAEMON) that a
 * mail without a report part is a bounce; the original id is then looked for in the body.
 */
export function parseDeliveryReport(raw: Buffer, options: { plainTextBounce?: boolean } = {}): DeliveryReport | undefined {
  const root = parseMime(raw);
  const parts = flattenParts(root);
  const statusPart = parts.find((p) => STATUS_PARTS.has(p.contentType));
  if (!statusPart) return options.plainTextBounce ? parsePlainBounce(root) : undefined;

  const { message, recipients: blocks } = parseStatusFields(statusPart.body);
  const recipients: DsnRecipient[] = blocks.map((b) => {
    const recipient = typed(b.first('final-recipient') ?? b.first('original-recipient'));
    const action = b.first('action')?.trim().toLowerCase();
    const status = /\d\.\d{1,3}\.\d{1,3}/.exec(b.first('status') ?? '')?.[0];
    const diagnostic = typed(b.first('diagnostic-code'));
    return { ...(recipient ? { recipient } : {}), ...(action ? { action } : {}), ...(status ? { status } : {}), ...(diagnostic ? { diagnostic } : {}) };
  });

  let report: Omit<DeliveryReport, 'failed' | 'reason' | 'recipients' | 'reportingMta'> = { originalReferences: [] };
  const msgPart = parts.find((p: MimePart) => MESSAGE_PARTS.has(p.contentType));
  const hdrPart = parts.find((p: MimePart) => HEADER_PARTS.has(p.contentType));
  const fromMsg = msgPart ? fromEmbedded(embeddedHeaders(msgPart)) : undefined;
  const fromHdr = hdrPart ? fromEmbedded(headerLookupFromBlock(hdrPart.body.toString('utf8'))) : undefined;
  if (fromMsg?.originalMessageId) report = { ...fromMsg, originalFrom: 'message/rfc822' };
  else if (fromHdr?.originalMessageId) report = { ...fromHdr, originalFrom: 'text/rfc822-headers' };
  else {
    const original =
      parseMessageId(message.first('original-message-id')) ??
      parseMessageId(message.first('x-original-message-id')) ??
      parseMessageId(root.headers.first('original-message-id')) ??
      parseMessageId(root.headers.first('x-original-message-id'));
    const inReplyTo = parseMessageId(root.headers.first('in-reply-to'));
    if (original) report = { originalMessageId: original, originalFrom: 'original-message-id', originalReferences: [] };
    else if (inReplyTo) report = { originalMessageId: inReplyTo, originalFrom: 'in-reply-to', originalReferences: parseMessageIdList(root.headers.all('references').join(' ')) };
  }

  const reportingMta = typed(message.first('reporting-mta'));
  return {
    ...report,
    ...(reportingMta ? { reportingMta } : {}),
    recipients,
    failed: recipients.some(isPermanent),
    reason: summarise(recipients.filter(isPermanent).length ? recipients.filter(isPermanent) : recipients),
  };
}

function parsePlainBounce(root: MimePart): DeliveryReport | undefined {
  // The original attached whole (Exchange 2003, sendmail): its own headers, References included.
  const attached = flattenParts(root).find((p) => MESSAGE_PARTS.has(p.contentType));
  const embedded = attached ? fromEmbedded(embeddedHeaders(attached)) : undefined;
  const texts = flattenParts(root)
    .filter((p) => p.children.length === 0 && (p.contentType.startsWith('text/') || p.contentType.startsWith('message/')))
    .map((p) => p.body.toString('utf8'));
  const body = texts.join('\n');
  // The returned original's header block: a Message-ID line inside the body (not our own header).
  const m = /^[ \t>]*Message-ID:[ \t]*(<[^<>\s]+>)/im.exec(body);
  const originalMessageId = embedded?.originalMessageId ?? m?.[1];
  if (!originalMessageId) return undefined;
  const status = /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(body)?.[1];
  const smtpLine = /^.*\b[45]\d\d[ -][^\n]*$/m.exec(body)?.[0]?.trim();
  const recipient = /<([^<>\s]+@[^<>\s]+)>:/.exec(body)?.[1];
  const r: DsnRecipient = {
    ...(recipient ? { recipient } : {}),
    action: status?.startsWith('4') ? 'delayed' : 'failed',
    ...(status ? { status } : {}),
    ...(smtpLine ? { diagnostic: smtpLine.slice(0, 500) } : {}),
  };
  return {
    ...(embedded?.originalMessageId ? { ...embedded, originalFrom: 'message/rfc822' as const } : { originalMessageId, originalFrom: 'body' as const, originalReferences: [] }),
    recipients: [r],
    failed: isPermanent(r),
    reason: summarise([r]),
  };
}

/** The `message.status` event marking our outbound message failed, or undefined. */
export function deliveryReportToStatusEvent(
  report: DeliveryReport,
  ref: { inboxId: string; reportMessageId?: string; raw: Buffer; occurredAt: Date },
): MessageStatusEvent | undefined {
  if (!report.failed || !report.originalMessageId) return undefined;
  const key = ref.reportMessageId ? bareMessageId(ref.reportMessageId) : `sha256:${createHash('sha256').update(ref.raw).digest('hex')}`;
  return {
    type: 'message.status',
    providerKey: `mail:${ref.inboxId}:dsn:${key}`.slice(0, 1200),
    inboxId: ref.inboxId,
    occurredAt: ref.occurredAt,
    providerMessageId: report.originalMessageId,
    status: 'failed',
    reason: report.reason,
  };
}
