import { Schema, type Connection, type Model } from 'mongoose';

/**
 * A ticket waiting for automatic assignment, `_id = ticketId`. Only waiting
 * tickets are here, so the collection stays small and reading a department's
 * queue (a scan on the embedded database) never touches the tickets table.
 */
export interface QueueEntry {
  _id: string;
  departmentId: string;
  lane: 'chat' | 'email';
  requiredSkills: string[];
  contactId: string;
  /** Its place in line (a ticket given back keeps the place it had). */
  enqueuedAt: Date;
  /**
   * When it entered this department's queue: the overflow time counts from here (`overflow-sweep.ts`).
   * Missing on entries written before 2026-12-05 (then `enqueuedAt` counts).
   */
  queuedAt?: Date;
}

const schema = new Schema<QueueEntry>(
  {
    _id: { type: String, required: true },
    departmentId: { type: String, required: true },
    lane: { type: String, required: true, enum: ['chat', 'email'] },
    requiredSkills: { type: [String], default: [] },
    contactId: { type: String, required: true },
    enqueuedAt: { type: Date, required: true },
    queuedAt: { type: Date },
  },
  { versionKey: false, collection: 'queue_entries' },
);
schema.index({ departmentId: 1, enqueuedAt: 1 });

export type QueueEntryModel = Model<QueueEntry>;
export const registerQueueEntryModel = (c: Connection): QueueEntryModel => c.model<QueueEntry>('QueueEntry', schema);
