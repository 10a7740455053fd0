import { Types } from 'mongoose';
import type { Logger } from 'pino';
import { isDuplicateKeyError } from '../db/duplicate-key.js';
import { rawCollection } from '../db/raw-collection.js';
import type { Models } from '../models/registry.js';
import { threadEntryId } from '../models/thread-entry.js';
import { PROBE_WIDTH, type ThreadEntries } from './thread-entries.js';

/** Written once every ticket from before thread entries has them: later starts skip the scan. */
export const BACKFILL_DONE_ID = 'backfill:v1';

/** Tickets backfilled at once. */
const BACKFILL_WIDTH = 8;

export interface ThreadBackfillResult {
  tickets: number;
  messages: number;
  ms: number;
  skipped?: 'done-before' | 'stopped';
}

/**
 * Gives tickets created before thread entries (no `threadEntries` flag) their entries and the `<ticketId>:0`
 * mark, so their thread is read by `_id` on the embedded database too (18–31 s per page at 10,000 tickets
 * through the query, ~70 ms by entries). Runs in the background at start; the hub serves meanwhile (those
 * threads through the query until their mark is written).
 *
 * One full read of the tickets and one of the messages (what FerretDB does for any filter anyway), then per
 * ticket, newest activity first: the entries it already has (messages written since claimed their own), the
 * missing ones claimed through `ThreadEntries` (the same per-ticket queue and unique positions as live
 * writes, so a message arriving meanwhile or another process backfilling too cannot make two entries at one
 * position), then the mark. A message that moved to another ticket meanwhile leaves an entry the reader skips.
 * Interrupted (stop, crash): the next start goes on; tickets already marked cost one lookup.
 */
export class ThreadBackfill {
  private stopped = false;
  private running: Promise<ThreadBackfillResult> | undefined;

  constructor(
    private readonly models: Models,
    private readonly entries: ThreadEntries,
    private readonly logger: Logger,
  ) {}

  /** Starts it unless running; resolves with what it did. */
  run(): Promise<ThreadBackfillResult> {
    this.stopped = false;
    return (this.running ??= this.backfill().finally(() => (this.running = undefined)));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running?.catch(() => undefined);
  }

  private async backfill(): Promise<ThreadBackfillResult> {
    const t0 = performance.now();
    const entriesCol = rawCollection(this.models.ThreadEntry);
    if (await entriesCol.findOne({ _id: BACKFILL_DONE_ID })) return { tickets: 0, messages: 0, ms: 0, skipped: 'done-before' };
    const old = new Map<string, number>();
    for await (const t of rawCollection(this.models.Ticket).find({ threadEntries: { $ne: true } }, { projection: { _id: 1, lastMessageAt: 1, updatedAt: 1 } })) {
      const at = (t.lastMessageAt ?? t.updatedAt) as Date | undefined;
      old.set(String(t._id), at ? at.getTime() : 0);
    }
    const byTicket = new Map<string, Array<{ _id: Types.ObjectId; occurredAt: Date }>>();
    if (old.size) {
      for await (const m of rawCollection(this.models.Message).find({}, { projection: { _id: 1, ticketId: 1, occurredAt: 1 } })) {
        const key = String(m.ticketId);
        if (!old.has(key)) continue;
        let list = byTicket.get(key);
        if (!list) byTicket.set(key, (list = []));
        list.push({ _id: m._id as Types.ObjectId, occurredAt: m.occurredAt as Date });
      }
    }
    this.logger.info({ tickets: old.size }, old.size ? 'thread entries: backfilling tickets from before them' : 'thread entries: nothing to backfill');
    const order = [...old].sort((a, b) => b[1] - a[1]).map(([id]) => id);
    let tickets = 0;
    let messages = 0;
    let next = 0;
    // A few tickets at a time: each is a handful of dependent lookups, so one at a time leaves the database idle.
    await Promise.all(
      Array.from({ length: BACKFILL_WIDTH }, async () => {
        while (next < order.length && !this.stopped) {
          const id = order[next++]!;
          const claimed = await this.backfillTicket(new Types.ObjectId(id), byTicket.get(id) ?? []);
          messages += claimed;
          tickets++;
          if (tickets % 1000 === 0) this.logger.info({ tickets, of: order.length, messages }, 'thread entries: backfill progress');
        }
      }),
    );
    if (this.stopped) {
      this.logger.info({ tickets, left: order.length - tickets }, 'thread entries: backfill stopped; it goes on at next start');
      return { tickets, messages, ms: Math.round(performance.now() - t0), skipped: 'stopped' };
    }
    await entriesCol.insertOne({ _id: BACKFILL_DONE_ID, complete: true }).catch((err: unknown) => {
      if (!isDuplicateKeyError(err)) throw err;
    });
    const ms = Math.round(performance.now() - t0);
    if (old.size) this.logger.info({ tickets, messages, ms }, 'thread entries: backfill done');
    return { tickets, messages, ms };
  }

  /** Entries for the ticket's messages that have none, then its mark; returns how many were claimed. */
  private async backfillTicket(ticketId: Types.ObjectId, messages: Array<{ _id: Types.ObjectId; occurredAt: Date }>): Promise<number> {
    const mark = threadEntryId(ticketId, 0);
    if (await this.models.ThreadEntry.exists({ _id: mark })) return 0;
    // The entries messages written since the upgrade claimed: from position 1, dense (claims of a ticket
    // this process never saw start at 1, and nothing deletes entries) — so a missing position 1 means none,
    // which is most old tickets: one lookup. Otherwise every entry, up to a whole probe of missing positions.
    const present = new Set<string>();
    const first = await this.models.ThreadEntry.findOne({ _id: threadEntryId(ticketId, 1) }, { messageId: 1 }).lean();
    for (let n = 1; first; n += PROBE_WIDTH) {
      const batch = await Promise.all(Array.from({ length: PROBE_WIDTH }, (_, k) => this.models.ThreadEntry.findOne({ _id: threadEntryId(ticketId, n + k) }, { messageId: 1 }).lean()));
      for (const e of batch) if (e?.messageId) present.add(String(e.messageId));
      if (!batch.some(Boolean)) break;
    }
    const missing = messages.filter((m) => !present.has(String(m._id)));
    // From position 1 up: a hole before an entry (only ever made by deleting entries) would hide the later ones.
    if (missing.length) this.entries.forget(ticketId);
    for (const m of missing) await this.entries.claim(ticketId, m);
    await rawCollection(this.models.ThreadEntry)
      .insertOne({ _id: mark, complete: true })
      .catch((err: unknown) => {
        if (!isDuplicateKeyError(err)) throw err;
      });
    return missing.length;
  }
}
