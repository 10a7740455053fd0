import { z } from 'zod';
import { ChannelKindSchema } from '../domain/channel-kind.js';

/**
 * Domain events, named `noun.verb`, published only after the write they
 * describe. Shared with the console (realtime projector) as zod schemas.
 * `seq` is the ticket's audit sequence number of the change, so a reconnecting
 * client can ask for everything after the last seq it saw; transient
 * notifications (a retry in progress) carry no seq.
 */

const id = z.string().min(1);

/** Who may see the event: the projector routes it to rooms by these. */
export const TicketScopeSchema = z.object({
  ticketId: id,
  departmentId: id.nullable(),
  assigneeId: id.nullable(),
});

export const TicketSummarySchema = z.object({
  id,
  number: z.number().int(),
  subject: z.string(),
  status: z.string(),
  priority: z.string(),
  channel: ChannelKindSchema,
  inboxId: id,
  contactId: id,
  departmentId: id.nullable(),
  assigneeId: id.nullable(),
  tags: z.array(z.string()),
  lastMessageAt: z.string(),
  slaDueAt: z.string().nullable(),
  /** Snoozed until then: out of the open-work views, listed in the Snoozed view. */
  snoozedUntil: z.string().nullable().optional(),
  /** The newest message's text, shortened. */
  preview: z.string().optional(),
  /** When the customer last wrote: the live board counts a ticket set open again as waiting when it is the newest
   * message; a console back from a lost connection marks the tickets they wrote to meanwhile unread. */
  lastCustomerMessageAt: z.string().nullable().optional(),
});
export type TicketSummary = z.infer<typeof TicketSummarySchema>;

export const MessageViewSchema = z.object({
  id,
  ticketId: id,
  channel: ChannelKindSchema,
  direction: z.enum(['inbound', 'outbound', 'internal']),
  kind: z.enum(['message', 'note', 'system', 'call']),
  authorName: z.string().nullable(),
  authorType: z.enum(['contact', 'agent', 'system']),
  text: z.string(),
  quotedText: z.string().nullable(),
  hasHtml: z.boolean(),
  attachments: z.array(
    z.object({
      blobId: z.string(),
      fileName: z.string(),
      mimeType: z.string(),
      size: z.number(),
      /** Content-ID of an inline part: the message HTML refers to it as `cid:<contentId>`. */
      contentId: z.string().optional(),
      inline: z.boolean().optional(),
    }),
  ),
  deliveryStatus: z.string(),
  occurredAt: z.string(),
  threadReason: z.object({ rule: z.string(), detail: z.string().optional() }).nullable(),
  automated: z.boolean(),
  subjectChanged: z.boolean(),
  /** A reply addressed to the customer of a ticket merged into this one (GET /api/tickets/:id/recipients); absent: the ticket's own. */
  recipientId: z.string().optional(),
  /** Deleted for everyone by its sender (kept, shown struck through). */
  /** Changed by its sender after it arrived (Telegram, WhatsApp, Messenger edits); the old text is in the audit. */
  editedAt: z.string().optional(),
  revoked: z.boolean().optional(),
  reactions: z.array(z.object({ by: z.string(), emoji: z.string() })).optional(),
  /** Call entries only: direction, outcome, duration, numbers, transcription (the recording is an attachment). */
  call: z
    .object({
      direction: z.enum(['inbound', 'outbound']),
      status: z.string(),
      durationSeconds: z.number().nullable(),
      from: z.string(),
      to: z.string(),
      transcription: z.string().nullable(),
    })
    .optional(),
});
export type MessageView = z.infer<typeof MessageViewSchema>;

const base = { at: z.string(), scope: TicketScopeSchema };

export const DomainEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ticket.created'), seq: z.number().int(), ...base, ticket: TicketSummarySchema }),
  z.object({
    type: z.literal('ticket.updated'),
    seq: z.number().int(),
    ...base,
    change: z.string(),
    ticket: TicketSummarySchema,
    /** Previous scope, so rooms that lose sight of the ticket (transfer) are told too. */
    previousScope: TicketScopeSchema.optional(),
  }),
  z.object({
    type: z.literal('message.created'),
    seq: z.number().int(),
    ...base,
    message: MessageViewSchema,
    /** The ticket as the message left it (set by ingest), so subscribers need not read it back. */
    ticket: z.object({ number: z.number().int(), status: z.string(), inboxId: id, conversationId: z.string().nullable() }).optional(),
    /**
     * The customer conversation an inbound message came from (set by ingest). After a merge of two customers'
     * tickets it is not the ticket's own: the web chat tells that visitor, not the ticket's.
     */
    from: z.object({ inboxId: id, conversationId: z.string() }).optional(),
  }),
  z.object({
    type: z.literal('message.status_changed'),
    seq: z.number().int().optional(),
    ...base,
    messageId: id,
    status: z.string(),
    reason: z.string().optional(),
  }),
  /** A message was revoked by its sender or got/lost a reaction: the console redraws it in place. */
  z.object({
    type: z.literal('message.annotated'),
    seq: z.number().int(),
    ...base,
    messageId: id,
    revoked: z.boolean(),
    reactions: z.array(z.object({ by: z.string(), emoji: z.string() })),
  }),
  /** A user's sessions were ended (password, role, deactivation, logout): their sockets must authenticate again. */
  z.object({ type: z.literal('user.sessions_ended'), at: z.string(), userId: id }),
  /** A user's departments changed: their sockets' rooms and open tickets must follow at once. */
  z.object({ type: z.literal('user.access_changed'), at: z.string(), userId: id }),
  /** A message changed after it was announced (a call entry's outcome, recording or transcription). */
  z.object({ type: z.literal('message.updated'), seq: z.number().int(), ...base, message: MessageViewSchema }),
  /** An inbox was created or changed: the channel runtime (re)starts its adapter. */
  z.object({ type: z.literal('inbox.changed'), at: z.string(), inboxId: id }),
  /**
   * A user or department was created, renamed, moved or (de)activated: open consoles re-read the list for
   * their pickers. No names or ids ride along, so it tells nobody more than the REST lists they may read.
   */
  z.object({ type: z.literal('directory.changed'), at: z.string(), what: z.enum(['users', 'departments']) }),
  /** A CSAT question went to the customer (after a solve). */
  z.object({ type: z.literal('ticket.csat_requested'), seq: z.number().int(), ...base, channel: ChannelKindSchema }),
  /** The customer rated the ticket (a later rating within the window replaces the earlier one). */
  z.object({ type: z.literal('ticket.csat_rated'), seq: z.number().int(), ...base, rating: z.number().int().min(1).max(5), comment: z.string().nullable() }),
  /** An agent became available, went away, or went offline. */
  z.object({ type: z.literal('user.availability_changed'), at: z.string(), userId: id, availability: z.enum(['available', 'away', 'offline']) }),
  z.object({
    type: z.literal('channel.state_changed'),
    at: z.string(),
    inboxId: id,
    status: z.string(),
    detail: z.string().optional(),
    /** A session waiting to be paired: the QR code's text (admins' settings screen draws it). */
    qr: z.string().optional(),
  }),
  /** An SLA due time is near (`warning`) or passed (`breach`, escalated): for the assignee and the supervisors. */
  z.object({
    type: z.literal('sla.alert'),
    /** Not an audited change of its own (the escalation's is): no seq. */
    seq: z.number().int().optional(),
    ...base,
    kind: z.enum(['warning', 'breach']),
    target: z.enum(['firstResponse', 'nextResponse', 'resolution']),
    dueAt: z.string(),
    ticket: TicketSummarySchema,
    /** Breach only: what the escalation changed. */
    escalation: z.object({ priorityFrom: z.string(), priorityTo: z.string(), unassigned: z.boolean() }).optional(),
  }),
]);
export type DomainEvent = z.infer<typeof DomainEventSchema>;
export type DomainEventType = DomainEvent['type'];
