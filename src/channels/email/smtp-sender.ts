import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import nodemailer, { type Transporter } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { Logger } from 'pino';
import { SenderSchema } from '../../core/domain/inbound-event.js';
import type { OutboundMessage, SendResult } from '../../core/domain/channel-adapter.js';
import { ChannelError } from '../../core/errors/app-error.js';
import { imapClientOptions } from './imap-client-options.js';
import { capReferences, parseMessageId, parseMessageIdList } from './message-id-parsing.js';
import { buildOutboundSubject } from './outbound-subject.js';
import type { SenderRateLimit } from './sender-rate-limit.js';
import type { ImapSettings, SmtpSettings } from './settings.js';
import { mapSmtpError } from './smtp-errors.js';

/**
 * Outbound mail over SMTP (nodemailer). The message is composed once to bytes, sent
 * with an explicit envelope, and the same bytes are optionally APPENDed to the
 * Sent folder, so the copy there is exactly what the customer received.
 */

/**
 * OutboundMessage plus the flag the core sets on mails no agent wrote (auto-acks,
 * notifications). Those carry `Auto-Submitted: auto-replied` (RFC 3834) and
 * `X-Auto-Response-Suppress: All`, and are rate limited per recipient.
 */
export type EmailOutboundMessage = OutboundMessage & { automatic?: boolean };

export interface SmtpSenderOptions {
  smtp: SmtpSettings;
  fromAddress: string;
  fromName?: string;
  /** X-Loop value stamped on every mail. */
  loopValue: string;
  /** Reply-To for a message, if any. */
  replyTo?: (out: OutboundMessage) => string | undefined;
  /** APPEND a copy to this mailbox over IMAP after sending. */
  sentCopy?: { imap: ImapSettings; mailbox: string };
  automaticRateLimit?: SenderRateLimit;
  logger: Logger;
  createTransport?: (options: SMTPTransport.Options) => Transporter<SMTPTransport.SentMessageInfo>;
  createImapClient?: (options: ImapFlowOptions) => ImapFlow;
  /** Connection, greeting and socket timeouts. Default 30 s. */
  timeoutMs?: number;
  now?: () => Date;
}

export interface ComposedMail {
  raw: Buffer;
  messageId: string;
  envelope: { from: string; to: string[] };
}

const emailField = SenderSchema.shape.email;

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1) || 'localhost';
}

export class SmtpSender {
  private transport?: Transporter<SMTPTransport.SentMessageInfo>;

  constructor(private readonly options: SmtpSenderOptions) {}

  private getTransport(): Transporter<SMTPTransport.SentMessageInfo> {
    if (!this.transport) {
      const s = this.options.smtp;
      const timeout = this.options.timeoutMs ?? 30_000;
      const config: SMTPTransport.Options = {
        host: s.host,
        port: s.port,
        secure: s.secure,
        ...(s.user ? { auth: { user: s.user, pass: s.password ?? '' } } : {}),
        tls: { rejectUnauthorized: s.tlsRejectUnauthorized, ...(isIP(s.host) ? {} : { servername: s.host }) },
        connectionTimeout: timeout,
        greetingTimeout: timeout,
        socketTimeout: timeout * 2,
        name: domainOf(this.options.fromAddress),
        logger: false,
      };
      this.transport = (this.options.createTransport ?? ((o) => nodemailer.createTransport(o)))(config);
    }
    return this.transport;
  }

  /** The mail as it will be sent (also used for the Sent copy and in tests). */
  async compose(out: EmailOutboundMessage): Promise<ComposedMail> {
    const recipient = (out.to.email ?? out.to.handle ?? '').trim();
    if (!emailField.safeParse(recipient).success) {
      throw new ChannelError('INVALID_RECIPIENT', `not an email address: ${recipient.slice(0, 100)}`, false);
    }
    const messageId =
      parseMessageId(out.threading.messageId) ??
      `<ponte.${randomBytes(16).toString('hex')}@${domainOf(this.options.fromAddress)}>`;
    const inReplyTo = parseMessageId(out.threading.inReplyTo);
    let references = parseMessageIdList((out.threading.references ?? []).join(' '));
    if (inReplyTo && !references.includes(inReplyTo)) references.push(inReplyTo);
    references = capReferences(references, 50);
    const reply = !!inReplyTo || references.length > 0;
    const replyTo = this.options.replyTo?.(out);

    const headers: Record<string, string> = { 'X-Loop': this.options.loopValue };
    if (out.automatic) {
      headers['Auto-Submitted'] = 'auto-replied';
      headers['X-Auto-Response-Suppress'] = 'All';
    }
    const mail: Mail.Options = {
      from: { name: this.options.fromName ?? '', address: this.options.fromAddress },
      to: { name: out.to.displayName ?? '', address: recipient },
      subject: buildOutboundSubject(out.subject, out.ticketNumber, { reply }),
      text: out.text,
      ...(out.html ? { html: out.html } : {}),
      messageId,
      date: (this.options.now ?? (() => new Date()))(),
      ...(inReplyTo ? { inReplyTo } : {}),
      ...(references.length ? { references } : {}),
      ...(replyTo ? { replyTo } : {}),
      headers,
      attachments: out.attachments.map((a) => ({ filename: a.fileName, contentType: a.mimeType, content: a.content })),
    };
    const raw = await new MailComposer(mail).compile().build();
    return { raw, messageId, envelope: { from: this.options.fromAddress, to: [recipient] } };
  }

  async send(out: EmailOutboundMessage): Promise<SendResult> {
    const composed = await this.compose(out);
    const limiter = this.options.automaticRateLimit;
    if (out.automatic && limiter?.hit(composed.envelope.to[0] as string, out.messageId)) {
      throw new ChannelError('AUTO_REPLY_RATE_LIMITED', `too many automatic mails to ${composed.envelope.to[0]} in the last hour`, false);
    }
    try {
      await this.getTransport().sendMail({ envelope: composed.envelope, raw: composed.raw });
    } catch (err) {
      const mapped = mapSmtpError(err);
      this.options.logger.warn({ code: mapped.code, retryable: mapped.retryable, messageId: out.messageId, ticketId: out.ticketId }, 'smtp send failed');
      throw mapped;
    }
    const sentAt = new Date();
    if (this.options.sentCopy) await this.appendToSent(composed.raw, sentAt);
    return { providerMessageId: composed.messageId, sentAt };
  }

  /** Copy to the Sent folder. Failure is logged, never fails the (already done) send. */
  private async appendToSent(raw: Buffer, sentAt: Date): Promise<void> {
    const copy = this.options.sentCopy;
    if (!copy) return;
    const create = this.options.createImapClient ?? ((o: ImapFlowOptions) => new ImapFlow(o));
    const client = create({ ...imapClientOptions(copy.imap, this.options.timeoutMs ?? 30_000), disableAutoIdle: true });
    client.on('error', () => undefined);
    try {
      await client.connect();
      try {
        await client.append(copy.mailbox, raw, ['\\Seen'], sentAt);
      } catch (err) {
        // RFC 3501: [TRYCREATE] means the mailbox does not exist yet.
        if ((err as { serverResponseCode?: unknown }).serverResponseCode !== 'TRYCREATE') throw err;
        await client.mailboxCreate(copy.mailbox);
        await client.append(copy.mailbox, raw, ['\\Seen'], sentAt);
      }
    } catch (err) {
      this.options.logger.warn({ err: { message: (err as Error).message }, mailbox: copy.mailbox }, 'could not append the sent mail to the Sent folder');
    } finally {
      await client.logout().catch(() => client.close());
    }
  }

  async verify(): Promise<void> {
    await this.getTransport().verify();
  }

  close(): void {
    this.transport?.close();
    this.transport = undefined;
  }
}
