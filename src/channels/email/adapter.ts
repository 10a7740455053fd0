import type { ImapFlow, ImapFlowOptions } from 'imapflow';
import type { Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type {
  ChannelAdapter,
  ChannelContext,
  ChannelHealth,
  OutboundMessage,
  SendResult,
} from '../../core/domain/channel-adapter.js';
import type { InboundEventInput } from '../../core/domain/inbound-event.js';
import { ChannelError } from '../../core/errors/app-error.js';
import { ImapPoller } from './imap-poller.js';
import { sharedMailReader, type MailReader } from './mail-reader.js';
import { SenderRateLimit } from './sender-rate-limit.js';
import { keyApartFromSharedMessageId } from './shared-message-id.js';
import { EmailInboxSettingsSchema, loopValueOf, type EmailInboxSettings } from './settings.js';
import { SmtpSender, type EmailOutboundMessage } from './smtp-sender.js';
import { testEmailConnection, type ConnectionTestResult } from './test-connection.js';

/**
 * The email channel for one inbox: SMTP out (SmtpSender) in every process (`start`), IMAP in (ImapPoller) in
 * the one process holding the inbox's session lease (`startSession`). One instance per inbox; both idempotent.
 */

export interface EmailAdapterDeps {
  /**
   * Signed per-ticket reply address, for `replyToStyle: 'ticket'` (the core owns the
   * secret). Returning undefined sends without Reply-To.
   */
  replyAddressFor?: (out: OutboundMessage) => string | undefined;
  /** Reconnect backoff of the IMAP loop. */
  backoff?: { initialMs?: number; maxMs?: number };
  /** IDLE delay and connect timeouts (ms); tests shorten them. */
  idleDelayMs?: number;
  timeoutMs?: number;
  /** Injection points for tests or proxies. */
  createImapClient?: (options: ImapFlowOptions) => ImapFlow;
  createSmtpTransport?: (options: SMTPTransport.Options) => Transporter<SMTPTransport.SentMessageInfo>;
  now?: () => Date;
  /** Where raw mail is parsed (a worker thread); tests give one with small limits. */
  mailReader?: MailReader;
}

export function parseEmailSettings(raw: unknown): EmailInboxSettings {
  const parsed = EmailInboxSettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join('.')).join(', ');
    throw new ChannelError('EMAIL_SETTINGS_INVALID', `invalid email inbox settings: ${fields}`, false);
  }
  return parsed.data;
}

export class EmailAdapter implements ChannelAdapter {
  readonly kind = 'email' as const;
  private ctx?: ChannelContext;
  private settings?: EmailInboxSettings;
  private poller?: ImapPoller;
  private sender?: SmtpSender;
  private inboundLimit?: SenderRateLimit;

  constructor(private readonly deps: EmailAdapterDeps = {}) {}

  /** SMTP out: runs in every hub process. */
  async start(ctx: ChannelContext): Promise<void> {
    if (this.sender) return;
    const settings = parseEmailSettings(ctx.settings);
    this.ctx = ctx;
    this.settings = settings;
    const logger = ctx.logger.child({ channel: 'email' });
    const loopValue = loopValueOf(settings);
    const nowMs = this.deps.now ? () => (this.deps.now as () => Date)().getTime() : Date.now;
    this.inboundLimit = new SenderRateLimit(settings.rateLimitPerSenderPerHour, nowMs);

    this.sender = new SmtpSender({
      smtp: settings.smtp,
      fromAddress: settings.fromAddress,
      ...(settings.fromName ? { fromName: settings.fromName } : {}),
      loopValue,
      replyTo: (out) => this.replyToFor(out),
      ...(settings.appendToSent ? { sentCopy: { imap: settings.imap, mailbox: settings.sentMailbox } } : {}),
      automaticRateLimit: new SenderRateLimit(settings.rateLimitPerSenderPerHour, nowMs),
      logger: logger.child({ module: 'email.smtp' }),
      ...(this.deps.createSmtpTransport ? { createTransport: this.deps.createSmtpTransport } : {}),
      ...(this.deps.createImapClient ? { createImapClient: this.deps.createImapClient } : {}),
      ...(this.deps.timeoutMs ? { timeoutMs: this.deps.timeoutMs } : {}),
      ...(this.deps.now ? { now: this.deps.now } : {}),
    });
  }

  /** IMAP in: one poller per inbox across processes (the runtime calls this while holding the session lease). */
  async startSession(ctx: ChannelContext): Promise<void> {
    if (this.poller) return;
    await this.start(ctx);
    const settings = this.settings as EmailInboxSettings;
    const logger = ctx.logger.child({ channel: 'email' });
    this.poller = new ImapPoller({
      imap: settings.imap,
      ctx: { ...ctx, logger },
      toEvents: (raw, rawRef) => this.toEvents(raw, rawRef),
      pollIntervalMs: settings.pollIntervalSeconds * 1000,
      importExisting: settings.importExisting,
      ...(this.deps.backoff ? { backoff: this.deps.backoff } : {}),
      ...(this.deps.idleDelayMs ? { idleDelayMs: this.deps.idleDelayMs } : {}),
      ...(this.deps.timeoutMs ? { timeoutMs: this.deps.timeoutMs } : {}),
      ...(this.deps.createImapClient ? { createClient: this.deps.createImapClient } : {}),
    });
    await this.poller.start();
  }

  async stopSession(): Promise<void> {
    const poller = this.poller;
    this.poller = undefined;
    await poller?.stop();
  }

  private replyToFor(out: OutboundMessage): string | undefined {
    const s = this.settings;
    if (!s) return undefined;
    if (s.replyToStyle === 'address') return s.replyToAddress;
    if (s.replyToStyle === 'ticket') return this.deps.replyAddressFor?.(out);
    return undefined;
  }

  private async toEvents(raw: Buffer, rawRef: string): Promise<InboundEventInput[]> {
    const s = this.settings as EmailInboxSettings;
    const { inbound, fingerprint } = await (this.deps.mailReader ?? sharedMailReader).read(raw, {
      inboxId: (this.ctx as ChannelContext).inboxId,
      rawRef,
      loopValues: [loopValueOf(s), s.fromAddress.toLowerCase()],
      ownAddresses: [s.fromAddress, ...(s.replyToAddress ? [s.replyToAddress] : [])],
      ...(this.deps.now ? { nowIso: this.deps.now().toISOString() } : {}),
    });
    const received = inbound.event;
    if (inbound.ownMail) {
      (this.ctx as ChannelContext).logger.info({ providerKey: received.providerKey, why: inbound.ownMail }, 'our own mail came back: dropped');
      return [];
    }
    if (received.threading.messageId) {
      await keyApartFromSharedMessageId((this.ctx as ChannelContext).state, received.threading.messageId, fingerprint, inbound.events);
    }
    if (!received.automated && received.sender.email && this.inboundLimit?.hit(received.sender.email, received.providerKey)) {
      received.automated = true;
      (this.ctx as ChannelContext).logger.info({ providerKey: received.providerKey }, 'sender over the hourly rate: mail flagged automated');
    }
    return inbound.events;
  }

  async send(out: EmailOutboundMessage): Promise<SendResult> {
    if (!this.sender) throw new ChannelError('CHANNEL_NOT_STARTED', 'email inbox is not running', true);
    return this.sender.send(out);
  }

  async checkHealth(): Promise<ChannelHealth> {
    return (
      this.poller?.currentHealth() ?? {
        status: 'unknown',
        detail: this.sender ? 'IMAP runs in another hub process' : 'not started',
        checkedAt: new Date(),
      }
    );
  }

  /** Settings screen "test connection" for the running inbox's settings. */
  async testConnection(timeoutMs?: number): Promise<ConnectionTestResult> {
    if (!this.settings) throw new ChannelError('CHANNEL_NOT_STARTED', 'email inbox is not running', false);
    return testEmailConnection(this.settings, timeoutMs ? { timeoutMs } : {});
  }

  async stop(): Promise<void> {
    await this.stopSession();
    this.sender?.close();
    this.sender = undefined;
  }

  /** For tests: the running poller. */
  get imapPoller(): ImapPoller | undefined {
    return this.poller;
  }
}
