import type { Logger } from 'pino';
import { systemActor, type AuditLog } from '../../audit/audit-log.js';
import { isDuplicateKeyError } from '../../db/duplicate-key.js';
import { rawCollection } from '../../db/raw-collection.js';
import { WriteBatcher } from '../../db/write-batcher.js';
import type { MessageKeys } from '../../messages/message-keys.js';
import type { Message } from '../../models/message.js';
import type { Models } from '../../models/registry.js';
import type { Ticket } from '../../models/ticket.js';
import type { ThreadEntries } from '../../tickets/thread-entries.js';
import type { ThreadDecision } from '../../threading/decide-thread.js';

type Reason = Pick<ThreadDecision, 'rule' | 'detail'>;

/**
 * Inserts a message keyed by its provider key: a second attempt finds the first one's message
 * (`fresh: false`) and, if placement now chose another ticket, moves it there.
 */
export class MessageStore {
  /** Batched with other conversations' inserts under load. */
  private readonly inserts = new WriteBatcher<Message>(() => rawCollection(this.models.Message));

  constructor(
    private readonly models: Models,
    private readonly audit: AuditLog,
    private readonly logger: Logger,
    private readonly threadEntries: ThreadEntries,
    private readonly keys: MessageKeys,
  ) {}

  async store(doc: Message, ticket: Ticket, decision: Reason): Promise<{ message: Message; fresh: boolean }> {
    // Entry and keys first: a crash in between leaves an entry (skipped) or keys (not yet known) without their
    // message, never a message its thread or its receipts cannot find.
    await Promise.all([this.threadEntries.claim(ticket._id, doc), this.keys.record(doc)]);
    try {
      await this.inserts.insert(doc);
      return { message: doc, fresh: true };
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      const existing = await this.models.Message.findOne({ providerKey: doc.providerKey }).lean();
      if (!existing) throw err;
      if (!existing.ticketId.equals(ticket._id)) return { message: await this.move(existing, ticket, decision), fresh: false };
      return { message: existing, fresh: false };
    }
  }

  /**
   * An earlier attempt stored the message on a ticket it no longer belongs to: that ticket was closed,
   * solved or merged before this attempt placed the message again. It joins the ticket placement chose
   * now (where it is announced and audited); the old ticket's history says where it went.
   */
  private async move(message: Message, to: Ticket, decision: Reason): Promise<Message> {
    const threadReason = { rule: decision.rule, detail: decision.detail };
    await this.threadEntries.claim(to._id, message);
    await this.models.Message.updateOne({ _id: message._id }, { $set: { ticketId: to._id, threadReason } });
    await this.audit.append(message.ticketId, 'message.moved', systemActor, { messageId: String(message._id), toTicketId: String(to._id), toNumber: to.number });
    this.logger.info({ messageId: String(message._id), from: String(message.ticketId), to: String(to._id) }, 'message moved to the ticket it belongs to now');
    return { ...message, ticketId: to._id, threadReason };
  }
}
