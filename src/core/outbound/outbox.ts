import type { Types } from 'mongoose';
import type { Logger } from 'pino';
import { isDuplicateKeyError } from '../db/duplicate-key.js';
import { findByIds } from '../db/find-by-ids.js';
import { rawCollection } from '../db/raw-collection.js';
import { isFerretDb } from '../db/schema-indexes.js';
import { WriteBatcher } from '../db/write-batcher.js';
import type { Message } from '../models/message.js';
import { OUTBOX_BACKFILLED_ID, type OutboxEntry } from '../models/outbox-entry.js';
import type { Models } from '../models/registry.js';

export type WaitingMessage = Pick<Message, '_id' | 'delivery'>;

/** An entry whose message is not there may be one being written right now: dropped only once this old. */
const ORPHAN_AFTER_MS = 5 * 60_000;

const waitingStatuses: ReadonlySet<string> = new Set(['queued', 'sending']);

/**
 * The outbound messages still to deliver (`models/outbox-entry.ts`). An entry is written before its message
 * is stored queued (or queued again by a retry) and removed when the message is sent or has failed for
 * good; a crash in between leaves an entry too many, never a waiting message without one — and an entry too
 * many is dropped when `waiting` finds its message delivered, failed or never written.
 *
 * On the embedded FerretDB `waiting` reads the entries (few: what is on its way) and their messages by `_id`;
 * the first time, the messages queued before the outbox existed get entries from the old query, once. On
 * MongoDB the query is served by an index and stays the answer; entries are written there too, so a database
 * moved from one to the other is consistent.
 */
export class Outbox {
  private readonly inserts = new WriteBatcher<OutboxEntry>(() => rawCollection(this.models.OutboxEntry));

  constructor(
    private readonly models: Models,
    private readonly logger: Logger,
  ) {}

  async add(messageId: Types.ObjectId | string): Promise<void> {
    await this.inserts.insert({ _id: String(messageId), at: new Date() }).catch((err: unknown) => {
      if (!isDuplicateKeyError(err)) throw err;
    });
  }

  async remove(messageId: Types.ObjectId | string): Promise<void> {
    await this.models.OutboxEntry.deleteOne({ _id: String(messageId) });
  }

  /** Outbound messages still queued or being sent whose last change is at least `minIdleMs` old. */
  async waiting(minIdleMs: number): Promise<WaitingMessage[]> {
    const idleSince = new Date(Date.now() - minIdleMs);
    if (!(await isFerretDb(this.models.Message.db))) return this.query(idleSince);
    if (!(await this.models.OutboxEntry.exists({ _id: OUTBOX_BACKFILLED_ID }))) await this.backfill();
    const entries = (await this.models.OutboxEntry.find({}).lean()).filter((e) => e._id !== OUTBOX_BACKFILLED_ID);
    const messages = await findByIds<Pick<Message, '_id' | 'direction' | 'delivery' | 'updatedAt'>>(
      this.models.Message,
      entries.map((e) => e._id),
      { direction: 1, delivery: 1, updatedAt: 1 },
    );
    const out: WaitingMessage[] = [];
    for (const [k, m] of messages.entries()) {
      const entry = entries[k]!;
      if (m && m.direction === 'outbound' && waitingStatuses.has(m.delivery.status)) {
        if (m.updatedAt <= idleSince) out.push(m);
      } else if (m || !entry.at || entry.at.getTime() < Date.now() - ORPHAN_AFTER_MS) {
        await this.remove(entry._id);
      }
    }
    return out;
  }

  private query(idleSince: Date): Promise<WaitingMessage[]> {
    return this.models.Message.find(
      { direction: 'outbound', 'delivery.status': { $in: [...waitingStatuses] }, updatedAt: { $lte: idleSince } },
      { delivery: 1 },
    ).lean();
  }

  /** Entries for the messages queued before the outbox existed: the old query, once. */
  private async backfill(): Promise<void> {
    const old = await this.query(new Date());
    for (const m of old) await this.add(m._id);
    await rawCollection(this.models.OutboxEntry)
      .insertOne({ _id: OUTBOX_BACKFILLED_ID, complete: true })
      .catch((err: unknown) => {
        if (!isDuplicateKeyError(err)) throw err;
      });
    if (old.length) this.logger.info({ messages: old.length }, 'outbox: entries written for messages queued before it');
  }
}
