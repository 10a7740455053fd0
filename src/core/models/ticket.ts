import { Schema, Types, type Connection, type Model } from 'mongoose';
import { channelKinds, type ChannelKind } from '../domain/channel-kind.js';
import { ticketStatuses, ticketPriorities, type TicketStatus, type TicketPriority } from '../tickets/ticket-enums.js';

export interface Ticket {
  _id: Types.ObjectId;
  /** Human number, unique; allocated by insert-with-retry (gaps are allowed). */
  number: number;
  subject: string;
  status: TicketStatus;
  priority: TicketPriority;
  type?: string;
  tags: string[];
  departmentId?: Types.ObjectId;
  assigneeId?: Types.ObjectId;
  contactId: Types.ObjectId;
  inboxId: Types.ObjectId;
  channel: ChannelKind;
  /** The customer's handle on the inbox's channel, where replies go. */
  replyTo: { handle: string; displayName?: string; email?: string; phone?: string; conversationId?: string };
  /** Email participants' addresses, for the `[#N]` subject-token rule. */
  participants: string[];
  sla: { policy: string; firstResponseDueAt?: Date; resolutionDueAt?: Date };
  /** Next SLA deadline (first response, else resolution); NO_SLA_DUE when none applies. Sort key. */
  slaDueAt: Date;
  firstResponseAt?: Date;
  solvedAt?: Date;
  closedAt?: Date;
  lastMessageAt: Date;
  lastCustomerMessageAt?: Date;
  snoozedUntil?: Date;
  reopenCount: number;
  previousTicketId?: Types.ObjectId;
  mergedInto?: Types.ObjectId;
  mergedTicketIds: Types.ObjectId[];
  /** Day bucket of creation in the org time zone, for reports without date operators. */
  createdDay: string;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<Ticket>(
  {
    number: { type: Number, required: true },
    subject: { type: String, default: '', maxlength: 998 },
    status: { type: String, required: true, enum: ticketStatuses },
    priority: { type: String, required: true, enum: ticketPriorities },
    type: { type: String, maxlength: 60 },
    tags: { type: [String], default: [] },
    departmentId: { type: Schema.Types.ObjectId },
    assigneeId: { type: Schema.Types.ObjectId },
    contactId: { type: Schema.Types.ObjectId, required: true },
    inboxId: { type: Schema.Types.ObjectId, required: true },
    channel: { type: String, required: true, enum: channelKinds },
    replyTo: {
      handle: { type: String, required: true },
      displayName: String,
      email: String,
      phone: String,
      conversationId: String,
    },
    participants: { type: [String], default: [] },
    sla: { policy: { type: String, required: true }, firstResponseDueAt: Date, resolutionDueAt: Date },
    slaDueAt: { type: Date, required: true },
    firstResponseAt: Date,
    solvedAt: Date,
    closedAt: Date,
    lastMessageAt: { type: Date, required: true },
    lastCustomerMessageAt: Date,
    snoozedUntil: Date,
    reopenCount: { type: Number, default: 0 },
    previousTicketId: { type: Schema.Types.ObjectId },
    mergedInto: { type: Schema.Types.ObjectId },
    mergedTicketIds: { type: [Schema.Types.ObjectId], default: [] },
    createdDay: { type: String, required: true },
  },
  { timestamps: true, versionKey: false, collection: 'tickets' },
);
schema.index({ number: 1 }, { unique: true });
schema.index({ slaDueAt: 1, _id: 1 });
schema.index({ status: 1 });
schema.index({ departmentId: 1, status: 1 });
schema.index({ assigneeId: 1, status: 1 });
schema.index({ contactId: 1 });
// Deleting an inbox checks that no ticket references it.
schema.index({ inboxId: 1 });
// The list's sorts with their `_id` tie-break (keyset pages), so any filter the other indexes do not serve
// is still answered in index order on MongoDB (index-coverage test).
schema.index({ lastMessageAt: -1, _id: -1 });
schema.index({ createdAt: -1, _id: -1 });

export type TicketModel = Model<Ticket>;
export const registerTicketModel = (c: Connection): TicketModel => c.model<Ticket>('Ticket', schema);
