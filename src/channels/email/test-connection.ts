import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { isIP } from 'node:net';
import { classifyNetworkError, errorMessage, isAuthFailure, type ConnectionErrorCode } from './connection-errors.js';
import { imapClientOptions } from './imap-client-options.js';
import type { ImapSettings, SmtpSettings } from './settings.js';

/**
 * "Test connection" for the inbox settings screen: IMAP login + mailbox check and
 * SMTP verify (EHLO, STARTTLS, AUTH), each answered with one precise cause.
 */

export type ConnectionCheck =
  | { ok: true; durationMs: number }
  | { ok: false; code: ConnectionErrorCode | 'UNKNOWN'; message: string; durationMs: number };

export interface ConnectionTestResult {
  imap: ConnectionCheck;
  smtp: ConnectionCheck;
}

export interface ConnectionTestOptions {
  timeoutMs?: number;
  createImapClient?: (o: ImapFlowOptions) => ImapFlow;
  createTransport?: (o: SMTPTransport.Options) => Transporter<SMTPTransport.SentMessageInfo>;
}

export function classifyConnectionError(err: unknown): { code: ConnectionErrorCode | 'UNKNOWN'; message: string } {
  const message = errorMessage(err);
  if (isAuthFailure(err)) return { code: 'AUTH_FAILED', message };
  const responseCode = (err as { responseCode?: unknown })?.responseCode;
  if (responseCode === 535 || responseCode === 534) return { code: 'AUTH_FAILED', message };
  const net = classifyNetworkError(err);
  if (net) return { code: net, message };
  if ((err as { mailboxMissing?: unknown })?.mailboxMissing === true || /NONEXISTENT|doesn't exist|does not exist|unknown mailbox/i.test(message)) {
    return { code: 'MAILBOX_NOT_FOUND', message };
  }
  if ((err as { code?: unknown })?.code === 'EPROTOCOL') return { code: 'PROTOCOL_ERROR', message };
  return { code: 'UNKNOWN', message };
}

async function timed(fn: () => Promise<void>): Promise<ConnectionCheck> {
  const t0 = Date.now();
  try {
    await fn();
    return { ok: true, durationMs: Date.now() - t0 };
  } catch (err) {
    return { ok: false, ...classifyConnectionError(err), durationMs: Date.now() - t0 };
  }
}

/** Overall deadline: a server that accepts TCP but never speaks would otherwise hang the check. */
function withDeadline<T>(p: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => {
        onTimeout();
        reject(Object.assign(new Error(`no answer within ${ms} ms`), { code: 'ETIMEDOUT' }));
      }, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export function testImapConnection(settings: ImapSettings, options: ConnectionTestOptions = {}): Promise<ConnectionCheck> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  return timed(async () => {
    const create = options.createImapClient ?? ((o: ImapFlowOptions) => new ImapFlow(o));
    const client = create({ ...imapClientOptions(settings, timeoutMs), disableAutoIdle: true, socketTimeout: timeoutMs });
    client.on('error', () => undefined);
    try {
      await withDeadline(
        (async () => {
          await client.connect();
          const boxes = await client.list();
          const wanted = settings.mailbox.toUpperCase() === 'INBOX' ? 'INBOX' : settings.mailbox;
          if (!boxes.some((b) => (wanted === 'INBOX' ? b.path.toUpperCase() === 'INBOX' : b.path === wanted))) {
            throw Object.assign(new Error(`mailbox "${settings.mailbox}" does not exist`), { mailboxMissing: true });
          }
        })(),
        timeoutMs,
        () => client.close(),
      );
    } finally {
      await Promise.race([client.logout().catch(() => undefined), new Promise((r) => setTimeout(r, 1_000))]);
      client.close();
    }
  });
}

export function testSmtpConnection(settings: SmtpSettings, options: ConnectionTestOptions = {}): Promise<ConnectionCheck> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  return timed(async () => {
    const config: SMTPTransport.Options = {
      host: settings.host,
      port: settings.port,
      secure: settings.secure,
      ...(settings.user ? { auth: { user: settings.user, pass: settings.password ?? '' } } : {}),
      tls: { rejectUnauthorized: settings.tlsRejectUnauthorized, ...(isIP(settings.host) ? {} : { servername: settings.host }) },
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      logger: false,
    };
    const transport = (options.createTransport ?? ((o) => nodemailer.createTransport(o)))(config);
    try {
      await withDeadline(transport.verify().then(() => undefined), timeoutMs + 1_000, () => transport.close());
    } finally {
      transport.close();
    }
  });
}

export async function testEmailConnection(
  settings: { imap: ImapSettings; smtp: SmtpSettings },
  options: ConnectionTestOptions = {},
): Promise<ConnectionTestResult> {
  const [imap, smtp] = await Promise.all([testImapConnection(settings.imap, options), testSmtpConnection(settings.smtp, options)]);
  return { imap, smtp };
}
