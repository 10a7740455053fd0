import { Schema, type Connection, type Model } from 'mongoose';

/**
 * One unit of an agent's capacity, held by one auto-assigned ticket.
 * `_id = <agentId>:<lane>:<index>` with index below the agent's limit: taking
 * a slot is a unique insert, so two hub processes can never put an agent over
 * capacity (FerretDB has no atomic conditional update to count with).
 * The unique `ticketId` index keeps a ticket from holding two slots (two
 * processes assigning the same ticket: one insert fails).
 */
export interface AssignmentSlot {
  _id: string;
  agentId: string;
  lane: 'chat' | 'email';
  ticketId: string;
  departmentId: string;
  claimedAt: Date;
}

const schema = new Schema<AssignmentSlot>(
  {
    _id: { type: String, required: true },
    agentId: { type: String, required: true },
    lane: { type: String, required: true, enum: ['chat', 'email'] },
    ticketId: { type: String, required: true },
    departmentId: { type: String, required: true },
    claimedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'assignment_slots' },
);
schema.index({ ticketId: 1 }, { unique: true });
schema.index({ agentId: 1 });

export type AssignmentSlotModel = Model<AssignmentSlot>;
export const registerAssignmentSlotModel = (c: Connection): AssignmentSlotModel => c.model<AssignmentSlot>('AssignmentSlot', schema);
