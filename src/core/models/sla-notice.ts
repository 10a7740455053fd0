import type { Connection, Model } from 'mongoose';
import { Schema } from 'mongoose';

/**
 * One SLA warning or breach escalation that was claimed: `_id` = `ticketId:target:kind:dueAt`. Inserting it
 * is the claim — a unique insert is atomic on MongoDB and on FerretDB, so of two hub processes (or a
 * restart replaying a job) exactly one acts. A due time that moves gives a new key, so a new warning.
 */
export interface SlaNoticeDoc {
  _id: string;
  ticketId: string;
  target: string;
  kind: 'warning' | 'breach';
  dueAt: Date;
  /** When it was claimed (real time, not the SLA clock). A `<id>:redo` document marks an interrupted claim taken over. */
  at: Date;
  /** Carried out; a claim left undone by a crash is carried out by the next sweep. */
  done: boolean;
}

const schema = new Schema<SlaNoticeDoc>(
  {
    _id: { type: String, required: true },
    ticketId: { type: String, required: true },
    target: { type: String, required: true },
    kind: { type: String, required: true, enum: ['warning', 'breach'] },
    dueAt: { type: Date, required: true },
    at: { type: Date, required: true },
    done: { type: Boolean, default: false },
  },
  { versionKey: false, collection: 'sla_notices' },
);

export type SlaNoticeModel = Model<SlaNoticeDoc>;
export const registerSlaNoticeModel = (c: Connection): SlaNoticeModel => c.model<SlaNoticeDoc>('SlaNotice', schema);
