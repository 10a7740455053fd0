import { Schema, Types, type Connection, type Model } from 'mongoose';
import { channelKinds, type ChannelKind } from '../domain/channel-kind.js';
import { callStatuses, type CallStatus } from '../domain/inbound-event.js';

/** A phone call entry (`kind: 'call'`): completed by `call.updated` events as the platform reports more. */
export interface MessageCall {
  direction: 'inbound' | 'outbound';
  status: CallStatus;
  durationSeconds?: number;
  from: string;
  to: string;
  /** The voicemail's transcription, when the platform delivers one. */
  transcription?: string;
}

export const deliveryStatuses = ['none', 'received', 'queued', 'sending', 'sent', 'delivered', 'read', 'failed'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

export interface StoredAttachment {
  blobId: string;
  fileName: string;
  mimeType: string;
  size: number;
  contentId?: string;
  inline?: boolean;
}

export interface Message {
  _id: Types.ObjectId;
  ticketId: Types.ObjectId;
  inboxId: Types.ObjectId;
  channel: ChannelKind;
  direction: 'inbound' | 'outbound' | 'internal';
  kind: 'message' | 'note' | 'system' | 'call';
  author: { type: 'contact' | 'agent' | 'system'; contactId?: Types.ObjectId; userId?: Types.ObjectId; name?: string };
  text: string;
  /** Folded quoted history of an email reply (the new part is `text`). */
  quotedText?: string;
  /** Sanitised on the way in; the console still renders it isolated. */
  html?: string;
  attachments: StoredAttachment[];
  /** Unique for every message: inbound = the event's provider key, ours = `out:<_id>` / `note:<_id>`. */
  providerKey: string;
  /** Id the platform gave the message (inbound, or outbound after sending). */
  providerMessageId?: string;
  /** RFC 5322 Message-ID (ours for outbound email), used for explicit-reference threading. */
  emailMessageId?: string;
  threading: { subject?: string; inReplyTo?: string; references: string[]; quotedProviderMessageId?: string };
  /**
   * The customer conversation the message belongs to: inbound, the sender's; outbound, the recipient's. A
   * customer's history (web chat) shows only its own conversation's messages, whatever merges put on a ticket.
   */
  conversationId?: string;
  /**
   * An agent's reply: the customer it was addressed to — the ticket whose conversation it is (the ticket's own,
   * or one merged into it) and the address handed to the channel. `inboxId`, `channel` and `conversationId`
   * are that conversation's. Absent on older replies and Ponte's own messages: they go to the ticket's `replyTo`.
   */
  recipient?: {
    ticketId: Types.ObjectId;
    handle: string;
    displayName?: string;
    email?: string;
    phone?: string;
    /** When that customer last wrote (their ticket's stops at the merge): for platforms with a reply window. */
    lastCustomerMessageAt?: Date;
  };
  /**
   * Outbound: its place in its conversation's delivery order (`outbound/conversation-lanes.ts`), taken when it
   * was accepted (again when an agent retries it): `after` is the message accepted just before it in the same
   * lane, which must be sent or failed before this one goes. Absent on messages queued before order was kept.
   */
  order?: { lane: string; seq: number; after?: string };
  /** Why the message joined this ticket (rule + detail), shown to agents. */
  threadReason?: { rule: string; detail?: string };
  delivery: {
    status: DeliveryStatus;
    attempts: number;
    lastError?: string;
    history: Array<{ status: DeliveryStatus; at: Date; reason?: string }>;
  };
  automated?: boolean;
  /** Outbound sent by Ponte itself (auto-acknowledgement). */
  automatic?: boolean;
  /** Joined a ticket by reference although its subject is unrelated: agents should look. */
  subjectChanged?: boolean;
  rawRef?: string;
  editedAt?: Date;
  /** The sender deleted it for everyone (WhatsApp): kept and shown as revoked, never deleted. */
  revokedAt?: Date;
  /** Reactions on it, one per person (`by` = platform handle). */
  reactions?: Array<{ by: string; emoji: string; at: Date }>;
  /** An outbound message typed on our account outside Ponte (the WhatsApp phone). */
  fromPhone?: boolean;
  call?: MessageCall;
  /** Platform timestamp; thread order is (occurredAt, _id). */
  occurredAt: Date;
  createdAt: Date;
  updatedAt: Date;
}

const attachment = new Schema<StoredAttachment>(
  {
    blobId: { type: String, required: true },
    fileName: { type: String, required: true },
    mimeType: { type: String, required: true },
    size: { type: Number, required: true },
    contentId: String,
    inline: Boolean,
  },
  { _id: false },
);

const schema = new Schema<Message>(
  {
    ticketId: { type: Schema.Types.ObjectId, required: true },
    inboxId: { type: Schema.Types.ObjectId, required: true },
    channel: { type: String, required: true, enum: channelKinds },
    direction: { type: String, required: true, enum: ['inbound', 'outbound', 'internal'] },
    kind: { type: String, required: true, enum: ['message', 'note', 'system', 'call'] },
    conversationId: String,
    recipient: {
      type: new Schema(
        { ticketId: { type: Schema.Types.ObjectId, required: true }, handle: { type: String, required: true }, displayName: String, email: String, phone: String, lastCustomerMessageAt: Date },
        { _id: false },
      ),
      required: false,
    },
    author: {
      type: { type: String, required: true, enum: ['contact', 'agent', 'system'] },
      contactId: Schema.Types.ObjectId,
      userId: Schema.Types.ObjectId,
      name: String,
    },
    text: { type: String, default: '' },
    quotedText: String,
    html: String,
    attachments: { type: [attachment], default: [] },
    providerKey: { type: String, required: true },
    providerMessageId: String,
    emailMessageId: String,
    threading: {
      subject: String,
      inReplyTo: String,
      references: { type: [String], default: [] },
      quotedProviderMessageId: String,
    },
    threadReason: { rule: String, detail: String },
    order: {
      type: new Schema({ lane: { type: String, required: true }, seq: { type: Number, required: true }, after: String }, { _id: false }),
      required: false,
    },
    delivery: {
      status: { type: String, required: true, enum: deliveryStatuses },
      attempts: { type: Number, default: 0 },
      lastError: String,
      history: {
        type: [new Schema({ status: String, at: Date, reason: String }, { _id: false })],
        default: [],
      },
    },
    automated: Boolean,
    automatic: Boolean,
    subjectChanged: Boolean,
    rawRef: String,
    editedAt: Date,
    revokedAt: Date,
    reactions: { type: [new Schema({ by: String, emoji: String, at: Date }, { _id: false })], default: undefined },
    fromPhone: Boolean,
    call: {
      type: new Schema<MessageCall>(
        {
          direction: { type: String, enum: ['inbound', 'outbound'] },
          status: { type: String, enum: callStatuses },
          durationSeconds: Number,
          from: String,
          to: String,
          transcription: String,
        },
        { _id: false },
      ),
      required: false,
    },
    occurredAt: { type: Date, required: true },
  },
  { timestamps: true, versionKey: false, collection: 'messages' },
);
schema.index({ providerKey: 1 }, { unique: true });
schema.index({ ticketId: 1, occurredAt: 1 });
schema.index({ providerMessageId: 1 });
schema.index({ emailMessageId: 1 });
schema.index({ 'delivery.status': 1 });

export type MessageModel = Model<Message>;
export const registerMessageModel = (c: Connection): MessageModel => c.model<Message>('Message', schema);
