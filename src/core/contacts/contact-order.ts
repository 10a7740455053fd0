import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { rawCollection } from '../db/raw-collection.js';
import { findByIds } from '../db/find-by-ids.js';
import type { Contact } from '../models/contact.js';
import { isFerretDb } from '../db/schema-indexes.js';
import type { Models } from '../models/registry.js';
import { onContactWrites, type ContactWrites } from './contact-writes.js';
import { drainDirty } from '../sync/drain-dirty.js';
import { readPaced } from '../sync/paced-read.js';
import type { SnapshotParts } from '../sync/stop-snapshots.js';

/** Changed contacts taken per round of re-reads. */
const READ_WIDTH = 16;
/** Its part in a stop snapshot: `{ id, at }` (updatedAt in ms; objects: FerretDB stores no arrays in arrays). */
const PART = 'contact-order';
/** Contacts read between two pauses while a restored order is verified. */
const VERIFY_BATCH = 500;
/** The verification's share of the database's time (see readPaced), and its shortest pause. */
const VERIFY_SHARE = 1 / 3;
const VERIFY_MIN_PAUSE_MS = 20;

/**
 * The contacts list's order on the embedded database: every contact not merged away with its `updatedAt`,
 * held in memory. FerretDB answers "the 50 most recently updated contacts" by reading and sorting every
 * contact (4.3 s at 50,000 tickets); from this order the list reads its 50 by `_id`.
 *
 * Built from the contacts at start (one read, in the background); kept by re-reading a contact by `_id`
 * after every write of it — mongoose writes are reported by the schema's hooks, raw-driver inserts by
 * their writer (`contact-writes.ts`); a write whose filter names no `_id` makes it rebuild, and lists
 * query meanwhile. Only on FerretDB, where one hub process owns the database and sees every write;
 * MongoDB serves the list from its `updatedAt` index. A clean stop writes the order once (`snapshotParts`); the
 * next start takes it and verifies it against the contacts in the background, as the open-work projection does.
 */
export class ContactOrder {
  private enabled = false;
  private isReady = false;
  private readonly updatedAt = new Map<string, number>();
  /** Ids newest first, computed on demand after a change. */
  private sorted: string[] | null = null;
  private readonly dirty = new Set<string>();
  private loop: Promise<void> | null = null;
  private rebuilding: Promise<void> | null = null;
  /** A write naming no contact came while a rebuild was reading: it reads once more. */
  private again = false;
  private stopListening: (() => void) | undefined;
  private verifying: Promise<void> | null = null;
  private stopping = false;

  constructor(
    private readonly connection: Connection,
    private readonly models: Models,
    private readonly logger: Logger,
  ) {}

  /**
   * `after`: the build waits for it. The open-work projection goes first: both read a whole collection, and
   * the inbox lists wait for the projection (31 s instead of 19 s at 50,000 tickets when built side by side);
   * the contacts list queries until the order is built. `snapshot`: a clean stop's, being read; the order is
   * restored from it (then verified after `after`) when it has one.
   */
  async start(after?: Promise<unknown>, snapshot?: Promise<SnapshotParts | undefined>): Promise<void> {
    this.enabled = await isFerretDb(this.connection);
    if (!this.enabled) return;
    this.stopping = false;
    this.stopListening = onContactWrites(this.connection, (written) => this.written(written));
    this.rebuildInBackground(after, snapshot);
  }

  async stop(): Promise<void> {
    this.stopListening?.();
    this.stopListening = undefined;
    this.stopping = true;
    await this.verifying;
    await this.settled();
  }

  /** The order for a stop snapshot, once stopped; undefined when it is not complete. */
  snapshotParts(): Record<string, unknown[]> | undefined {
    if (!this.enabled || !this.isReady || this.rebuilding || this.loop) return undefined;
    return { [PART]: [...this.updatedAt].map(([id, at]) => ({ id, at })) };
  }

  /** Resolves once the start's restore has been verified against the contacts, or its rebuild is done. */
  async verified(): Promise<void> {
    await this.rebuilding;
    await this.verifying;
  }

  /** Resolves once the rebuild under way has finished; true when lists may use the order. */
  async whenReady(): Promise<boolean> {
    await this.rebuilding;
    return this.isReady;
  }

  /**
   * The first `take` contact ids, most recently updated first, that `accept` lets through, read-your-writes
   * within this process; `undefined` when the order cannot answer (MongoDB, or being rebuilt): query.
   */
  async newest(take: number, accept: (contactId: string) => boolean = () => true): Promise<string[] | undefined> {
    if (!this.isReady) return undefined;
    await this.settled();
    if (!this.isReady) return undefined;
    this.sorted ??= [...this.updatedAt]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0))
      .map(([id]) => id);
    const out: string[] = [];
    for (const id of this.sorted) {
      if (out.length >= take) break;
      if (accept(id)) out.push(id);
    }
    return out;
  }

  private written(written: ContactWrites): void {
    if (!this.enabled) return;
    if (written === 'unknown') {
      this.isReady = false;
      this.rebuildInBackground();
      return;
    }
    for (const w of written) {
      // While a rebuild reads, any change is read again after it (the rebuild may have read it before).
      if (typeof w === 'string' || this.rebuilding) this.dirty.add(typeof w === 'string' ? w : w.id);
      // Known values, no read: a new contact, or a newer stamp on one already listed (a merged one is not).
      else if (w.inserted || this.updatedAt.has(w.id)) {
        this.updatedAt.set(w.id, w.updatedAt.getTime());
        this.sorted = null;
      } else this.dirty.add(w.id);
    }
    if (this.dirty.size && !this.loop && !this.rebuilding) this.loop = this.applyAll();
  }

  private async settled(): Promise<void> {
    while (this.loop || this.rebuilding) await (this.loop ?? this.rebuilding);
  }

  private rebuildInBackground(after?: Promise<unknown>, snapshot?: Promise<SnapshotParts | undefined>): void {
    if (this.rebuilding) {
      // A rebuild already reading may have passed the change: read again once it is done.
      this.again = true;
      return;
    }
    this.rebuilding = (async () => {
      try {
        const parts = await snapshot;
        // Not after a write that names no contact, seen while the snapshot was being read: that one rebuilds.
        if (parts && !this.again && this.restore(parts)) {
          this.verifying = this.verify(after).finally(() => (this.verifying = null));
          return;
        }
        await after?.catch(() => undefined);
        do {
          this.again = false;
          await this.loop;
          await this.rebuild();
        } while (this.again);
      } catch (err) {
        this.isReady = false;
        this.logger.error({ err }, 'contact order rebuild failed; the contacts list stays on the query');
      } finally {
        this.rebuilding = null;
        if (this.dirty.size && !this.loop) this.loop = this.applyAll();
      }
    })();
  }

  private async rebuild(): Promise<void> {
    const t0 = performance.now();
    const all = await rawCollection(this.models.Contact).find({}, { projection: { updatedAt: 1, mergedInto: 1 } }).toArray();
    this.updatedAt.clear();
    for (const c of all) if (!c.mergedInto && c.updatedAt) this.updatedAt.set(String(c._id), new Date(c.updatedAt).getTime());
    this.sorted = null;
    this.isReady = true;
    this.logger.info({ contacts: this.updatedAt.size, ms: Math.round(performance.now() - t0) }, 'contact order rebuilt');
  }

  /** Takes the order of a stop snapshot; false when it has none. */
  private restore(snapshot: SnapshotParts): boolean {
    const pairs = snapshot.get(PART) as Array<{ id: string; at: number }> | undefined;
    if (!pairs?.every((p) => typeof p?.id === 'string' && typeof p.at === 'number')) return false;
    this.updatedAt.clear();
    for (const { id, at } of pairs) this.updatedAt.set(id, at);
    this.sorted = null;
    this.isReady = true;
    this.logger.info({ contacts: pairs.length }, 'contact order restored from the stop snapshot');
    return true;
  }

  /**
   * Reads every contact, slowly (after `after`: the open-work verification reads the tickets first), and re-reads
   * by `_id` each one the order holds otherwise: a contact write the order missed would otherwise outlive restarts.
   */
  private async verify(after?: Promise<unknown>): Promise<void> {
    await after?.catch(() => undefined);
    const t0 = performance.now();
    const seen = new Set<string>();
    const differ: string[] = [];
    try {
      const cursor = rawCollection(this.models.Contact).find({}, { projection: { updatedAt: 1, mergedInto: 1 }, batchSize: VERIFY_BATCH });
      const { read, complete } = await readPaced(cursor, { batch: VERIFY_BATCH, share: VERIFY_SHARE, minPauseMs: VERIFY_MIN_PAUSE_MS, stopped: () => this.stopping }, (c) => {
        const id = String(c._id);
        seen.add(id);
        const want = !c.mergedInto && c.updatedAt ? new Date(c.updatedAt).getTime() : undefined;
        if (want !== this.updatedAt.get(id)) differ.push(id);
      });
      if (!complete) return;
      for (const id of this.updatedAt.keys()) if (!seen.has(id)) differ.push(id);
      for (const id of differ) this.dirty.add(id);
      if (this.dirty.size && !this.loop && !this.rebuilding) this.loop = this.applyAll();
      const log = { contacts: read, reread: differ.length, ms: Math.round(performance.now() - t0) };
      if (differ.length) this.logger.warn(log, 'contact order snapshot verified: contacts that differed were re-read');
      else this.logger.info(log, 'contact order snapshot verified');
    } catch (err) {
      this.logger.error({ err }, 'contact order snapshot verification failed; the order is kept and follows changes as usual');
    }
  }

  private async applyAll(): Promise<void> {
    try {
      await drainDirty(this.dirty, READ_WIDTH, (ids) => this.apply(ids));
    } catch (err) {
      // Lists go back to the query until the order is rebuilt.
      this.logger.error({ err }, 'contact order update failed');
      this.isReady = false;
      this.loop = null;
      this.rebuildInBackground();
      return;
    } finally {
      this.loop = null;
    }
  }

  private async apply(ids: string[]): Promise<void> {
    const contacts = await findByIds<Pick<Contact, 'updatedAt' | 'mergedInto'>>(this.models.Contact, ids, { updatedAt: 1, mergedInto: 1 });
    ids.forEach((id, k) => {
      const c = contacts[k];
      if (c && !c.mergedInto && c.updatedAt) this.updatedAt.set(id, new Date(c.updatedAt).getTime());
      else this.updatedAt.delete(id);
    });
    this.sorted = null;
  }
}
