import type { OutboundMessage, SendResult } from '../../core/domain/channel-adapter.js';
import { ChannelError } from '../../core/errors/app-error.js';
import { toChannelError } from './api-errors.js';
import type { TelegramApi } from './client.js';
import { parseProviderMessageId, providerMessageIdOf } from './mapper.js';

/** Telegram's limits: 4096 characters per text message, 1024 per caption, 10 MB per photo. */
const TEXT_LIMIT = 4096;
const CAPTION_LIMIT = 1024;
const PHOTO_LIMIT = 10 * 1024 * 1024;
const PHOTO_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif']);

type Attachment = OutboundMessage['attachments'][number];

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

/** Splits on line breaks where it can, so no word is cut in two. */
export function splitText(text: string, limit = TEXT_LIMIT): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    let cut = rest.lastIndexOf('\n', limit);
    if (cut < limit / 2) cut = rest.lastIndexOf(' ', limit);
    if (cut < limit / 2) cut = limit;
    // A hard cut between the halves of a surrogate pair (a text of emoji without spaces) would send two lone
    // surrogates, which Telegram refuses as invalid UTF-8: the pair moves to the next part whole.
    if (cut === limit && isHighSurrogate(rest.charCodeAt(cut - 1))) cut -= 1;
    parts.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^[\n ]/, '');
  }
  if (rest.length) parts.push(rest);
  return parts;
}

function kindOf(a: Attachment): 'photo' | 'voice' | 'document' {
  if (PHOTO_TYPES.has(a.mimeType) && a.content.length <= PHOTO_LIMIT) return 'photo';
  if (a.mimeType === 'audio/ogg' || a.mimeType === 'audio/opus') return 'voice';
  return 'document';
}

/**
 * Parts of a message already sent, per outbound message id: the text's chunks and each file are separate Bot
 * API calls, and a retry after a later one failed (429, 5xx, a reset) must not send the earlier ones again.
 */
export type SendProgress = Map<string, number[]>;

/**
 * One agent message → Bot API calls: the text (split over several messages when long; as the caption of the
 * first attachment when it fits), then each attachment as photo, voice note or document. The id returned is
 * the first message sent, as `<chatId>:<message_id>`, the form inbound replies quote.
 * Sent as plain text (no parse_mode): an agent's `<` or `*` arrives as typed. A retry sends only the parts
 * `progress` does not hold yet.
 */
export async function sendOutbound(
  api: TelegramApi,
  out: OutboundMessage,
  progress: SendProgress = new Map(),
): Promise<SendResult> {
  const chatId = out.conversationId ?? out.to.handle;
  if (!/^-?\d+$/.test(chatId))
    throw new ChannelError('TELEGRAM_BAD_RECIPIENT', `not a Telegram chat id: ${chatId}`, false);
  const quoted = out.threading.quotedProviderMessageId
    ? parseProviderMessageId(out.threading.quotedProviderMessageId)
    : undefined;
  // Bot API 7 `reply_parameters` (the old `reply_to_message_id`); sent even if the quoted message is gone.
  const reply =
    quoted && quoted.chatId === chatId
      ? { reply_parameters: { message_id: quoted.messageId, allow_sending_without_reply: true } }
      : {};
  const text = out.text.trim();
  const captionFits = out.attachments.length > 0 && text.length <= CAPTION_LIMIT;
  const calls: Array<(first: boolean) => Promise<{ message_id: number }>> = [];
  if (text && !captionFits) {
    for (const part of splitText(text)) calls.push((first) => api.sendMessage(chatId, part, first ? reply : {}));
  }
  for (const [i, a] of out.attachments.entries()) {
    calls.push((first) => {
      const caption = i === 0 && captionFits && text ? { caption: text } : {};
      const extra = { ...caption, ...(first ? reply : {}) };
      const file = { source: a.content, filename: a.fileName };
      const kind = kindOf(a);
      return kind === 'photo'
        ? api.sendPhoto(chatId, file, extra)
        : kind === 'voice'
          ? api.sendVoice(chatId, file, extra)
          : api.sendDocument(chatId, file, extra);
    });
  }
  const ids = progress.get(out.messageId) ?? [];
  try {
    for (let i = ids.length; i < calls.length; i++) {
      ids.push((await calls[i]!(i === 0)).message_id);
      progress.set(out.messageId, ids);
    }
  } catch (err) {
    throw toChannelError(err);
  }
  progress.delete(out.messageId);
  if (!ids.length) throw new ChannelError('EMPTY_MESSAGE', 'nothing to send: no text and no attachment', false);
  return { providerMessageId: providerMessageIdOf(chatId, ids[0]!), sentAt: new Date() };
}
