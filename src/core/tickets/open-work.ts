import type { Collection } from 'mongodb';
import { Types, type Connection } from 'mongoose';
import type { Logger } from 'pino';
import { isFerretDb } from '../db/schema-indexes.js';
import { rawCollection } from '../db/raw-collection.js';
import type { DomainEventBus } from '../events/event-bus.js';
import type { Models } from '../models/registry.js';
import type { Ticket } from '../models/ticket.js';
import { isOpenWork, openWorkFields, toOpenWorkEntry, type OpenWorkEntry } from './open-work-entry.js';
import { activeStatuses } from './ticket-enums.js';

/** Buckets the open work is spread over: each read is this many `_id` lookups, each write rewrites one bucket. */
export const OPEN_WORK_BUCKETS = 16;
const COLLECTION = 'open_work';
/** Tickets re-read at once while applying changes. */
const READ_WIDTH = 32;

interface Bucket {
  _id: string;
  /** Entries by ticket id. */
  e: Record<string, OpenWorkEntry>;
}

export const bucketIdOf = (ticketId: string) => `bucket:${parseInt(ticketId.slice(-4), 16) % OPEN_WORK_BUCKETS}`;
const bucketIds = Array.from({ length: OPEN_WORK_BUCKETS }, (_, k) => `bucket:${k}`);

/**
 * The open-work projection: every ticket still waiting on someone, as a small
 * entry, kept in OPEN_WORK_BUCKETS documents read by `_id`. The embedded
 * FerretDB answers any other query by reading the whole tickets collection
 * (0.1 ms a ticket and more); the inbox views agents live in (mine, unassigned,
 * department, all open, SLA order) are served from these few documents instead,
 * filtered and sorted in memory (`open-work-query.ts`).
 *
 * Kept true by re-reading a ticket (by `_id`) after every domain event about it
 * — every ticket write publishes one, or calls `touched` — and rewriting its
 * entry in its bucket. Writes are applied by one loop per process, so two
 * changes never race on one bucket (FerretDB's updates are read-modify-write).
 * Rebuilt from the tickets on every start, so a crash between a ticket write and
 * its entry's write leaves nothing stale; reads fall back to the tickets query
 * until the rebuild is done. Only on FerretDB: there one process owns the
 * database; MongoDB serves the same views from indexes (index-coverage test).
 */
export class OpenWork {
  private readonly dirty = new Set<string>();
  private loop: Promise<void> | null = null;
  private rebuilding: Promise<void> | null = null;
  private enabled = false;
  private isReady = false;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly connection: Connection,
    private readonly models: Models,
    private readonly bus: DomainEventBus,
    private readonly logger: Logger,
  ) {}

  private get buckets(): Collection<Bucket> {
    return this.connection.db!.collection<Bucket>(COLLECTION);
  }

  /** Subscribes and rebuilds in the background; `ready()` tells when reads may use it. */
  async start(): Promise<void> {
    this.enabled = await isFerretDb(this.connection);
    if (!this.enabled) return;
    this.unsubscribe = this.bus.subscribe((event) => {
      if ('scope' in event && event.scope.ticketId) this.touched(event.scope.ticketId);
    });
    await this.rebuildInBackground();
  }

  /** Rebuilds now (start-up, or the `open-work:rebuild` command); changes seen meanwhile are applied after it. */
  rebuildInBackground(): Promise<void> {
    if (this.rebuilding) return this.rebuilding;
    this.rebuilding = (async () => {
      try {
        await this.loop;
        await this.rebuild();
      } catch (err) {
        this.logger.error({ err }, 'open-work rebuild failed; inbox reads stay on the tickets query');
      } finally {
        this.rebuilding = null;
        if (this.dirty.size && !this.loop) this.loop = this.applyAll();
      }
    })();
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    return this.settled();
  }

  /** Whether list reads may be answered from the projection (FerretDB, rebuilt since start). */
  get ready(): boolean {
    return this.isReady;
  }

  /** Resolves once the start-up rebuild has finished (or failed); true when reads use the projection. */
  async whenReady(): Promise<boolean> {
    await this.rebuilding;
    return this.isReady;
  }

  /** A ticket changed (or may have): its entry is rewritten from the ticket as it is now. */
  touched(ticketId: string): void {
    if (!this.enabled) return;
    this.dirty.add(ticketId);
    if (!this.loop && !this.rebuilding) this.loop = this.applyAll();
  }

  /** Resolves when every change seen so far is written (a read after a write sees it). */
  async settled(): Promise<void> {
    while (this.loop || this.rebuilding) await (this.loop ?? this.rebuilding);
  }

  /** Every entry, read-your-writes within this process. */
  async entries(): Promise<OpenWorkEntry[]> {
    await this.settled();
    const docs = await Promise.all(bucketIds.map((_id) => this.buckets.findOne({ _id })));
    const out: OpenWorkEntry[] = [];
    for (const d of docs) if (d?.e) out.push(...Object.values(d.e));
    return out;
  }

  /** Replaces every bucket with entries built from the tickets (one read of the tickets collection). */
  private async rebuild(): Promise<void> {
    const t0 = performance.now();
    const byBucket = new Map<string, Record<string, OpenWorkEntry>>(bucketIds.map((id) => [id, {}]));
    const open = await rawCollection(this.models.Ticket)
      .find({ status: { $in: [...activeStatuses] } }, { projection: openWorkFields })
      .toArray();
    for (const t of open) {
      if (!isOpenWork(t)) continue;
      const id = String(t._id);
      byBucket.get(bucketIdOf(id))![id] = toOpenWorkEntry(t);
    }
    for (const [_id, e] of byBucket) await this.buckets.replaceOne({ _id }, { e }, { upsert: true });
    this.isReady = true;
    this.logger.info({ open: open.length, ms: Math.round(performance.now() - t0) }, 'open-work projection rebuilt');
  }

  private async applyAll(): Promise<void> {
    try {
      while (this.dirty.size) {
        const ids = [...this.dirty];
        this.dirty.clear();
        for (let k = 0; k < ids.length; k += READ_WIDTH) await this.apply(ids.slice(k, k + READ_WIDTH));
      }
    } catch (err) {
      // The entry may be stale until the ticket's next change or the next start; the tickets are intact.
      this.logger.error({ err }, 'open-work update failed');
    } finally {
      this.loop = null;
    }
  }

  private async apply(ids: string[]): Promise<void> {
    const tickets = await Promise.all(ids.map((id) => rawCollection(this.models.Ticket).findOne({ _id: new Types.ObjectId(id) }, { projection: openWorkFields })));
    const updates = new Map<string, { $set: Record<string, OpenWorkEntry>; $unset: Record<string, 1> }>();
    ids.forEach((id, k) => {
      const t = tickets[k] as (Ticket & OpenWorkEntry) | null;
      const bucket = bucketIdOf(id);
      const u = updates.get(bucket) ?? { $set: {}, $unset: {} };
      if (t && isOpenWork(t)) u.$set[`e.${id}`] = toOpenWorkEntry(t);
      else u.$unset[`e.${id}`] = 1;
      updates.set(bucket, u);
    });
    for (const [_id, u] of updates) {
      const update: Record<string, unknown> = {};
      if (Object.keys(u.$set).length) update.$set = u.$set;
      if (Object.keys(u.$unset).length) update.$unset = u.$unset;
      await this.buckets.updateOne({ _id }, update, { upsert: true });
    }
  }
}
