import { sanitizeFileName } from '../../core/attachments/file-name.js';
import type { InboundEventInput } from '../../core/domain/inbound-event.js';
import type { MessengerAttachment, MessagingEvent, WebhookBody } from './payload.js';
import { MessagingEventSchema } from './payload.js';
import { WebhookPayloadError } from '../../core/domain/channel-webhook.js';
import { OUR_ECHO_METADATA } from './client.js';

/**
 * Pure: a verified Messenger webhook body → normalised events. One body may hold several `entry`s (Meta batches
 * up to 1,000), each with several `messaging` events. Keys (the stored event's `_id`, so Meta's retries for
 * 36 hours are stored once):
 * - a customer message or postback: `fb:<mid>` (a postback without a mid: `fb:postback:<psid>:<timestamp>`);
 * - a delivery of one message: `fb:delivered:<mid>`; a delivery or read watermark:
 *   `fb:delivered|read:<psid>:<watermark>`; an edit: `fb:edit:<mid>:<num_edit>`.
 * The conversation is the customer's page-scoped id (PSID); the contact's identity key `messenger:<PSID>`.
 * Echoes (`is_echo`: what the Page sent) are never a customer's message: ours (our `metadata`) are dropped, others
 * (typed in Meta's Page inbox, or sent by another app) become `message.sent_outside` (key `fb:<mid>`).
 */

export interface MapContext {
  inboxId: string;
  /** The inbox's Page; events for another Page (a misconfigured app) are ignored. */
  pageId?: string;
}

const DEFAULT_MIME: Record<string, string> = {
  image: 'image/jpeg',
  video: 'video/mp4',
  audio: 'audio/mpeg',
  file: 'application/octet-stream',
};
const EXTENSION: Record<string, string> = { image: 'jpg', video: 'mp4', audio: 'mp3', file: 'bin' };
/** The app id Meta's own Page inbox (Meta Business Suite) sends with. */
const PAGE_INBOX_APP_ID = '263902037430900';

/**
 * The event kinds `mapMessagingEvent` maps. Any other (opt-ins, referrals, reactions, handovers, policy notices)
 * is skipped before it is checked: their shapes differ from ours — an opt-in names its sender by `user_ref`,
 * a policy notice has no sender — and refusing one would refuse (and have Meta retry) the messages beside it.
 */
const MAPPED_KINDS = ['message', 'postback', 'delivery', 'read', 'message_edit'] as const;

export function mapWebhookBody(body: WebhookBody, ctx: MapContext): InboundEventInput[] {
  // Instagram and other objects share the app's webhook URL only when misconfigured; not ours.
  if (body.object !== 'page') return [];
  const events: InboundEventInput[] = [];
  for (const entry of body.entry) {
    if (ctx.pageId && entry.id !== ctx.pageId) continue;
    for (const raw of entry.messaging ?? []) {
      if (typeof raw !== 'object' || raw === null) throw new WebhookPayloadError('messaging event is not an object');
      if (!MAPPED_KINDS.some((kind) => kind in raw)) continue;
      const parsed = MessagingEventSchema.safeParse(raw);
      if (!parsed.success) {
        const where = parsed.error.issues[0]?.path.join('.') ?? '?';
        throw new WebhookPayloadError(`messaging event malformed at ${where}`);
      }
      events.push(...mapMessagingEvent(parsed.data, ctx.inboxId));
    }
  }
  return events;
}

export function mapMessagingEvent(e: MessagingEvent, inboxId: string): InboundEventInput[] {
  const psid = e.sender.id;
  const occurredAt = new Date(e.timestamp);
  if (e.message) {
    const m = e.message;
    const { attachments, notes } = mapAttachments(m.attachments ?? [], m.mid);
    if (m.is_echo) return echoEvents(e, inboxId, notes);
    const text = [m.text ?? '', ...notes].filter(Boolean).join('\n');
    return [
      {
        type: 'message.received',
        providerKey: `fb:${m.mid}`,
        providerMessageId: m.mid,
        inboxId,
        occurredAt,
        sender: { handle: psid, identityKeys: [`messenger:${psid}`] },
        text,
        attachments,
        threading: { conversationId: psid, ...(m.reply_to?.mid ? { quotedProviderMessageId: m.reply_to.mid } : {}) },
      },
    ];
  }
  if (e.postback) {
    const p = e.postback;
    const key = p.mid ? `fb:${p.mid}` : `fb:postback:${psid}:${e.timestamp}`;
    return [
      {
        type: 'message.received',
        providerKey: key,
        ...(p.mid ? { providerMessageId: p.mid } : {}),
        inboxId,
        occurredAt,
        sender: { handle: psid, identityKeys: [`messenger:${psid}`] },
        // The button's label is what the customer saw and chose; its payload is for bots.
        text: p.title || p.payload || '(button)',
        attachments: [],
        threading: { conversationId: psid },
      },
    ];
  }
  if (e.delivery) {
    const { mids, watermark } = e.delivery;
    // The customer is the *recipient* of what we sent, but Meta puts them in `sender` for these events.
    if (mids?.length) {
      return mids.map((mid) => ({
        type: 'message.status' as const,
        providerKey: `fb:delivered:${mid}`,
        providerMessageId: mid,
        inboxId,
        occurredAt,
        status: 'delivered' as const,
      }));
    }
    return [watermarkEvent(inboxId, psid, 'delivered', watermark, occurredAt)];
  }
  if (e.read) return [watermarkEvent(inboxId, psid, 'read', e.read.watermark, occurredAt)];
  if (e.message_edit) {
    const edit = e.message_edit;
    return [
      {
        type: 'message.edited',
        providerKey: `fb:edit:${edit.mid}:${edit.num_edit ?? e.timestamp}`,
        providerMessageId: edit.mid,
        inboxId,
        occurredAt,
        text: edit.text,
      },
    ];
  }
  // Reactions, opt-ins, referrals, handovers…: not part of a ticket (yet).
  return [];
}

/**
 * What the Page sent, echoed: ours (our metadata) is already stored — dropped. Anything else was sent outside
 * Ponte (typed in Meta's Page inbox, or by another app): kept as an outbound message of the conversation, where
 * the customer is the *recipient*. Its files are named, not downloaded.
 */
function echoEvents(e: MessagingEvent, inboxId: string, notes: string[]): InboundEventInput[] {
  const m = e.message!;
  if (m.metadata === OUR_ECHO_METADATA) return [];
  const files = (m.attachments ?? [])
    .filter((a) => DEFAULT_MIME[a.type] && a.payload?.url)
    .map((a) => `[${a.type}: ${a.payload!.url}]`);
  return [
    {
      type: 'message.sent_outside',
      providerKey: `fb:${m.mid}`,
      providerMessageId: m.mid,
      inboxId,
      occurredAt: new Date(e.timestamp),
      conversationId: e.recipient.id,
      text: [m.text ?? '', ...notes, ...files].filter(Boolean).join('\n'),
      via: m.app_id === PAGE_INBOX_APP_ID ? 'Page inbox' : m.app_id ? `app ${m.app_id}` : 'Messenger',
    },
  ];
}

function watermarkEvent(
  inboxId: string,
  psid: string,
  status: 'delivered' | 'read',
  watermark: number,
  occurredAt: Date,
): InboundEventInput {
  return {
    type: 'conversation.status',
    providerKey: `fb:${status}:${psid}:${watermark}`,
    inboxId,
    occurredAt,
    conversationId: psid,
    status,
    upTo: new Date(watermark),
  };
}

/**
 * Files (image, video, audio, file — stickers are images) are announced by their CDN URL and fetched by the
 * adapter while the stored event is processed. What has no file (a shared link, a location) becomes text.
 */
function mapAttachments(list: MessengerAttachment[], mid: string) {
  const attachments: Array<{ fileName: string; mimeType: string; size: number; remoteRef: string }> = [];
  const notes: string[] = [];
  list.forEach((a, i) => {
    const url = a.payload?.url;
    if (DEFAULT_MIME[a.type] && url) {
      attachments.push({
        fileName: fileNameFor(a.type, url, mid, i),
        mimeType: DEFAULT_MIME[a.type]!,
        size: 0,
        remoteRef: url,
      });
      return;
    }
    if (a.type === 'location' && a.payload?.coordinates) {
      const { lat, long } = a.payload.coordinates;
      notes.push(`[location: ${lat}, ${long}]`);
      return;
    }
    const link = url ?? a.url;
    const title = a.payload?.title ?? a.title;
    if (link || title) notes.push(`[${a.type}: ${[title, link].filter(Boolean).join(' ')}]`);
  });
  return { attachments, notes };
}

/**
 * The file's name from the CDN path when it has one (files keep the name the customer gave them, so it follows
 * the shared rule), else `<type>-<n>.<ext>`.
 */
function fileNameFor(type: string, url: string, mid: string, index: number): string {
  try {
    const last = sanitizeFileName(decodeURIComponent(new URL(url).pathname.split('/').pop() ?? ''));
    if (/^[^\\/\0]{1,200}\.[A-Za-z0-9]{1,8}$/.test(last)) return last;
  } catch {
    // not a URL we can read a name from
  }
  const tail = mid.replace(/[^A-Za-z0-9]/g, '').slice(-8) || 'x';
  return `${type}-${tail}-${index + 1}.${EXTENSION[type] ?? 'bin'}`;
}
