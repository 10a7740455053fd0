import { Schema, Types, type Connection, type Model } from 'mongoose';

/**
 * Names a stored message by an id another system gave it, under a unique `_id`, so a delivery receipt, a
 * reaction, an edit, a call callback or an email reference finds its message by two `_id` reads — the only
 * query the embedded FerretDB answers without reading every message:
 *  - `<inboxId>:<id>` → the message of this inbox whose provider id (`providerMessageId`) or email
 *    Message-ID (`emailMessageId`) is `id`;
 *  - `email:<Message-ID>` → a message with that Message-ID in any inbox (email threading by references);
 *  - `blob:<blobId>` → the message an attachment belongs to (who may download it).
 * Written before the message (its `_id` is known first), or beside it on an inbound message's first run, so a
 * key may name a message not stored yet and a message may briefly lack its key (both read as "not yet known",
 * retried; a crash leaves the inbound event pending, and its re-run writes the key); the first message to take
 * a key keeps it. `backfill:v1` marks that every message
 * stored before keys existed has them.
 */
export interface MessageKey {
  _id: string;
  messageId?: Types.ObjectId;
  /** On `backfill:v1` only. */
  complete?: boolean;
}

const schema = new Schema<MessageKey>(
  {
    _id: { type: String, required: true },
    messageId: { type: Schema.Types.ObjectId },
    complete: { type: Boolean },
  },
  { versionKey: false, collection: 'message_keys' },
);

export const inboxMessageKeyId = (inboxId: Types.ObjectId | string, id: string) => `${String(inboxId)}:${id}`;
export const emailMessageKeyId = (messageId: string) => `email:${messageId}`;
export const blobMessageKeyId = (blobId: string) => `blob:${blobId}`;
export const MESSAGE_KEYS_BACKFILLED_ID = 'backfill:v1';

export type MessageKeyModel = Model<MessageKey>;
export const registerMessageKeyModel = (c: Connection): MessageKeyModel => c.model<MessageKey>('MessageKey', schema);
