import { Types } from 'mongoose';
import { isDuplicateKeyError } from '../db/duplicate-key.js';
import { findEachById } from '../db/find-by-ids.js';
import { rawCollection } from '../db/raw-collection.js';
import { WriteBatcher } from '../db/write-batcher.js';
import type { Models } from '../models/registry.js';
import { threadEntryId, type ThreadEntry } from '../models/thread-entry.js';
import { KeyedMutex } from '../sync/keyed-mutex.js';

/** Entries asked for at once while walking a ticket's entries forward (most threads are shorter than this): one `$in` read. */
export const PROBE_WIDTH = 16;

/** Messages read by `_id` at once by `readThreadByEntries` (a 500-message page would otherwise be 501 at once). */
const MAX_READ_WIDTH = 64;

/** A ticket whose id is younger than this is taken for one a message is creating now (see `claim`). */
const JUST_CREATED_MS = 60_000;

/** Tickets whose next free position this process remembers (the busiest ones; a miss costs one probe). */
const REMEMBERED = 10_000;

/**
 * Claims thread entries (`models/thread-entry.ts`). Every path that writes a message — or moves one to
 * another ticket — claims its entry: first, so that a crash in between leaves an entry naming a message
 * that is not (yet) there, which the reader skips, never a message without an entry. The one exception is
 * an inbound message's first run, which writes entry and message at once (`ingest/steps/store-message.ts`):
 * its event stays pending until both are written, so the re-run after a crash claims the missing entry.
 * Claims for one ticket are queued in the process; another process's claim of the same position makes the
 * insert fail on `_id` and the next free one is probed.
 */
export class ThreadEntries {
  private readonly queue = new KeyedMutex();
  private readonly next = new Map<string, number>();
  private readonly inserts = new WriteBatcher<ThreadEntry>(() => rawCollection(this.models.ThreadEntry));

  constructor(private readonly models: Models) {}

  /** Forgets the remembered next position: the next claim starts at 1 and fills the first hole (the backfill). */
  forget(ticketId: Types.ObjectId): void {
    this.next.delete(String(ticketId));
  }

  claim(ticketId: Types.ObjectId, message: { _id: Types.ObjectId; occurredAt: Date }): Promise<void> {
    const key = String(ticketId);
    return this.queue.run(key, async () => {
      // Unknown here: a ticket made in the last minute is most often the one this message just created, so
      // position 1 is tried before any probe; an older one (after a restart, or beyond the REMEMBERED) is
      // probed first, since a failed insert costs a write. Either way a taken position sends the claim to
      // the probe from the next one.
      let n = this.next.get(key) ?? (Date.now() - ticketId.getTimestamp().getTime() < JUST_CREATED_MS ? 1 : await firstFree(this.models, key, 1));
      for (;;) {
        try {
          await this.inserts.insert({ _id: threadEntryId(key, n), messageId: message._id, occurredAt: message.occurredAt });
          break;
        } catch (err) {
          if (!isDuplicateKeyError(err)) throw err;
          n = await firstFree(this.models, key, n + 1);
        }
      }
      this.next.delete(key);
      this.next.set(key, n + 1);
      if (this.next.size > REMEMBERED) this.next.delete(this.next.keys().next().value!);
    });
  }
}

async function firstFree(models: Models, ticketId: string, from: number): Promise<number> {
  for (let n = from; ; n += PROBE_WIDTH) {
    const batch = await findEachById<ThreadEntry>(models.ThreadEntry, Array.from({ length: PROBE_WIDTH }, (_, k) => threadEntryId(ticketId, n + k)), { projection: { _id: 1 } });
    const gap = batch.findIndex((e) => !e);
    if (gap !== -1) return n + gap;
  }
}

/**
 * A ticket's entries, positions 1.. until the first missing one (positions are dense: each is claimed only
 * once the one before exists), and whether `<ticketId>:0` marks them complete. An entry after the first
 * missing one in the same probe means one was deleted: `gap`, and the caller asks the query.
 */
async function readEntries(models: Models, ticketId: string): Promise<{ marked: boolean; gap: boolean; entries: ThreadEntry[] }> {
  const entries: ThreadEntry[] = [];
  let marked = false;
  for (let n = 0; ; n += PROBE_WIDTH) {
    const batch = await findEachById<ThreadEntry>(models.ThreadEntry, Array.from({ length: PROBE_WIDTH }, (_, k) => threadEntryId(ticketId, n + k)));
    if (n === 0) marked = Boolean(batch.shift()?.complete);
    const missing = batch.findIndex((e) => !e);
    entries.push(...(batch.slice(0, missing === -1 ? batch.length : missing) as ThreadEntry[]));
    if (missing !== -1) return { marked, gap: batch.slice(missing).some(Boolean), entries };
  }
}

/**
 * A ticket's entries in thread order, read by `_id` — or `null` when they are not known to be complete
 * (the ticket predates entries and has no mark, or one was deleted): the caller asks the query instead.
 */
export async function entriesOf(models: Models, ticket: { _id: Types.ObjectId; threadEntries?: boolean }): Promise<ThreadEntry[] | null> {
  const read = await readEntries(models, String(ticket._id));
  return read.gap || (!read.marked && !ticket.threadEntries) ? null : read.entries;
}

/** The messages `entries` name, newest first (by `occurredAt`), none after `upTo`, at most `take`. */
export function newestMessageIds(entries: ThreadEntry[], take: number, upTo = Number.POSITIVE_INFINITY): Types.ObjectId[] {
  return entries
    .flatMap((e) => (e.messageId && e.occurredAt && e.occurredAt.getTime() <= upTo ? [{ id: e.messageId, at: e.occurredAt.getTime() }] : []))
    .sort((a, b) => b.at - a.at)
    .slice(0, take)
    .map(({ id }) => id);
}

export interface ThreadPosition {
  at: Date;
  id: Types.ObjectId;
}

const hex = (id: Types.ObjectId) => id.toHexString();
const compare = (a: ThreadPosition, b: ThreadPosition) => a.at.getTime() - b.at.getTime() || (hex(a.id) < hex(b.id) ? -1 : hex(a.id) > hex(b.id) ? 1 : 0);

/**
 * The messages of `ticketIds` after `after` — or, with `before`, the newest ones before it (`'end'`: the
 * newest of all) — in (occurredAt, _id) order, at most `take`, read by `_id` through their entries — or `null` when some ticket's entries are not known to be complete (it predates
 * them and has no mark, or it is gone) or one is missing under a later one (deleted): the caller asks
 * the `(ticketId, occurredAt)` query instead, so the answer is always the query's.
 * `complete` lists the tickets known to be complete without their mark (created with entries).
 */
export async function readThreadByEntries<M extends { _id: Types.ObjectId; ticketId: Types.ObjectId; occurredAt: Date }>(
  models: Models,
  ticketIds: Types.ObjectId[],
  complete: Set<string>,
  after: ThreadPosition | undefined,
  take: number,
  load: (id: Types.ObjectId) => Promise<M | null>,
  before?: ThreadPosition | 'end',
): Promise<M[] | null> {
  const flagged = await Promise.all(
    ticketIds.map(async (id) => complete.has(String(id)) || Boolean((await models.Ticket.findOne({ _id: id }, { threadEntries: 1 }).lean())?.threadEntries)),
  );
  const read = await Promise.all(ticketIds.map((id) => readEntries(models, String(id))));
  if (read.some((r, i) => r.gap || (!r.marked && !flagged[i]))) return null;
  const inThread = new Set(ticketIds.map(String));
  const seen = new Set<string>();
  const candidates: ThreadPosition[] = [];
  for (const { entries } of read) {
    for (const e of entries) {
      if (!e.messageId || !e.occurredAt || seen.has(String(e.messageId))) continue;
      seen.add(String(e.messageId));
      const position = { at: e.occurredAt, id: e.messageId };
      if (after && compare(position, after) <= 0) continue;
      if (before && before !== 'end' && compare(position, before) >= 0) continue;
      candidates.push(position);
    }
  }
  candidates.sort(compare);
  // Backwards: the newest candidates are read first, so a page before a point costs its own reads only.
  if (before) candidates.reverse();
  const found: M[] = [];
  for (let i = 0; i < candidates.length && found.length < take; ) {
    // As many as still wanted, at least a probe's worth, at most MAX_READ_WIDTH lookups on their way at once.
    const width = Math.min(candidates.length - i, Math.min(MAX_READ_WIDTH, Math.max(take - found.length, PROBE_WIDTH)));
    const batch = await Promise.all(candidates.slice(i, i + width).map((c) => load(c.id)));
    i += width;
    for (const m of batch) if (m && inThread.has(String(m.ticketId)) && found.length < take) found.push(m);
  }
  return before ? found.reverse() : found;
}
