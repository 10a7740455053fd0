import type { Logger } from 'pino';
import { systemActor, type AuditLog } from '../audit/audit-log.js';
import type { MessageReaction, MessageRevoked } from '../domain/inbound-event.js';
import type { DomainEvent } from '../events/domain-events.js';
import { ticketScope } from '../events/views.js';
import type { MessageKeys } from '../messages/message-keys.js';
import type { Message } from '../models/message.js';
import type { Models } from '../models/registry.js';
import type { ProcessResult } from './message-processor.js';
import { messageNotYetKnown } from './status-processor.js';

/**
 * Changes a chat platform reports about a stored message: revoked by its sender ("deleted for everyone") and
 * reactions. The message stays in the history (revoked is a mark); a reaction never makes a new ticket.
 * Each change is audited (ref = the event's provider key, so a re-run after a crash appends nothing twice)
 * and announced as `message.annotated` so open consoles redraw the message.
 */
export class AnnotationProcessor {
  constructor(
    private readonly models: Models,
    private readonly audit: AuditLog,
    private readonly logger: Logger,
    private readonly keys: MessageKeys,
  ) {}

  async revoked(e: MessageRevoked): Promise<ProcessResult> {
    const message = await this.find(e.inboxId, e.providerMessageId);
    if (!message.revokedAt) {
      await this.models.Message.updateOne({ _id: message._id }, { $set: { revokedAt: e.occurredAt } });
    }
    const after: Message = { ...message, revokedAt: message.revokedAt ?? e.occurredAt };
    return this.announce(after, e.providerKey, 'message.revoked', { messageId: String(message._id) });
  }

  async reaction(e: MessageReaction): Promise<ProcessResult> {
    const message = await this.find(e.inboxId, e.providerMessageId);
    const others = (message.reactions ?? []).filter((r) => r.by !== e.by);
    const reactions = e.emoji ? [...others, { by: e.by, emoji: e.emoji, at: e.occurredAt }] : others;
    await this.models.Message.updateOne({ _id: message._id }, { $set: { reactions } });
    return this.announce({ ...message, reactions }, e.providerKey, 'message.reaction', {
      messageId: String(message._id),
      by: e.by,
      emoji: e.emoji,
    });
  }

  private async find(inboxId: string, providerMessageId: string): Promise<Message> {
    const message = await this.keys.inInbox(inboxId, providerMessageId);
    // The message may still be on its way through ingest (another conversation queue): retried later.
    if (!message) throw messageNotYetKnown(inboxId, providerMessageId);
    return message;
  }

  private async announce(message: Message, ref: string, type: string, data: Record<string, unknown>): Promise<ProcessResult> {
    const existing = await this.audit.findRef(message.ticketId, ref);
    const a = existing ?? (await this.audit.append(message.ticketId, type, systemActor, data, ref));
    const ticket = await this.models.Ticket.findById(message.ticketId).lean();
    const events: DomainEvent[] = ticket
      ? [
          {
            type: 'message.annotated',
            seq: a.seq,
            at: a.at.toISOString(),
            scope: ticketScope(ticket),
            messageId: String(message._id),
            revoked: Boolean(message.revokedAt),
            reactions: (message.reactions ?? []).map((r) => ({ by: r.by, emoji: r.emoji })),
          },
        ]
      : [];
    this.logger.debug({ messageId: String(message._id), type }, 'message annotated');
    return { outcome: type, messageId: String(message._id), ticketId: String(message.ticketId), events };
  }
}
