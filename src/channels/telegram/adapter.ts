import type {
  ChannelAdapter,
  ChannelContext,
  ChannelHealth,
  FetchedMedia,
  OutboundMessage,
  RemoteMedia,
  SendResult,
} from '../../core/domain/channel-adapter.js';
import type { InboundEventInput } from '../../core/domain/inbound-event.js';
import { webhookUrlOf, publicBaseUrlOf } from '../../core/inboxes/webhook-target.js';
import { ChannelError } from '../../core/errors/app-error.js';
import { toChannelError } from './api-errors.js';
import { createTelegramApi, type TelegramApi } from './client.js';
import { mapUpdate } from './mapper.js';
import { fetchTelegramFile } from './media.js';
import { TelegramPoller } from './poller.js';
import { sendOutbound, type SendProgress } from './sender.js';
import { botIdOf, parseTelegramSettings, type TelegramInboxSettings } from './settings.js';
import type { TelegramUpdate } from './update-schema.js';
import { ensureWebhook, removeWebhook } from './webhook-registration.js';

export interface TelegramAdapterDeps {
  /** Bot API root (config `TELEGRAM_API_ROOT`). */
  apiRoot: string;
  /** The hub's `PUBLIC_URL`, for the webhook address (the inbox's `publicUrl` setting wins). */
  publicUrl: string;
  /** Long-poll wait in seconds (tests shorten it). */
  pollTimeoutSeconds?: number;
  backoff?: { initialMs?: number; maxMs?: number };
}

/**
 * The Telegram channel of one inbox. `start` (every process): the Bot API client, and in webhook mode the
 * webhook registration. `startSession` (the one process holding the lease): in polling mode, the long-poll
 * loop; in webhook mode nothing — Telegram calls whichever process its HTTP request reaches.
 */
export class TelegramAdapter implements ChannelAdapter {
  readonly kind = 'telegram' as const;
  private api?: TelegramApi;
  private settings?: TelegramInboxSettings;
  private ctx?: ChannelContext;
  private poller?: TelegramPoller;
  private retryTimer?: NodeJS.Timeout;
  /**
   * Parts of each message already sent (see `SendProgress`). In memory, like Messenger's: a retry in another
   * process after a crash may repeat a part (at-least-once, as the delivery worker documents).
   */
  private readonly progress: SendProgress = new Map();

  constructor(private readonly deps: TelegramAdapterDeps) {}

  async start(ctx: ChannelContext): Promise<void> {
    if (this.api) return;
    const settings = parseTelegramSettings(ctx.settings);
    this.settings = settings;
    this.ctx = ctx;
    this.api = createTelegramApi(settings.botToken, this.deps.apiRoot);
    if (settings.mode !== 'webhook') return;
    if (!settings.webhookSecret) throw new ChannelError('TELEGRAM_NO_SECRET', 'the inbox has no webhook secret', false);
    const url = webhookUrlOf(publicBaseUrlOf(ctx.settings, this.deps.publicUrl), 'telegram', ctx.inboxId);
    await this.register(ctx, this.api, { url, secret: settings.webhookSecret }, 0);
  }

  /**
   * A refused registration (bad token, a URL Telegram rejects) fails the start: the inbox shows why. Telegram
   * unreachable does not: the adapter still sends (the delivery worker retries), and registration is tried
   * again in the background with backoff.
   */
  private async register(
    ctx: ChannelContext,
    api: TelegramApi,
    target: { url: string; secret: string },
    attempt: number,
  ): Promise<void> {
    try {
      const outcome = await ensureWebhook(api, ctx.state, target);
      ctx.logger.info({ channel: 'telegram', outcome, url: target.url }, 'telegram webhook registered');
      await ctx.reportHealth({ status: 'ok', detail: `webhook: ${target.url}` });
    } catch (err) {
      const e = toChannelError(err);
      if (!e.retryable) throw e;
      const waitMs =
        e.retryAfterMs ??
        Math.min(this.deps.backoff?.maxMs ?? 60_000, (this.deps.backoff?.initialMs ?? 2_000) * 2 ** attempt);
      ctx.logger.warn(
        { channel: 'telegram', code: e.code, waitMs },
        'telegram webhook not registered yet; trying again',
      );
      await ctx
        .reportHealth({ status: 'degraded', detail: `webhook not registered yet: ${e.message}` })
        .catch(() => undefined);
      this.retryTimer = setTimeout(() => {
        if (this.api !== api) return; // stopped or restarted meanwhile
        void this.register(ctx, api, target, attempt + 1).catch(async (failure: unknown) => {
          ctx.logger.error({ channel: 'telegram', err: failure }, 'telegram webhook registration refused');
          await ctx.reportHealth({ status: 'down', detail: (failure as Error).message }).catch(() => undefined);
        });
      }, waitMs);
      this.retryTimer.unref();
    }
  }

  async startSession(ctx: ChannelContext): Promise<void> {
    await this.start(ctx);
    const settings = this.settings as TelegramInboxSettings;
    if (settings.mode !== 'polling' || this.poller) return;
    const api = this.api as TelegramApi;
    await removeWebhook(api, ctx.state);
    const logger = ctx.logger.child({ channel: 'telegram', module: 'telegram.poller' });
    this.poller = new TelegramPoller({
      api,
      ctx,
      toEvents: (update) => this.toEvents(update),
      ...(this.deps.pollTimeoutSeconds !== undefined ? { pollTimeoutSeconds: this.deps.pollTimeoutSeconds } : {}),
      ...(this.deps.backoff ? { backoff: this.deps.backoff } : {}),
      logger,
    });
    this.poller.start();
    await ctx.reportHealth({ status: 'ok', detail: 'polling Telegram' });
  }

  async stopSession(): Promise<void> {
    const poller = this.poller;
    this.poller = undefined;
    await poller?.stop();
  }

  private toEvents(update: TelegramUpdate): InboundEventInput[] {
    const s = this.settings as TelegramInboxSettings;
    return mapUpdate(update, {
      inboxId: (this.ctx as ChannelContext).inboxId,
      botId: botIdOf(s.botToken),
      allowGroups: s.allowGroups,
    });
  }

  async send(out: OutboundMessage): Promise<SendResult> {
    if (!this.api) throw new ChannelError('CHANNEL_NOT_STARTED', 'telegram inbox is not running', true);
    return sendOutbound(this.api, out, this.progress);
  }

  async fetchMedia(media: RemoteMedia, maxBytes: number): Promise<FetchedMedia> {
    if (!this.api || !this.settings)
      throw new ChannelError('CHANNEL_NOT_STARTED', 'telegram inbox is not running', true);
    return fetchTelegramFile(this.api, { apiRoot: this.deps.apiRoot, token: this.settings.botToken }, media, maxBytes);
  }

  async checkHealth(): Promise<ChannelHealth> {
    if (!this.api || !this.settings) return { status: 'unknown', detail: 'not started', checkedAt: new Date() };
    try {
      const me = await this.api.getMe();
      const mode =
        this.settings.mode === 'polling'
          ? this.poller
            ? 'polling here'
            : 'polling in another hub process'
          : 'webhook';
      return { status: 'ok', detail: `@${me.username ?? me.id} · ${mode}`, checkedAt: new Date() };
    } catch (err) {
      const e = toChannelError(err);
      return { status: e.retryable ? 'degraded' : 'down', detail: e.message, checkedAt: new Date() };
    }
  }

  async stop(): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.stopSession();
    this.api = undefined;
    this.progress.clear();
  }
}
