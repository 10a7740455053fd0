import type { Types } from 'mongoose';
import type { Logger } from 'pino';
import { systemActor, type Actor, type AuditEntry, type AuditLog } from '../audit/audit-log.js';
import type { DomainEvent } from '../events/domain-events.js';
import type { DomainEventBus } from '../events/event-bus.js';
import { ticketScope, toTicketSummary } from '../events/views.js';
import type { Models } from '../models/registry.js';
import type { Ticket } from '../models/ticket.js';
import type { TicketLocks } from '../tickets/ticket-locks.js';
import type { PolicyQuery, SlaDirectory } from './sla-directory.js';
import { recomputeSla, type SlaChange, type SlaMove, type SlaOutcome, type SlaState } from './sla-lifecycle.js';

export type Clock = () => Date;

/** `sla.changed` audit entries, one per due time that moved. */
export function slaAuditEntries(moves: readonly SlaMove[], actor: Actor = systemActor): AuditEntry[] {
  return moves.map((m) => ({
    type: 'sla.changed',
    actor,
    data: { target: m.target, from: m.from?.toISOString() ?? null, to: m.to?.toISOString() ?? null, reason: m.reason },
  }));
}

/**
 * Carries out the SLA lifecycle (`sla-lifecycle.ts`, pure) against the database: which policy applies
 * (`SlaDirectory`), the write, the `sla.changed` audit events and the live update. Callers that already
 * hold the ticket lock and write the ticket themselves use `decide` and merge its fields into their update;
 * the others use `apply`, which takes the lock.
 */
export class SlaEngine {
  constructor(
    private readonly models: Models,
    readonly directory: SlaDirectory,
    private readonly audit: AuditLog,
    private readonly locks: TicketLocks,
    private readonly bus: DomainEventBus,
    private readonly logger: Logger,
    readonly now: Clock = () => new Date(),
  ) {}

  /** A new ticket's SLA: the policy that applies and its first due times. */
  async initial(q: PolicyQuery & { createdAt: Date }): Promise<{ sla: SlaState; slaDueAt: Date }> {
    const policy = await this.directory.applies(q);
    const { sla, slaDueAt } = recomputeSla({ status: 'new', createdAt: q.createdAt, sla: { policy: policy.id } }, { kind: 'created' }, policy, q.createdAt);
    return { sla, slaDueAt };
  }

  /** The SLA fields of `after` (the ticket as it will be once the caller's change is written). */
  async decide(after: Ticket, change: SlaChange): Promise<SlaOutcome> {
    const policy = await this.directory.applies({
      inboxId: after.inboxId,
      channel: after.channel,
      contactId: after.contactId,
      departmentId: after.departmentId ?? null,
      priority: after.priority,
    });
    return recomputeSla(after, change, policy, this.now());
  }

  /**
   * Recomputes one ticket under its lock and writes what moved; returns the ticket as it is now and, when
   * something moved, the `ticket.updated` event (pushed to `events` when given, else published).
   */
  async apply(ticketId: Types.ObjectId, change: SlaChange, events?: DomainEvent[], actor: Actor = systemActor): Promise<Ticket | null> {
    const result = await this.locks.run(String(ticketId), async () => {
      const current = await this.models.Ticket.findById(ticketId).lean();
      if (!current) return null;
      const out = await this.decide(current, change);
      if (!slaFieldsDiffer(current, out)) {
        this.locks.leaves(String(ticketId), current);
        return { ticket: current, out: null };
      }
      // updatedAt set here (not by mongoose), so the ticket handed on is exactly the stored one.
      const updatedAt = new Date();
      await this.models.Ticket.updateOne({ _id: current._id }, { $set: { sla: out.sla, slaDueAt: out.slaDueAt, updatedAt } }, { timestamps: false });
      const ticket = { ...current, sla: out.sla, slaDueAt: out.slaDueAt, updatedAt } as Ticket;
      this.locks.leaves(String(ticketId), ticket);
      return { ticket, out };
    });
    if (!result) return null;
    if (!result.out || result.out.moves.length === 0) return result.ticket;
    const appended = await this.audit.appendAll(ticketId, slaAuditEntries(result.out.moves, actor));
    const last = appended.at(-1)!;
    const event: DomainEvent = { type: 'ticket.updated', seq: last.seq, at: last.at.toISOString(), scope: ticketScope(result.ticket), change: 'sla', ticket: toTicketSummary(result.ticket) };
    if (events) events.push(event);
    else this.bus.publish(event);
    this.logger.info({ ticketId: String(ticketId), moves: result.out.moves.length, reason: result.out.moves[0]!.reason }, 'SLA due times moved');
    return result.ticket;
  }

  /** After a customer message was recorded (the ingest's one call): next response, resuming a pause. */
  async afterCustomerMessage(ticket: Ticket, m: { at: Date; fromUs: boolean; reopened: boolean }, events: DomainEvent[]): Promise<Ticket> {
    // Our own message typed on the phone is no customer activity (a reopen still restarts the clock).
    if (m.fromUs && !m.reopened) return ticket;
    // Nothing to do (the common case, no database read): no reply yet to answer again and no pause to end.
    if (!m.reopened && !ticket.firstResponseAt && !ticket.sla.pausedAt) return ticket;
    return (await this.apply(ticket._id, { kind: 'customer-message', at: m.at, ...(m.reopened ? { reopened: true } : {}) }, events)) ?? ticket;
  }

  /** Re-evaluates open tickets (a policy or calendar was edited); returns how many moved. */
  async reevaluate(filter: Record<string, unknown>, change: SlaChange, actor: Actor): Promise<number> {
    const open = await this.models.Ticket.find({ ...filter, status: { $in: ['new', 'open', 'pending', 'on-hold'] } }, { _id: 1 }).lean();
    let moved = 0;
    for (const t of open) {
      const events: DomainEvent[] = [];
      await this.apply(t._id, change, events, actor);
      for (const e of events) this.bus.publish(e);
      moved += events.length;
    }
    return moved;
  }
}

const ms = (d: Date | undefined | null) => (d ? new Date(d).getTime() : null);

/** Whether the stored SLA fields differ from the outcome (field by field: a stored empty `pausedMinutes` is none). */
export function slaFieldsDiffer(t: Pick<Ticket, 'sla' | 'slaDueAt'>, out: Pick<SlaOutcome, 'sla' | 'slaDueAt'>): boolean {
  const a = t.sla;
  const b = out.sla;
  if (ms(t.slaDueAt) !== ms(out.slaDueAt) || a.policy !== b.policy || (a.policyName ?? null) !== (b.policyName ?? null)) return true;
  for (const k of ['firstResponseDueAt', 'nextResponseDueAt', 'resolutionDueAt', 'nextResponseFrom', 'pausedAt'] as const) if (ms(a[k]) !== ms(b[k])) return true;
  for (const k of ['firstResponse', 'nextResponse', 'resolution'] as const) {
    if ((a.pausedMinutes?.[k] ?? 0) !== (b.pausedMinutes?.[k] ?? 0) || Boolean(a.breached?.[k]) !== Boolean(b.breached?.[k])) return true;
  }
  return false;
}
