import { Schema, type Connection, type Model } from 'mongoose';

/**
 * One outbound message not yet delivered or failed for good: `_id` = the message id (hex). Written before the
 * message is stored queued (or queued again), removed once it is sent or failed, so the messages a crash or a
 * lost job left waiting are this small collection — read whole — instead of a query over every message, which
 * the embedded FerretDB answers by reading them all (32 s at 66,000 messages, at every start). `backfill:v1`
 * marks that the messages queued before the outbox existed have entries.
 */
export interface OutboxEntry {
  _id: string;
  /** When the entry was written: an entry whose message never landed is dropped once it is old. */
  at?: Date;
  complete?: boolean;
}

const schema = new Schema<OutboxEntry>(
  {
    _id: { type: String, required: true },
    at: { type: Date },
    complete: { type: Boolean },
  },
  { versionKey: false, collection: 'outbox' },
);

export const OUTBOX_BACKFILLED_ID = 'backfill:v1';

export type OutboxEntryModel = Model<OutboxEntry>;
export const registerOutboxEntryModel = (c: Connection): OutboxEntryModel => c.model<OutboxEntry>('OutboxEntry', schema);
