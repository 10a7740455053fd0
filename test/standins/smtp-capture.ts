import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';

/**
 * A loopback SMTP server (nodemailer's `smtp-server`) that captures what it receives,
 * or rejects it with a chosen reply code at a chosen stage.
 */

export interface CapturedMail {
  envelope: { from: string; to: string[] };
  raw: Buffer;
  authUser?: string;
  receivedAt: Date;
  parse(): Promise<ParsedMail>;
}

export type RejectStage = 'mail' | 'rcpt' | 'data';

export interface Rejection {
  stage: RejectStage;
  /** SMTP reply code, e.g. 550 or 451. */
  code: number;
  /** Reply text after the code, e.g. `5.1.1 <x@y>: Recipient address rejected: User unknown`. */
  message: string;
  /** How many transactions to reject; default: until cleared. */
  times?: number;
}

export interface SmtpCaptureOptions {
  /** When set, AUTH is required with these credentials. */
  auth?: { user: string; pass: string };
}

export interface SmtpCapture {
  host: string;
  port: number;
  messages: CapturedMail[];
  reject(rejection: Rejection): void;
  clearRejection(): void;
  /** Resolves when at least `count` messages were captured. */
  waitFor(count: number, timeoutMs?: number): Promise<CapturedMail[]>;
  stop(): Promise<void>;
}

class SmtpReplyError extends Error {
  constructor(
    message: string,
    readonly responseCode: number,
  ) {
    super(message);
  }
}

export async function startSmtpCapture(options: SmtpCaptureOptions = {}): Promise<SmtpCapture> {
  const messages: CapturedMail[] = [];
  let rejection: (Rejection & { left: number }) | undefined;
  const waiters = new Set<() => void>();

  const maybeReject = (stage: RejectStage): SmtpReplyError | undefined => {
    if (!rejection || rejection.stage !== stage || rejection.left <= 0) return undefined;
    rejection.left -= 1;
    const err = new SmtpReplyError(rejection.message, rejection.code);
    if (rejection.left <= 0) rejection = undefined;
    return err;
  };

  const server = new SMTPServer({
    secure: false,
    disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !options.auth,
    allowInsecureAuth: true,
    logger: false,
    banner: 'Ponte test SMTP capture',
    onAuth(auth, _session, callback) {
      if (options.auth && auth.username === options.auth.user && auth.password === options.auth.pass) {
        callback(null, { user: auth.username });
      } else {
        callback(new SmtpReplyError('5.7.8 Authentication credentials invalid', 535));
      }
    },
    onMailFrom(_address: SMTPServerAddress, _session: SMTPServerSession, callback) {
      callback(maybeReject('mail') ?? null);
    },
    onRcptTo(_address: SMTPServerAddress, _session: SMTPServerSession, callback) {
      callback(maybeReject('rcpt') ?? null);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const err = maybeReject('data');
        if (err) {
          callback(err);
          return;
        }
        const raw = Buffer.concat(chunks);
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        messages.push({
          envelope: { from, to: session.envelope.rcptTo.map((r) => r.address) },
          raw,
          authUser: typeof session.user === 'string' ? session.user : undefined,
          receivedAt: new Date(),
          parse: () => simpleParser(raw),
        });
        for (const w of waiters) w();
        callback();
      });
    },
  });
  server.on('error', () => undefined);

  await new Promise<void>((resolve, reject) => {
    server.listen(0, '127.0.0.1', () => resolve());
    server.server.once('error', reject);
  });
  const port = (server.server.address() as AddressInfo).port;

  return {
    host: '127.0.0.1',
    port,
    messages,
    reject(r) {
      rejection = { ...r, left: r.times ?? Number.POSITIVE_INFINITY };
    },
    clearRejection() {
      rejection = undefined;
    },
    waitFor(count, timeoutMs = 10_000) {
      if (messages.length >= count) return Promise.resolve(messages.slice());
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (messages.length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(messages.slice());
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`smtp capture: ${messages.length}/${count} messages after ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    stop() {
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
