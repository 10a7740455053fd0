import { z } from 'zod';

/**
 * Settings of one email inbox, as stored (encrypted) on the inbox and handed to the
 * adapter decrypted in `ctx.settings`. Passwords are never logged or returned.
 */

const host = z.string().trim().min(1).max(255);
const port = z.coerce.number().int().min(1).max(65535);

export const ImapSettingsSchema = z.object({
  host,
  port: port.default(993),
  /** true: implicit TLS (993). false: plain connection upgraded with STARTTLS when offered. */
  secure: z.boolean().default(true),
  user: z.string().min(1).max(320),
  password: z.string().min(1).max(1000),
  mailbox: z.string().min(1).max(500).default('INBOX'),
  /** Verify the server certificate (turn off only for self-signed test servers). */
  tlsRejectUnauthorized: z.boolean().default(true),
});
export type ImapSettings = z.infer<typeof ImapSettingsSchema>;

export const SmtpSettingsSchema = z.object({
  host,
  port: port.default(587),
  /** true: implicit TLS (465). false: STARTTLS when offered (587/25). */
  secure: z.boolean().default(false),
  user: z.string().max(320).optional(),
  password: z.string().max(1000).optional(),
  tlsRejectUnauthorized: z.boolean().default(true),
});
export type SmtpSettings = z.infer<typeof SmtpSettingsSchema>;

export const ReplyToStyleSchema = z.enum([
  /** No Reply-To: replies go to From. */
  'none',
  /** Reply-To: `replyToAddress` (e.g. sending from a relay address). */
  'address',
  /** Reply-To: a signed per-ticket address supplied by the core (see EmailAdapterDeps.replyAddressFor). */
  'ticket',
]);
export type ReplyToStyle = z.infer<typeof ReplyToStyleSchema>;

export const EmailInboxSettingsSchema = z
  .object({
    imap: ImapSettingsSchema,
    smtp: SmtpSettingsSchema,
    fromAddress: z.string().email().max(320),
    fromName: z.string().max(200).optional(),
    replyToStyle: ReplyToStyleSchema.default('none'),
    replyToAddress: z.string().email().max(320).optional(),
    /** APPEND a copy of each sent mail to `sentMailbox` over IMAP. */
    appendToSent: z.boolean().default(false),
    sentMailbox: z.string().min(1).max(500).default('Sent'),
    /** Fallback check interval; IDLE normally reports new mail at once. */
    pollIntervalSeconds: z.coerce.number().int().min(1).max(3600).default(60),
    /**
     * More mail than this from one sender within an hour is flagged automated (no
     * auto-replies to it), and automatic mails to one recipient beyond it are refused. 0: off.
     */
    rateLimitPerSenderPerHour: z.coerce.number().int().min(0).max(100_000).default(20),
    /** X-Loop value we stamp and recognise; defaults to fromAddress. */
    loopToken: z.string().min(1).max(320).optional(),
    /** First start (no cursor yet): import mail already in the mailbox, or only newer mail. */
    importExisting: z.boolean().default(true),
  })
  .refine((s) => s.replyToStyle !== 'address' || !!s.replyToAddress, {
    message: 'replyToAddress is required when replyToStyle is "address"',
    path: ['replyToAddress'],
  })
  // Our own sent copies would come back in as new mail.
  .refine((s) => !s.appendToSent || s.sentMailbox.toLowerCase() !== s.imap.mailbox.toLowerCase(), {
    message: 'sentMailbox must not be the mailbox that is read',
    path: ['sentMailbox'],
  });
export type EmailInboxSettings = z.infer<typeof EmailInboxSettingsSchema>;
export type EmailInboxSettingsInput = z.input<typeof EmailInboxSettingsSchema>;

/** Paths of the secret fields, for the core's encryption / redaction. */
export const EMAIL_SECRET_PATHS = ['imap.password', 'smtp.password'] as const;

export function loopValueOf(settings: Pick<EmailInboxSettings, 'loopToken' | 'fromAddress'>): string {
  return (settings.loopToken ?? settings.fromAddress).toLowerCase();
}
