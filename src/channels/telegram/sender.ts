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

/** Splits on line breaks where it can, so no word is cut in two. */
export function splitText(text: string, limit = TEXT_LIMIT): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    let cut = rest.lastIndexOf('\n', limit);
    if (cut < limit / 2) cut = rest.lastIndexOf(' ', limit);
    if (cut < limit / 2) cut = limit;
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
 * One agent message → Bot API calls: the text (split over several messages when long; as the caption of the
 * first attachment when it fits), then each attachment as photo, voice note or document. The id returned is
 * the first message sent, as `<chatId>:<message_id>`, the form inbound replies quote.
 * Sent as plain text (no parse_mode): an agent's `<` or `*` arrives as typed.
 */
export async function sendOutbound(api: TelegramApi, out: OutboundMessage): Promise<SendResult> {
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
  const ids: number[] = [];
  try {
    if (text && !captionFits) {
      for (const part of splitText(text))
        ids.push((await api.sendMessage(chatId, part, ids.length ? {} : reply)).message_id);
    }
    for (const [i, a] of out.attachments.entries()) {
      const caption = i === 0 && captionFits && text ? { caption: text } : {};
      const extra = { ...caption, ...(ids.length ? {} : reply) };
      const file = { source: a.content, filename: a.fileName };
      const kind = kindOf(a);
      const sent =
        kind === 'photo'
          ? await api.sendPhoto(chatId, file, extra)
          : kind === 'voice'
            ? await api.sendVoice(chatId, file, extra)
            : await api.sendDocument(chatId, file, extra);
      ids.push(sent.message_id);
    }
  } catch (err) {
    throw toChannelError(err);
  }
  if (!ids.length) throw new ChannelError('EMPTY_MESSAGE', 'nothing to send: no text and no attachment', false);
  return { providerMessageId: providerMessageIdOf(chatId, ids[0]!), sentAt: new Date() };
}
