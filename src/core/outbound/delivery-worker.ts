import type { Logger } from 'pino';
import { systemActor, type AuditLog } from '../audit/audit-log.js';
import type { GridFsBlobStore } from '../attachments/blob-store.js';
import type { Config } from '../config/config.js';
import { isDuplicateKeyError } from '../db/duplicate-key.js';
import type { ChannelRegistry, OutboundMessage } from '../domain/channel-adapter.js';
import { ChannelError, ChannelWaitError } from '../errors/app-error.js';
import type { DomainEventBus } from '../events/event-bus.js';
import { ticketScope } from '../events/views.js';
import type { MessageKeys } from '../messages/message-keys.js';
import type { Message } from '../models/message.js';
import type { Models } from '../models/registry.js';
import type { Ticket } from '../models/ticket.js';
import type { SessionLeases } from '../inboxes/session-lease.js';
import { backoffDelay, type HolderRoute, type OutboundQueue } from './outbound-queue.js';
import { checkOrder, OrderWaiters, recheckDelay, type EarlierFailed, type EarlierPending } from './delivery-order.js';
import type { Outbox } from './outbox.js';
import { sendingInboxRefusal } from './sending-inbox.js';

export type DeliveryOutcome = 'sent' | 'retry-scheduled' | 'failed' | 'skipped' | 'waiting';

export type SentListener = (inboxId: string, providerMessageId: string) => void;

/** Attempts a reply may spend waiting for a channel session (ChannelWaitError) before it counts as failed. */
const MAX_WAIT_ATTEMPTS = 1000;

/**
 * Runs one delivery attempt of one stored outbound message. The message is
 * re-read first (already sent → nothing to do), and the attempt is claimed by
 * a unique key, so duplicate or concurrent jobs never send twice. Only
 * `retryable` ChannelErrors (and unexpected errors) are retried, with backoff;
 * everything else ends as `failed` with the reason. A message goes only after the
 * one accepted before it in its conversation has been sent or has failed
 * (`delivery-order.ts`); waiting for it is not an attempt.
 */
export class DeliveryWorker {
  constructor(
    private readonly models: Models,
    private readonly registry: ChannelRegistry,
    private readonly blobs: GridFsBlobStore,
    private readonly audit: AuditLog,
    private readonly bus: DomainEventBus,
    private readonly queue: () => OutboundQueue,
    private readonly config: Config,
    private readonly logger: Logger,
    private readonly keys: MessageKeys,
    private readonly outbox: Outbox,
  ) {}

  private leases: Pick<SessionLeases, 'current' | 'ttlMs'> | undefined;
  private readonly waiters = new OrderWaiters();
  private sentListener: SentListener | undefined;

  /**
   * Told of each message sent, with the id its platform gave it, once the send is recorded whole: a receipt
   * that came before it (a platform's webhook can beat our send call's answer) waits for this, not the sweep.
   * Not earlier, at the key: the receipt would move the message on before `sent` is written over it.
   */
  onSent(listener: SentListener): void {
    this.sentListener = listener;
  }

  /**
   * A reply waiting for a channel session (ChannelWaitError) gets its retry in the process holding the
   * session: a job any process may run went back, again and again, to the process that had just re-queued
   * it (`SESSION_ELSEWHERE`, 53 attempts in a row), or left the holder whose outbox it waits in (`NOT_READY`)
   * for the other hub, which only sent it back — an extra attempt and more jobs per wait, and the reply
   * shown as "elsewhere" while it waited for the reconnect.
   */
  routeToSessionHolders(leases: Pick<SessionLeases, 'current' | 'ttlMs'>): void {
    this.leases = leases;
  }

  /**
   * The retry's route when a live process holds the session — this one included (a `NOT_READY` comes from
   * the holder itself); undefined when nobody does, and any process may take the retry.
   */
  private async routeFor(err: unknown, inboxId: string, at: Date): Promise<HolderRoute | undefined> {
    if (!(err instanceof ChannelWaitError) || !this.leases) return undefined;
    const lease = await this.leases.current(inboxId).catch(() => undefined);
    if (!lease) return undefined;
    return { holder: lease.holder, fallbackAt: new Date(at.getTime() + 2 * this.leases.ttlMs) };
  }

  async deliver(messageId: string, attempt: number): Promise<DeliveryOutcome> {
    const log = this.logger.child({ messageId, attempt });
    const message = await this.models.Message.findById(messageId).lean();
    if (!message || message.direction !== 'outbound') return 'skipped';
    if (message.delivery.status !== 'queued' && message.delivery.status !== 'sending') {
      // It ended (perhaps in another process): whoever waits for it here need not wait for their recheck.
      this.waiters.ended(messageId);
      return 'skipped';
    }
    if (message.delivery.attempts >= attempt) return 'skipped';
    // Before the attempt is claimed: waiting behind an earlier message is not an attempt.
    if (!(await this.inOrder(message, attempt, log))) return 'waiting';

    try {
      await this.models.DeliveryClaim.insertMany([{ _id: `${messageId}:${attempt}`, messageId, attempt, claimedAt: new Date() }]);
    } catch (err) {
      if (isDuplicateKeyError(err)) return 'skipped';
      throw err;
    }

    const ticket = await this.models.Ticket.findById(message.ticketId).lean();
    if (!ticket) return this.fail(message, undefined, attempt, 'TICKET_GONE', 'The ticket no longer exists', log);
    // Disabled (or gone) after the reply was queued: no process runs its channel, so no retry can send it.
    const refusal = await sendingInboxRefusal(this.models, message.inboxId);
    if (refusal) return this.fail(message, ticket, attempt, refusal.code, refusal.reason, log);
    await this.setDelivery(message, { status: 'sending', attempts: attempt });

    try {
      const adapter = this.registry.adapterFor(String(message.inboxId));
      if (!adapter) throw new ChannelError('CHANNEL_UNAVAILABLE', 'The channel of this inbox is not running', true);
      const result = await adapter.send(await this.toOutbound(message, ticket));
      // Receipts for it wait until all of this is written and announced (tellSent).
      this.keys.recording.begin(messageId);
      try {
        // Its provider id's key before the id is stored: a receipt or an echo that finds the id finds the message.
        await this.keys.record({ _id: message._id, inboxId: message.inboxId, providerMessageId: result.providerMessageId });
        const becameSent = await this.markSent(message, attempt, result.providerMessageId);
        await this.claimOutcome(messageId, attempt, 'sent');
        await this.outbox.remove(messageId);
        const a = await this.audit.append(ticket._id, 'message.delivery_changed', systemActor, { messageId, from: 'queued', to: 'sent', attempt });
        // A receipt that came first (another hub process took it in) was announced already: a `sent` after it
        // would turn the console's ticks back.
        if (becameSent) this.bus.publish({ type: 'message.status_changed', seq: a.seq, at: a.at.toISOString(), scope: ticketScope(ticket), messageId, status: 'sent' });
      } finally {
        this.keys.recording.end(messageId);
      }
      log.info({ ticketId: String(ticket._id) }, 'outbound message sent');
      this.waiters.ended(messageId);
      this.tellSent(String(message.inboxId), result.providerMessageId, log);
      return 'sent';
    } catch (err) {
      const channelError = err instanceof ChannelError ? err : undefined;
      const retryable = channelError ? channelError.retryable : true;
      const code = channelError?.code ?? 'UNEXPECTED';
      const reason = (err as Error).message ?? String(err);
      // Waiting for a channel's session (elsewhere, reconnecting) is not a failed attempt.
      const limit = err instanceof ChannelWaitError ? this.config.outbound.maxAttempts + MAX_WAIT_ATTEMPTS : this.config.outbound.maxAttempts;
      if (retryable && attempt < limit) {
        // The platform's own "retry after" (Telegram 429, Graph rate limits) wins over our backoff.
        const delay = channelError?.retryAfterMs ?? backoffDelay(attempt, this.config.outbound.backoffBaseMs, this.config.outbound.backoffMaxMs);
        await this.setDelivery(message, { status: 'queued', attempts: attempt, lastError: `${code}: ${reason}` });
        await this.claimOutcome(messageId, attempt, 'retry');
        // If this enqueue fails (shutdown, database hiccup) the stranded-delivery sweep re-enqueues it.
        const at = new Date(Date.now() + delay);
        const route = await this.routeFor(err, String(message.inboxId), at);
        await this.queue()
          .enqueue(messageId, attempt + 1, at, undefined, route)
          .catch((enqueueErr: unknown) => log.error({ err: enqueueErr }, 'could not schedule the retry; the delivery sweep will'));
        this.bus.publish({ type: 'message.status_changed', at: new Date().toISOString(), scope: ticketScope(ticket), messageId, status: 'queued', reason: `${code}: ${reason}` });
        log.warn({ code, delayMs: delay, err: channelError ? undefined : err }, 'outbound attempt failed; retry scheduled');
        return 'retry-scheduled';
      }
      return this.fail(message, ticket, attempt, code, reason, log);
    }
  }

  /** Never throws: the message is sent, and a throw in the send's `try` would send it again. */
  private tellSent(inboxId: string, providerMessageId: string, log: Logger): void {
    try {
      this.sentListener?.(inboxId, providerMessageId);
    } catch (err) {
      log.warn({ err }, 'receipts waiting for this message wait for the sweep');
    }
  }

  private async fail(message: Message, ticket: Ticket | undefined, attempt: number, code: string, reason: string, log: Logger): Promise<DeliveryOutcome> {
    const messageId = String(message._id);
    await this.setDelivery(message, { status: 'failed', attempts: attempt, lastError: `${code}: ${reason}` });
    await this.claimOutcome(messageId, attempt, 'failed');
    await this.outbox.remove(messageId);
    if (ticket) {
      const a = await this.audit.append(ticket._id, 'message.delivery_changed', systemActor, { messageId, to: 'failed', attempt, code, reason });
      this.bus.publish({ type: 'message.status_changed', seq: a.seq, at: a.at.toISOString(), scope: ticketScope(ticket), messageId, status: 'failed', reason: `${code}: ${reason}` });
    }
    log.warn({ code, reason }, 'outbound message failed permanently');
    // The next message of its conversation goes without it (docs/architecture.md, "Outbound order").
    this.waiters.ended(messageId);
    return 'failed';
  }

  /**
   * Its conversation's earlier message is sent or failed (or there is none): true. Otherwise it waits, and a
   * job looks again after `recheckDelay` — at once when the earlier one ends in this process. The agent sees
   * what it waits for (the earlier message and, while that one is retried, its error).
   */
  private async inOrder(message: Message, attempt: number, log: Logger): Promise<boolean> {
    const earlierId = message.order?.after;
    if (!earlierId) return true;
    const messageId = String(message._id);
    this.waiters.add(earlierId, messageId, () => {
      void this.queue()
        .enqueue(messageId, attempt, new Date(), `after:${earlierId}`)
        .catch((err: unknown) => log.warn({ err }, 'could not wake a message waiting in order; its recheck will'));
    });
    const check = await checkOrder(this.models, message);
    if (check.go) {
      this.waiters.remove(earlierId, messageId);
      if (check.earlierFailed) await this.noteEarlierFailed(message, check.earlierFailed);
      return true;
    }
    await this.noteWaiting(message, check.waitFor);
    const at = new Date(Date.now() + recheckDelay(message.occurredAt));
    await this.queue()
      .enqueue(messageId, attempt, at, `wait:${at.toISOString()}`)
      .catch((err: unknown) => log.error({ err }, 'could not schedule the order recheck; the delivery sweep will'));
    log.info({ waitFor: check.waitFor.messageId, status: check.waitFor.status }, 'outbound message waits for an earlier one of its conversation');
    return false;
  }

  /** Written and announced when what it waits for changed (another failed attempt of the earlier one), not on every recheck. */
  private async noteWaiting(message: Message, earlier: EarlierPending): Promise<void> {
    const why = earlier.lastError ? `, last attempt: ${earlier.lastError}` : '';
    const reason = `WAITING_FOR_EARLIER_REPLY: goes after message ${earlier.messageId} of this conversation (${earlier.status}${why})`;
    if (message.delivery.lastError === reason) return;
    await this.announce(message, reason, true);
  }

  /** Once per message: it goes out although the one accepted before it never did. */
  private async noteEarlierFailed(message: Message, earlier: EarlierFailed): Promise<void> {
    const reason = `EARLIER_REPLY_FAILED: message ${earlier.messageId} of this conversation failed${earlier.lastError ? ` (${earlier.lastError})` : ''}; this one is sent without it`;
    if (message.delivery.history.some((h) => h.reason === reason)) return;
    await this.announce(message, reason, false);
  }

  private async announce(message: Message, reason: string, asLastError: boolean): Promise<void> {
    await this.models.Message.updateOne(
      { _id: message._id, 'delivery.status': 'queued' },
      { ...(asLastError ? { $set: { 'delivery.lastError': reason } } : {}), $push: { 'delivery.history': { status: 'queued', at: new Date(), reason } } },
    );
    const ticket = await this.models.Ticket.findById(message.ticketId).lean();
    if (ticket) this.bus.publish({ type: 'message.status_changed', at: new Date().toISOString(), scope: ticketScope(ticket), messageId: String(message._id), status: 'queued', reason });
  }

  /**
   * `sent` with the platform's id — unless a receipt moved the message on meanwhile: the id's key is written
   * before this (so a receipt or echo finds the message), and a fast receipt (the web chat's, a webhook that
   * beats our send call's answer) may be applied in between. Then only the id and the attempt are written, and
   * the ticks stay where the receipt put them. True when the status became `sent`.
   */
  private async markSent(message: Message, attempt: number, providerMessageId: string): Promise<boolean> {
    const still = await this.models.Message.updateOne(
      { _id: message._id, 'delivery.status': { $in: ['queued', 'sending'] } },
      {
        $set: { 'delivery.status': 'sent', 'delivery.attempts': attempt, providerMessageId },
        $push: { 'delivery.history': { status: 'sent', at: new Date() } },
      },
    );
    if (still.matchedCount > 0) return true;
    await this.models.Message.updateOne({ _id: message._id }, { $set: { 'delivery.attempts': attempt, providerMessageId } });
    return false;
  }

  private async setDelivery(message: Message, d: { status: Message['delivery']['status']; attempts: number; lastError?: string }) {
    await this.models.Message.updateOne(
      { _id: message._id },
      {
        $set: {
          'delivery.status': d.status,
          'delivery.attempts': d.attempts,
          ...(d.lastError ? { 'delivery.lastError': d.lastError } : {}),
        },
        $push: { 'delivery.history': { status: d.status, at: new Date(), ...(d.lastError ? { reason: d.lastError } : {}) } },
      },
    );
  }

  private async claimOutcome(messageId: string, attempt: number, outcome: 'sent' | 'retry' | 'failed') {
    await this.models.DeliveryClaim.updateOne({ _id: `${messageId}:${attempt}` }, { $set: { outcome } });
  }

  private async toOutbound(message: Message, ticket: Ticket): Promise<OutboundMessage> {
    const attachments = await Promise.all(
      message.attachments.map(async (a) => ({ fileName: a.fileName, mimeType: a.mimeType, size: a.size, content: await this.blobs.get(a.blobId) })),
    );
    // A reply records its recipient (the ticket's own customer or a merged-away one, with that conversation's
    // inbox); older replies and Ponte's own messages go to the ticket's.
    const to = message.recipient ?? ticket.replyTo;
    const conversationId = message.recipient ? message.conversationId : ticket.replyTo.conversationId;
    // The ticket's own customer: read now (they may have written since the reply was queued); a merged-away
    // customer's was read when the reply was stored (their ticket's stops at the merge).
    const own = !message.recipient || message.recipient.ticketId.equals(ticket._id);
    const lastCustomerMessageAt = own ? ticket.lastCustomerMessageAt : message.recipient?.lastCustomerMessageAt;
    return {
      messageId: String(message._id),
      ticketId: String(ticket._id),
      ticketNumber: ticket.number,
      inboxId: String(message.inboxId),
      to: {
        handle: to.handle,
        ...(to.displayName ? { displayName: to.displayName } : {}),
        ...(to.email ? { email: to.email } : {}),
        ...(to.phone ? { phone: to.phone } : {}),
      },
      ...(conversationId ? { conversationId } : {}),
      ...(lastCustomerMessageAt ? { lastCustomerMessageAt } : {}),
      subject: (message.recipient && message.threading.subject) || ticket.subject,
      text: message.text,
      ...(message.html ? { html: message.html } : {}),
      ...(message.automatic ? { automatic: true } : {}),
      ...(message.author.type === 'agent' && message.author.name ? { authorName: message.author.name } : {}),
      attachments,
      threading: {
        ...(message.emailMessageId ? { messageId: message.emailMessageId } : {}),
        ...(message.threading.inReplyTo ? { inReplyTo: message.threading.inReplyTo } : {}),
        references: message.threading.references,
        ...(message.threading.quotedProviderMessageId ? { quotedProviderMessageId: message.threading.quotedProviderMessageId } : {}),
      },
    };
  }
}
