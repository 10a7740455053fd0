import { Schema, type Connection, type Model, type Types } from 'mongoose';

/**
 * One agent send accepted under a client-chosen key (`clientMessageId`), so a resent request (a lost answer,
 * a reload, a retry, a double click) finds the message it already made instead of making a second one. The
 * uniqueness is the `_id` — `ticket:<ticketId>:<userId>:<key>` for a reply or note, `start:<userId>:<key>` for
 * a new conversation — decided by the database for every hub process at once. Written before the message
 * (whose id it names); removed again when the send is refused before its message was stored.
 */
export interface SendKey {
  _id: string;
  /** What was sent (sha256 of the request's content): the same key with other content is refused. */
  fingerprint: string;
  messageId: Types.ObjectId;
  /** When the key was taken (or taken over): a key whose message never landed is taken over once it is old. */
  at: Date;
}

const schema = new Schema<SendKey>(
  {
    _id: { type: String, required: true },
    fingerprint: { type: String, required: true },
    messageId: { type: Schema.Types.ObjectId, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false, collection: 'send_keys' },
);

export type SendKeyModel = Model<SendKey>;
export const registerSendKeyModel = (c: Connection): SendKeyModel => c.model<SendKey>('SendKey', schema);
