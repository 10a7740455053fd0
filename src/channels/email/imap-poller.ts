import { createHash } from 'node:crypto';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import type { Logger } from 'pino';
import type { ChannelContext, ChannelHealth } from '../../core/domain/channel-adapter.js';
import { InboundEventSchema, type InboundEventInput } from '../../core/domain/inbound-event.js';
import { classifyNetworkError, errorMessage, isAuthFailure } from './connection-errors.js';
import { imapClientOptions } from './imap-client-options.js';
import { addresslessSenderKey } from './mapper.js';
import type { ImapSettings } from './settings.js';

/**
 * Inbound mail: one IMAP connection per inbox, IDLE for immediate notice plus a
 * periodic check as a fallback. The cursor `(mailbox, UIDVALIDITY, lastUid)` lives
 * in `ctx.state` and moves past a message only after `ctx.emit` resolved for it, so
 * a crash, a dropped connection or a restart re-reads at most the message in flight
 * (and the core drops it as a duplicate by providerKey). A new UIDVALIDITY means the
 * UIDs mean something else now: read the whole mailbox again, dedupe does the rest.
 */

export interface ImapCursor {
  mailbox: string;
  /** UIDVALIDITY as a decimal string (it is a 32-bit unsigned value, imapflow gives a bigint). */
  uidValidity: string;
  lastUid: number;
}

export const IMAP_CURSOR_KEY = 'imap.cursor';

export type PollerContext = Pick<ChannelContext, 'inboxId' | 'state' | 'blobs' | 'emit' | 'reportHealth' | 'logger'>;

export interface ImapPollerOptions {
  imap: ImapSettings;
  ctx: PollerContext;
  /** Raw message + id of its stored copy → the events to emit. */
  toEvents(raw: Buffer, rawRef: string): Promise<InboundEventInput[]>;
  /** Fallback check interval, ms. */
  pollIntervalMs: number;
  /** With no cursor yet: read mail already in the mailbox (true) or only what arrives later. */
  importExisting?: boolean;
  /** Reconnect backoff: doubles from initialMs up to maxMs, with ±20 % jitter. */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Messages fetched per FETCH command. */
  batchSize?: number;
  /** Connect/greeting timeout, ms. */
  timeoutMs?: number;
  /** Idle time before imapflow enters IDLE, ms. */
  idleDelayMs?: number;
  createClient?: (options: ImapFlowOptions) => ImapFlow;
}

class StoppedError extends Error {
  constructor() {
    super('poller stopped');
  }
}

export class ImapPoller {
  private readonly log: Logger;
  private stopping = false;
  private loop?: Promise<void>;
  private client?: ImapFlow;
  private pending = false;
  /** The periodic check also verifies UIDVALIDITY (a mailbox rebuilt under a live session). */
  private verifyPending = false;
  private wake?: () => void;
  private sleepTimer?: NodeJS.Timeout;
  private sleepResolve?: () => void;
  private pollTimer?: NodeJS.Timeout;
  private failures = 0;
  private health: ChannelHealth = { status: 'unknown', checkedAt: new Date() };
  private reportedStatus?: string;
  private firstAttempt?: { resolve: () => void };
  /** The mail whose emit failed last (`uidValidity:uid`) and how many times in a row. */
  private emitFailures = { key: '', count: 0 };

  constructor(private readonly options: ImapPollerOptions) {
    this.log = options.ctx.logger.child({ module: 'email.imap', mailbox: options.imap.mailbox });
  }

  /** Starts the connection loop; resolves after the first connect-and-sync attempt (it never throws). */
  async start(): Promise<void> {
    if (this.loop) return;
    this.stopping = false;
    const first = new Promise<void>((resolve) => (this.firstAttempt = { resolve }));
    this.loop = this.run();
    await first;
  }

  /** Ask for a check now (e.g. after the core knows new mail arrived). */
  syncNow(): void {
    this.pending = true;
    this.wake?.();
  }

  currentHealth(): ChannelHealth {
    return this.health;
  }

  /** Stops after the message in flight; no emit happens after this resolves. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.wake?.();
    if (this.sleepTimer) clearTimeout(this.sleepTimer);
    this.sleepResolve?.();
    const loop = this.loop;
    if (loop) {
      // Give the message in flight a moment, then cut the connection; never hang forever
      // on an emit that does not return (the loop emits nothing more once stopping is set).
      const cut = setTimeout(() => this.client?.close(), 5_000);
      let giveUp: NodeJS.Timeout | undefined;
      await Promise.race([loop, new Promise<void>((r) => (giveUp = setTimeout(r, 15_000)))]);
      clearTimeout(cut);
      clearTimeout(giveUp);
    }
    this.loop = undefined;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.session();
      } catch (err) {
        if (!(err instanceof StoppedError) && !this.stopping) await this.onError(err);
      } finally {
        this.firstAttempt?.resolve();
      }
      if (this.stopping) break;
      // `failures` counts consecutive failed sessions; a successful sync resets it.
      await this.sleep(this.backoffMs(Math.max(0, this.failures - 1)));
    }
  }

  private backoffMs(attempt: number): number {
    const initial = this.options.backoff?.initialMs ?? 1_000;
    const max = this.options.backoff?.maxMs ?? 5 * 60_000;
    const base = Math.min(max, initial * 2 ** Math.min(attempt, 30));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.sleepResolve = resolve;
      this.sleepTimer = setTimeout(resolve, ms);
    });
  }

  private async onError(err: unknown): Promise<void> {
    this.failures += 1;
    const cause = isAuthFailure(err) ? 'AUTH_FAILED' : (classifyNetworkError(err) ?? 'ERROR');
    const detail = `${cause}: ${errorMessage(err)}`;
    this.log.warn({ err: { message: errorMessage(err), code: (err as { code?: unknown })?.code }, failures: this.failures }, 'imap session failed; reconnecting with backoff');
    await this.setHealth(this.failures >= 3 ? 'down' : 'degraded', detail);
  }

  private async setHealth(status: ChannelHealth['status'], detail?: string): Promise<void> {
    this.health = { status, ...(detail ? { detail } : {}), checkedAt: new Date() };
    const key = `${status}:${detail ?? ''}`;
    if (this.reportedStatus === key) return;
    this.reportedStatus = key;
    await this.options.ctx.reportHealth({ status, ...(detail ? { detail } : {}) }).catch((e: unknown) => {
      this.log.warn({ err: { message: errorMessage(e) } }, 'could not report channel health');
    });
  }

  private async session(): Promise<void> {
    const { imap } = this.options;
    const create = this.options.createClient ?? ((o: ImapFlowOptions) => new ImapFlow(o));
    const client = create({
      ...imapClientOptions(imap, this.options.timeoutMs ?? 30_000),
      autoIdleDelay: this.options.idleDelayMs ?? 2_000,
      maxIdleTime: 5 * 60_000,
    });
    this.client = client;
    let closed = false;
    let lastError: unknown;
    const closedPromise = new Promise<void>((resolve) => {
      client.once('close', () => {
        closed = true;
        this.wake?.();
        resolve();
      });
    });
    client.on('error', (err: Error) => {
      lastError = err;
    });
    client.on('exists', () => this.syncNow());
    try {
      this.log.debug({ host: imap.host, port: imap.port }, 'imap connecting');
      await client.connect();
      if (this.stopping) throw new StoppedError();
      const box = await client.mailboxOpen(imap.mailbox);
      this.log.debug({ uidValidity: box.uidValidity.toString(), uidNext: box.uidNext, exists: box.exists }, 'imap mailbox open');
      this.pollTimer = setInterval(() => {
        this.verifyPending = true;
        this.syncNow();
      }, this.options.pollIntervalMs);
      this.pending = true;
      for (;;) {
        await this.waitForWork(() => closed);
        if (this.stopping) throw new StoppedError();
        if (closed) throw lastError ?? new Error('IMAP connection closed');
        const verify = this.verifyPending;
        this.verifyPending = false;
        if (verify) await this.reselect(client);
        await this.syncOnce(client);
        if (this.failures > 0 || this.health.status !== 'ok') {
          this.failures = 0;
          await this.setHealth('ok');
        }
        this.firstAttempt?.resolve();
      }
    } catch (err) {
      if (closed && lastError && !(err instanceof StoppedError)) throw lastError;
      throw err;
    } finally {
      if (this.pollTimer) clearInterval(this.pollTimer);
      this.pollTimer = undefined;
      this.client = undefined;
      if (!closed) {
        await Promise.race([client.logout().catch(() => undefined), new Promise((r) => setTimeout(r, 2_000))]);
        client.close();
      }
      await Promise.race([closedPromise, new Promise((r) => setTimeout(r, 1_000))]);
    }
  }

  private async waitForWork(isClosed: () => boolean): Promise<void> {
    while (!this.pending && !this.stopping && !isClosed()) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
    this.pending = false;
  }

  private async loadCursor(mailbox: string, uidValidity: string, uidNext: number): Promise<ImapCursor> {
    const { state } = this.options.ctx;
    const stored = await state.get<ImapCursor>(IMAP_CURSOR_KEY);
    if (stored && stored.mailbox === mailbox && stored.uidValidity === uidValidity && Number.isInteger(stored.lastUid)) {
      return stored;
    }
    let lastUid = 0;
    if (stored) {
      this.log.warn(
        { previous: { mailbox: stored.mailbox, uidValidity: stored.uidValidity }, mailbox, uidValidity },
        'mailbox or UIDVALIDITY changed: reading the whole mailbox again (duplicates are dropped by Message-ID)',
      );
    } else if (this.options.importExisting === false) {
      lastUid = Math.max(0, uidNext - 1);
    }
    const cursor = { mailbox, uidValidity, lastUid };
    await state.set(IMAP_CURSOR_KEY, cursor);
    return cursor;
  }

  /**
   * Some servers (Dovecot among them) keep a session on a mailbox that was deleted and
   * recreated meanwhile without a word, and answer STATUS for it from that stale view.
   * A fresh SELECT shows the mailbox as it is now; syncOnce then compares UIDVALIDITY.
   */
  private async reselect(client: ImapFlow): Promise<void> {
    const path = client.mailbox ? client.mailbox.path : this.options.imap.mailbox;
    await client.mailboxOpen(path);
    assertUsable(client);
  }

  /** Reads everything after the cursor, in UID order, emitting each message before moving on. */
  private async syncOnce(client: ImapFlow): Promise<void> {
    const box = client.mailbox;
    if (!box) throw new Error('IMAP mailbox is not selected');
    const cursor = await this.loadCursor(box.path, box.uidValidity.toString(), box.uidNext);
    const found = await client.search({ uid: `${cursor.lastUid + 1}:*` }, { uid: true });
    // imapflow answers "nothing" instead of failing once the connection is gone.
    assertUsable(client, found !== false);
    // `n:*` always matches the highest UID, even when it is below n.
    const uids = (found || []).filter((u) => u > cursor.lastUid).sort((a, b) => a - b);
    if (uids.length) this.log.debug({ count: uids.length, from: uids[0] }, 'new mail');
    for (const chunk of await this.chunks(client, uids)) {
      const messages = await client.fetchAll(chunk, { uid: true, source: true }, { uid: true });
      assertUsable(client);
      messages.sort((a, b) => a.uid - b.uid);
      for (const msg of messages) {
        if (this.stopping) throw new StoppedError();
        if (msg.uid <= cursor.lastUid) continue;
        if (!msg.source) throw new Error(`IMAP FETCH returned no body for UID ${msg.uid}`);
        await this.deliver(msg.uid, msg.source, cursor);
        cursor.lastUid = msg.uid;
        await this.options.ctx.state.set(IMAP_CURSOR_KEY, cursor);
      }
      // A UID the server did not return: either it was expunged meanwhile (move past it) or
      // the connection died under the FETCH (imapflow then resolves short) — never skip that.
      const returned = new Set(messages.map((m) => m.uid));
      const missing = chunk.filter((u) => !returned.has(u) && u > cursor.lastUid);
      if (missing.length) {
        const still = await client.search({ uid: missing.join(',') }, { uid: true });
        assertUsable(client, still !== false);
        const present = (still || []).filter((u) => missing.includes(u));
        if (present.length) throw new Error(`IMAP FETCH did not return UIDs ${present.join(',')}`);
        this.log.info({ expunged: missing }, 'mail expunged before it could be read');
        cursor.lastUid = Math.max(cursor.lastUid, ...missing);
        await this.options.ctx.state.set(IMAP_CURSOR_KEY, cursor);
      }
    }
  }

  /** Groups UIDs into FETCH batches of at most `batchSize` messages and ~20 MB. */
  private async chunks(client: ImapFlow, uids: number[]): Promise<number[][]> {
    if (uids.length === 0) return [];
    const batch = this.options.batchSize ?? 10;
    const maxBytes = 20 * 1024 * 1024;
    const sizes = new Map<number, number>();
    if (uids.length > 1) {
      for (const m of await client.fetchAll(uids, { uid: true, size: true }, { uid: true })) sizes.set(m.uid, m.size ?? 0);
      assertUsable(client);
    }
    const out: number[][] = [];
    let cur: number[] = [];
    let bytes = 0;
    for (const uid of uids) {
      const size = sizes.get(uid) ?? 0;
      if (cur.length && (cur.length >= batch || bytes + size > maxBytes)) {
        out.push(cur);
        cur = [];
        bytes = 0;
      }
      cur.push(uid);
      bytes += size;
    }
    if (cur.length) out.push(cur);
    return out;
  }

  private async deliver(uid: number, raw: Buffer, cursor: ImapCursor): Promise<void> {
    const { ctx } = this.options;
    const key = `${cursor.uidValidity}:${uid}`;
    const read = await this.beginRead(`${cursor.mailbox}:${key}`, uid, raw);
    const { rawRef } = read.record;
    let events: InboundEventInput[];
    if (read.record.unfinishedReads > MAX_UNFINISHED_READS) {
      // The reader died (or hung) on this very mail again and again: keep it aside, read the rest of the mailbox.
      this.log.error({ uid, attempts: read.record.unfinishedReads - 1, rawRef }, 'the mail reader stops on this mail every time; storing it as unreadable');
      events = [unreadableMailEvent(ctx.inboxId, raw, rawRef, 'The mail reader stopped on it every time it tried.')];
    } else {
      try {
        events = await this.options.toEvents(raw, rawRef);
        for (const e of events) {
          const check = InboundEventSchema.safeParse(e);
          if (!check.success) throw new Error(`mapped event invalid: ${check.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
        }
      } catch (err) {
        // A reader that died or could not start, or a database away (the channel state), is no fault of this mail:
        // try again after a reconnect; `unfinishedReads` counts the reader's deaths on it.
        if (isRetryableRead(err)) {
          // Only a reader that died on the mail counts against it; undo the count otherwise (best effort: a
          // database that is away may not take this write either).
          if ((err as { code?: unknown })?.code !== 'MAIL_READER_CRASHED') {
            await ctx.state.set(IN_FLIGHT_KEY, { ...read.record, unfinishedReads: read.record.unfinishedReads - 1 }).catch(() => undefined);
          }
          throw err;
        }
        // A message we cannot map must not block the mailbox: keep it as an opaque mail.
        this.log.error({ uid, err: { message: errorMessage(err) } }, 'could not map mail; storing it as unreadable');
        events = [unreadableMailEvent(ctx.inboxId, raw, rawRef)];
      }
      await this.options.ctx.state.set(IN_FLIGHT_KEY, { ...read.record, unfinishedReads: 0 });
    }
    let result: { accepted: number; duplicates: number };
    try {
      result = await emitWithinAttachmentLimits(ctx, events);
    } catch (err) {
      // The database or the network away is no fault of this mail: it waits, however long that takes.
      if (isOutage(err)) throw err;
      const failed = this.emitFailures.key === key ? this.emitFailures.count + 1 : 1;
      this.emitFailures = { key, count: failed };
      if (failed < MAX_EMIT_ATTEMPTS) throw err;
      // The same mail refused again and again (an attachment over the configured limit, a document the database
      // will not take): keep it as an unreadable mail so the mail after it gets read. Should the database itself
      // be down, this emit fails too and the mail is tried again later, as before.
      this.log.error({ uid, attempts: failed, err: { message: errorMessage(err), code: (err as { code?: unknown })?.code } }, 'mail refused by the core; storing it as unreadable');
      result = await ctx.emit([unreadableMailEvent(ctx.inboxId, raw, rawRef)]);
    }
    this.emitFailures = { key: '', count: 0 };
    // Nothing stored refers to a copy made just now (our own mail come back, a mail stored before under another
    // UID or UIDVALIDITY): remove it. A copy from an earlier attempt stays — the stored event may point to it.
    if (result.accepted === 0 && read.fresh) await ctx.blobs.delete(rawRef);
    this.log.debug({ uid, accepted: result.accepted, duplicates: result.duplicates }, 'mail emitted');
  }

  /**
   * The mail in flight, kept in the channel state: its raw copy is stored once however often the mail is tried
   * again (an emit that failed, a reconnect, a restart), and reads the reader never finished are counted, so a mail
   * that kills the reader — or the whole process — is set aside instead of tried forever.
   */
  private async beginRead(key: string, uid: number, raw: Buffer): Promise<{ record: InFlightMail; fresh: boolean }> {
    const { ctx } = this.options;
    const previous = await ctx.state.get<InFlightMail>(IN_FLIGHT_KEY);
    const same = previous?.key === key && previous.size === raw.length ? previous : undefined;
    const rawRef = same?.rawRef ?? (await ctx.blobs.put(`${ctx.inboxId}-${key.split(':').slice(-2).join('-')}.eml`, 'message/rfc822', raw));
    const record: InFlightMail = { key, size: raw.length, rawRef, unfinishedReads: (same?.unfinishedReads ?? 0) + 1 };
    await ctx.state.set(IN_FLIGHT_KEY, record);
    this.log.trace({ uid, rawRef, unfinishedReads: record.unfinishedReads }, 'reading mail');
    return { record, fresh: !same };
  }
}

/** State key of the mail being read (see `beginRead`). */
export const IN_FLIGHT_KEY = 'imap.inFlight';

interface InFlightMail {
  /** `mailbox:UIDVALIDITY:UID`. */
  key: string;
  size: number;
  rawRef: string;
  /** Reads started and not finished (the reader died, hung, or the process went down meanwhile). */
  unfinishedReads: number;
}

/** Reads of one mail the reader may die on before it is kept aside as unreadable. */
const MAX_UNFINISHED_READS = 3;

function isRetryableRead(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === 'MAIL_READER_CRASHED' || code === 'MAIL_READER_UNAVAILABLE' || isOutage(err);
}

/**
 * An attachment over the hub's configured size limits (MAX_ATTACHMENT_BYTES) makes the core refuse the whole mail.
 * The mail is then emitted with its attachments listed without their bytes, as the mapper does past its own
 * budget: the text reaches the agent, the files stay in the raw source (`rawRef`).
 */
async function emitWithinAttachmentLimits(ctx: PollerContext, events: InboundEventInput[]): Promise<{ accepted: number; duplicates: number }> {
  try {
    return await ctx.emit(events);
  } catch (err) {
    if ((err as { code?: unknown })?.code !== 'ATTACHMENT_TOO_LARGE') throw err;
    ctx.logger.warn({ err: { message: errorMessage(err) } }, 'attachments over the size limit: mail stored with them listed, bytes only in the raw source');
    return ctx.emit(
      events.map((e) =>
        e.type === 'message.received' ? { ...e, attachments: (e.attachments ?? []).map(({ contentBase64: _bytes, ...listed }) => listed) } : e,
      ),
    );
  }
}

/** Attempts (each after a reconnect with backoff) before a mail the core keeps refusing is stored as unreadable. */
const MAX_EMIT_ATTEMPTS = 3;

/** Errors of a database or network that is away (driver names, socket codes, SQLite's lock), not of a mail. */
function isOutage(err: unknown): boolean {
  const e = err as { name?: unknown; message?: unknown } | undefined;
  if (classifyNetworkError(err) !== undefined) return true;
  if (/^Mongo(Network|ServerSelection|NotConnected|Topology)|PoolCleared/.test(String(e?.name ?? ''))) return true;
  return /SQLITE_BUSY|database is locked|write lock|ECONNRESET|EPIPE|socket hang up|connection (closed|reset)/i.test(String(e?.message ?? ''));
}

function assertUsable(client: ImapFlow, answered = true): void {
  if (!client.usable) throw new Error('IMAP connection lost during a command');
  if (!client.mailbox) throw new Error('IMAP mailbox was closed by the server (deleted, renamed or rebuilt?)');
  if (!answered) throw new Error('IMAP command got no answer');
}

/** The event for a mail the mapper could not handle: findable, kept, never auto-answered. */
export function unreadableMailEvent(inboxId: string, raw: Buffer, rawRef: string, why?: string): InboundEventInput {
  const digest = createHash('sha256').update(raw).digest('hex');
  return {
    type: 'message.received',
    providerKey: `mail:${inboxId}:sha256:${digest}`,
    inboxId,
    occurredAt: new Date(),
    sender: { handle: 'unknown-sender', identityKeys: [addresslessSenderKey(inboxId, undefined)] },
    text: `This email could not be read.${why ? ` ${why}` : ''} The original message is kept and can be downloaded.`,
    attachments: [{ fileName: 'original.eml', mimeType: 'message/rfc822', size: raw.length }],
    threading: { conversationId: `<sha256:${digest}>` },
    automated: true,
    rawRef,
  };
}
