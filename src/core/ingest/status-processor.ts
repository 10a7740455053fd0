import type { Logger } from 'pino';
import { systemActor, type AuditLog } from '../audit/audit-log.js';
import type { MessageEdited, MessageStatusEvent, SessionState } from '../domain/inbound-event.js';
import type { DomainEvent } from '../events/domain-events.js';
import { ticketScope } from '../events/views.js';
import type { DeliveryStatus } from '../models/message.js';
import type { Models } from '../models/registry.js';
import type { ProcessResult } from './message-processor.js';

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

/** Thrown when a status arrives before we recorded the provider id of our send; the sweeper retries it. */
export class NotYetKnownError extends Error {}

/** Delivery receipts, edits and session state: the smaller inbound event kinds. */
export class StatusProcessor {
  constructor(
    private readonly models: Models,
    private readonly audit: AuditLog,
    private readonly logger: Logger,
  ) {}

  async status(e: MessageStatusEvent): Promise<ProcessResult> {
    const message = await this.models.Message.findOne({
      inboxId: e.inboxId,
      $or: [{ providerMessageId: e.providerMessageId }, { emailMessageId: e.providerMessageId }],
    }).lean();
    if (!message) throw new NotYetKnownError(`no message with provider id ${e.providerMessageId} yet`);
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

  async edited(e: MessageEdited): Promise<ProcessResult> {
    const message = await this.models.Message.findOne({ inboxId: e.inboxId, providerMessageId: e.providerMessageId }).lean();
    if (!message) throw new NotYetKnownError(`no message with provider id ${e.providerMessageId} yet`);
    if (message.text === e.text) return { outcome: 'unchanged', events: [] };
    await this.models.Message.updateOne({ _id: message._id }, { $set: { text: e.text, editedAt: e.occurredAt } });
    // The previous text stays in the append-only history.
    await this.audit.append(message.ticketId, 'message.edited', systemActor, { messageId: String(message._id), previousText: message.text });
    return { outcome: 'edited', messageId: String(message._id), ticketId: String(message.ticketId), events: [] };
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
