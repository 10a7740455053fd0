import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { rawCollection } from '../db/raw-collection.js';
import { findByIds } from '../db/find-by-ids.js';
import type { Contact } from '../models/contact.js';
import { isFerretDb } from '../db/schema-indexes.js';
import type { Models } from '../models/registry.js';
import { onContactWrites, type ContactWrites } from './contact-writes.js';
import { drainDirty } from '../sync/drain-dirty.js';

/** Changed contacts taken per round of re-reads. */
const READ_WIDTH = 16;

/**
 * The contacts list's order on the embedded database: every contact not merged away with its `updatedAt`,
 * held in memory. FerretDB answers "the 50 most recently updated contacts" by reading and sorting every
 * contact (4.3 s at 50,000 tickets); from this order the list reads its 50 by `_id`.
 *
 * Built from the contacts at start (one read, in the background); kept by re-reading a contact by `_id`
 * after every write of it — mongoose writes are reported by the schema's hooks, raw-driver inserts by
 * their writer (`contact-writes.ts`); a write whose filter names no `_id` makes it rebuild, and lists
 * query meanwhile. Only on FerretDB, where one hub process owns the database and sees every write;
 * MongoDB serves the list from its `updatedAt` index.
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

  constructor(
    private readonly connection: Connection,
    private readonly models: Models,
    private readonly logger: Logger,
  ) {}

  /**
   * `after`: the build waits for it. The open-work projection goes first: both read a whole collection, and
   * the inbox lists wait for the projection (31 s instead of 19 s at 50,000 tickets when built side by side);
   * the contacts list queries until the order is built.
   */
  async start(after?: Promise<unknown>): Promise<void> {
    this.enabled = await isFerretDb(this.connection);
    if (!this.enabled) return;
    this.stopListening = onContactWrites(this.connection, (written) => this.written(written));
    this.rebuildInBackground(after);
  }

  stop(): Promise<void> {
    this.stopListening?.();
    this.stopListening = undefined;
    return this.settled();
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

  private rebuildInBackground(after?: Promise<unknown>): void {
    if (this.rebuilding) {
      // A rebuild already reading may have passed the change: read again once it is done.
      this.again = true;
      return;
    }
    this.rebuilding = (async () => {
      try {
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
