import { Schema, type Connection, type Model } from 'mongoose';

/**
 * A received platform event, stored before anything else happens. `_id` is the
 * deterministic provider key, so a platform retry hits error 11000 and is
 * acknowledged without creating anything twice.
 */
export interface InboundEventRecord {
  _id: string;
  inboxId: string;
  type: string;
  /** The validated InboundEvent as JSON text; raw payloads may hold keys MongoDB/FerretDB cannot store. */
  payloadJson: string;
  conversationKey?: string;
  status: 'pending' | 'processed' | 'failed';
  attempts: number;
  lastError?: string;
  result?: { ticketId?: string; messageId?: string; outcome: string };
  receivedAt: Date;
  processedAt?: Date;
}

const schema = new Schema<InboundEventRecord>(
  {
    _id: { type: String, required: true },
    inboxId: { type: String, required: true },
    type: { type: String, required: true },
    payloadJson: { type: String, required: true },
    conversationKey: String,
    status: { type: String, required: true, enum: ['pending', 'processed', 'failed'] },
    attempts: { type: Number, default: 0 },
    lastError: String,
    result: { ticketId: String, messageId: String, outcome: String },
    receivedAt: { type: Date, required: true },
    processedAt: Date,
  },
  { versionKey: false, collection: 'inbound_events' },
);
schema.index({ status: 1, receivedAt: 1 });

export type InboundEventModel = Model<InboundEventRecord>;
export const registerInboundEventModel = (c: Connection): InboundEventModel =>
  c.model<InboundEventRecord>('InboundEvent', schema);
