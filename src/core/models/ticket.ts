import { Schema, Types, type Connection, type Model } from 'mongoose';
import { channelKinds, type ChannelKind } from '../domain/channel-kind.js';
import type { SlaState } from '../sla/sla-lifecycle.js';
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
  /** Skills an agent needs to be auto-assigned this ticket (set by a routing rule). */
  requiredSkills?: string[];
  departmentId?: Types.ObjectId;
  assigneeId?: Types.ObjectId;
  contactId: Types.ObjectId;
  inboxId: Types.ObjectId;
  channel: ChannelKind;
  /** The customer's handle on the inbox's channel, where replies go. */
  replyTo: { handle: string; displayName?: string; email?: string; phone?: string; conversationId?: string };
  /** Email participants' addresses, for the `[#N]` subject-token rule. */
  participants: string[];
  /** Which policy applies and its due times: written only from `recomputeSla` (src/core/sla/sla-lifecycle.ts). */
  sla: SlaState;
  /** Next SLA deadline (first response, else resolution); NO_SLA_DUE when none applies. Sort key. */
  slaDueAt: Date;
  firstResponseAt?: Date;
  solvedAt?: Date;
  closedAt?: Date;
  lastMessageAt: Date;
  /** The newest message's text, shortened (the ticket list's second line). */
  lastMessagePreview?: string;
  lastCustomerMessageAt?: Date;
  snoozedUntil?: Date;
  reopenCount: number;
  previousTicketId?: Types.ObjectId;
  mergedInto?: Types.ObjectId;
  mergedTicketIds: Types.ObjectId[];
  /**
   * Conversation keys a split moved to another ticket (`tickets/ticket-split.ts`): threading that remembered
   * this ticket as such a conversation's pointer reads the key again (`threading/ticket-placement.ts`).
   */
  conversationsMovedOut?: string[];
  /** Messages were split off this ticket: a reply to our signed Message-ID looks up where that message is now. */
  splitOut?: boolean;
  /** Created with thread entries (`thread-entries.ts`): every message of it has one. Older tickets lack it. */
  threadEntries?: boolean;
  /** Day bucket of creation in the org time zone, for reports without date operators. */
  createdDay: string;
  /** Customer satisfaction of the latest solve: asked at `requestedAt`, answered (1–5) at `ratedAt`. */
  /** `departmentId` / `assigneeId`: who had the ticket when the question was asked (reports count the rating for them). */
  csat?: { requestId: string; requestedAt: Date; departmentId?: string | null; assigneeId?: string | null; rating?: number; comment?: string; ratedAt?: Date };
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
    requiredSkills: { type: [String], default: undefined },
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
    sla: {
      policy: { type: String, required: true },
      firstResponseDueAt: Date,
      resolutionDueAt: Date,
      policyName: String,
      nextResponseDueAt: Date,
      nextResponseFrom: Date,
      pausedAt: Date,
      pausedMinutes: { firstResponse: Number, nextResponse: Number, resolution: Number },
      breached: { firstResponse: Boolean, nextResponse: Boolean, resolution: Boolean },
    },
    slaDueAt: { type: Date, required: true },
    firstResponseAt: Date,
    solvedAt: Date,
    closedAt: Date,
    lastMessageAt: { type: Date, required: true },
    lastMessagePreview: { type: String, maxlength: 200 },
    lastCustomerMessageAt: Date,
    snoozedUntil: Date,
    reopenCount: { type: Number, default: 0 },
    previousTicketId: { type: Schema.Types.ObjectId },
    mergedInto: { type: Schema.Types.ObjectId },
    mergedTicketIds: { type: [Schema.Types.ObjectId], default: [] },
    conversationsMovedOut: { type: [String], default: undefined },
    splitOut: Boolean,
    threadEntries: Boolean,
    createdDay: { type: String, required: true },
    csat: { requestId: String, requestedAt: Date, departmentId: String, assigneeId: String, rating: Number, comment: String, ratedAt: Date },
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
// Snoozes whose time has come (tickets/snooze-wake.ts; FerretDB asks the open-work projection instead). Sparse:
// only snoozed tickets are in it.
schema.index({ snoozedUntil: 1 }, { sparse: true });

export type TicketModel = Model<Ticket>;
export const registerTicketModel = (c: Connection): TicketModel => c.model<Ticket>('Ticket', schema);
