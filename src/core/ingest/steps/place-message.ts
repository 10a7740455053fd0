import { systemActor, type AuditLog } from '../../audit/audit-log.js';
import type { Config } from '../../config/config.js';
import type { MessageReceived } from '../../domain/inbound-event.js';
import type { DomainEvent } from '../../events/domain-events.js';
import { ticketScope, toTicketSummary } from '../../events/views.js';
import type { Contact } from '../../models/contact.js';
import type { Inbox } from '../../models/inbox.js';
import type { Models } from '../../models/registry.js';
import type { Ticket } from '../../models/ticket.js';
import type { ThreadDecision } from '../../threading/decide-thread.js';
import type { PlacementInput } from '../../threading/placement-decision.js';
import type { PointerLookup, TicketPlacement } from '../../threading/ticket-placement.js';
import type { TicketLocks } from '../../tickets/ticket-locks.js';
import type { MadeTicket, TicketWriter } from './write-ticket.js';

export interface Placed {
  ticket: Ticket;
  decision: ThreadDecision;
  /** This run inserted the ticket the message goes to. */
  created: boolean;
  reopened: boolean;
  /** Tickets this run inserted on the way (their `ticket.created` is written by the record step). */
  made: MadeTicket[];
  /** Taken before placing: lets the record step reuse placement's copy of the ticket (see TicketLocks). */
  readStamp: number;
  /** Announcements of this step (a reopened ticket). */
  events: DomainEvent[];
}

/**
 * Step 2 of a message: which ticket it joins. Threading decides (`TicketPlacement`); this step carries
 * the decision out — it writes the ticket a `create` asks for and reopens a solved ticket.
 */
export class PlaceMessage {
  constructor(
    private readonly models: Models,
    private readonly placement: TicketPlacement,
    private readonly writer: TicketWriter,
    private readonly audit: AuditLog,
    private readonly locks: TicketLocks,
    private readonly config: Config,
  ) {}

  async run(event: MessageReceived, inbox: Inbox, contact: Contact, pointer: PointerLookup): Promise<Placed> {
    const reopenWindowMs = inbox.reopenWindowDays !== undefined ? inbox.reopenWindowDays * 86_400_000 : this.config.tickets.reopenWindowMs;
    const input: PlacementInput = { event, contact, reopenWindowMs };
    const readStamp = this.locks.stamp();
    const made: MadeTicket[] = [];
    let next = await this.placement.place(input, pointer);
    for (let attempt = 1; ; attempt++) {
      while (next.kind === 'create') {
        const written = await this.writer.write(next.ticketId, next.previous, event, inbox, contact);
        if (written.created) made.push({ ticket: written.ticket, ...(next.previous ? { previous: next.previous } : {}) });
        next = await this.placement.afterCreate(input, next, written);
      }
      const placed: Placed = { ticket: next.ticket, decision: next.decision, created: next.kind === 'created', reopened: next.kind === 'reopen', made, readStamp, events: [] };
      if (next.kind !== 'reopen' || (await this.reopen(placed))) return placed;
      // The ticket was closed, merged or reopened between the decision and the reopen: decide again against
      // what it is now (a closed one gets a follow-up). Bounded: a ticket changing under every try is an error
      // the ingest retries.
      if (attempt >= 3) throw new Error(`ticket ${String(next.ticket._id)} kept changing while a message was placed`);
      next = await this.placement.place(input, pointer);
    }
  }

  /**
   * A solved ticket the customer wrote to again within the reopen window: open again, audited, announced.
   * False when, read again under its lock, it is no longer solved: a close (auto-close, an agent, a merge)
   * landed after placement read it, and a closed ticket is never reopened.
   */
  private async reopen(placed: Placed): Promise<boolean> {
    const decided = placed.ticket;
    const ticket = await this.locks.run(String(decided._id), async () => {
      const current = await this.models.Ticket.findById(decided._id).lean();
      if (!current || current.status !== 'solved' || current.mergedInto) return null;
      await this.models.Ticket.updateOne({ _id: current._id }, { $set: { status: 'open', reopenCount: current.reopenCount + 1 }, $unset: { solvedAt: 1 } });
      return current;
    });
    if (!ticket) return false;
    const a = await this.audit.append(ticket._id, 'ticket.reopened', systemActor, {
      from: ticket.status,
      to: 'open',
      reason: placed.decision.detail,
    });
    placed.ticket = (await this.models.Ticket.findById(ticket._id).lean())!;
    placed.events.push({ type: 'ticket.updated', seq: a.seq, at: a.at.toISOString(), scope: ticketScope(placed.ticket), change: 'reopened', ticket: toTicketSummary(placed.ticket) });
    return true;
  }
}
