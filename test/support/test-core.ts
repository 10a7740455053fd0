import type { Types } from 'mongoose';
import { loadConfig, type Config } from '../../src/core/config/config.js';
import { createCore, type Core } from '../../src/core/create-core.js';
import type { ChannelRegistry } from '../../src/core/domain/channel-adapter.js';
import type { ChannelKind } from '../../src/core/domain/channel-kind.js';
import type { InboundEventInput } from '../../src/core/domain/inbound-event.js';
import type { DomainEvent } from '../../src/core/events/domain-events.js';
import { createLogger } from '../../src/core/logging/logger.js';
import { hashPassword } from '../../src/core/auth/passwords.js';
import { toViewer } from '../../src/core/auth/session-service.js';
import type { UserRole } from '../../src/core/models/user.js';
import type { Viewer } from '../../src/core/users/viewer.js';
import { MapRegistry } from './fake-channel.js';
import { startTestDatabase, type TestDatabase } from './test-database.js';
import { modelsOf } from '../../src/core/models/models-of.js';
import type { Clock } from '../../src/core/time/clock.js';

export const TEST_SECRET = 'test-secret-'.padEnd(48, 'x');

export interface TestCore {
  db: TestDatabase;
  core: Core;
  config: Config;
  registry: MapRegistry;
  events: DomainEvent[];
  /** Stops the core and the database (and nothing else). */
  stop(): Promise<void>;
}

/** A core on its own FerretDB, with fast job polling and backoff for tests. */
/** `clock`: the time of the SLA engine and automation (tests move it, never wait). */
export async function startTestCore(env: Record<string, string> = {}, existing?: TestDatabase, channels?: ChannelRegistry, clock?: Clock): Promise<TestCore> {
  const db = existing ?? (await startTestDatabase());
  const config = loadConfig({
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    JOBS_POLL_MS: '100',
    OUTBOUND_BACKOFF_BASE_MS: '20',
    OUTBOUND_BACKOFF_MAX_MS: '200',
    INGEST_SWEEP_INTERVAL_MS: '600000',
    DATA_DIR: db.dataDir,
    ...env,
  });
  const registry = new MapRegistry();
  // Like an embedded hub, a core on a database of its own owns it; a second core on it (another process)
  // makes every core there treat it as shared.
  for (const other of db.cores ?? []) other.shareDatabase();
  const core = createCore({ config, connection: db.connection, logger: createLogger(config.logLevel), secret: TEST_SECRET, channels: channels ?? registry, ownsDatabase: !existing, ...(clock ? { clock } : {}) });
  db.cores = [...(db.cores ?? []), core];
  const events: DomainEvent[] = [];
  core.bus.subscribe((e) => {
    events.push(e);
  });
  await core.start();
  return {
    db,
    core,
    config,
    registry,
    events,
    async stop() {
      await core.stop();
      if (!existing) await db.stop();
    },
  };
}

export async function createInbox(core: Core, kind: ChannelKind = 'sms', extra: { departmentId?: Types.ObjectId; name?: string } = {}) {
  const [inbox] = await modelsOf(core).Inbox.insertMany([
    { kind, name: extra.name ?? `${kind}-${Math.random().toString(36).slice(2, 8)}`, publicSettings: {}, health: { status: 'unknown' }, ...(extra.departmentId ? { departmentId: extra.departmentId } : {}) },
  ]);
  return inbox!;
}

let userSeq = 0;
export async function createUser(core: Core, role: UserRole = 'agent', departmentIds: Types.ObjectId[] = [], password = 'correct horse battery'): Promise<Viewer & { password: string }> {
  userSeq++;
  const [user] = await modelsOf(core).User.insertMany([
    { email: `user${userSeq}-${Date.now()}@example.com`, name: `User ${userSeq}`, role, departmentIds, passwordHash: await hashPassword(password) },
  ]);
  return { ...toViewer(user!), password };
}

export type MessageReceivedInput = Extract<InboundEventInput, { type: 'message.received' }>;

export function smsEvent(inboxId: string, opts: { sid: string; from?: string; text?: string; at?: Date; conversationId?: string }): MessageReceivedInput {
  const from = opts.from ?? '+5511987654321';
  return {
    type: 'message.received',
    providerKey: `sms:${opts.sid}`,
    inboxId,
    occurredAt: opts.at ?? new Date(),
    providerMessageId: opts.sid,
    sender: { handle: from, phone: from },
    text: opts.text ?? `hello ${opts.sid}`,
    attachments: [],
    threading: { conversationId: opts.conversationId ?? from },
  };
}

export function emailEvent(
  inboxId: string,
  opts: { messageId: string; from: string; subject: string; inReplyTo?: string; references?: string[]; to?: string[]; text?: string; at?: Date },
): MessageReceivedInput {
  const root = opts.references?.[0] ?? opts.inReplyTo ?? opts.messageId;
  return {
    type: 'message.received',
    providerKey: `mail:${inboxId}:${opts.messageId}`,
    inboxId,
    occurredAt: opts.at ?? new Date(),
    sender: { handle: opts.from, email: opts.from },
    text: opts.text ?? 'body',
    attachments: [],
    threading: {
      conversationId: root,
      messageId: opts.messageId,
      subject: opts.subject,
      ...(opts.inReplyTo ? { inReplyTo: opts.inReplyTo } : {}),
      ...(opts.references ? { references: opts.references } : {}),
      participants: opts.to ?? ['support@example.com'],
    },
  };
}
