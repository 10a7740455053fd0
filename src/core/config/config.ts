import { z } from 'zod';
import path from 'node:path';
import { ValidationError } from '../errors/app-error.js';
import { isTimeZone } from '../routing/time-window.js';

/**
 * The only reader of process.env. Every key is listed in .env.example.
 * Secrets have no defaults here; the composition root decides whether an
 * embedded install may generate one (see secrets/instance-secret.ts).
 */

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://').optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  EMBEDDED_DB: z.enum(['auto', 'memory-server', 'ferretdb']).default('auto'),
  FERRETDB_BINARY: z.string().optional(),
  // Bound on the first-run MongoDB download for the embedded database (then FerretDB, or a clear error).
  EMBEDDED_DB_DOWNLOAD_TIMEOUT_SECONDS: z.coerce.number().int().positive().max(3600).default(180),
  // Several hub processes: Socket.IO events, presence and viewers shared through this Redis.
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').optional(),

  SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  ADMIN_EMAIL: z.string().email().default('admin@ponte.local'),
  ADMIN_PASSWORD: z
    .string()
    .min(10, 'must be at least 10 characters')
    .refine((p) => Buffer.byteLength(p, 'utf8') <= 72, 'must be at most 72 bytes (bcrypt reads no further)')
    .optional(),

  SESSION_TTL_HOURS: z.coerce.number().positive().max(24 * 90).default(12),
  COOKIE_SECURE: bool.optional(),
  TRUST_PROXY: bool.default(false),
  // Per account (a guessed password) and per client address (an office behind one NAT shares it).
  LOGIN_MAX_ATTEMPTS: z.coerce.number().int().positive().default(10),
  LOGIN_MAX_ATTEMPTS_PER_ADDRESS: z.coerce.number().int().positive().default(100),
  LOGIN_WINDOW_MINUTES: z.coerce.number().positive().default(15),

  DEV_INBOUND_ENABLED: bool.default(false),

  // New web chat conversations (a visitor's first message): per client address and window, and in total per minute.
  WEBCHAT_NEW_PER_ADDRESS: z.coerce.number().int().positive().default(10),
  WEBCHAT_NEW_PER_ADDRESS_WINDOW_MINUTES: z.coerce.number().positive().default(60),
  WEBCHAT_NEW_PER_MINUTE: z.coerce.number().int().positive().default(60),
  // Live visitor sockets at once: per visitor (a person's open tabs, plus a few dropped ones not yet timed out)
  // and per client address (generous: an office NAT or a mobile carrier puts many visitors behind one).
  WEBCHAT_SOCKETS_PER_VISITOR: z.coerce.number().int().positive().default(10),
  WEBCHAT_SOCKETS_PER_ADDRESS: z.coerce.number().int().positive().default(500),
  // When a tab refused for the per-visitor cap tries again by itself (the per-address refusal waits twice as long).
  WEBCHAT_SOCKET_RETRY_SECONDS: z.coerce.number().int().positive().max(150).default(15),

  // How long /api/health waits for the database's ping before it reports it down.
  HEALTH_DB_TIMEOUT_MS: z.coerce.number().int().min(50).max(30_000).default(2000),

  MAX_ATTACHMENT_BYTES: z.coerce.number().int().positive().default(25 * 1024 * 1024),
  MAX_MESSAGE_ATTACHMENTS_BYTES: z.coerce.number().int().positive().default(40 * 1024 * 1024),
  REOPEN_WINDOW_DAYS: z.coerce.number().nonnegative().default(7),
  // Checked here: an unknown zone (a typo) passed, and every auto-acknowledgement then failed on Intl's RangeError.
  ORG_TIMEZONE: z.string().refine(isTimeZone, 'unknown time zone (an IANA name such as Europe/Berlin)').default('UTC'),

  OUTBOUND_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(6),
  OUTBOUND_BACKOFF_BASE_MS: z.coerce.number().int().min(10).default(5000),
  OUTBOUND_BACKOFF_MAX_MS: z.coerce.number().int().min(10).default(15 * 60 * 1000),
  JOBS_POLL_MS: z.coerce.number().int().min(50).optional(),
  INGEST_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(30_000),
  INGEST_SWEEP_MIN_AGE_MS: z.coerce.number().int().min(0).default(10_000),
  // How often the embedded FerretDB is asked for everything pending (a full scan there; MongoDB uses the sweep interval).
  FULL_SWEEP_INTERVAL_MS: z.coerce.number().int().min(1000).default(3_600_000),

  WEBHOOK_MAX_BYTES: z.coerce.number().int().min(1024).max(50 * 1024 * 1024).default(1024 * 1024),
  SESSION_LEASE_TTL_MS: z.coerce.number().int().min(300).default(30_000),

  TELEGRAM_API_ROOT: z.string().url().default('https://api.telegram.org'),
  GRAPH_API_BASE_URL: z.string().url().default('https://graph.facebook.com/v21.0'),
  TWILIO_API_BASE_URL: z.string().url().optional(),
  /** The browser WhatsApp Web runs in (Debian's chromium; on other systems, your Chrome/Chromium binary). */
  WHATSAPP_CHROMIUM_PATH: z.string().min(1).default('/usr/bin/chromium'),
  /** SLA: warn this long before a due time; look for warnings and breaches this often; unassign on breach. */
  SLA_WARNING_LEAD_MINUTES: z.coerce.number().int().min(0).max(24 * 60).default(15),
  SLA_SCAN_INTERVAL_MS: z.coerce.number().int().min(100).default(30_000),
  SLA_BREACH_UNASSIGN: bool.default(false),
  /** An agent without a console socket this long is offline: their unstarted chats go back to the queue. */
  AGENT_OFFLINE_GRACE_MS: z.coerce.number().int().min(0).default(60_000),
});

export type Config = ReturnType<typeof toConfig>;

/** Every environment variable the configuration reads (.env.example lists the same, a unit test checks). */
export const CONFIG_KEYS: readonly string[] = Object.keys(EnvSchema.shape);

function toConfig(env: z.infer<typeof EnvSchema>) {
  const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, '');
  return {
    port: env.PORT,
    host: env.HOST,
    publicUrl,
    logLevel: env.LOG_LEVEL,
    database: {
      uri: env.MONGODB_URI,
      dataDir: path.resolve(env.DATA_DIR),
      embedded: env.EMBEDDED_DB,
      ferretdbBinary: env.FERRETDB_BINARY,
      downloadTimeoutMs: env.EMBEDDED_DB_DOWNLOAD_TIMEOUT_SECONDS * 1000,
    },
    redisUrl: env.REDIS_URL,
    secretKey: env.SECRET_KEY,
    admin: { email: env.ADMIN_EMAIL.toLowerCase(), password: env.ADMIN_PASSWORD },
    auth: {
      sessionTtlMs: env.SESSION_TTL_HOURS * 3600_000,
      cookieSecure: env.COOKIE_SECURE ?? publicUrl.startsWith('https://'),
      trustProxy: env.TRUST_PROXY,
      loginMaxAttempts: env.LOGIN_MAX_ATTEMPTS,
      loginMaxAttemptsPerAddress: env.LOGIN_MAX_ATTEMPTS_PER_ADDRESS,
      loginWindowMs: env.LOGIN_WINDOW_MINUTES * 60_000,
    },
    devInboundEnabled: env.DEV_INBOUND_ENABLED,
    webchat: {
      newPerAddress: env.WEBCHAT_NEW_PER_ADDRESS,
      newPerAddressWindowMs: env.WEBCHAT_NEW_PER_ADDRESS_WINDOW_MINUTES * 60_000,
      newPerMinute: env.WEBCHAT_NEW_PER_MINUTE,
      socketsPerVisitor: env.WEBCHAT_SOCKETS_PER_VISITOR,
      socketsPerAddress: env.WEBCHAT_SOCKETS_PER_ADDRESS,
      socketRetrySeconds: env.WEBCHAT_SOCKET_RETRY_SECONDS,
    },
    health: { databaseTimeoutMs: env.HEALTH_DB_TIMEOUT_MS },
    limits: {
      maxAttachmentBytes: env.MAX_ATTACHMENT_BYTES,
      maxMessageAttachmentsBytes: env.MAX_MESSAGE_ATTACHMENTS_BYTES,
    },
    tickets: { reopenWindowMs: env.REOPEN_WINDOW_DAYS * 86_400_000, timeZone: env.ORG_TIMEZONE },
    outbound: {
      maxAttempts: env.OUTBOUND_MAX_ATTEMPTS,
      backoffBaseMs: env.OUTBOUND_BACKOFF_BASE_MS,
      backoffMaxMs: env.OUTBOUND_BACKOFF_MAX_MS,
    },
    jobs: { pollMs: env.JOBS_POLL_MS },
    ingest: { sweepIntervalMs: env.INGEST_SWEEP_INTERVAL_MS, sweepMinAgeMs: env.INGEST_SWEEP_MIN_AGE_MS, fullSweepIntervalMs: env.FULL_SWEEP_INTERVAL_MS },
    webhooks: { maxBodyBytes: env.WEBHOOK_MAX_BYTES },
    sessions: { leaseTtlMs: env.SESSION_LEASE_TTL_MS },
    sla: { warningLeadMs: env.SLA_WARNING_LEAD_MINUTES * 60_000, scanIntervalMs: env.SLA_SCAN_INTERVAL_MS, breachUnassign: env.SLA_BREACH_UNASSIGN },
    assignment: { offlineGraceMs: env.AGENT_OFFLINE_GRACE_MS },
    platforms: {
      telegramApiRoot: env.TELEGRAM_API_ROOT,
      graphApiBaseUrl: env.GRAPH_API_BASE_URL,
      twilioApiBaseUrl: env.TWILIO_API_BASE_URL,
      whatsappChromiumPath: env.WHATSAPP_CHROMIUM_PATH,
    },
  };
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings in .env files mean "unset", not "empty value".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw new ValidationError(
      `Invalid configuration: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      issues,
    );
  }
  return toConfig(parsed.data);
}
