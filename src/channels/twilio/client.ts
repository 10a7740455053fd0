import twilio from 'twilio';
import { ChannelError } from '../../core/errors/app-error.js';

type RequestOptions = Parameters<InstanceType<typeof twilio.RequestClient>['request']>[0];

/** Hosts whose URLs are Twilio's: its REST APIs and the media it serves (MMS, recordings). */
const TWILIO_HOST = /(^|\.)twilio\.com$|(^|\.)twiliocdn\.com$/i;

/**
 * A Twilio URL sent to `apiBaseUrl` instead (same path and query); other URLs unchanged. Without a base,
 * the real host. The base is config (`TWILIO_API_BASE_URL`): tests point it at a loopback stand-in.
 */
export function rewriteTwilioUrl(url: string, apiBaseUrl: string | undefined): string {
  if (!apiBaseUrl) return url;
  const parsed = new URL(url);
  if (!TWILIO_HOST.test(parsed.hostname)) return url;
  return apiBaseUrl.replace(/\/+$/, '') + parsed.pathname + parsed.search;
}

/** Whether the account's credentials may be sent to this URL (never to a host a payload made up). */
export function isTwilioUrl(url: string, apiBaseUrl: string | undefined): boolean {
  const parsed = new URL(url);
  if (TWILIO_HOST.test(parsed.hostname) && parsed.protocol === 'https:') return true;
  return Boolean(apiBaseUrl && url.startsWith(apiBaseUrl.replace(/\/+$/, '') + '/'));
}

/** The library's own HTTP client, with every request to a Twilio host rewritten to the configured base. */
export class RewritingRequestClient extends twilio.RequestClient {
  constructor(private readonly apiBaseUrl: string | undefined) {
    super({ timeout: 15_000 });
  }

  override request<TData>(opts: RequestOptions & { data?: TData }) {
    return super.request<TData>({ ...opts, uri: rewriteTwilioUrl(opts.uri, this.apiBaseUrl) });
  }
}

export type TwilioClient = ReturnType<typeof twilio>;

export function createTwilioClient(
  accountSid: string,
  authToken: string,
  apiBaseUrl: string | undefined,
): TwilioClient {
  return twilio(accountSid, authToken, { httpClient: new RewritingRequestClient(apiBaseUrl) });
}

/**
 * Downloads a Twilio media URL (MMS media, a call recording) with the account's credentials, at most
 * `maxBytes`. Twilio answers media with a redirect to a signed CDN link; fetch drops the credentials on a
 * cross-origin redirect, as it should.
 */
export async function downloadTwilioMedia(
  url: string,
  creds: { accountSid: string; authToken: string },
  apiBaseUrl: string | undefined,
  maxBytes: number,
  timeoutMs = 30_000,
): Promise<{ content: Buffer; mimeType?: string }> {
  if (!isTwilioUrl(url, apiBaseUrl) && !isTwilioUrl(rewriteTwilioUrl(url, apiBaseUrl), apiBaseUrl)) {
    throw new ChannelError('MEDIA_NOT_TWILIO', `not a Twilio media URL: ${new URL(url).host}`, false);
  }
  const target = rewriteTwilioUrl(url, apiBaseUrl);
  const auth = Buffer.from(`${creds.accountSid}:${creds.authToken}`).toString('base64');
  let res: Response;
  try {
    res = await fetch(target, {
      headers: { authorization: `Basic ${auth}` },
      redirect: 'follow',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new ChannelError('MEDIA_UNREACHABLE', `media download failed: ${(err as Error).message}`, true);
  }
  if (res.status === 404)
    throw new ChannelError('MEDIA_GONE', 'the media is no longer at Twilio (deleted or expired)', false);
  if (res.status === 401 || res.status === 403)
    throw new ChannelError('MEDIA_FORBIDDEN', `Twilio refused the media download (${res.status})`, false);
  if (res.status === 429 || res.status >= 500)
    throw new ChannelError('MEDIA_UNREACHABLE', `Twilio answered ${res.status}`, true);
  if (!res.ok || !res.body) throw new ChannelError('MEDIA_FAILED', `Twilio answered ${res.status}`, false);
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body.cancel().catch(() => undefined);
    throw new ChannelError('MEDIA_TOO_LARGE', `${declared} bytes, over the limit of ${maxBytes}`, false);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > maxBytes) throw new ChannelError('MEDIA_TOO_LARGE', `over the limit of ${maxBytes} bytes`, false);
    chunks.push(Buffer.from(chunk));
  }
  const type = res.headers.get('content-type')?.split(';')[0]?.trim();
  return { content: Buffer.concat(chunks), ...(type ? { mimeType: type } : {}) };
}
