import { z } from 'zod';
import { MAX_ATTACHMENTS_PER_MESSAGE } from '../attachments/attachment-limits.js';

/**
 * The normalised shape every channel adapter produces. It is the only thing
 * the core ingest pipeline accepts, so it is validated at the boundary.
 */

export const InboundAttachmentSchema = z.object({
  fileName: z.string().min(1).max(255),
  mimeType: z.string().min(1).max(255),
  size: z.number().int().nonnegative(),
  /** Email inline images: the Content-ID without angle brackets. */
  contentId: z.string().max(998).optional(),
  inline: z.boolean().optional(),
  /** Base64 when the event is stored before processing (it must survive a crash). */
  contentBase64: z.string().optional(),
  /** Set by the core once the bytes are in the blob store (never by adapters). */
  blobId: z.string().max(100).optional(),
  /** A URL the adapter can fetch later (large media); not fetched by the core. */
  remoteUrl: z.string().url().optional(),
  /**
   * A platform file reference (Telegram `file_id`, Twilio media URL, Graph attachment URL) that the core
   * has the inbox's adapter download (`fetchMedia`) while processing the stored event — never while the
   * webhook waits for its answer.
   */
  remoteRef: z.string().min(1).max(4000).optional(),
});
export type InboundAttachment = z.infer<typeof InboundAttachmentSchema>;

export const SenderSchema = z.object({
  /** Channel-specific handle, e.g. Telegram user id, E.164 phone, email address, visitor id. */
  handle: z.string().min(1).max(320),
  displayName: z.string().max(200).optional(),
  email: z.string().email().max(320).optional(),
  phone: z.string().max(40).optional(),
  /** Where answers go when it is not `email` (email Reply-To: a shared mailbox); the author stays `email`. */
  replyTo: z.string().email().max(320).optional(),
  /** Identity keys the adapter can vouch for, e.g. `telegram:12345`. Derived from handle when empty. */
  identityKeys: z.array(z.string().min(3).max(400)).max(10).optional(),
  /** A picture of the sender the platform gave (Messenger profile_pic), kept on a new or unnamed contact. */
  avatarUrl: z.string().url().max(4000).optional(),
  /**
   * An address the customer typed and nobody confirmed (web chat "introduce yourself"): kept on their
   * contact as `unverifiedEmail`, never an identity key nor the contact's `email` (it cannot claim anyone).
   */
  unverifiedEmail: z.string().email().max(320).optional(),
});
export type Sender = z.infer<typeof SenderSchema>;

export const ThreadingHintsSchema = z.object({
  /** Conversation id on the platform (chat id, phone pair, visitor id). Email: root Message-ID. */
  conversationId: z.string().min(1).max(998),
  subject: z.string().max(998).optional(),
  messageId: z.string().max(998).optional(),
  inReplyTo: z.string().max(998).optional(),
  references: z.array(z.string().max(998)).max(100).optional(),
  /** Provider id of the chat message this one quotes/replies to (as long as any provider message id: Messenger's run to ~900). */
  quotedProviderMessageId: z.string().max(1000).optional(),
  /** Email participants (To/Cc addresses), used for the `[#N]` subject token rule. */
  participants: z.array(z.string().max(320)).max(100).optional(),
});
export type ThreadingHints = z.infer<typeof ThreadingHintsSchema>;

/** Call states, in the order a call can move through them (see `callStatusRank`). */
export const callStatuses = ['ringing', 'in-progress', 'failed', 'missed', 'answered', 'voicemail'] as const;
export const CallStatusSchema = z.enum(callStatuses);
export type CallStatus = z.infer<typeof CallStatusSchema>;
/** A later callback never moves a call back: a voicemail stays a voicemail when a late "no-answer" arrives. */
export const callStatusRank: Record<CallStatus, number> = {
  ringing: 0,
  'in-progress': 1,
  failed: 2,
  missed: 2,
  answered: 3,
  voicemail: 4,
};

/** A phone call shown in a ticket as one entry (voice channels). */
export const CallInfoSchema = z.object({
  direction: z.enum(['inbound', 'outbound']),
  status: CallStatusSchema,
  durationSeconds: z.number().int().nonnegative().optional(),
  // As long as a sender handle: a SIP caller (`sip:alice@pbx.example.com`) is no E.164 number.
  from: z.string().max(320),
  to: z.string().max(320),
});
export type CallInfo = z.infer<typeof CallInfoSchema>;

/** Characters of a delivery failure's reason kept (agents read it beside the message). */
export const MAX_STATUS_REASON = 2000;

const base = {
  /** Deterministic dedupe key, e.g. `tg:<bot>:<chat>:<message_id>`, `sms:<MessageSid>`. */
  providerKey: z.string().min(3).max(1200),
  inboxId: z.string().min(1).max(64),
  occurredAt: z.coerce.date(),
};

export const MessageReceivedSchema = z.object({
  ...base,
  type: z.literal('message.received'),
  providerMessageId: z.string().max(1000).optional(),
  sender: SenderSchema,
  /** The new part of the message; for email replies the quoted history is folded into `quotedText`. */
  text: z.string().max(1_000_000).default(''),
  quotedText: z.string().max(1_000_000).optional(),
  html: z.string().max(5_000_000).optional(),
  attachments: z.array(InboundAttachmentSchema).max(MAX_ATTACHMENTS_PER_MESSAGE).default([]),
  threading: ThreadingHintsSchema,
  /** Automatic mail (auto-reply, bounce, list): store it, never auto-answer it. */
  automated: z.boolean().optional(),
  /** Id of our raw copy (email source kept in GridFS), if the adapter stored one. */
  rawRef: z.string().max(200).optional(),
  /**
   * Sent from our own account outside Ponte (a colleague typing on the WhatsApp phone): stored as an
   * outbound message of the conversation; `sender` is still the customer the conversation is with.
   */
  fromUs: z.boolean().optional(),
  /** A phone call (voice): the message is a call entry; later `call.updated` events complete it. */
  call: CallInfoSchema.optional(),
});

export const MessageStatusSchema = z.object({
  ...base,
  type: z.literal('message.status'),
  providerMessageId: z.string().min(1).max(1000),
  status: z.enum(['sent', 'delivered', 'read', 'failed']),
  // Cut, not refused: a provider's long error text must not cost us the status (it is not sent again).
  reason: z
    .string()
    .max(100_000)
    .transform((r) => (r.length > MAX_STATUS_REASON ? `${r.slice(0, MAX_STATUS_REASON - 1)}…` : r))
    .optional(),
});

export const MessageEditedSchema = z.object({
  ...base,
  type: z.literal('message.edited'),
  providerMessageId: z.string().min(1).max(1000),
  text: z.string().max(1_000_000),
  /** The edited message's formatting (Telegram entities); without it, earlier HTML is dropped with the old text. */
  html: z.string().max(5_000_000).optional(),
});

/** The sender deleted a message for everyone (WhatsApp "revoke"): it is marked, never deleted here. */
export const MessageRevokedSchema = z.object({
  ...base,
  type: z.literal('message.revoked'),
  providerMessageId: z.string().min(1).max(1000),
});

/** A reaction on a stored message (shown on it, never a new ticket). An empty emoji removes it. */
export const MessageReactionSchema = z.object({
  ...base,
  type: z.literal('message.reaction'),
  providerMessageId: z.string().min(1).max(1000),
  /** Who reacted (platform handle); one reaction per person and message. */
  by: z.string().min(1).max(320),
  emoji: z.string().max(64),
});

/**
 * A later fact about a call entry (`providerMessageId` = the call's id): its outcome and duration, the
 * voicemail recording (fetched like any announced attachment), the transcription. Applied in any order;
 * a status only moves forward (`callStatusRank`).
 */
export const CallUpdatedSchema = z.object({
  ...base,
  type: z.literal('call.updated'),
  providerMessageId: z.string().min(1).max(1000),
  /** The call entry's conversation (the caller's number): the event is processed after the call's message. */
  conversationId: z.string().min(1).max(998),
  status: CallStatusSchema.optional(),
  durationSeconds: z.number().int().nonnegative().optional(),
  transcription: z.string().max(100_000).optional(),
  attachments: z.array(InboundAttachmentSchema).max(10).default([]),
  /** A line added to the call entry's text (set by the core when a recording could not be fetched). */
  text: z.string().max(5000).optional(),
});

/**
 * A customer asked not to be contacted on a channel (SMS STOP, the platform's opt-out error) or asked
 * again to be (START). Recorded on the contact that owns `identityKey`; agents see it before sending.
 */
export const ContactConsentSchema = z.object({
  ...base,
  type: z.literal('contact.consent'),
  identityKey: z.string().min(3).max(400),
  /** The conversation it came from, so it is processed after that conversation's messages. */
  conversationId: z.string().min(1).max(998),
  channel: z.enum(['sms']),
  optedOut: z.boolean(),
  reason: z.string().max(500).optional(),
});

export const SessionStateSchema = z.object({
  ...base,
  type: z.literal('session.state'),
  state: z.enum(['qr', 'ready', 'disconnected', 'error']),
  detail: z.string().max(5000).optional(),
});

/**
 * A receipt that names no message but a moment (Messenger's delivery/read `watermark`): every outbound message of
 * the conversation sent at or before `upTo` has reached `status`.
 */
export const ConversationStatusSchema = z.object({
  ...base,
  type: z.literal('conversation.status'),
  conversationId: z.string().min(1).max(998),
  status: z.enum(['delivered', 'read']),
  upTo: z.coerce.date(),
});

/**
 * A message the business sent the customer outside Ponte, reported by the platform (Messenger: an echo of a reply
 * typed in Meta's Page inbox, or sent by another app of the Page). Stored as an outbound message of the
 * conversation's current ticket, already sent; never a customer message.
 */
export const MessageSentOutsideSchema = z.object({
  ...base,
  type: z.literal('message.sent_outside'),
  providerMessageId: z.string().min(1).max(1000),
  conversationId: z.string().min(1).max(998),
  text: z.string().max(1_000_000).default(''),
  /** Who sent it, as far as the platform says (e.g. "Page inbox", an app id). */
  via: z.string().max(200).optional(),
});

export const InboundEventSchema = z.discriminatedUnion('type', [
  MessageReceivedSchema,
  MessageStatusSchema,
  MessageEditedSchema,
  SessionStateSchema,
  CallUpdatedSchema,
  ContactConsentSchema,
  ConversationStatusSchema,
  MessageSentOutsideSchema,
  MessageRevokedSchema,
  MessageReactionSchema,
]);
export type InboundEvent = z.infer<typeof InboundEventSchema>;
export type InboundEventInput = z.input<typeof InboundEventSchema>;
export type MessageReceived = z.infer<typeof MessageReceivedSchema>;
export type MessageStatusEvent = z.infer<typeof MessageStatusSchema>;
export type MessageEdited = z.infer<typeof MessageEditedSchema>;
export type SessionState = z.infer<typeof SessionStateSchema>;
export type CallUpdated = z.infer<typeof CallUpdatedSchema>;
export type ContactConsent = z.infer<typeof ContactConsentSchema>;
export type ConversationStatus = z.infer<typeof ConversationStatusSchema>;
export type MessageSentOutside = z.infer<typeof MessageSentOutsideSchema>;
export type MessageRevoked = z.infer<typeof MessageRevokedSchema>;
export type MessageReaction = z.infer<typeof MessageReactionSchema>;
