import { Schema, Types, type Connection, type Model } from 'mongoose';

/**
 * Maps a conversation to its ticket with unique `_id`s instead of conditional
 * updates (which FerretDB does not apply atomically):
 *  - `conv:<threadKey>` → the conversation's first ticket (then a cached pointer),
 *  - `next:<ticketId>`  → the ticket that succeeds a closed one in that conversation.
 * Whoever inserts a key first wins; everybody else reads the winner's ticket id.
 */
export interface ConversationKey {
  _id: string;
  ticketId: Types.ObjectId;
  createdAt: Date;
}

const schema = new Schema<ConversationKey>(
  {
    _id: { type: String, required: true },
    ticketId: { type: Schema.Types.ObjectId, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'conversation_keys' },
);

/** `_id` of a conversation's key: the inbox and the channel's conversation id (a chat, a phone number, a visitor). */
export const conversationKeyId = (inboxId: string, conversationId: string) => `conv:${inboxId}:${conversationId}`;

/** `_id` of the key naming the ticket that follows `ticketId` in its conversation. */
export const successorKeyId = (ticketId: string) => `next:${ticketId}`;

export type ConversationKeyModel = Model<ConversationKey>;
export const registerConversationKeyModel = (c: Connection): ConversationKeyModel =>
  c.model<ConversationKey>('ConversationKey', schema);
