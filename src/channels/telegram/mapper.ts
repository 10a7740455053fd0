import { createHash } from 'node:crypto';
import { sanitizeFileName } from '../../core/attachments/file-name.js';
import { phoneKey } from '../../core/contacts/identity-key.js';
import type { InboundAttachment, InboundEventInput, Sender } from '../../core/domain/inbound-event.js';
import { entitiesToHtml, textToHtml } from './formatting.js';
import type { TelegramMessage, TelegramUpdate, TelegramUser } from './update-schema.js';

/**
 * Pure: one Bot API update → the events to store (none for what we do not handle: service messages,
 * channel posts, other bots, groups when the inbox does not take them).
 *
 * Keys: `providerKey` `tg:<botId>:<chatId>:<message_id>` (Telegram retries a webhook and a poller may see an
 * update twice — the key makes the second one a duplicate); `providerMessageId` `<chatId>:<message_id>`
 * (message ids are unique only within a chat), which is also what `send` returns for our messages, so a
 * customer replying to an agent's message names it. Edits: `…:edit:<edit_date>:<digest of the new text>` —
 * `edit_date` has one-second resolution, so two edits in one second differ only by their text (a redelivery of
 * the same edit is still a duplicate).
 */

export interface TelegramMapOptions {
  inboxId: string;
  botId: string;
  allowGroups: boolean;
}

type AttachmentInput = Omit<InboundAttachment, 'size'> & { size: number };

/**
 * Telegram's `date` has one-second resolution, and a chat easily carries several messages in one second. The
 * core orders a thread by `(occurredAt, _id)`, where `_id` is a hash below the second, so same-second
 * messages would come out shuffled. Within a chat `message_id` grows with every message, so it is the
 * tiebreak: its last three digits become the milliseconds. (Wrong only when a run of messages in one second
 * crosses a multiple of 1000, e.g. 1999 → 2000: then those two swap. Exact order would need a sort key in the
 * core; this keeps the timestamp within the second Telegram reported.)
 */
export function occurredAtOf(date: number, messageId: number): Date {
  return new Date(date * 1000 + (Math.abs(messageId) % 1000));
}

export const providerKeyOf = (botId: string, chatId: number, messageId: number) => `tg:${botId}:${chatId}:${messageId}`;
export const providerMessageIdOf = (chatId: number | string, messageId: number) => `${chatId}:${messageId}`;

/** `<chatId>:<message_id>` → its parts (our own outbound ids and quoted ids have this form). */
export function parseProviderMessageId(id: string): { chatId: string; messageId: number } | undefined {
  const m = /^(-?\d+):(\d+)$/.exec(id);
  return m ? { chatId: m[1]!, messageId: Number(m[2]) } : undefined;
}

const nameOf = (u: { first_name?: string; last_name?: string }) =>
  [u.first_name, u.last_name].filter(Boolean).join(' ').trim();

/** Telegram gives phone numbers in international form, usually without the `+`. */
export function e164Of(raw: string): string | undefined {
  const digits = raw.replace(/[^\d+]/g, '');
  const key = phoneKey(digits.startsWith('+') ? digits : `+${digits}`);
  return key?.slice('phone:'.length);
}

function senderOf(user: TelegramUser, phone?: string): Sender {
  const name = nameOf(user);
  // The username is kept beside the name: agents search by it and customers quote it.
  const displayName = user.username ? (name ? `${name} (@${user.username})` : `@${user.username}`) : name || undefined;
  return {
    handle: String(user.id),
    ...(displayName ? { displayName: displayName.slice(0, 200) } : {}),
    ...(phone ? { phone } : {}),
    identityKeys: [`telegram:${user.id}`],
  };
}

function mediaOf(m: TelegramMessage): AttachmentInput[] {
  const id = m.message_id;
  const out: AttachmentInput[] = [];
  // A name the customer's app sent (`file_name`) follows the shared rule; '' or a name that is nothing but a
  // path or dots (which the core would refuse, failing the whole update) becomes ours.
  const add = (fileId: string, given: string | undefined, fallback: string, mimeType: string, size?: number) =>
    out.push({ fileName: (given && sanitizeFileName(given)) || fallback, mimeType, size: size ?? 0, remoteRef: fileId });
  if (m.photo?.length) {
    // Telegram sends every size it made; the largest is the original.
    const largest = m.photo.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
    add(largest.file_id, undefined, `photo-${id}.jpg`, 'image/jpeg', largest.file_size);
  }
  if (m.document) {
    const d = m.document;
    add(d.file_id, d.file_name, `document-${id}`, d.mime_type ?? 'application/octet-stream', d.file_size);
  } else if (m.animation) {
    const a = m.animation;
    add(a.file_id, a.file_name, `animation-${id}.mp4`, a.mime_type ?? 'video/mp4', a.file_size);
  }
  if (m.voice) add(m.voice.file_id, undefined, `voice-${id}.ogg`, m.voice.mime_type ?? 'audio/ogg', m.voice.file_size);
  if (m.audio) add(m.audio.file_id, m.audio.file_name, `audio-${id}.mp3`, m.audio.mime_type ?? 'audio/mpeg', m.audio.file_size);
  if (m.video) add(m.video.file_id, m.video.file_name, `video-${id}.mp4`, m.video.mime_type ?? 'video/mp4', m.video.file_size);
  if (m.video_note) add(m.video_note.file_id, undefined, `video-note-${id}.mp4`, 'video/mp4', m.video_note.file_size);
  if (m.sticker) {
    // Shown as an image: a static sticker is a WebP; an animated (TGS) or video (WebM) one by its thumbnail.
    const s = m.sticker;
    const thumb = s.thumbnail ?? s.thumb;
    if (!s.is_animated && !s.is_video) add(s.file_id, undefined, `sticker-${id}.webp`, 'image/webp', s.file_size);
    else if (thumb) add(thumb.file_id, undefined, `sticker-${id}.webp`, 'image/webp', thumb.file_size);
    else if (s.is_video) add(s.file_id, undefined, `sticker-${id}.webm`, 'video/webm', s.file_size);
  }
  return out;
}

/** Text for what has no text of its own (location, contact, sticker). */
function describe(m: TelegramMessage): string[] {
  const lines: string[] = [];
  if (m.venue) lines.push(`📍 ${m.venue.title}, ${m.venue.address}`);
  if (m.location) {
    const { latitude: lat, longitude: lon } = m.location;
    if (!m.venue) lines.push(`📍 Location: ${lat}, ${lon}`);
    lines.push(`https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=17/${lat}/${lon}`);
  }
  if (m.contact) {
    const name = nameOf(m.contact);
    lines.push(`👤 Contact: ${[name, m.contact.phone_number].filter(Boolean).join(' — ')}`);
  }
  if (m.sticker && !m.text && !m.caption) lines.push(`[sticker ${m.sticker.emoji ?? ''}]`.replace(' ]', ']'));
  return lines;
}

/** Groups go in only when the inbox takes them; channels (broadcast posts) never. */
function chatAllowed(m: TelegramMessage, opts: TelegramMapOptions): boolean {
  if (m.chat.type === 'private') return true;
  return (m.chat.type === 'group' || m.chat.type === 'supergroup') && opts.allowGroups;
}

function messageReceived(m: TelegramMessage, opts: TelegramMapOptions): InboundEventInput | undefined {
  const from = m.from;
  if (!from || from.is_bot) return undefined; // anonymous admins and other bots are not customers
  const body = m.text ?? m.caption ?? '';
  const entities = m.text !== undefined ? m.entities : m.caption_entities;
  const html = body ? entitiesToHtml(body, entities) : undefined;
  const attachments = mediaOf(m);
  const extra = describe(m);
  const text = [body, ...extra].filter(Boolean).join('\n');
  if (!text && !attachments.length) return undefined; // a service message (joined, pinned, title changed, …)
  // A contact card shares a phone: linked to the sender only when it is the sender's own number (Telegram
  // sets `user_id` to the sender for "share my phone"); someone else's card is just shown.
  const ownPhone = m.contact && m.contact.user_id === from.id ? e164Of(m.contact.phone_number) : undefined;
  const chatId = m.chat.id;
  const quoted = m.reply_to_message;
  return {
    type: 'message.received',
    providerKey: providerKeyOf(opts.botId, chatId, m.message_id),
    providerMessageId: providerMessageIdOf(chatId, m.message_id),
    inboxId: opts.inboxId,
    occurredAt: occurredAtOf(m.date, m.message_id),
    sender: senderOf(from, ownPhone),
    text,
    ...(html ? { html: [html, ...extra.map(textToHtml)].join('<br>') } : {}),
    attachments,
    threading: {
      conversationId: String(chatId),
      ...(m.chat.type !== 'private' && m.chat.title ? { subject: m.chat.title.slice(0, 998) } : {}),
      ...(quoted ? { quotedProviderMessageId: providerMessageIdOf(quoted.chat?.id ?? chatId, quoted.message_id) } : {}),
    },
  };
}

function messageEdited(m: TelegramMessage, opts: TelegramMapOptions): InboundEventInput | undefined {
  if (!m.from || m.from.is_bot) return undefined;
  const body = m.text ?? m.caption;
  if (body === undefined) return undefined; // a moved live location, a replaced media without caption
  const at = m.edit_date ?? m.date;
  const entities = m.text !== undefined ? m.entities : m.caption_entities;
  const html = entitiesToHtml(body, entities);
  const digest = createHash('sha256').update(JSON.stringify([body, entities ?? []])).digest('hex').slice(0, 16);
  return {
    type: 'message.edited',
    providerKey: `${providerKeyOf(opts.botId, m.chat.id, m.message_id)}:edit:${at}:${digest}`,
    providerMessageId: providerMessageIdOf(m.chat.id, m.message_id),
    inboxId: opts.inboxId,
    occurredAt: new Date(at * 1000),
    text: body,
    ...(html ? { html } : {}),
  };
}

export function mapUpdate(update: TelegramUpdate, opts: TelegramMapOptions): InboundEventInput[] {
  if (update.message && chatAllowed(update.message, opts)) {
    const event = messageReceived(update.message, opts);
    return event ? [event] : [];
  }
  if (update.edited_message && chatAllowed(update.edited_message, opts)) {
    const event = messageEdited(update.edited_message, opts);
    return event ? [event] : [];
  }
  return [];
}
