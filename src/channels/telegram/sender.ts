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
 * How long one Bot API call of a reply may take. telegraf's own limit is 500 s: a call Telegram never answered
 * (a dead connection, a stuck proxy) held the reply in `sending` — and the replies after it in its conversation
 * waiting — for over 8 minutes. A text call is answered in well under a second; an upload is given time for
 * its bytes (Telegram takes up to 50 MB). Past the limit the request is aborted, so its answer can no longer
 * arrive after the retry has been recorded.
 */
export interface CallTimeouts {
  textMs: number;
  /** An upload: this, plus `msPerMb` per megabyte of the file. */
  fileMs: number;
  msPerMb: number;
}
export const DEFAULT_CALL_TIMEOUTS: CallTimeouts = { textMs: 20_000, fileMs: 30_000, msPerMb: 4_000 };

/** telegraf types its signal after the `abort-controller` polyfill; node-fetch takes Node's own. */
type CallSignal = NonNullable<Parameters<TelegramApi['callApi']>[2]>['signal'];

/** Aborts `call` after `ms` with a retryable TELEGRAM_TIMEOUT (not the library's AbortError). */
async function withTimeout<T>(ms: number, call: (signal: CallSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, ms);
  try {
    return await call(controller.signal as unknown as CallSignal);
  } catch (err) {
    if (!timedOut) throw err;
    // Telegram may have got it (a lost answer, not a lost request): the retry may show it twice. The parts
    // before it are in `progress` and are not sent again.
    throw new ChannelError('TELEGRAM_TIMEOUT', `Telegram did not answer within ${Math.round(ms / 1000)} s`, true);
  } finally {
    clearTimeout(timer);
  }
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
  timeouts: CallTimeouts = DEFAULT_CALL_TIMEOUTS,
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
    for (const part of splitText(text)) {
      calls.push((first) =>
        withTimeout(timeouts.textMs, (signal) =>
          api.callApi('sendMessage', { chat_id: chatId, text: part, ...(first ? reply : {}) }, { signal }),
        ),
      );
    }
  }
  for (const [i, a] of out.attachments.entries()) {
    calls.push((first) => {
      const caption = i === 0 && captionFits && text ? { caption: text } : {};
      const extra = { ...caption, ...(first ? reply : {}) };
      const file = { source: a.content, filename: a.fileName };
      const kind = kindOf(a);
      const ms = timeouts.fileMs + Math.ceil(a.content.length / 1_048_576) * timeouts.msPerMb;
      return withTimeout<{ message_id: number }>(ms, (signal) =>
        kind === 'photo'
          ? api.callApi('sendPhoto', { chat_id: chatId, photo: file, ...extra }, { signal })
          : kind === 'voice'
            ? api.callApi('sendVoice', { chat_id: chatId, voice: file, ...extra }, { signal })
            : api.callApi('sendDocument', { chat_id: chatId, document: file, ...extra }, { signal }),
      );
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
