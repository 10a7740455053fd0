import { Schema, type Connection, type Model, type Types } from 'mongoose';

/**
 * A hash chain alone cannot reveal that its newest events were deleted, so
 * every appended event also leaves a seal here: `_id` = `<ticketId>:<seq>`.
 * Insert-only (an insert costs the embedded database a tenth of an update
 * when batched), so a newest event deleted without its seal is found by
 * probing the seals after the last event. Documents written before seals
 * existed have `_id` = `<ticketId>` and the highest `seq`; they are still read.
 */
export interface AuditHead {
  _id: string;
  ticketId?: Types.ObjectId;
  seq: number;
}

export const auditSealId = (ticketId: Types.ObjectId | string, seq: number) => `${String(ticketId)}:${seq}`;

const schema = new Schema<AuditHead>(
  { _id: { type: String, required: true }, ticketId: Schema.Types.ObjectId, seq: { type: Number, required: true } },
  { versionKey: false, collection: 'audit_heads' },
);

export type AuditHeadModel = Model<AuditHead>;
export const registerAuditHeadModel = (c: Connection): AuditHeadModel => c.model<AuditHead>('AuditHead', schema);
