import { Schema, type Connection, type Model } from 'mongoose';
import type { ChannelKind } from '../domain/channel-kind.js';

/**
 * One rating request per solve: `_id` = `<ticketId>:<solvedAt ms>`, so a second process (or the same one
 * after a restart) reacting to the same solve inserts the same id and gets 11000 — the customer is asked once.
 */
export interface CsatRequest {
  _id: string;
  ticketId: string;
  inboxId: string;
  channel: ChannelKind;
  requestedAt: Date;
  /** After this moment the answer is refused (410) and a chat reply is a normal message again. */
  expiresAt: Date;
  rating?: number;
  comment?: string;
  ratedAt?: Date;
}

/**
 * Where a chat customer's next message may be the answer: `_id` = `<inboxId>:<conversationId>` (read by `_id`
 * on every inbound chat message, so it must stay an `_id` lookup).
 */
export interface CsatAwaiting {
  _id: string;
  requestId: string;
  expiresAt: Date;
}

const requestSchema = new Schema<CsatRequest>(
  {
    _id: { type: String, required: true },
    ticketId: { type: String, required: true },
    inboxId: { type: String, required: true },
    channel: { type: String, required: true },
    requestedAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    rating: Number,
    comment: String,
    ratedAt: Date,
  },
  { versionKey: false, collection: 'csat_requests' },
);
const awaitingSchema = new Schema<CsatAwaiting>(
  { _id: { type: String, required: true }, requestId: { type: String, required: true }, expiresAt: { type: Date, required: true } },
  { versionKey: false, collection: 'csat_awaiting' },
);

export function csatModels(c: Connection) {
  return {
    Request: (c.models.CsatRequest as Model<CsatRequest> | undefined) ?? c.model<CsatRequest>('CsatRequest', requestSchema),
    Awaiting: (c.models.CsatAwaiting as Model<CsatAwaiting> | undefined) ?? c.model<CsatAwaiting>('CsatAwaiting', awaitingSchema),
  };
}

export const awaitingKey = (inboxId: string, conversationId: string) => `${inboxId}:${conversationId}`;
