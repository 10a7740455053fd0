import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { Config } from '../config/config.js';
import type { ContactResolver } from '../contacts/contact-resolver.js';
import type { MessageReceived } from '../domain/inbound-event.js';
import type { DomainEvent } from '../events/domain-events.js';
import type { JustWritten } from '../events/just-written.js';
import type { InboxCache } from '../inboxes/inbox-cache.js';
import type { Inbox } from '../models/inbox.js';
import type { Models } from '../models/registry.js';
import type { Ticket } from '../models/ticket.js';
import type { ProcessRun } from './process-run.js';
import type { MessageKeys } from '../messages/message-keys.js';
import { findOwnEcho } from '../threading/own-echo.js';
import type { TicketPlacement } from '../threading/ticket-placement.js';
import type { SlaEngine } from '../sla/sla-engine.js';
import type { TicketLocks } from '../tickets/ticket-locks.js';
import type { TicketNumbers } from '../tickets/ticket-number.js';
import { announceMessage } from './steps/announce-message.js';
import { PlaceMessage } from './steps/place-message.js';
import { RecordMessage } from './steps/record-message.js';
import { resolveSender } from './steps/resolve-sender.js';
import { MessageStore } from './steps/store-message.js';
import type { ThreadEntries } from '../tickets/thread-entries.js';
import { TicketToucher } from './steps/touch-ticket.js';
import { TicketWriter } from './steps/write-ticket.js';

/** Called once per ticket created by an inbound message (auto-acknowledgement). */
export type NewTicketHook = (ticket: Ticket, inbox: Inbox, event: MessageReceived) => Promise<void>;

export type { ProcessRun } from './process-run.js';

export interface ProcessResult {
  outcome: string;
  ticketId?: string;
  messageId?: string;
  events: DomainEvent[];
}

/**
 * message.received → own echo? → resolve sender → place (threading) → record (message, ticket, audit)
 * → announce. One step per file in `./steps/`. Safe to run again for the same event after a crash: every
 * step is keyed (contact identities, conversation keys, the message's provider key, the audit ref), so a
 * re-run completes what is missing and creates nothing twice.
 */
export class MessageProcessor {
  private newTicketHook: NewTicketHook | undefined;
  private readonly placeStep: PlaceMessage;
  private readonly recordStep: RecordMessage;
  private readonly writer: TicketWriter;
  private slaEngine: SlaEngine | undefined;
  private justWritten: JustWritten | undefined;

  constructor(
    private readonly models: Models,
    private readonly inboxes: InboxCache,
    private readonly contacts: ContactResolver,
    private readonly placement: TicketPlacement,
    audit: AuditLog,
    locks: TicketLocks,
    numbers: TicketNumbers,
    config: Config,
    private readonly secret: string,
    private readonly logger: Logger,
    threadEntries: ThreadEntries,
    private readonly keys: MessageKeys,
  ) {
    this.writer = new TicketWriter(audit, numbers, config, logger);
    this.placeStep = new PlaceMessage(models, placement, this.writer, audit, locks, config);
    this.recordStep = new RecordMessage(new MessageStore(models, audit, logger, threadEntries, keys), new TicketToucher(models, locks), audit, logger);
  }

  onNewTicket(hook: NewTicketHook): void {
    this.newTicketHook = hook;
  }

  /** A message that answers a question we asked (a rating) is taken by `hook` instead of joining a ticket. */
  interceptWith(hook: (event: MessageReceived, kind: Inbox['kind']) => Promise<boolean>): void {
    this.intercept = hook;
  }
  private intercept: ((event: MessageReceived, kind: Inbox['kind']) => Promise<boolean>) | undefined;

  /** Where new tickets are left for the `ticket.created` subscribers (see JustWritten). */
  useJustWritten(justWritten: JustWritten): void {
    this.justWritten = justWritten;
  }

  /** Due times of new tickets and after customer messages (`src/core/sla`). */
  useSla(engine: SlaEngine): void {
    this.slaEngine = engine;
    this.writer.useSla(engine);
  }

  /**
   * `run` says what may already be stored (see ProcessRun): on a first run, nothing, and the message's
   * audit event is written beside the message (one round trip fewer); any other run looks first.
   */
  async process(event: MessageReceived, run: ProcessRun = 'recovery'): Promise<ProcessResult> {
    const inbox = await this.inboxes.get(event.inboxId);
    if (!inbox) return { outcome: 'inbox-gone', events: [] };

    const echo = await findOwnEcho(this.keys, this.secret, event, inbox);
    if (echo) {
      this.logger.info({ providerKey: event.providerKey, messageId: String(echo._id) }, 'our own outbound message came back in; dropped');
      return { outcome: 'own-echo', messageId: String(echo._id), ticketId: String(echo.ticketId), events: [] };
    }

    if (this.intercept && (await this.intercept(event, inbox.kind))) return { outcome: 'answer-recorded', events: [] };

    const { contact, pointer } = await resolveSender(this.contacts, this.placement, event, inbox);
    const placed = await this.placeStep.run(event, inbox, contact, pointer);
    const recorded = await this.recordStep.run(event, inbox, contact, placed, run);
    const events = announceMessage(placed, recorded);
    if (!this.slaEngine) throw new Error('SLA engine not wired (createCore calls useSla)');
    const ticket = await this.slaEngine.afterCustomerMessage(recorded.ticket, { at: event.occurredAt, fromUs: Boolean(event.fromUs), reopened: placed.reopened }, events);
    if (recorded.createdHere && String(ticket.contactId) === String(contact._id)) this.justWritten?.remember(ticket, contact);

    if (placed.created && !event.automated && !event.fromUs && this.newTicketHook) {
      await this.newTicketHook(ticket, inbox, event).catch((err: unknown) =>
        this.logger.error({ err, ticketId: String(ticket._id) }, 'new-ticket hook failed'),
      );
    }
    return { outcome: placed.created ? 'new-ticket' : placed.decision.action, ticketId: String(ticket._id), messageId: String(recorded.message._id), events };
  }
}
