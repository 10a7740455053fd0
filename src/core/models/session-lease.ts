import { Schema, type Connection, type Model } from 'mongoose';

/**
 * One generation of an inbox's session lease (`_id` = `<inboxId>:<generation>`), and a hint document
 * (`_id` = `<inboxId>:head`) naming the newest generation seen. A takeover is an *insert* of the next
 * generation, so on FerretDB (whose conditional updates are not atomic) two claimers still cannot both win:
 * the unique `_id` decides. Only the holder ever updates its own generation (heartbeat, release).
 */
export interface SessionLeaseDoc {
  _id: string;
  inboxId: string;
  generation: number;
  holder?: string;
  expiresAt?: Date;
  released?: boolean;
  claimedAt?: Date;
  renewedAt?: Date;
}

const schema = new Schema<SessionLeaseDoc>(
  {
    _id: { type: String, required: true },
    inboxId: { type: String, required: true },
    generation: { type: Number, required: true },
    holder: String,
    expiresAt: Date,
    released: Boolean,
    claimedAt: Date,
    renewedAt: Date,
  },
  { versionKey: false, collection: 'session_leases' },
);

export type SessionLeaseModel = Model<SessionLeaseDoc>;
export const registerSessionLeaseModel = (c: Connection): SessionLeaseModel =>
  c.model<SessionLeaseDoc>('SessionLease', schema);

export const leaseGenerationId = (inboxId: string, generation: number) => `${inboxId}:${generation}`;
export const leaseHeadId = (inboxId: string) => `${inboxId}:head`;
