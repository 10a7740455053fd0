import { Types, type Connection } from 'mongoose';
import type { Logger } from 'pino';
import { isFerretDb } from '../db/schema-indexes.js';
import { rawCollection } from '../db/raw-collection.js';
import type { DomainEventBus } from '../events/event-bus.js';
import type { Models } from '../models/registry.js';
import type { Ticket } from '../models/ticket.js';
import { isOpenWork, openWorkFields, toOpenWorkEntry, type OpenWorkEntry } from './open-work-entry.js';
import type { TicketLocks } from './ticket-locks.js';
import { ContactTickets, type ContactTicketRow, type TicketAccess } from './contact-tickets.js';
import type { SnapshotParts } from '../sync/stop-snapshots.js';
import { canSee } from './visibility.js';
import type { Viewer } from '../users/viewer.js';
import { drainDirty } from '../sync/drain-dirty.js';
import { readPaced } from '../sync/paced-read.js';
import { findByIds } from '../db/find-by-ids.js';

/** Tickets re-read at once while applying changes. */
const READ_WIDTH = 32;
/** Where earlier versions kept the projection (bucket documents); dropped at start. */
const OLD_COLLECTION = 'open_work';
/** Its parts in a stop snapshot. */
const ENTRIES_PART = 'open-work.entries';
const CONTACTS_PART = 'open-work.contacts';
/** Tickets read between two pauses while a restored projection is verified. */
const VERIFY_BATCH = 200;
/** The verification's share of the database's time (see readPaced), and its shortest pause. */
const VERIFY_SHARE = 1 / 3;
const VERIFY_MIN_PAUSE_MS = 20;

/**
 * The open-work projection: every ticket still waiting on someone, and every
 * solved one not yet closed (`heldStatuses`), as a small entry held in this
 * process's memory. The embedded FerretDB answers any query but an `_id` lookup
 * by reading the whole tickets collection (0.1 ms a ticket and more); the inbox
 * views agents live in (mine, unassigned, department, all open, SLA order,
 * solved) are served from these entries instead, filtered and sorted in memory
 * (`open-work-query.ts`), and so are the periodic sweeps that look for tickets
 * due something (SLA alerts, auto-close, reminders: `dueScan`). Memory grows
 * with solved tickets where auto-close is off (the whole hub's heap: 161 MiB at
 * 46,597 entries, docs/benchmarks.md). Beside the entries it notes every
 * ticket's contact, closed ones included (`ContactTickets`, the contact page).
 *
 * Kept true by re-reading a ticket (by `_id`) after every domain event about it
 * — every ticket write publishes one, or calls `touched` — and replacing its
 * entry; no read when the last write of the ticket, in this process, handed over
 * the whole ticket it left (`TicketLocks.lastKnown`: the ingest path does). Built from the tickets at every start (one read of the collection), in
 * the background; lists wait for it (`readyWithin`, up to a minute). Only on FerretDB:
 * there one hub process owns the database, so this process sees every change;
 * MongoDB (several processes) serves the same views from indexes
 * (index-coverage test). Nothing is stored while the hub runs: earlier versions kept the entries in
 * bucket documents, read and rewritten on every change, which cost a database
 * round trip per list and a write per message while a restart rebuilt them anyway.
 * A clean stop writes them once (`snapshotParts`, `sync/stop-snapshots.ts`): the next start answers lists
 * from them at once and reads every ticket in the background, slowly, to verify them (`verify`) — a
 * rebuild at 50,000 tickets kept the lists waiting 18 s.
 */
export class OpenWork {
  private readonly dirty = new Set<string>();
  private loop: Promise<void> | null = null;
  private rebuilding: Promise<void> | null = null;
  private enabled = false;
  private isReady = false;
  private unsubscribe: (() => void) | undefined;

  private open = new Map<string, OpenWorkEntry>();
  /** Every ticket's contact (closed ones too), for the contact page: kept by the same reads as the entries. */
  private readonly contacts = new ContactTickets();
  /** The background verification of a restored projection, while it runs. */
  private verifying: Promise<void> | null = null;
  private stopping = false;

  constructor(
    private readonly connection: Connection,
    private readonly models: Models,
    private readonly bus: DomainEventBus,
    private readonly logger: Logger,
    private readonly locks: TicketLocks,
  ) {}

  /**
   * Subscribes, then, in the background, restores the entries from `snapshot` (a clean stop's, being read; see
   * `snapshotParts`) and verifies them, or rebuilds them; `ready` tells when reads may use them. Changes seen
   * meanwhile are applied after either.
   */
  async start(snapshot?: Promise<SnapshotParts | undefined>): Promise<void> {
    this.enabled = await isFerretDb(this.connection);
    if (!this.enabled) return;
    this.stopping = false;
    this.unsubscribe = this.bus.subscribe((event) => {
      if ('scope' in event && event.scope.ticketId) this.touched(event.scope.ticketId);
    });
    await this.connection.db!.dropCollection(OLD_COLLECTION).catch(() => undefined);
    await this.rebuildInBackground(snapshot);
  }

  /** The projection for a stop snapshot, once stopped; undefined when it is not complete (not built, or not used). */
  snapshotParts(): Record<string, unknown[]> | undefined {
    if (!this.enabled || !this.isReady || this.rebuilding || this.loop) return undefined;
    return { [ENTRIES_PART]: [...this.open.values()], [CONTACTS_PART]: this.contacts.rows() };
  }

  /** Resolves once the start's restore has been verified against the tickets, or its rebuild is done. */
  async verified(): Promise<void> {
    await this.rebuilding;
    await this.verifying;
  }

  /**
   * Builds the entries from the tickets (start-up), or from `snapshot` when it has them (then verified in the
   * background); changes seen meanwhile are applied after it.
   */
  rebuildInBackground(snapshot?: Promise<SnapshotParts | undefined>): Promise<void> {
    if (this.rebuilding) return this.rebuilding;
    this.rebuilding = (async () => {
      try {
        const parts = await snapshot;
        if (parts && this.restore(parts)) {
          this.verifying = this.verify().finally(() => (this.verifying = null));
          return;
        }
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

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.stopping = true;
    await this.verifying;
    await this.settled();
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

  /**
   * Whether the projection answers, after waiting up to `ms` for a rebuild under way: a list served by the
   * tickets query meanwhile reads every ticket (seconds at 50,000) and slows the rebuild it waits for.
   */
  async readyWithin(ms: number): Promise<boolean> {
    if (this.isReady || !this.rebuilding) return this.isReady;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.rebuilding, new Promise((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
    return this.isReady;
  }

  /** Resolves when every change seen so far is written (a read after a write sees it). */
  async settled(): Promise<void> {
    while (this.loop || this.rebuilding) await (this.loop ?? this.rebuilding);
  }

  /**
   * The entries `keep` selects, for a periodic sweep; `undefined` when the projection cannot answer (MongoDB,
   * or its rebuild failed): the caller asks the tickets collection, which MongoDB serves by index. While it is
   * being built (a minute at 50,000 tickets under load), none: the sweep's next round has them, where a read of
   * every ticket now would compete with the rebuild's own (and outlive the job's 60 s lock).
   */
  async dueScan(keep: (e: OpenWorkEntry) => boolean): Promise<OpenWorkEntry[] | undefined> {
    if (!this.isReady) return this.rebuilding ? [] : undefined;
    return (await this.entries()).filter(keep);
  }

  /**
   * Ids of every ticket (any status) of these contacts, read-your-writes within this process; `undefined`
   * when the projection cannot answer (MongoDB, or not rebuilt yet): the caller queries by `contactId`.
   */
  async ticketIdsOfContacts(contactIds: string[]): Promise<string[] | undefined> {
    if (!this.isReady) return undefined;
    await this.settled();
    return this.contacts.of(contactIds);
  }

  /**
   * Ids of the contacts with a ticket (any status) `viewer` may see, read-your-writes within this process;
   * `undefined` when the projection cannot answer (MongoDB, or not rebuilt yet): the caller queries.
   */
  async contactsVisibleTo(viewer: Viewer): Promise<Set<string> | undefined> {
    if (!this.isReady) return undefined;
    await this.settled();
    return this.contacts.contactsWith((t) => canSee(viewer, t));
  }

  /** Every entry, read-your-writes within this process. Shared objects: callers must not change them. */
  async entries(): Promise<OpenWorkEntry[]> {
    await this.settled();
    return [...this.open.values()];
  }

  /** Replaces every entry with ones built from the tickets (one read of the tickets collection). */
  private async rebuild(): Promise<void> {
    const t0 = performance.now();
    // Every ticket: the held ones become entries, and every one's contact is noted (the contact page). On
    // FerretDB a status filter would read every ticket just the same.
    const all = await rawCollection(this.models.Ticket).find({}, { projection: openWorkFields }).toArray();
    const next = new Map<string, OpenWorkEntry>();
    this.contacts.clear();
    for (const t of all) {
      if (isOpenWork(t)) next.set(String(t._id), toOpenWorkEntry(t as OpenWorkEntry));
      this.contacts.set(String(t._id), t.contactId ? String(t.contactId) : undefined, accessOf(t));
    }
    this.open = next;
    this.isReady = true;
    this.logger.info({ open: next.size, tickets: all.length, ms: Math.round(performance.now() - t0) }, 'open-work projection rebuilt');
  }

  /** Takes the entries of a stop snapshot; false when it has not both parts or they are not entries. */
  private restore(snapshot: SnapshotParts): boolean {
    const entries = snapshot.get(ENTRIES_PART);
    const rows = snapshot.get(CONTACTS_PART);
    if (!entries || !rows) return false;
    const open = new Map<string, OpenWorkEntry>();
    for (const e of entries as OpenWorkEntry[]) {
      if (!(e && e._id instanceof Types.ObjectId && typeof e.status === 'string')) {
        this.logger.warn('open-work snapshot malformed; rebuilding');
        return false;
      }
      open.set(String(e._id), e);
    }
    for (const row of rows as ContactTicketRow[]) {
      if (typeof row?.ticket !== 'string' || typeof row.contact !== 'string') {
        this.logger.warn('open-work snapshot malformed; rebuilding');
        return false;
      }
    }
    this.contacts.clear();
    for (const { ticket, contact, department, assignee } of rows as ContactTicketRow[]) {
      this.contacts.set(ticket, contact, { departmentId: department, assigneeId: assignee });
    }
    this.open = open;
    this.isReady = true;
    this.logger.info({ open: open.size, tickets: rows.length }, 'open-work projection restored from the stop snapshot');
    return true;
  }

  /**
   * Reads every ticket, slowly, and re-reads (by `_id`, as after any change) each one whose entry or contact
   * differs from what it held: the snapshot was this process's knowledge at its stop, and a ticket write that
   * did not tell the projection would otherwise survive restarts instead of being mended by one. Under live
   * traffic a ticket changed between this read and the comparison is re-read too (harmless).
   */
  private async verify(): Promise<void> {
    const t0 = performance.now();
    let reread = 0;
    const seen = new Set<string>();
    const mend = (id: string) => {
      reread++;
      this.touched(id);
    };
    try {
      const cursor = rawCollection(this.models.Ticket).find({}, { projection: openWorkFields, batchSize: VERIFY_BATCH });
      const { read, complete } = await readPaced(cursor, { batch: VERIFY_BATCH, share: VERIFY_SHARE, minPauseMs: VERIFY_MIN_PAUSE_MS, stopped: () => this.stopping }, (doc) => {
        const t = doc as Ticket & OpenWorkEntry;
        const id = String(t._id);
        seen.add(id);
        const held = this.open.get(id);
        const want = isOpenWork(t) ? entryKey(t) : undefined;
        if (want !== (held ? entryKey(held) : undefined) || !this.contacts.holds(id, t.contactId ? String(t.contactId) : undefined, accessOf(t))) mend(id);
      });
      if (!complete) return;
      for (const id of new Set([...this.open.keys(), ...this.contacts.ticketIds()])) if (!seen.has(id)) mend(id);
      const log = { tickets: read, reread, ms: Math.round(performance.now() - t0) };
      if (reread) this.logger.warn(log, 'open-work snapshot verified: entries that differed from their tickets were re-read');
      else this.logger.info(log, 'open-work snapshot verified');
    } catch (err) {
      this.logger.error({ err }, 'open-work snapshot verification failed; entries are kept and follow changes as usual');
    }
  }

  private async applyAll(): Promise<void> {
    try {
      await drainDirty(this.dirty, READ_WIDTH, (ids) => this.apply(ids));
    } catch (err) {
      // The entry may be stale until the ticket's next change or the next start; the tickets are intact.
      this.logger.error({ err }, 'open-work update failed');
    } finally {
      this.loop = null;
    }
  }

  private async apply(ids: string[]): Promise<void> {
    // The ticket as this process's last write left it, when known (the ingest path's writes say so): this
    // process owns the embedded database, so that is the stored ticket; otherwise read it.
    const known = ids.map((id) => this.locks.lastKnown(id));
    const unknown = ids.filter((_, k) => !known[k]);
    const read = await findByIds<Ticket>(this.models.Ticket, unknown, openWorkFields);
    const fetched = new Map(unknown.map((id, k) => [id, read[k]]));
    ids.forEach((id, k) => {
      const t = (known[k] ?? fetched.get(id) ?? null) as (Ticket & OpenWorkEntry) | null;
      if (t && isOpenWork(t)) this.open.set(id, toOpenWorkEntry(t));
      else this.open.delete(id);
      this.contacts.set(id, t?.contactId ? String(t.contactId) : undefined, t ? accessOf(t) : {});
    });
  }
}

/** An entry's content, for comparing a held entry with a ticket. */
const entryKey = (t: OpenWorkEntry) => JSON.stringify(toOpenWorkEntry(t));

/** A ticket's department and assignee as the visibility rule reads them. */
const accessOf = (t: { departmentId?: unknown; assigneeId?: unknown }): TicketAccess => ({
  departmentId: t.departmentId ? String(t.departmentId) : undefined,
  assigneeId: t.assigneeId ? String(t.assigneeId) : undefined,
});
