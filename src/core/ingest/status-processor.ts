import type { Logger } from 'pino';
import { systemActor, type AuditLog } from '../audit/audit-log.js';
import type {
  ConversationStatus,
  MessageEdited,
  MessageSentOutside,
  MessageStatusEvent,
  SessionState,
} from '../domain/inbound-event.js';
import { isDuplicateKeyError } from '../db/duplicate-key.js';
import { findByIds } from '../db/find-by-ids.js';
import type { ThreadEntry } from '../models/thread-entry.js';
import { inboundMessageId } from '../messages/inbound-message-id.js';
import type { MessageKeys } from '../messages/message-keys.js';
import { conversationKeyId, successorKeyId } from '../models/conversation-key.js';
import type { Ticket } from '../models/ticket.js';
import type { DomainEvent } from '../events/domain-events.js';
import { ticketScope, toMessageView } from '../events/views.js';
import { sanitizeEmailHtml } from '../messages/sanitize-html.js';
import type { DeliveryStatus, Message } from '../models/message.js';
import type { Models } from '../models/registry.js';
import { entriesOf, newestMessageIds, type ThreadEntries } from '../tickets/thread-entries.js';
import type { ProcessResult, ProcessRun } from './message-processor.js';

/** How many of a conversation's newest messages a watermark looks at (see StatusProcessor.conversation). */
const WATERMARK_WINDOW = 50;

const rank: Partial<Record<DeliveryStatus, number>> = { queued: 0, sending: 1, sent: 2, delivered: 3, read: 4 };

/**
 * Whether a platform's status report moves the message on. Reports arrive late and out of order (Twilio:
 * `sent` after `undelivered`), so only news counts: a higher rank, a failure of a message not yet read,
 * and after a failure only proof of delivery (`delivered`, `read`) — a late `sent` does not undo it.
 */
export function isForward(current: DeliveryStatus, next: MessageStatusEvent['status']): boolean {
  if (next === 'failed') return current !== 'read' && current !== 'failed';
  if (current === 'failed') return next === 'delivered' || next === 'read';
  return (rank[next] ?? -1) > (rank[current] ?? -1);
}

/** The message an event names by its platform's id, not stored (or not keyed) yet. */
export interface AwaitedMessage {
  inboxId: string;
  providerMessageId: string;
}

/**
 * Thrown when an event names something not stored yet: a status before we recorded the provider id of our
 * send, an edit or reaction before its message was processed. With `awaited`, the ingest runs it again as soon
 * as this process stores that message (`IngestService.messageKnown`); the sweeper retries it in any case.
 */
export class NotYetKnownError extends Error {
  constructor(
    message: string,
    readonly awaited?: AwaitedMessage,
  ) {
    super(message);
  }
}

/** NotYetKnownError for a message of `inboxId` with the platform's id `providerMessageId`. */
export const messageNotYetKnown = (inboxId: string, providerMessageId: string, what = 'message') =>
  new NotYetKnownError(`no ${what} with provider id ${providerMessageId} yet`, { inboxId, providerMessageId });

/** Delivery receipts, edits and session state: the smaller inbound event kinds. */
export class StatusProcessor {
  constructor(
    private readonly models: Models,
    private readonly audit: AuditLog,
    private readonly logger: Logger,
    private readonly threadEntries: ThreadEntries,
    private readonly keys: MessageKeys,
  ) {}

  async status(e: MessageStatusEvent): Promise<ProcessResult> {
    const message = await this.keys.inInbox(e.inboxId, e.providerMessageId);
    // Keyed, but the worker is still recording the send: applied now, its event would beat the worker's `sent`.
    if (!message || this.keys.recording.has(String(message._id))) throw messageNotYetKnown(e.inboxId, e.providerMessageId);
    return this.apply(message, e.status, e.reason);
  }

  /**
   * A watermark receipt (Messenger delivery/read): every outbound message of the conversation that was sent
   * at or before `upTo` moves forward to `status`. Messages not sent yet, or sent later, are left alone; the
   * ticks only move forward, so a late or repeated watermark changes nothing.
   *
   * Which messages: those of the conversation's current ticket and of the one it follows up, found through
   * their thread entries (reads by `_id`; the embedded database would read every ticket and every message
   * to answer the query by conversation, for each receipt a customer's phone sends). A platform sends a
   * watermark whenever the customer reads, so replies on older tickets were confirmed long ago; of these two
   * tickets, the newest WATERMARK_WINDOW messages sent up to the watermark are looked at.
   */
  async conversation(e: ConversationStatus): Promise<ProcessResult> {
    const current = await this.conversationTicket(e.inboxId, e.conversationId);
    if (!current) return { outcome: 'no-conversation', events: [] };
    const previous = current.previousTicketId ? await this.models.Ticket.findById(current.previousTicketId, { threadEntries: 1 }).lean() : null;
    const tickets = [current, ...(previous ? [previous] : [])];
    const wanted: DeliveryStatus[] = e.status === 'read' ? ['sent', 'delivered'] : ['sent'];
    const upTo = e.upTo.getTime();
    const candidates = (await this.watermarkCandidates(tickets, upTo)).filter((m) => m.direction === 'outbound' && wanted.includes(m.delivery.status));
    const events: DomainEvent[] = [];
    let moved = 0;
    for (const message of candidates) {
      // When the attempt that succeeded began: the platform stamped the message after it (our `sent` entry is
      // written after its answer, so a delivery watermark can come before it).
      const sending = [...message.delivery.history].reverse().find((h) => h.status === 'sending');
      const sentAt = sending?.at ?? message.occurredAt;
      if (new Date(sentAt).getTime() > upTo) continue;
      const r = await this.apply(message, e.status);
      events.push(...r.events);
      if (r.outcome === 'status') moved++;
    }
    return { outcome: moved ? 'status' : 'stale-status', events };
  }

  /** The newest messages of `tickets` that began at or before `upTo`, through their entries (or the query, for tickets without). */
  private async watermarkCandidates(tickets: Array<Pick<Ticket, '_id' | 'threadEntries'>>, upTo: number): Promise<Message[]> {
    const ids = tickets.map((t) => t._id);
    const entries = await Promise.all(tickets.map((t) => entriesOf(this.models, t)));
    const lists = entries.filter((list): list is ThreadEntry[] => list !== null);
    if (lists.length < entries.length) {
      return this.models.Message.find({ ticketId: { $in: ids }, direction: 'outbound', occurredAt: { $lte: new Date(upTo) } })
        .sort({ occurredAt: -1 })
        .limit(WATERMARK_WINDOW)
        .lean<Message[]>();
    }
    // A message's entry carries its creation time, never later than its sending: entries after `upTo` cannot qualify.
    const newest = newestMessageIds(lists.flat(), WATERMARK_WINDOW, upTo);
    const inTickets = new Set(ids.map(String));
    const messages = await findByIds<Message>(this.models.Message, newest);
    // A message moved to another ticket (a merge) keeps an entry here: it belongs to the ticket it names.
    return messages.filter((m): m is Message => m !== null && inTickets.has(String(m.ticketId)));
  }

  /**
   * A message the business sent from outside Ponte (Messenger: typed in Meta's Page inbox): stored as an
   * outbound message of the conversation's current ticket, already `sent`, so agents see the whole exchange.
   * Keyed by the event's provider key (a re-run stores nothing twice); our own sends are recognised by their
   * provider id; a conversation we have no ticket for (the Page wrote first elsewhere) is left out.
   */
  async sentOutside(e: MessageSentOutside): Promise<ProcessResult> {
    const ours = await this.keys.inInbox(e.inboxId, e.providerMessageId, (m) => m.direction === 'outbound');
    if (ours) return { outcome: 'own-echo', messageId: String(ours._id), ticketId: String(ours.ticketId), events: [] };
    const ticket = await this.conversationTicket(e.inboxId, e.conversationId);
    if (!ticket) return { outcome: 'no-conversation', events: [] };
    const _id = inboundMessageId(e.providerKey, e.occurredAt);
    const author = `Sent outside Ponte${e.via ? ` (${e.via})` : ''}`;
    let message: Message = {
      _id,
      ticketId: ticket._id,
      inboxId: ticket.inboxId,
      channel: ticket.channel,
      direction: 'outbound',
      kind: 'message',
      author: { type: 'system', name: author },
      text: e.text,
      attachments: [],
      providerKey: e.providerKey,
      providerMessageId: e.providerMessageId,
      threading: { references: [] },
      delivery: { status: 'sent', attempts: 0, history: [{ status: 'sent', at: e.occurredAt }] },
      occurredAt: e.occurredAt,
      createdAt: new Date(),
      updatedAt: new Date(),
    };
    try {
      await Promise.all([this.keys.record(message), this.threadEntries.claim(ticket._id, message)]);
      await this.models.Message.insertMany([message]);
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      message = (await this.models.Message.findOne({ providerKey: e.providerKey }).lean()) ?? message;
    }
    const ref = `message:${String(message._id)}`;
    const found = await this.audit.findRef(message.ticketId, ref);
    const ids = { messageId: String(message._id), ticketId: String(message.ticketId) };
    if (found) return { outcome: 'sent-outside', ...ids, events: [] };
    const actor = { type: 'system' as const, name: author };
    const a = await this.audit.append(message.ticketId, 'message.sent_outside', actor, { messageId: ids.messageId }, ref);
    return {
      outcome: 'sent-outside',
      messageId: String(message._id),
      ticketId: String(message.ticketId),
      events: [
        { type: 'message.created', seq: a.seq, at: a.at.toISOString(), scope: ticketScope(ticket), message: toMessageView(message) },
      ],
    };
  }

  /** The conversation's current ticket: its key, the follow-up chain, merges — by `_id` reads only. */
  private async conversationTicket(inboxId: string, conversationId: string): Promise<Ticket | null> {
    const key = await this.models.ConversationKey.findById(conversationKeyId(inboxId, conversationId)).lean();
    if (!key) return null;
    let id = key.ticketId;
    for (let hop = 0; hop < 50; hop++) {
      const next = await this.models.ConversationKey.findById(successorKeyId(String(id))).lean();
      if (next) {
        id = next.ticketId;
        continue;
      }
      const ticket = await this.models.Ticket.findById(id).lean();
      if (!ticket?.mergedInto) return ticket;
      id = ticket.mergedInto;
    }
    return null;
  }

  private async apply(message: Message, status: MessageStatusEvent['status'], reason?: string): Promise<ProcessResult> {
    const e = { status, ...(reason ? { reason } : {}) };
    const current = message.delivery.status;
    const forward = isForward(current, e.status);
    if (!forward) return { outcome: 'stale-status', messageId: String(message._id), ticketId: String(message.ticketId), events: [] };

    const at = new Date();
    await this.models.Message.updateOne(
      { _id: message._id },
      {
        $set: { 'delivery.status': e.status, ...(e.reason ? { 'delivery.lastError': e.reason } : {}) },
        $push: { 'delivery.history': { status: e.status, at, ...(e.reason ? { reason: e.reason } : {}) } },
      },
    );
    const a = await this.audit.append(message.ticketId, 'message.delivery_changed', systemActor, {
      messageId: String(message._id),
      from: current,
      to: e.status,
      ...(e.reason ? { reason: e.reason } : {}),
    });
    const ticket = await this.models.Ticket.findById(message.ticketId).lean();
    const events: DomainEvent[] = ticket
      ? [{ type: 'message.status_changed', seq: a.seq, at: a.at.toISOString(), scope: ticketScope(ticket), messageId: String(message._id), status: e.status, ...(e.reason ? { reason: e.reason } : {}) }]
      : [];
    return { outcome: 'status', messageId: String(message._id), ticketId: String(message.ticketId), events };
  }

  /**
   * An edit: the previous text goes to the append-only history first (ref = the edit's provider key), then the
   * message takes the new text. A crash between the two leaves the history written and the message as it was:
   * the re-run finds the ref, appends nothing and applies the text. (The other way round, the re-run found the
   * text changed already and the previous text was lost.) `run`: a first run has written nothing yet, so it
   * need not look for the ref (see ProcessRun).
   */
  async edited(e: MessageEdited, run: ProcessRun = 'recovery'): Promise<ProcessResult> {
    const message = await this.keys.inInbox(e.inboxId, e.providerMessageId);
    if (!message) throw messageNotYetKnown(e.inboxId, e.providerMessageId);
    // An edit older than the text shown (retried after a newer one landed, or redelivered late) must not bring
    // its text back; the newer edit's history holds the text it replaced.
    if (message.editedAt && e.occurredAt.getTime() < new Date(message.editedAt).getTime()) return { outcome: 'superseded', events: [] };
    const html = e.html ? sanitizeEmailHtml(e.html) : undefined;
    const changed = message.text !== e.text || message.html !== html;
    const found = run === 'first' ? null : await this.audit.findRef(message.ticketId, e.providerKey);
    // Unchanged and never audited: the same edit again under another key, or no edit at all.
    if (!changed && !found) return { outcome: 'unchanged', events: [] };
    const a =
      found ??
      (await this.audit.append(message.ticketId, 'message.edited', systemActor, { messageId: String(message._id), previousText: message.text }, e.providerKey));
    // HTML of the old text must not outlive it: replaced by the edit's, or removed.
    if (changed) {
      await this.models.Message.updateOne(
        { _id: message._id },
        {
          $set: { text: e.text, editedAt: e.occurredAt, ...(html ? { html } : {}) },
          ...(!html && message.html ? { $unset: { html: 1 } } : {}),
        },
      );
    }
    // Consoles showing the thread redraw the message in place, marked edited (again, on a re-run: an earlier
    // run may have stopped before announcing). The message as just written: no need to read it back.
    const { html: _oldHtml, ...rest } = message;
    const updated: Message = changed ? { ...rest, text: e.text, editedAt: e.occurredAt, ...(html ? { html } : {}) } : message;
    const ticket = await this.models.Ticket.findById(message.ticketId).lean();
    const events: DomainEvent[] =
      ticket
        ? [{ type: 'message.updated', seq: a.seq, at: a.at.toISOString(), scope: ticketScope(ticket), message: toMessageView(updated) }]
        : [];
    return { outcome: 'edited', messageId: String(message._id), ticketId: String(message.ticketId), events };
  }

  async session(e: SessionState): Promise<ProcessResult> {
    const status = e.state === 'ready' ? 'ok' : e.state === 'qr' ? 'degraded' : 'down';
    await this.models.Inbox.updateOne(
      { _id: e.inboxId },
      { $set: { health: { status, ...(e.detail ? { detail: e.detail } : {}), checkedAt: e.occurredAt } } },
    );
    this.logger.info({ inboxId: e.inboxId, state: e.state }, 'channel session state');
    return {
      outcome: 'session',
      events: [{ type: 'channel.state_changed', at: new Date().toISOString(), inboxId: e.inboxId, status, ...(e.detail ? { detail: e.detail } : {}) }],
    };
  }
}
