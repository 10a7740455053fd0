import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { isDuplicateKeyError } from '../db/duplicate-key.js';
import { leaseGenerationId, leaseHeadId, type SessionLeaseDoc } from '../models/session-lease.js';
import type { Models } from '../models/registry.js';

export interface HeldLease {
  inboxId: string;
  generation: number;
  holder: string;
  expiresAt: Date;
}

export interface LeaseInfo {
  holder: string;
  expiresAt: Date;
  generation: number;
}

/** `host:pid:random` — readable in the console, unique per process start. */
export const newHolderId = () => `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

/** Generations kept behind the newest, for the record; older ones are deleted on takeover. */
const KEEP_GENERATIONS = 3;

/**
 * One owner per stateful channel session (IMAP poller, WhatsApp session, Telegram long polling) across hub
 * processes sharing a database.
 *
 * Claim: find the newest generation (the head hint, then probe `_id`s forward — reads by `_id` only, which
 * the embedded FerretDB serves from an index); if it is held and unexpired, someone else owns the session;
 * otherwise insert generation n+1 — the unique `_id` lets exactly one claimer win, on MongoDB and FerretDB
 * alike. Renew: the holder checks that no generation n+1 exists and pushes its own expiry forward. A holder
 * whose heartbeat could not land before its expiry stops by itself (fencing by its own clock), so two
 * sessions overlap at most one heartbeat interval, and only after a holder stalled for a whole TTL.
 */
export class SessionLeases {
  private readonly known = new Map<string, number>();

  constructor(
    private readonly models: Models,
    readonly holderId: string,
    readonly ttlMs: number,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** The newest generation and its document (undefined when nobody ever claimed the inbox). */
  private async newest(inboxId: string): Promise<SessionLeaseDoc | undefined> {
    let generation = this.known.get(inboxId);
    if (generation === undefined) {
      const head = await this.models.SessionLease.findById(leaseHeadId(inboxId)).lean();
      generation = head?.generation ?? 0;
    }
    let doc = generation > 0 ? await this.models.SessionLease.findById(leaseGenerationId(inboxId, generation)).lean() : null;
    for (;;) {
      const next = await this.models.SessionLease.findById(leaseGenerationId(inboxId, generation + 1)).lean();
      if (!next) break;
      generation++;
      doc = next;
    }
    this.known.set(inboxId, generation);
    return doc ?? undefined;
  }

  /** Who holds the inbox's session now, if anyone. */
  async current(inboxId: string): Promise<LeaseInfo | undefined> {
    const doc = await this.newest(inboxId);
    if (!doc?.holder || doc.released || !doc.expiresAt || doc.expiresAt.getTime() <= this.now()) return undefined;
    return { holder: doc.holder, expiresAt: doc.expiresAt, generation: doc.generation };
  }

  /** Claims the session if nobody holds it; undefined when another process does (or won the race). */
  async tryClaim(inboxId: string): Promise<HeldLease | undefined> {
    const doc = await this.newest(inboxId);
    const live = doc && !doc.released && doc.expiresAt && doc.expiresAt.getTime() > this.now();
    if (live) return undefined;
    const generation = (doc?.generation ?? this.known.get(inboxId) ?? 0) + 1;
    const at = new Date(this.now());
    const expiresAt = new Date(at.getTime() + this.ttlMs);
    try {
      await this.models.SessionLease.collection.insertOne({
        _id: leaseGenerationId(inboxId, generation),
        inboxId,
        generation,
        holder: this.holderId,
        expiresAt,
        claimedAt: at,
        renewedAt: at,
      } as never);
    } catch (err) {
      if (isDuplicateKeyError(err)) {
        this.known.set(inboxId, generation);
        return undefined;
      }
      throw err;
    }
    this.known.set(inboxId, generation);
    // Hints only: a lost or stale head costs a few extra `_id` probes, never correctness.
    await this.models.SessionLease.updateOne(
      { _id: leaseHeadId(inboxId) },
      { $set: { inboxId, generation } },
      { upsert: true },
    ).catch((err: unknown) => this.logger.debug({ err, inboxId }, 'lease head hint not written'));
    if (generation > KEEP_GENERATIONS + 1) {
      const old = Array.from({ length: KEEP_GENERATIONS }, (_, i) => generation - KEEP_GENERATIONS - 1 - i).filter((g) => g > 0);
      await Promise.all(old.map((g) => this.models.SessionLease.deleteOne({ _id: leaseGenerationId(inboxId, g) }))).catch(
        () => undefined,
      );
    }
    this.logger.info({ inboxId, generation, holder: this.holderId }, 'session lease claimed');
    return { inboxId, generation, holder: this.holderId, expiresAt };
  }

  /** Extends the lease; false when it is lost (taken over, or this process missed its own expiry). */
  async renew(lease: HeldLease): Promise<boolean> {
    if (this.now() >= lease.expiresAt.getTime()) return false;
    const successor = await this.models.SessionLease.findById(leaseGenerationId(lease.inboxId, lease.generation + 1)).lean();
    if (successor) return false;
    const at = new Date(this.now());
    const expiresAt = new Date(at.getTime() + this.ttlMs);
    await this.models.SessionLease.updateOne(
      { _id: leaseGenerationId(lease.inboxId, lease.generation) },
      { $set: { expiresAt, renewedAt: at } },
    );
    lease.expiresAt = expiresAt;
    return true;
  }

  /** Gives the session up at once (shutdown, inbox disabled), so another process need not wait for expiry. */
  async release(lease: HeldLease): Promise<void> {
    await this.models.SessionLease.updateOne(
      { _id: leaseGenerationId(lease.inboxId, lease.generation) },
      { $set: { released: true, expiresAt: new Date(this.now()) } },
    );
    this.logger.info({ inboxId: lease.inboxId, generation: lease.generation }, 'session lease released');
  }
}
