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

  /**
   * `first`: nothing of this event can be stored yet (its first run in this process, see ProcessRun).
   * Then the thread entry, the keys and the message are written at once: one round trip instead of two,
   * on the path every message takes. A crash between them can leave the message without its entry or
   * keys; the inbound event is still pending then, and its re-run (not first: entry and keys before the
   * message, as every other run) writes what is missing. Keys missing meanwhile only make lookups by
   * provider id fall back to a query; a thread read skips a message it has no entry for, and the
   * message is not announced before all three are written.
   */
  async store(doc: Message, ticket: Ticket, decision: Reason, first = false): Promise<{ message: Message; fresh: boolean }> {
    // Otherwise entry and keys first: a crash in between leaves an entry (skipped) or keys (not yet known)
    // without their message, never a message its thread or its receipts cannot find.
    const indexed = Promise.all([this.threadEntries.claim(ticket._id, doc), this.keys.record(doc)]);
    if (!first) await indexed;
    const inserted = this.inserts.insert(doc).then(
      () => undefined,
      (err: unknown) => err ?? new Error('message insert failed'),
    );
    // The insert's outcome is held, not thrown, so a failed entry or key (thrown here) never leaves it unhandled.
    const [failed] = await Promise.all([inserted, indexed]);
    if (!failed) return { message: doc, fresh: true };
    if (!isDuplicateKeyError(failed)) throw failed;
    const existing = await this.models.Message.findOne({ providerKey: doc.providerKey }).lean();
    if (!existing) throw failed;
    if (!existing.ticketId.equals(ticket._id)) return { message: await this.move(existing, ticket, decision), fresh: false };
    return { message: existing, fresh: false };
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
