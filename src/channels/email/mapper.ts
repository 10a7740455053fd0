import { foldQuotedText } from './quote-folding.js';
import { createHash } from 'node:crypto';
import { domainToASCII } from 'node:url';
import { simpleParser, type AddressObject, type Attachment, type EmailAddress, type ParsedMail } from 'mailparser';
import { SenderSchema, type InboundAttachment, type MessageReceived, type Sender } from '../../core/domain/inbound-event.js';
import { classifyAutomated, type AutomatedVerdict } from './auto-submitted.js';
import { parseDeliveryReport, type DeliveryReport } from './dsn.js';
import { headerLookupFromLines, type HeaderLookup } from './headers.js';
import { sanitizeEmailHtml } from '../../core/messages/sanitize-html.js';
import { capReferences, parseMessageId, parseMessageIdList, bareMessageId } from './message-id-parsing.js';
import { attachmentFileName } from './attachment-name.js';
import { sanitizeFileName, uniqueFileName } from '../../core/attachments/file-name.js';
import { MAX_ATTACHMENTS_PER_MESSAGE } from '../../core/attachments/attachment-limits.js';
import { htmlToReadableText, removeCidPlaceholders } from './html-text.js';
import { isTnef, readTnefAttachments } from './tnef.js';
import { declareUndeclaredCharsets } from './undeclared-charset.js';

/**
 * Pure mapping of one raw RFC 5322 message to a `message.received` event:
 * any charset, sanitised HTML, attachments and inline `cid:` images, threading
 * hints and the RFC 3834 "automated" verdict. No I/O besides parsing.
 */

export interface MapEmailOptions {
  inboxId: string;
  /** Id of our stored copy of the raw source (BlobStore). */
  rawRef?: string;
  /** Our own X-Loop values; mail carrying one is flagged automated. */
  loopValues?: readonly string[];
  /** The helpdesk's own addresses (From, Reply-To): never a customer, and mail from them is our own coming back. */
  ownAddresses?: readonly string[];
  /** Clock for messages without a usable Date header. */
  now?: () => Date;
  /**
   * Attachments are embedded (base64) until their decoded sizes add up to this many
   * bytes; later ones are listed without content (the raw source, `rawRef`, has them).
   * Keeps the stored event well under MongoDB's 16 MB document limit.
   */
  maxEmbeddedAttachmentBytes?: number;
}

/** What the mapper found besides the event; the adapter uses it for DSNs and rate limits. */
export interface MappedEmail {
  event: MessageReceived;
  verdict: AutomatedVerdict;
  report?: DeliveryReport;
  /** Our own mail come back (From one of our addresses, or carrying our X-Loop): to be dropped, not stored. */
  ownMail?: 'from-own-address' | 'x-loop';
}

const DEFAULT_MAX_EMBEDDED = 25 * 1024 * 1024;
/**
 * mailparser's HTML-to-text (html-to-text) is quadratic in a table's cells: 64 KB of cells took 0.3 s, 1 MB over a
 * minute of blocked event loop. Longer HTML parts are read by our own linear `htmlToReadableText` instead.
 */
const MAX_HTML_FOR_PARSER_TEXT = 32 * 1024;
const NO_REPLY_LOCAL = /^(no-?reply|do-?not-?reply|noreply|donotreply|mailer|forms?|wordpress|web(site)?|notifications?)([+._-].*)?$/i;

const emailField = SenderSchema.shape.email;

function addressesOf(field: AddressObject | AddressObject[] | undefined): EmailAddress[] {
  const list = Array.isArray(field) ? field : field ? [field] : [];
  const out: EmailAddress[] = [];
  const walk = (a: EmailAddress): void => {
    if (a.group) a.group.forEach(walk);
    else if (a.address) out.push(a);
  };
  for (const obj of list) obj.value.forEach(walk);
  return out;
}

function clean(value: string | undefined, max: number): string | undefined {
  const v = value?.replace(/[\r\n\t]+/g, ' ').replace(/\s{2,}/g, ' ').trim();
  return v ? v.slice(0, max) : undefined;
}

function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

/**
 * The sender: the From address. A web form or notification service that writes
 * From a no-reply address and Reply-To the person is answered at Reply-To, so then
 * the Reply-To mailbox is the sender.
 */
/**
 * An address lower-cased with its domain in ASCII (`ana@açaí.com.br` → `ana@xn--aa-fla6c.com.br`): the form every
 * SMTP server takes and our address check accepts. Kept in Unicode, such a customer could never be answered.
 */
function asciiAddress(address: string): string {
  const lower = address.trim().toLowerCase();
  const at = lower.lastIndexOf('@');
  if (at < 0 || /^[\x00-\x7f]*$/.test(lower.slice(at + 1))) return lower;
  const domain = domainToASCII(lower.slice(at + 1));
  return domain ? `${lower.slice(0, at)}@${domain}` : lower;
}

/** The identity of a sender without an address, per inbox and raw From text (`-` when there is none). */
export function addresslessSenderKey(inboxId: string, rawFrom: string | undefined): string {
  return `mail-from:${inboxId}:${(rawFrom ?? '-').toLowerCase()}`.slice(0, 400);
}

function pickSender(parsed: ParsedMail, h: HeaderLookup, own: ReadonlySet<string>, inboxId: string): Sender {
  const from = addressesOf(parsed.from)[0];
  // Our own address is never the customer's, not even as a Reply-To.
  const replyTo = addressesOf(parsed.replyTo).filter((a) => !own.has(a.address!.trim().toLowerCase()));
  let chosen: EmailAddress | undefined = from;
  let answerAt: string | undefined;
  if (from?.address && replyTo.length === 1 && replyTo[0]?.address) {
    const local = from.address.split('@')[0] ?? '';
    const differs = replyTo[0].address.toLowerCase() !== from.address.toLowerCase();
    if (NO_REPLY_LOCAL.test(local) && differs) chosen = replyTo[0];
    // A person asking for answers at another (shared) mailbox: From stays the author, replies go to Reply-To —
    // unless that is a no-reply address (CRM and ticket tools sending for a person), where answers would be lost.
    else if (differs && !NO_REPLY_LOCAL.test(replyTo[0].address.split('@')[0] ?? '') && emailField.safeParse(asciiAddress(replyTo[0].address)).success) {
      answerAt = asciiAddress(replyTo[0].address);
    }
  }
  if (!chosen) chosen = addressesOf(parsed.headers.get('sender') as AddressObject | undefined)[0];
  const address = chosen?.address?.trim();
  if (!address) {
    // No usable author at all: keep the mail, attribute it to the raw header text. The core files every message
    // under a contact found by an identity key, and an email contact's key is its address: without one of ours the
    // mail would fail processing and never reach an agent.
    const rawFrom = clean(h.first('from'), 200);
    return {
      handle: rawFrom ?? 'unknown-sender',
      ...(rawFrom ? { displayName: rawFrom } : {}),
      identityKeys: [addresslessSenderKey(inboxId, rawFrom)],
    };
  }
  const lower = asciiAddress(address);
  const name = clean(chosen?.name, 200);
  const valid = emailField.safeParse(lower).success;
  return {
    handle: lower.slice(0, 320),
    ...(name && name.toLowerCase() !== lower ? { displayName: name } : {}),
    ...(valid ? { email: lower } : {}),
    ...(answerAt && answerAt.length <= 320 ? { replyTo: answerAt } : {}),
    identityKeys: [`email:${lower}`.slice(0, 400)],
  };
}

const MIME_BY_EXTENSION: Record<string, string> = {
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  txt: 'text/plain',
  csv: 'text/csv',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  zip: 'application/zip',
};

/**
 * Outlook's rich-text mail hides the real attachments in `winmail.dat` (application/ms-tnef): the files inside
 * are listed right after it, and the original is kept.
 */
function withTnefContents(list: Attachment[]): Attachment[] {
  const out: Attachment[] = [];
  for (const a of list) {
    out.push(a);
    const type = (a.contentType || '').toLowerCase();
    const named = (a.filename ?? '').toLowerCase() === 'winmail.dat';
    if ((type !== 'application/ms-tnef' && type !== 'application/vnd.ms-tnef' && !named) || !isTnef(a.content)) continue;
    for (const f of readTnefAttachments(a.content)) {
      const ext = f.fileName.split('.').pop()?.toLowerCase() ?? '';
      out.push({
        type: 'attachment',
        filename: f.fileName,
        contentType: f.mimeType ?? MIME_BY_EXTENSION[ext] ?? 'application/octet-stream',
        contentDisposition: 'attachment',
        content: f.content,
        size: f.content.length,
        related: false,
        headers: new Map(),
        headerLines: [],
        checksum: '',
        partId: `${a.partId ?? ''}.tnef`,
        release: () => undefined,
      } as unknown as Attachment);
    }
  }
  return out;
}

/**
 * A calendar invitation carries its `text/calendar` part twice (the alternative part and the same bytes as an
 * `.ics` attachment): one stored copy is enough.
 */
function withoutDuplicateCalendars(list: Attachment[]): Attachment[] {
  const seen = new Set<string>();
  return list.filter((a) => {
    const type = (a.contentType || '').toLowerCase();
    if (type !== 'text/calendar' && type !== 'application/ics') return true;
    const key = createHash('sha256').update(a.content).digest('hex');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function mapAttachments(list: Attachment[], maxEmbedded: number): InboundAttachment[] {
  let budget = maxEmbedded;
  const kept = list.slice(0, MAX_ATTACHMENTS_PER_MESSAGE);
  // Names the sender gave win over the ones we make up for unnamed parts.
  const used = new Set<string>();
  const names: Array<string | undefined> = kept.map((a) => {
    const given = a.filename ? sanitizeFileName(a.filename) : '';
    return given ? uniqueFileName(given, used) : undefined;
  });
  return kept.map((a, i) => {
    const cid = a.cid ?? (a.contentId ? a.contentId.replace(/^<|>$/g, '') : undefined);
    const inline = a.contentDisposition === 'inline' || (a.related === true && !!cid);
    const size = a.content.length;
    const embed = size <= budget;
    if (embed) budget -= size;
    return {
      fileName: names[i] ?? uniqueFileName(attachmentFileName(a, i), used),
      mimeType: (a.contentType || 'application/octet-stream').toLowerCase().slice(0, 255),
      size,
      ...(cid ? { contentId: cid.slice(0, 998) } : {}),
      inline,
      ...(embed ? { contentBase64: a.content.toString('base64') } : {}),
    };
  });
}

function participantsOf(parsed: ParsedMail): string[] {
  const seen = new Set<string>();
  for (const a of [...addressesOf(parsed.to), ...addressesOf(parsed.cc)]) {
    const v = a.address?.trim().toLowerCase();
    if (v && v.length <= 320) seen.add(v);
  }
  return [...seen].slice(0, 100);
}

const FUTURE_TOLERANCE_MS = 24 * 3600_000;

/** The Date header, unless it is missing, unreadable or more than a day in the future. */
function occurredAt(date: Date | undefined, hasHeader: boolean, now: () => Date): Date {
  const at = now();
  if (!hasHeader || !(date instanceof Date) || Number.isNaN(date.getTime())) return at;
  return date.getTime() - at.getTime() > FUTURE_TOLERANCE_MS ? at : date;
}

/**
 * The stored event and message are JSON and BSON documents, at most 16 MB: what counts is a string's size once
 * encoded — up to 3 bytes a character in UTF-8 (5 million CJK characters of HTML were 15 MB), 6 for a control
 * character JSON escapes — not its length. Text and quoted history up to 2 MB each, HTML up to 4 MB.
 */
const MAX_STORED_TEXT_BYTES = 2 * 1024 * 1024;
const MAX_STORED_HTML_BYTES = 4 * 1024 * 1024;

function storedBytes(s: string): number {
  return Buffer.byteLength(JSON.stringify(s));
}

/** `s`, cut at the end to fit `maxBytes` encoded (never inside a surrogate pair). */
function withinStoredBytes(s: string, maxBytes: number): string {
  let out = s;
  for (let bytes = storedBytes(out); bytes > maxBytes; bytes = storedBytes(out)) {
    out = out.slice(0, Math.floor(out.length * (maxBytes / bytes) * 0.98));
    if (/[\ud800-\udbff]$/.test(out)) out = out.slice(0, -1);
  }
  return out;
}

/** Sanitised HTML within its share of the document; a cut one is sanitised again (no half-open tag left). */
function cappedHtml(html: string): string {
  const cut = withinStoredBytes(html, MAX_STORED_HTML_BYTES);
  return cut === html ? html : withinStoredBytes(sanitizeEmailHtml(cut), MAX_STORED_HTML_BYTES);
}

/**
 * The text of a mail with text parts. An HTML part beside them (not their alternative) that mailparser did not
 * convert (too long, see MAX_HTML_FOR_PARSER_TEXT) is read by us, so its words are not lost.
 */
function withUnconvertedHtml(parsed: ParsedMail, html: string | undefined): string {
  const text = parsed.text ?? '';
  if (!parsed.textConversionError || !html) return text;
  return [htmlToReadableText(html), text.trim()].filter(Boolean).join('\n\n');
}

export async function mapRawEmailDetailed(raw: Buffer, options: MapEmailOptions): Promise<MappedEmail> {
  const parsed = await simpleParser(declareUndeclaredCharsets(raw), {
    keepCidLinks: true,
    skipTextToHtml: true,
    skipImageLinks: true,
    skipTextLinks: true,
    checksumAlgo: false,
    maxHtmlLengthToParse: MAX_HTML_FOR_PARSER_TEXT,
  });
  const h = headerLookupFromLines(parsed.headerLines);
  const now = options.now ?? (() => new Date());

  const own = new Set((options.ownAddresses ?? []).map((a) => a.trim().toLowerCase()));
  const sender = pickSender(parsed, h, own, options.inboxId);
  const fromAddress = addressesOf(parsed.from)[0]?.address?.trim().toLowerCase();
  const verdict = classifyAutomated({
    headers: h,
    fromAddress,
    ...(options.loopValues ? { loopValues: options.loopValues } : {}),
    ...(parsed.subject ? { subject: parsed.subject } : {}),
  });
  const ownMail = fromAddress && own.has(fromAddress) ? 'from-own-address' : verdict.reason === 'x-loop' ? 'x-loop' : undefined;
  const report = verdict.automated ? parseDeliveryReport(raw, { plainTextBounce: verdict.bounce === true }) : undefined;

  const messageId = parseMessageId(h.first('message-id'));
  let inReplyTo = parseMessageId(h.all('in-reply-to').join(' '));
  let references = parseMessageIdList(h.all('references').join(' '));
  // A bounce belongs to the thread of the message that bounced.
  if (report?.originalMessageId) {
    if (!inReplyTo) inReplyTo = report.originalMessageId;
    if (references.length === 0) references = [...report.originalReferences, report.originalMessageId].filter((v, i, a) => a.indexOf(v) === i);
  }
  if (messageId) references = references.filter((r) => r !== messageId);
  references = capReferences(references, 100);

  const digest = sha256(raw);
  const providerKey = `mail:${options.inboxId}:${messageId ? bareMessageId(messageId) : `sha256:${digest}`}`.slice(0, 1200);
  const conversationId = references[0] ?? inReplyTo ?? messageId ?? `<sha256:${digest}>`;
  const subject = clean(parsed.subject, 998);
  const participants = participantsOf(parsed);
  const html = typeof parsed.html === 'string' && parsed.html.trim() ? sanitizeEmailHtml(parsed.html) : undefined;
  // HTML-only mail: our own reading of the HTML keeps table cells and line breaks apart.
  const htmlOnly = html !== undefined && !/^content-type:\s*text\/plain/im.test(raw.toString('latin1'));
  let rawText = htmlOnly ? htmlToReadableText(html) : withUnconvertedHtml(parsed, html);
  // An HTML body beside a text/plain *attachment* (a log file, a forwarded .eml) is not HTML-only by the test
  // above, and mailparser gives it no text: read the HTML rather than store a message without text.
  if (!rawText.trim() && html) rawText = htmlToReadableText(html);
  const fullText = removeCidPlaceholders(rawText.replace(/\r\n/g, '\n')).slice(0, 1_000_000);
  // Agents read the new part; the quoted history is kept beside it, folded.
  const folded = foldQuotedText(fullText);
  const text = folded.quotedText && folded.newText.trim() ? folded.newText : fullText;
  const quotedText = text === fullText ? undefined : folded.quotedText;

  const event: MessageReceived = {
    type: 'message.received',
    providerKey,
    inboxId: options.inboxId,
    occurredAt: occurredAt(parsed.date, h.has('date'), now),
    ...(messageId ? { providerMessageId: messageId } : {}),
    sender,
    text: withinStoredBytes(text, MAX_STORED_TEXT_BYTES),
    ...(quotedText ? { quotedText: withinStoredBytes(quotedText, MAX_STORED_TEXT_BYTES) } : {}),
    ...(html ? { html: cappedHtml(html) } : {}),
    attachments: mapAttachments(withTnefContents(withoutDuplicateCalendars(parsed.attachments)), options.maxEmbeddedAttachmentBytes ?? DEFAULT_MAX_EMBEDDED),
    threading: {
      conversationId: conversationId.slice(0, 998),
      ...(subject ? { subject } : {}),
      ...(messageId ? { messageId } : {}),
      ...(inReplyTo ? { inReplyTo } : {}),
      ...(references.length ? { references } : {}),
      ...(participants.length ? { participants } : {}),
    },
    automated: verdict.automated,
    ...(options.rawRef ? { rawRef: options.rawRef } : {}),
  };
  return { event, verdict, ...(report ? { report } : {}), ...(ownMail ? { ownMail } : {}) };
}

/** Raw message → `message.received` event (see {@link mapRawEmailDetailed}). */
export async function mapRawEmail(raw: Buffer, options: MapEmailOptions): Promise<MessageReceived> {
  return (await mapRawEmailDetailed(raw, options)).event;
}
