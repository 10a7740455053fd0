import type {
  ChannelAdapter,
  ChannelContext,
  ChannelHealth,
  FetchedMedia,
  OutboundMessage,
  RemoteMedia,
  ReplyWindow,
  SendResult,
  SenderProfile,
} from '../../core/domain/channel-adapter.js';
import { ChannelError } from '../../core/errors/app-error.js';
import { GraphApiError, GraphClient, type AttachmentKind, type MessagingType } from './client.js';
import { mapGraphError } from './graph-errors.js';
import { decideSend, replyWindowFor } from './reply-window.js';
import { MessengerSettingsSchema, type MessengerSettings } from './settings.js';

/** Meta's limit for one text message; longer replies go as several. */
export const MAX_TEXT_LENGTH = 2000;

export interface MessengerAdapterDeps {
  /** `config.platforms.graphApiBaseUrl` (GRAPH_API_BASE_URL). */
  graphApiBaseUrl: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => Date;
}

export function parseMessengerSettings(raw: unknown): MessengerSettings {
  const parsed = MessengerSettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join('.')).join(', ');
    throw new ChannelError('MESSENGER_SETTINGS_INVALID', `invalid Messenger inbox settings: ${fields}`, false);
  }
  return parsed.data;
}

export function attachmentKindOf(mimeType: string): AttachmentKind {
  const top = mimeType.split('/')[0];
  return top === 'image' || top === 'video' || top === 'audio' ? top : 'file';
}

/** Splits at the last line break or space before the limit, so words stay whole, and characters too. */
export function splitText(text: string, max = MAX_TEXT_LENGTH): string[] {
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > max) {
    const window = rest.slice(0, max);
    const cut = Math.max(window.lastIndexOf('\n'), window.lastIndexOf(' '));
    let at = cut > max / 2 ? cut : max;
    // A hard cut must not fall between the halves of a surrogate pair (a text of emoji without spaces): both
    // parts would carry a lone surrogate, which arrives as U+FFFD or makes the Send API refuse the text.
    const code = rest.charCodeAt(at - 1);
    if (at === max && code >= 0xd800 && code <= 0xdbff) at -= 1;
    parts.push(rest.slice(0, at).trimEnd());
    rest = rest.slice(at).trimStart();
  }
  if (rest) parts.push(rest);
  return parts;
}

/**
 * The Messenger channel of one inbox (one Facebook Page). Stateless: inbound comes through the webhook
 * (`webhook.ts`), so everything here runs in every hub process — sending through the Send API, downloading
 * the attachments webhooks announced, the customer's profile, health.
 */
export class MessengerAdapter implements ChannelAdapter {
  readonly kind = 'messenger' as const;
  private ctx?: ChannelContext;
  private settings?: MessengerSettings;
  private client?: GraphClient;
  /**
   * Parts of a message already sent, per outbound message (text chunks and files go as separate Send API
   * calls): a retry after a later part failed does not send the earlier ones again. In memory: a retry in
   * another process after a crash may repeat a part (at-least-once, as the delivery worker documents).
   */
  private readonly progress = new Map<string, string[]>();

  constructor(private readonly deps: MessengerAdapterDeps) {}

  async start(ctx: ChannelContext): Promise<void> {
    if (this.client) return;
    this.settings = parseMessengerSettings(ctx.settings);
    this.ctx = ctx;
    this.client = new GraphClient({
      baseUrl: this.deps.graphApiBaseUrl,
      accessToken: this.settings.pageAccessToken,
      ...(this.deps.timeoutMs ? { timeoutMs: this.deps.timeoutMs } : {}),
      ...(this.deps.fetch ? { fetch: this.deps.fetch } : {}),
    });
  }

  replyWindow(lastCustomerMessageAt: Date | undefined, now: Date): ReplyWindow {
    return replyWindowFor(lastCustomerMessageAt, now, this.settings?.allowHumanAgentTag ?? false);
  }

  async send(out: OutboundMessage): Promise<SendResult> {
    const { client, settings } = this.running();
    const decision = decideSend(out.lastCustomerMessageAt, this.now(), settings.allowHumanAgentTag);
    if (decision.send === false) throw new ChannelError('OUTSIDE_MESSAGING_WINDOW', decision.reason, false);
    const type: MessagingType =
      decision.send === 'RESPONSE'
        ? { messaging_type: 'RESPONSE' }
        : { messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' };
    const psid = out.to.handle;
    const parts: Array<() => Promise<{ message_id: string }>> = [
      ...splitText(out.text).map((text) => () => client.sendText(settings.pageId, psid, text, type)),
      ...out.attachments.map(
        (a) => () =>
          client.sendAttachment(
            settings.pageId,
            psid,
            { kind: attachmentKindOf(a.mimeType), fileName: a.fileName, mimeType: a.mimeType, content: a.content },
            type,
          ),
      ),
    ];
    if (parts.length === 0) throw new ChannelError('MESSENGER_EMPTY', 'nothing to send', false);
    const mids = this.progress.get(out.messageId) ?? [];
    try {
      for (let i = mids.length; i < parts.length; i++) {
        mids.push((await parts[i]!()).message_id);
        this.progress.set(out.messageId, mids);
      }
    } catch (err) {
      throw await this.failed(err);
    }
    this.progress.delete(out.messageId);
    // The first part's id stands for the message: receipts name it (later parts' receipts are unknown ids).
    return { providerMessageId: mids[0]!, sentAt: this.now() };
  }

  async fetchMedia(media: RemoteMedia, maxBytes: number): Promise<FetchedMedia> {
    const { client } = this.running();
    try {
      const { content, mimeType } = await client.download(media.remoteRef, maxBytes);
      // Meta's CDN often answers application/octet-stream; the webhook's type (image, video…) is better then.
      const useful = mimeType && mimeType !== 'application/octet-stream' ? mimeType : undefined;
      return { content, ...(useful ? { mimeType: useful } : {}) };
    } catch (err) {
      if (err instanceof GraphApiError && err.code === -1)
        throw new ChannelError('MEDIA_TOO_LARGE', err.message, false);
      if (err instanceof GraphApiError && [403, 404, 410].includes(err.httpStatus)) {
        // Attachment URLs expire: an old event's file is gone for good.
        throw new ChannelError('MEDIA_GONE', `the attachment is no longer available (${err.httpStatus})`, false);
      }
      throw new ChannelError('MEDIA_UNAVAILABLE', err instanceof Error ? err.message : String(err), true);
    }
  }

  async profileFor(psid: string): Promise<SenderProfile | undefined> {
    const { client } = this.running();
    const p = await client.profile(psid);
    const displayName = [p.first_name, p.last_name].filter(Boolean).join(' ').trim();
    return { ...(displayName ? { displayName } : {}), ...(p.profile_pic ? { avatarUrl: p.profile_pic } : {}) };
  }

  async checkHealth(): Promise<ChannelHealth> {
    if (!this.client || !this.settings) return { status: 'unknown', detail: 'not started', checkedAt: new Date() };
    try {
      const page = await this.client.page(this.settings.pageId);
      return { status: 'ok', detail: `Page "${page.name}"`, checkedAt: new Date() };
    } catch (err) {
      const mapped = mapGraphError(err);
      return { status: mapped.inboxDown ? 'down' : 'degraded', detail: mapped.error.message, checkedAt: new Date() };
    }
  }

  async stop(): Promise<void> {
    this.client = undefined;
    this.progress.clear();
  }

  /** Maps a Graph error; a broken token or permission also marks the inbox down, where admins see it. */
  private async failed(err: unknown): Promise<ChannelError> {
    const { error, inboxDown } = mapGraphError(err);
    if (inboxDown && this.ctx) {
      await this.ctx
        .reportHealth({ status: 'down', detail: `${error.code}: ${error.message}` })
        .catch((reportErr: unknown) => this.ctx?.logger.warn({ err: reportErr }, 'could not record the inbox health'));
    }
    this.ctx?.logger.warn({ code: error.code, retryable: error.retryable }, 'Messenger send failed');
    return error;
  }

  private running(): { client: GraphClient; settings: MessengerSettings } {
    if (!this.client || !this.settings)
      throw new ChannelError('CHANNEL_NOT_STARTED', 'Messenger inbox is not running', true);
    return { client: this.client, settings: this.settings };
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }
}
