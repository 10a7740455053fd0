import { Schema, Types, type Connection, type Model } from 'mongoose';

/**
 * Append-only, hash-chained history of a ticket. `(ticketId, seq)` is unique, so
 * concurrent writers cannot both claim a sequence number; each event carries the
 * previous event's hash. There is deliberately no update or delete path: the
 * hooks below refuse every mutating query on this model.
 */
export interface AuditEvent {
  _id: Types.ObjectId;
  ticketId: Types.ObjectId;
  seq: number;
  type: string;
  actor: { type: 'user' | 'contact' | 'system'; id?: string; name?: string };
  /** Canonical JSON of the event data; hashed as stored. */
  dataJson: string;
  /** Lookup key for idempotent re-processing, e.g. `message:<id>`; also inside dataJson. */
  ref?: string;
  at: Date;
  prevHash: string;
  hash: string;
}

const schema = new Schema<AuditEvent>(
  {
    ticketId: { type: Schema.Types.ObjectId, required: true },
    seq: { type: Number, required: true, min: 1 },
    type: { type: String, required: true },
    actor: { type: { type: String, required: true }, id: String, name: String },
    dataJson: { type: String, required: true },
    ref: String,
    at: { type: Date, required: true },
    prevHash: { type: String, required: true },
    hash: { type: String, required: true },
  },
  { versionKey: false, collection: 'audit_events' },
);
schema.index({ ticketId: 1, seq: 1 }, { unique: true });
schema.index({ ticketId: 1, ref: 1 });

const refuse = () => {
  throw new Error('audit events are append-only');
};
for (const op of [
  'updateOne',
  'updateMany',
  'findOneAndUpdate',
  'findOneAndReplace',
  'replaceOne',
  'deleteOne',
  'deleteMany',
  'findOneAndDelete',
] as const) {
  schema.pre(op, refuse);
}

export type AuditEventModel = Model<AuditEvent>;
export const registerAuditEventModel = (c: Connection): AuditEventModel => c.model<AuditEvent>('AuditEvent', schema);
