import type { Logger } from 'pino';
import { isDuplicateKeyError } from '../db/duplicate-key.js';
import type { DomainEventBus } from '../events/event-bus.js';
import { ticketScope, toTicketSummary } from '../events/views.js';
import type { Models } from '../models/registry.js';
import type { SlaNoticeDoc } from '../models/sla-notice.js';
import type { Ticket } from '../models/ticket.js';
import type { OpenWork } from '../tickets/open-work.js';
import type { TicketPriority } from '../tickets/ticket-enums.js';
import { ticketsById } from '../tickets/tickets-by-id.js';
import type { Clock } from './sla-engine.js';
import { SLA_TARGETS, type SlaTarget } from './sla-targets.js';
import { slaDueField } from './sla-lifecycle.js';

/** Carried out by the ticket service (under the ticket lock, audited): raise priority, maybe unassign, freeze the target. */
export type BreachEscalation = (
  ticketId: string,
  target: SlaTarget,
  dueAt: Date,
  unassign: boolean,
) => Promise<{ ticket: Ticket; priorityFrom: TicketPriority; priorityTo: TicketPriority; unassigned: boolean } | null>;

export interface SlaAlertOptions {
  warningLeadMs: number;
  breachUnassign: boolean;
}

/** A claim not marked done after this long was interrupted (a crash): it is carried out again. */
const STALE_CLAIM_MS = 60_000;

export const noticeId = (ticketId: string, target: SlaTarget, kind: SlaNoticeDoc['kind'], dueAt: Date) => `${ticketId}:${target}:${kind}:${dueAt.toISOString()}`;

/** Targets still running on the ticket, with their due times (paused, met and already escalated ones are not). */
export function runningTargets(t: Ticket): Array<{ target: SlaTarget; dueAt: Date }> {
  if (t.status === 'solved' || t.status === 'closed' || t.sla.pausedAt) return [];
  return SLA_TARGETS.flatMap((target) => {
    const dueAt = t.sla[slaDueField[target]];
    if (!dueAt || t.sla.breached?.[target]) return [];
    if (target === 'firstResponse' && t.firstResponseAt) return [];
    return [{ target, dueAt }];
  });
}

/**
 * Warnings before a breach and breach escalations, each once per ticket, target, kind and due time: the
 * `sla_notices` insert with that `_id` is the claim (a unique insert is atomic on MongoDB and FerretDB,
 * unlike a conditional update), so two hub processes sweeping at once, or a restart sweeping again, act
 * once. A due time that moves (priority, pause, policy) is a new key: a new warning for the new time.
 */
export class SlaAlerts {
  constructor(
    private readonly models: Models,
    private readonly bus: DomainEventBus,
    private readonly escalate: BreachEscalation,
    private readonly clock: Clock,
    private readonly options: SlaAlertOptions,
    private readonly logger: Logger,
    private readonly openWork?: Pick<OpenWork, 'dueScan'>,
  ) {}

  /** One pass (the agenda job runs it every SLA_SCAN_INTERVAL_MS); returns what this process did. */
  async sweep(): Promise<{ warnings: number; breaches: number }> {
    const now = this.clock();
    const done = { warnings: 0, breaches: 0 };
    await this.finishInterrupted(done);
    const horizon = new Date(now.getTime() + this.options.warningLeadMs);
    const due = await this.dueSoon(horizon);
    for (const t of due) {
      for (const { target, dueAt } of runningTargets(t)) {
        const kind = dueAt <= now ? 'breach' : dueAt.getTime() - this.options.warningLeadMs <= now.getTime() ? 'warning' : null;
        if (!kind) continue;
        // `at` is real time (not the SLA clock): it only tells an interrupted claim from one being carried out.
        const claim: SlaNoticeDoc = { _id: noticeId(String(t._id), target, kind, dueAt), ticketId: String(t._id), target, kind, dueAt, at: new Date(), done: false };
        if (!(await this.claim(claim))) continue;
        await this.carryOutOrRelease(claim, claim, t, done);
      }
    }
    return done;
  }

  /**
   * Tickets with a due time before `horizon` whose clock runs. Pending tickets sort at NO_SLA_DUE, solved and
   * closed too: this asks only for the due soon. On the embedded database the candidates come from the
   * open-work projection and are read by `_id`: the query would read every ticket (seconds at 50,000) while
   * holding the database's one write lock, every SLA_SCAN_INTERVAL_MS.
   */
  private async dueSoon(horizon: Date): Promise<Ticket[]> {
    const running = ['new', 'open', 'on-hold'];
    const isDue = (t: Pick<Ticket, 'status' | 'slaDueAt'>) => running.includes(t.status) && Boolean(t.slaDueAt) && t.slaDueAt.getTime() <= horizon.getTime();
    const candidates = await this.openWork?.dueScan(isDue);
    if (!candidates) return this.models.Ticket.find({ slaDueAt: { $lte: horizon }, status: { $in: running } }).lean();
    // Read again: the entry may be a moment behind the ticket.
    return (await ticketsById(this.models, candidates.map((e) => e._id))).filter(isDue);
  }

  /**
   * Carries a claim out; when that fails (the database busy or down), the claim is given back so the next
   * sweep tries again in seconds rather than waiting for it to look interrupted — and a failed take-over of an
   * interrupted claim (`held` = its `:redo`) is not final either. The sweep goes on with the other tickets.
   */
  private async carryOutOrRelease(claim: SlaNoticeDoc, held: SlaNoticeDoc, seen: Ticket, done: { warnings: number; breaches: number }): Promise<void> {
    try {
      await this.carryOut(claim, seen, done);
      if (held._id !== claim._id) await this.models.SlaNotice.updateOne({ _id: held._id }, { $set: { done: true } });
    } catch (err) {
      this.logger.warn({ err, noticeId: claim._id }, 'SLA notice not carried out; the next sweep tries again');
      await this.models.SlaNotice.deleteOne({ _id: held._id, done: false }).catch((e: unknown) => this.logger.warn({ err: e, noticeId: held._id }, 'SLA claim not given back; it is retried once it looks interrupted'));
    }
  }

  private async claim(doc: SlaNoticeDoc): Promise<boolean> {
    try {
      await this.models.SlaNotice.collection.insertOne(doc as never);
      return true;
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
  }

  private async carryOut(claim: SlaNoticeDoc, seen: Ticket, done: { warnings: number; breaches: number }): Promise<void> {
    const target = claim.target as SlaTarget;
    if (claim.kind === 'warning') {
      this.publish(claim, seen, seen);
      done.warnings++;
    } else {
      const result = await this.escalate(claim.ticketId, target, claim.dueAt, this.options.breachUnassign);
      // null: escalated already (an interrupted claim carried out before) or the due time moved meanwhile.
      if (result) {
        this.publish(claim, seen, result.ticket, { priorityFrom: result.priorityFrom, priorityTo: result.priorityTo, unassigned: result.unassigned });
        done.breaches++;
        this.logger.info({ ticketId: claim.ticketId, target, dueAt: claim.dueAt, priority: result.priorityTo }, 'SLA breached: escalated');
      }
    }
    await this.models.SlaNotice.updateOne({ _id: claim._id }, { $set: { done: true } });
  }

  /** The assignee before an unassignment still hears of it: the alert goes to the rooms of the ticket as it was. */
  private publish(claim: SlaNoticeDoc, before: Ticket, after: Ticket, escalation?: { priorityFrom: string; priorityTo: string; unassigned: boolean }) {
    this.bus.publish({
      type: 'sla.alert',
      at: this.clock().toISOString(),
      scope: { ...ticketScope(after), assigneeId: before.assigneeId ? String(before.assigneeId) : null },
      kind: claim.kind,
      target: claim.target as SlaTarget,
      dueAt: claim.dueAt.toISOString(),
      ticket: toTicketSummary(after),
      ...(escalation ? { escalation } : {}),
    });
  }

  /**
   * Claims whose process stopped before carrying them out. Taking one over is itself a claim (`<id>:redo`),
   * so of several processes one carries it out, once; a breach escalation is idempotent besides (the
   * ticket's target is marked breached in the same write).
   */
  private async finishInterrupted(done: { warnings: number; breaches: number }): Promise<void> {
    const stale = await this.models.SlaNotice.find({ done: false, at: { $lt: new Date(Date.now() - STALE_CLAIM_MS) } }).lean();
    for (const claim of stale) {
      // The take-over is itself a claim, marked done only once carried out: one interrupted in turn is taken over again.
      const redo: SlaNoticeDoc = { ...claim, _id: `${claim._id}:redo`, at: new Date(), done: false };
      if (!(await this.claim(redo))) continue;
      const ticket = await this.models.Ticket.findById(claim.ticketId).lean();
      if (!ticket) {
        // Deleted meanwhile: nothing to carry out.
        await this.models.SlaNotice.updateMany({ _id: { $in: [claim._id, redo._id] } }, { $set: { done: true } });
        continue;
      }
      this.logger.warn({ noticeId: claim._id }, 'SLA notice claimed but not carried out (interrupted); carrying it out now');
      await this.carryOutOrRelease(claim, redo, ticket, done);
    }
  }
}
