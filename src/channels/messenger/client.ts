import { z } from 'zod';

/**
 * A small typed client of the Graph API calls Messenger needs (there is no official Node SDK): the Send API
 * (text, and attachments uploaded as multipart `filedata`), a customer's profile, the Page itself (health),
 * and attachment downloads. Node's fetch; every answer is checked with zod. The base URL is config
 * (`GRAPH_API_BASE_URL`, e.g. `https://graph.facebook.com/v21.0`), so tests point it at a loopback stand-in.
 * The access token goes as the `access_token` parameter, as Meta documents; URLs are never logged.
 */

const GraphErrorBodySchema = z.object({
  error: z
    .object({
      message: z.string().default(''),
      type: z.string().optional(),
      code: z.coerce.number().optional(),
      error_subcode: z.coerce.number().optional(),
      fbtrace_id: z.string().optional(),
    })
    .passthrough(),
});

/** An error the Graph API answered (`{ error: { code, error_subcode, message } }`), or a transport failure. */
export class GraphApiError extends Error {
  constructor(
    message: string,
    /** HTTP status; 0 when no answer came (network, timeout). */
    readonly httpStatus: number,
    readonly code?: number,
    readonly subcode?: number,
    /** Seconds the platform asked us to wait (`Retry-After`), if it said. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'GraphApiError';
  }
}

const SendResponseSchema = z.object({ recipient_id: z.string().optional(), message_id: z.string().min(1) });
export type SendResponse = z.infer<typeof SendResponseSchema>;

const ProfileSchema = z.object({
  id: z.string().optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  profile_pic: z.string().optional(),
});
export type GraphProfile = z.infer<typeof ProfileSchema>;

const PageSchema = z.object({ id: z.string().optional(), name: z.string() });

export type MessagingType = { messaging_type: 'RESPONSE' } | { messaging_type: 'MESSAGE_TAG'; tag: 'HUMAN_AGENT' };

export type AttachmentKind = 'image' | 'video' | 'audio' | 'file';

/**
 * Set as `message.metadata` on everything we send; Meta returns it in the echo, which is how the webhook tells
 * our own sends (dropped) from replies typed in Meta's Page inbox (kept as sent outside Ponte) — even when the
 * echo arrives before the delivery job recorded the message's id.
 */
export const OUR_ECHO_METADATA = 'ponte';

export interface GraphClientOptions {
  baseUrl: string;
  accessToken: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export class GraphClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: GraphClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 20_000;
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** `POST /<page-id>/messages` with a text. */
  sendText(pageId: string, psid: string, text: string, type: MessagingType): Promise<SendResponse> {
    return this.call(`/${enc(pageId)}/messages`, SendResponseSchema, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ recipient: { id: psid }, ...type, message: { text, metadata: OUR_ECHO_METADATA } }),
    });
  }

  /** `POST /<page-id>/messages` as multipart: the file goes as `filedata` (uploaded, not linked). */
  sendAttachment(
    pageId: string,
    psid: string,
    file: { kind: AttachmentKind; fileName: string; mimeType: string; content: Buffer },
    type: MessagingType,
  ): Promise<SendResponse> {
    const form = new FormData();
    form.set('recipient', JSON.stringify({ id: psid }));
    form.set('messaging_type', type.messaging_type);
    if (type.messaging_type === 'MESSAGE_TAG') form.set('tag', type.tag);
    form.set(
      'message',
      JSON.stringify({ attachment: { type: file.kind, payload: { is_reusable: false } }, metadata: OUR_ECHO_METADATA }),
    );
    form.set('filedata', new Blob([new Uint8Array(file.content)], { type: file.mimeType }), file.fileName);
    return this.call(`/${enc(pageId)}/messages`, SendResponseSchema, { method: 'POST', body: form });
  }

  /** `GET /<PSID>?fields=first_name,last_name,profile_pic` (page-scoped id → public profile). */
  profile(psid: string): Promise<GraphProfile> {
    return this.call(`/${enc(psid)}?fields=first_name,last_name,profile_pic`, ProfileSchema, { method: 'GET' });
  }

  /** `GET /<page-id>?fields=name`: the token works and sees the Page. */
  page(pageId: string): Promise<z.infer<typeof PageSchema>> {
    return this.call(`/${enc(pageId)}?fields=name`, PageSchema, { method: 'GET' });
  }

  /**
   * Downloads an attachment URL from a webhook (Meta's CDN; the URL itself is the credential, so no token is
   * sent to it). Stops reading beyond `maxBytes` and throws `GraphApiError` with `code` -1 (too large).
   */
  async download(url: string, maxBytes: number): Promise<{ content: Buffer; mimeType?: string }> {
    const res = await this.request(url, { method: 'GET' });
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw new GraphApiError(`attachment download answered ${res.status}`, res.status);
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > maxBytes) {
      await res.body?.cancel().catch(() => undefined);
      throw new GraphApiError(`attachment of ${declared} bytes is over the limit of ${maxBytes}`, res.status, -1);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    if (res.body) {
      for await (const chunk of res.body) {
        size += chunk.length;
        if (size > maxBytes)
          throw new GraphApiError(`attachment is over the limit of ${maxBytes} bytes`, res.status, -1);
        chunks.push(Buffer.from(chunk));
      }
    }
    const mimeType = res.headers.get('content-type')?.split(';')[0]?.trim();
    return { content: Buffer.concat(chunks), ...(mimeType ? { mimeType } : {}) };
  }

  private async call<T>(path: string, schema: z.ZodType<T>, init: RequestInit): Promise<T> {
    const url = new URL(this.baseUrl + path);
    url.searchParams.set('access_token', this.options.accessToken);
    const res = await this.request(url.toString(), init);
    const text = await res.text().catch(() => '');
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const retryAfter = Number(res.headers.get('retry-after') ?? NaN);
      const parsed = GraphErrorBodySchema.safeParse(json);
      const e = parsed.success ? parsed.data.error : undefined;
      throw new GraphApiError(
        e?.message || `Graph API answered ${res.status}`,
        res.status,
        e?.code,
        e?.error_subcode,
        Number.isFinite(retryAfter) ? retryAfter : undefined,
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success)
      throw new GraphApiError(`unexpected Graph API answer: ${parsed.error.issues[0]?.message}`, res.status);
    return parsed.data;
  }

  private async request(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetchImpl(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      // Never the URL: it carries the token.
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      throw new GraphApiError(`Graph API not reachable (${cause})`, 0);
    }
  }
}

const enc = encodeURIComponent;
