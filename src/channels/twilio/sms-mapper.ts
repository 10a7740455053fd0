import type { InboundEventInput } from '../../core/domain/inbound-event.js';
import { WebhookPayloadError } from '../../core/domain/channel-webhook.js';
import { normalisePhone } from '../../core/contacts/phone-identity.js';
import { describeTwilioError, OPTED_OUT_CODE } from './error-codes.js';
import { field, type TwilioParams } from './form-body.js';
import { consentKeyword } from './opt-out.js';

/**
 * Pure: a Twilio messaging webhook's fields → events. Keys: `sms:<MessageSid>` for a message,
 * `sms:<MessageSid>:status:<status>` for a status callback (each status once; a repeat is a duplicate),
 * `sms:<MessageSid>:consent` for the opt-out/opt-in a STOP/START message carries.
 */

/** Twilio's message statuses → ours; the others (queued, accepted, sending, scheduled) say nothing new. */
const STATUS: Readonly<Record<string, 'sent' | 'delivered' | 'read' | 'failed'>> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  undelivered: 'failed',
  failed: 'failed',
  canceled: 'failed',
};

/** A status callback: our `?cb=status`, or a status without a message body (a callback configured elsewhere). */
export function isStatusCallback(params: TwilioParams, query: URLSearchParams): boolean {
  if (query.get('cb') === 'status') return true;
  return Boolean(field(params, 'MessageStatus')) && !('Body' in params) && !('NumMedia' in params);
}

/** The customer's number as E.164 when it is one (`whatsapp:` prefixes and national forms included). */
export const customerHandle = (raw: string): string => normalisePhone(raw) ?? raw;

const EXTENSIONS: Readonly<Record<string, string>> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'video/mp4': 'mp4',
  'video/3gpp': '3gp',
  'audio/mpeg': 'mp3',
  'audio/amr': 'amr',
  'audio/ogg': 'ogg',
  'text/vcard': 'vcf',
  'text/x-vcard': 'vcf',
  'application/pdf': 'pdf',
};

export function mapSmsWebhook(
  inboxId: string,
  params: TwilioParams,
  query: URLSearchParams,
  now = new Date(),
): InboundEventInput[] {
  const sid = field(params, 'MessageSid') || field(params, 'SmsMessageSid') || field(params, 'SmsSid');
  if (!/^(SM|MM)[0-9a-fA-F]{32}$/.test(sid)) throw new WebhookPayloadError('no MessageSid');
  return isStatusCallback(params, query) ? mapStatus(inboxId, sid, params, now) : mapInbound(inboxId, sid, params, now);
}

function mapStatus(inboxId: string, sid: string, params: TwilioParams, now: Date): InboundEventInput[] {
  const twilioStatus = (field(params, 'MessageStatus') || field(params, 'SmsStatus')).toLowerCase();
  const status = STATUS[twilioStatus];
  if (!status) return [];
  const code = field(params, 'ErrorCode');
  const events: InboundEventInput[] = [
    {
      type: 'message.status',
      providerKey: `sms:${sid}:status:${twilioStatus}`,
      inboxId,
      occurredAt: now,
      providerMessageId: sid,
      status,
      ...(status === 'failed'
        ? { reason: describeTwilioError(code || undefined, field(params, 'ErrorMessage') || twilioStatus) }
        : {}),
    },
  ];
  const to = field(params, 'To');
  const phone = normalisePhone(to);
  if (code === OPTED_OUT_CODE && phone) {
    events.push(consent(inboxId, `sms:${sid}:consent`, phone, true, now, 'Twilio 21610 on send'));
  }
  return events;
}

function mapInbound(inboxId: string, sid: string, params: TwilioParams, now: Date): InboundEventInput[] {
  const from = field(params, 'From');
  if (!from) throw new WebhookPayloadError('no From');
  const handle = customerHandle(from);
  const body = field(params, 'Body');
  const count = Math.min(Number(field(params, 'NumMedia') || 0) || 0, 10);
  const attachments = [];
  for (let i = 0; i < count; i++) {
    const url = field(params, `MediaUrl${i}`);
    if (!url) continue;
    const mimeType = field(params, `MediaContentType${i}`) || 'application/octet-stream';
    const ext = EXTENSIONS[mimeType.toLowerCase()] ?? 'bin';
    attachments.push({ fileName: `media-${i + 1}.${ext}`, mimeType, size: 0, remoteRef: url });
  }
  const events: InboundEventInput[] = [
    {
      type: 'message.received',
      providerKey: `sms:${sid}`,
      inboxId,
      occurredAt: now,
      providerMessageId: sid,
      sender: { handle, ...(handle.startsWith('+') ? { phone: handle } : {}) },
      text: body,
      attachments,
      threading: { conversationId: handle },
    },
  ];
  const keyword = consentKeyword(body, field(params, 'OptOutType') || undefined);
  if (keyword && handle.startsWith('+')) {
    events.push(
      consent(
        inboxId,
        `sms:${sid}:consent`,
        handle,
        keyword === 'out',
        now,
        `customer texted "${body.trim().slice(0, 20)}"`,
      ),
    );
  }
  return events;
}

function consent(
  inboxId: string,
  providerKey: string,
  phone: string,
  optedOut: boolean,
  at: Date,
  reason: string,
): InboundEventInput {
  return {
    type: 'contact.consent',
    providerKey,
    inboxId,
    occurredAt: at,
    identityKey: `phone:${phone}`,
    conversationId: phone,
    channel: 'sms',
    optedOut,
    reason,
  };
}
