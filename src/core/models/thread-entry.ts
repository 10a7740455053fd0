import { Schema, Types, type Connection, type Model } from 'mongoose';

/**
 * One message of a ticket's thread, by position: `_id` `<ticketId>:<n>` (n from 1, dense, claimed by unique
 * insert before the message is written or moved there, or beside it on an inbound message's first run), so the
 * thread is a set of `_id` lookups — the one query the embedded FerretDB answers without reading the whole
 * collection. `<ticketId>:0` is the mark that the ticket's entries are complete though the ticket predates them
 * (a backfill); tickets created since carry `threadEntries: true` instead. An entry may name a message that was never written (a crash, a lost
 * duplicate) or that moved on: the reader keeps only messages whose `ticketId` is still in the thread.
 */
export interface ThreadEntry {
  _id: string;
  messageId?: Types.ObjectId;
  /** The message's `occurredAt` (never changes): thread order is (occurredAt, messageId). */
  occurredAt?: Date;
  /** On `<ticketId>:0` only. */
  complete?: boolean;
}

const schema = new Schema<ThreadEntry>(
  {
    _id: { type: String, required: true },
    messageId: { type: Schema.Types.ObjectId },
    occurredAt: { type: Date },
    complete: { type: Boolean },
  },
  { versionKey: false, collection: 'thread_entries' },
);

export const threadEntryId = (ticketId: Types.ObjectId | string, n: number) => `${String(ticketId)}:${n}`;

export type ThreadEntryModel = Model<ThreadEntry>;
export const registerThreadEntryModel = (c: Connection): ThreadEntryModel => c.model<ThreadEntry>('ThreadEntry', schema);
