import { Schema, type Connection, type Model } from 'mongoose';

/** Highest audit sequence written per ticket; a chain alone cannot reveal a deleted newest event. */
export interface AuditHead {
  _id: string;
  seq: number;
}

const schema = new Schema<AuditHead>(
  { _id: { type: String, required: true }, seq: { type: Number, required: true } },
  { versionKey: false, collection: 'audit_heads' },
);

export type AuditHeadModel = Model<AuditHead>;
export const registerAuditHeadModel = (c: Connection): AuditHeadModel => c.model<AuditHead>('AuditHead', schema);
