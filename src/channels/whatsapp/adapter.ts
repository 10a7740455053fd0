import type { ChannelAdapter, ChannelContext, ChannelHealth, OutboundMessage, SendResult } from '../../core/domain/channel-adapter.js';
import { FakeDriver } from './fake-driver.js';
import type { ArchiveStoreOptions } from './archive-store.js';
import type { ClientFactory } from './port.js';
import { LOGOUT_REQUEST_KEY, sessionElsewhere, WhatsAppSession, type SessionTuning } from './session-runner.js';
import { parseWhatsAppSettings, type WhatsAppSettings } from './settings.js';

export interface WhatsAppAdapterOptions {
  /** Debian's chromium by default (config `WHATSAPP_CHROMIUM_PATH`); an inbox setting may override it. */
  chromiumPath?: string;
  /** Per-process folder for browser profiles (under the hub's DATA_DIR). */
  dataDir?: string;
  /** The hub's attachment limit (MAX_ATTACHMENT_BYTES): media above it is never downloaded, whatever the inbox says. */
  maxAttachmentBytes?: number;
  /** Tests inject a fake client here; otherwise the inbox's `driver` setting decides. */
  clientFactory?: ClientFactory;
  reconnect?: { initialMs: number; maxMs: number };
  controlPollMs?: number;
  holdMs?: number;
  ackGraceMs?: number;
  /** When a reply that found no ready session here is tried again (default 2 s, NOT_READY 5 s). */
  retryAfterMs?: number;
  archive?: ArchiveStoreOptions;
}

/**
 * WhatsApp through WhatsApp Web (whatsapp-web.js). `start` (every hub process) only reads the settings; the
 * session — a browser, one per number — runs in `startSession`, in the one process holding the inbox's
 * lease. `send` works only there; elsewhere it throws a retryable `SESSION_ELSEWHERE` and the delivery
 * worker tries again (a job lands on the holder).
 */
export class WhatsAppAdapter implements ChannelAdapter {
  readonly kind = 'whatsapp' as const;
  private ctx: ChannelContext | undefined;
  private settings: WhatsAppSettings | undefined;
  private session: WhatsAppSession | undefined;
  private fake: FakeDriver | undefined;

  constructor(private readonly options: WhatsAppAdapterOptions = {}) {}

  async start(ctx: ChannelContext): Promise<void> {
    this.ctx = ctx;
    this.settings = parseWhatsAppSettings(ctx.settings);
  }

  async startSession(ctx: ChannelContext): Promise<void> {
    const settings = this.settings ?? parseWhatsAppSettings(ctx.settings);
    this.ctx = ctx;
    const tuning: SessionTuning = {
      reconnect: this.options.reconnect ?? { initialMs: 2_000, maxMs: 5 * 60_000 },
      controlPollMs: this.options.controlPollMs ?? 3_000,
      holdMs: this.options.holdMs ?? 30 * 60_000,
      ackGraceMs: this.options.ackGraceMs ?? 1_500,
      retryAfterMs: this.options.retryAfterMs ?? 5_000,
      maxMediaBytes: Math.min(settings.maxMediaMb * 1_048_576, this.options.maxAttachmentBytes ?? Infinity),
      ...(this.options.archive ? { archive: this.options.archive } : {}),
    };
    const session = new WhatsAppSession(ctx, settings, this.factoryFor(settings, ctx), this.paths(), tuning);
    this.session = session;
    await session.start();
  }

  async stopSession(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    await session?.stop();
    await this.fake?.close();
    this.fake = undefined;
  }

  async send(out: OutboundMessage): Promise<SendResult> {
    if (!this.session) throw sessionElsewhere(this.options.retryAfterMs);
    return this.session.send(out);
  }

  /**
   * "Log out / new QR" (admins): from any hub process. The holder of the session does it at once; elsewhere
   * the request is stored and the holder picks it up within a few seconds.
   */
  async resetSession(): Promise<void> {
    if (this.session) return this.session.logout();
    if (!this.ctx) throw new Error('WhatsApp adapter not started');
    await this.ctx.state.set(LOGOUT_REQUEST_KEY, new Date().toISOString());
  }

  async checkHealth(): Promise<ChannelHealth> {
    if (!this.session) return { status: 'unknown', detail: 'The session runs in another hub process', checkedAt: new Date() };
    return { ...this.session.health, checkedAt: new Date() };
  }

  async stop(): Promise<void> {
    await this.stopSession();
  }

  private paths(): { dataDir: string; chromiumPath: string } {
    return { dataDir: this.options.dataDir ?? './data/whatsapp', chromiumPath: this.options.chromiumPath ?? '/usr/bin/chromium' };
  }

  private factoryFor(settings: WhatsAppSettings, ctx: ChannelContext): ClientFactory {
    if (this.options.clientFactory) return this.options.clientFactory;
    if (settings.driver === 'fake') {
      return async (init) => {
        this.fake ??= await FakeDriver.listen(init.fakePort, ctx.logger);
        return this.fake.newClient(init);
      };
    }
    // Loaded only when a real session starts: tests and the fake driver never load whatsapp-web.js.
    return async (init) => (await import('./session.js')).createWebClient(init);
  }
}
