import { Schema, type Connection, type Model } from 'mongoose';

/**
 * `_id = <messageId>:<attempt>`. A delivery attempt is only made by whoever
 * inserts its claim, so two job runners can never both send the same message.
 */
export interface DeliveryClaim {
  _id: string;
  messageId: string;
  attempt: number;
  claimedAt: Date;
  outcome?: 'sent' | 'retry' | 'failed';
}

const schema = new Schema<DeliveryClaim>(
  {
    _id: { type: String, required: true },
    messageId: { type: String, required: true },
    attempt: { type: Number, required: true },
    claimedAt: { type: Date, required: true },
    outcome: String,
  },
  { versionKey: false, collection: 'delivery_claims' },
);
schema.index({ messageId: 1 });

export type DeliveryClaimModel = Model<DeliveryClaim>;
export const registerDeliveryClaimModel = (c: Connection): DeliveryClaimModel =>
  c.model<DeliveryClaim>('DeliveryClaim', schema);
