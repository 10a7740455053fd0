import type { FetchedMedia, RemoteMedia } from '../../core/domain/channel-adapter.js';
import { ChannelError } from '../../core/errors/app-error.js';
import { toChannelError } from './api-errors.js';
import { fileUrlOf, type TelegramApi } from './client.js';

/** A bot may download files up to 20 MB through the Bot API (larger ones need a local Bot API server). */
export const TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024;

/**
 * Downloads a file a message announced by `file_id`: `getFile` for its path, then
 * `<apiRoot>/file/bot<token>/<file_path>`, refused (non-retryable `MEDIA_TOO_LARGE`) above `maxBytes` or
 * Telegram's 20 MB — checked before downloading when Telegram states the size, and while reading otherwise.
 */
export async function fetchTelegramFile(
  api: TelegramApi,
  deps: { apiRoot: string; token: string; timeoutMs?: number },
  media: RemoteMedia,
  maxBytes: number,
): Promise<FetchedMedia> {
  let file;
  try {
    file = await api.getFile(media.remoteRef);
  } catch (err) {
    throw toChannelError(err);
  }
  const limit = Math.min(maxBytes, TELEGRAM_DOWNLOAD_LIMIT);
  if (file.file_size !== undefined && file.file_size > limit) {
    throw new ChannelError('MEDIA_TOO_LARGE', `${file.file_size} bytes, over the ${limit} bytes allowed`, false);
  }
  if (!file.file_path) throw new ChannelError('MEDIA_GONE', 'Telegram gave no path for this file', false);
  let res: Response;
  try {
    res = await fetch(fileUrlOf(deps.apiRoot, deps.token, file.file_path), {
      signal: AbortSignal.timeout(deps.timeoutMs ?? 60_000),
    });
  } catch (err) {
    throw toChannelError(err);
  }
  if (res.status === 404 || res.status === 400)
    throw new ChannelError('MEDIA_GONE', `file download answered ${res.status}`, false);
  if (!res.ok || !res.body)
    throw new ChannelError('TELEGRAM_UNAVAILABLE', `file download answered ${res.status}`, true);
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > limit) {
    await res.body.cancel().catch(() => undefined);
    throw new ChannelError('MEDIA_TOO_LARGE', `${declared} bytes, over the ${limit} bytes allowed`, false);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw new ChannelError('MEDIA_TOO_LARGE', `over the ${limit} bytes allowed`, false);
    }
    chunks.push(Buffer.from(value));
  }
  const fromHeader = res.headers.get('content-type')?.split(';')[0]?.trim();
  // Telegram's file server says application/octet-stream for most files: the message's own type is better.
  const mimeType = fromHeader && fromHeader !== 'application/octet-stream' ? fromHeader : undefined;
  return { content: Buffer.concat(chunks), ...(mimeType ? { mimeType } : {}) };
}
