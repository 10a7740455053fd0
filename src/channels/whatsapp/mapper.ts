import { sanitizeFileName } from '../../core/attachments/file-name.js';
import type { InboundEventInput } from '../../core/domain/inbound-event.js';
import { isBroadcastId, isGroupId, senderFromWid } from './identity.js';
import type { WaMessage, WaReaction } from './port.js';
import { describeVCard, summariseVCard } from './vcard.js';

/**
 * Pure mapping of whatsapp-web.js messages and events to InboundEvents. The session downloads media and
 * resolves the quoted message first (they need the browser) and passes them in.
 */

/** A downloaded attachment, or why there is none. */
export type MappedMedia =
  | { kind: 'file'; fileName: string; mimeType: string; contentBase64: string; size: number }
  | { kind: 'too-large'; fileName: string; size: number; limit: number }
  | { kind: 'unavailable'; reason: string };

export interface MapOptions {
  inboxId: string;
  allowGroups: boolean;
  /** `id._serialized` of the message this one replies to. */
  quotedId?: string;
  media?: MappedMedia;
  /** Our own account sent it outside Ponte (phone): stored as outbound in the customer's conversation. */
  fromUs?: boolean;
}

export type Mapped = { event: InboundEventInput } | { ignored: string };

const MEDIA_TYPES = new Set(['image', 'video', 'audio', 'ptt', 'document', 'sticker']);
/** Protocol and system notices WhatsApp Web reports as messages: nothing a person wrote. */
const SYSTEM_TYPES = new Set(['e2e_notification', 'notification', 'notification_template', 'gp2', 'call_log', 'protocol', 'ciphertext', 'broadcast_notification', 'debug']);

export const providerKeyOf = (messageId: string): string => `wa:${messageId}`;

export function mapMessage(msg: WaMessage, opts: MapOptions): Mapped {
  // The customer's chat: who wrote to us, or whom our phone wrote to.
  const chat = opts.fromUs ? msg.to : msg.from;
  if (msg.isStatus || isBroadcastId(chat)) return { ignored: 'status or broadcast' };
  if (isGroupId(chat) && !opts.allowGroups) return { ignored: 'group chat (groups are off for this inbox)' };
  if (SYSTEM_TYPES.has(msg.type)) return { ignored: `system message (${msg.type})` };
  if (msg.type === 'revoked') return { ignored: 'revoked (reported by message_revoke_everyone)' };

  // In a group the conversation is the group and the sender is the member who wrote.
  const person = isGroupId(chat) && !opts.fromUs ? (msg.author ?? chat) : chat;
  const sender = senderFromWid(person, opts.fromUs ? undefined : msg._data?.notifyName);
  const { text, attachments } = content(msg, opts.media);
  const event: InboundEventInput = {
    type: 'message.received',
    providerKey: providerKeyOf(msg.id._serialized),
    providerMessageId: msg.id._serialized,
    inboxId: opts.inboxId,
    occurredAt: new Date(msg.timestamp * 1000),
    sender,
    text,
    attachments,
    threading: {
      conversationId: chat,
      ...(opts.quotedId ? { quotedProviderMessageId: opts.quotedId } : {}),
    },
    ...(opts.fromUs ? { fromUs: true } : {}),
  };
  return { event };
}

function content(msg: WaMessage, media: MappedMedia | undefined): { text: string; attachments: NonNullable<Extract<InboundEventInput, { type: 'message.received' }>['attachments']> } {
  switch (msg.type) {
    case 'chat':
      return { text: msg.body, attachments: [] };
    case 'location': {
      const l = msg.location;
      if (!l) return { text: msg.body || '[location]', attachments: [] };
      const label = [l.name, l.address].filter(Boolean).join(', ') || l.description?.split('\n')[0];
      const lines = [`📍 ${label ?? 'Location'}`, `https://maps.google.com/?q=${l.latitude},${l.longitude}`];
      return { text: lines.join('\n'), attachments: [] };
    }
    case 'vcard':
    case 'multi_vcard': {
      const cards = msg.vCards?.length ? msg.vCards : msg.body ? [msg.body] : [];
      return {
        text: cards.map(describeVCard).join('\n'),
        attachments: cards.map((card, i) => {
          const bytes = Buffer.from(card, 'utf8');
          const name = (summariseVCard(card).name ?? `contact-${i + 1}`).replace(/[\\/:*?"<>|\r\n]+/g, '_').slice(0, 100);
          return { fileName: `${name}.vcf`, mimeType: 'text/vcard', size: bytes.length, contentBase64: bytes.toString('base64') };
        }),
      };
    }
  }
  if (MEDIA_TYPES.has(msg.type) || msg.hasMedia) {
    // For media the body is the caption; a document without one has its file name there, and older versions
    // put the base64 thumbnail there: neither is taken as text.
    const body = msg.body && msg.body !== msg._data?.filename && !looksLikeBase64(msg.body) ? msg.body : '';
    const caption = msg._data?.caption ?? body;
    if (!media || media.kind === 'unavailable') {
      const why = media?.reason ?? 'not downloaded';
      return { text: joinLines(caption, `[${label(msg.type)} not available: ${why}]`), attachments: [] };
    }
    if (media.kind === 'too-large') {
      const mb = (n: number) => `${(n / 1_048_576).toFixed(1)} MB`;
      return { text: joinLines(caption, `[${label(msg.type)} "${media.fileName}" not downloaded: ${mb(media.size)}, limit ${mb(media.limit)}]`), attachments: [] };
    }
    return {
      text: caption,
      attachments: [{ fileName: media.fileName, mimeType: media.mimeType, size: media.size, contentBase64: media.contentBase64 }],
    };
  }
  return { text: msg.body || `[unsupported WhatsApp message: ${msg.type}]`, attachments: [] };
}

function label(type: string): string {
  return type === 'ptt' ? 'voice note' : type;
}
function joinLines(...parts: string[]): string {
  return parts.filter(Boolean).join('\n');
}
function looksLikeBase64(s: string): boolean {
  return s.length > 200 && /^[A-Za-z0-9+/=]+$/.test(s.slice(0, 200));
}

/** A file name for downloaded media that came without one: `voice-<id>.ogg`, `image-<id>.jpg`. */
export function mediaFileName(msg: WaMessage, mimeType: string, given?: string | null): string {
  // The name the sender's phone gave the file: the shared rule, ours when nothing of it is left.
  const safe = given ? sanitizeFileName(given) : '';
  if (safe) return safe;
  const ext = mimeType.split(';')[0]!.split('/')[1]?.replace('jpeg', 'jpg').replace(/[^a-z0-9]/gi, '') || 'bin';
  const base = msg.type === 'ptt' ? 'voice' : msg.type;
  return `${base}-${msg.id.id}.${ext}`.slice(0, 255);
}

/** whatsapp-web.js ack → our delivery status (0 = pending on the phone: nothing to say yet). */
export function ackStatus(ack: number): 'sent' | 'delivered' | 'read' | 'failed' | undefined {
  if (ack === -1) return 'failed';
  if (ack === 1) return 'sent';
  if (ack === 2) return 'delivered';
  if (ack === 3 || ack === 4) return 'read';
  return undefined;
}

export function mapAck(msg: WaMessage, ack: number, inboxId: string): InboundEventInput | undefined {
  const status = ackStatus(ack);
  if (!status) return undefined;
  return {
    type: 'message.status',
    providerKey: `wa:ack:${msg.id._serialized}:${ack}`,
    inboxId,
    occurredAt: new Date(),
    providerMessageId: msg.id._serialized,
    status,
    ...(status === 'failed' ? { reason: 'WhatsApp reported the message as failed' } : {}),
  };
}

export function mapRevoke(msg: WaMessage, revoked: WaMessage | null | undefined, inboxId: string): InboundEventInput {
  const id = revoked?.id._serialized ?? msg.id._serialized;
  return { type: 'message.revoked', providerKey: `wa:revoked:${id}`, inboxId, occurredAt: new Date(msg.timestamp * 1000), providerMessageId: id };
}

export function mapReaction(r: WaReaction, inboxId: string): InboundEventInput {
  const by = senderFromWid(r.senderId).handle;
  return {
    type: 'message.reaction',
    providerKey: `wa:reaction:${r.msgId._serialized}:${r.senderId}:${r.timestamp}:${r.reaction || 'removed'}`,
    inboxId,
    // Reaction timestamps come in milliseconds in current WhatsApp Web, seconds in older ones.
    occurredAt: new Date(r.timestamp > 1e12 ? r.timestamp : r.timestamp * 1000),
    providerMessageId: r.msgId._serialized,
    by,
    emoji: r.reaction,
  };
}

export function mapEdit(msg: WaMessage, newBody: string, inboxId: string): InboundEventInput {
  const version = msg.latestEditSenderTimestampMs ?? Date.now();
  return {
    type: 'message.edited',
    providerKey: `wa:edit:${msg.id._serialized}:${version}`,
    inboxId,
    occurredAt: new Date(version),
    providerMessageId: msg.id._serialized,
    text: newBody,
  };
}
