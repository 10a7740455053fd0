import type { TicketPriority, TicketStatus } from '../tickets/ticket-enums.js';
import { addBusinessMinutes, businessMinutesBetween } from './business-calendar.js';
import { NO_SLA_DUE } from './policy.js';
import { SLA_TARGETS, type AppliedPolicy, type SlaTarget } from './sla-targets.js';

/** The SLA part of a ticket, as stored (`ticket.sla`). */
export interface SlaState {
  /** Id of the policy that applies (`default` = the built-in table). */
  policy: string;
  policyName?: string;
  firstResponseDueAt?: Date;
  /** Running after a customer message that follows an agent reply, until the next agent reply. */
  nextResponseDueAt?: Date;
  /** The customer message the next-response clock runs from (the oldest unanswered one). */
  nextResponseFrom?: Date;
  resolutionDueAt?: Date;
  /** Set while no target runs: waiting on the customer (`pending`: running targets have no due time then), or solved / closed (due times kept); a resume gives the business minutes since back. */
  pausedAt?: Date;
  /** Business minutes each target spent paused while it was still running (before its due time). */
  pausedMinutes?: Partial<Record<SlaTarget, number>>;
  /**
   * Targets whose breach was escalated: their due time stays as it was breached (raising the priority
   * must not make a new due time, and so a new breach, of the same target). Next response: per cycle.
   */
  breached?: Partial<Record<SlaTarget, boolean>>;
}

/** What the lifecycle reads of a ticket: its state *after* the change being applied. */
export interface SlaTicket {
  status: TicketStatus;
  createdAt: Date;
  firstResponseAt?: Date | null;
  sla: SlaState;
}

/** Why due times are being looked at again; turned into the audit reason. */
export type SlaChange =
  | { kind: 'created' }
  | { kind: 'priority'; from: TicketPriority; to: TicketPriority }
  | { kind: 'department'; toName?: string | null }
  | { kind: 'status'; from: TicketStatus; to: TicketStatus }
  | { kind: 'customer-message'; at: Date; reopened?: boolean }
  | { kind: 'agent-reply'; first?: boolean }
  | { kind: 'policy'; name: string; edit?: 'edited' | 'deleted' }
  | { kind: 'calendar'; name: string; edit: 'edited' | 'deleted' }
  | { kind: 'breached'; target: SlaTarget; priorityFrom: TicketPriority; priorityTo: TicketPriority };

export interface SlaMove {
  target: SlaTarget;
  from: Date | null;
  to: Date | null;
  reason: string;
}

export interface SlaOutcome {
  sla: SlaState;
  /** The deadline that matters now (sort key); NO_SLA_DUE when none runs. */
  slaDueAt: Date;
  /** Each due time that moved (an `sla.changed` audit event each). */
  moves: SlaMove[];
}

/** Where each target's due time is stored in `ticket.sla`. */
export const slaDueField = { firstResponse: 'firstResponseDueAt', nextResponse: 'nextResponseDueAt', resolution: 'resolutionDueAt' } as const;
const dueKey = slaDueField;
const minutesKey = { firstResponse: 'firstResponseMinutes', nextResponse: 'nextResponseMinutes', resolution: 'resolutionMinutes' } as const;

export function reasonOf(change: SlaChange): string {
  switch (change.kind) {
    case 'created':
      return 'ticket created';
    case 'priority':
      return `priority ${change.from} → ${change.to}`;
    case 'department':
      return change.toName ? `department → ${change.toName}` : 'department removed';
    case 'status':
      return `status ${change.from} → ${change.to}`;
    case 'customer-message':
      return change.reopened ? 'customer message reopened the ticket' : 'customer message';
    case 'agent-reply':
      return change.first ? 'first agent reply' : 'agent replied';
    case 'policy':
      return change.edit ? `policy "${change.name}" ${change.edit}` : `policy "${change.name}"`;
    case 'calendar':
      return `calendar "${change.name}" ${change.edit}`;
    case 'breached':
      return change.priorityFrom === change.priorityTo ? `${change.target} breached` : `${change.target} breached: priority ${change.priorityFrom} → ${change.priorityTo}`;
  }
}

const ended = (s: TicketStatus) => s === 'solved' || s === 'closed';
const pausedStatus = (s: TicketStatus) => s === 'pending';
/** No target runs: waiting on the customer, or solved / closed. Due times are kept while solved (met ones frozen). */
const stopped = (s: TicketStatus) => pausedStatus(s) || ended(s);

/**
 * The one place SLA due times are decided. Pure: ticket state after a change, the policy that applies
 * and the time → the new `sla` fields, the sort key and every due time that moved, with the reason.
 *
 * Every due time is derived from its anchor (creation, or the customer message for next response), the
 * target's business minutes and the minutes it spent paused — never from the previous due time — so a
 * priority, calendar or policy change gives the same answer as if it had applied from the start.
 * A met target is frozen (reports compare the answer with the due time it had): first response once
 * answered, resolution once solved or closed.
 */
export function recomputeSla(ticket: SlaTicket, change: SlaChange, policy: AppliedPolicy, now: Date): SlaOutcome {
  const prev = ticket.sla;
  const cal = policy.calendar;
  const pausedFor: Partial<Record<SlaTarget, number>> = { ...(prev.pausedMinutes ?? {}) };

  let nextResponseFrom = prev.nextResponseFrom;
  if (change.kind === 'agent-reply') nextResponseFrom = undefined;
  if (change.kind === 'customer-message' && ticket.firstResponseAt && !nextResponseFrom && policy.targets.nextResponseMinutes !== null) {
    nextResponseFrom = change.at;
    pausedFor.nextResponse = 0;
  }
  if (!nextResponseFrom) delete pausedFor.nextResponse;
  const breached: Partial<Record<SlaTarget, boolean>> = { ...(prev.breached ?? {}) };
  if (change.kind === 'breached') breached[change.target] = true;
  if (nextResponseFrom !== prev.nextResponseFrom) delete breached.nextResponse;

  const anchor = (t: SlaTarget) => (t === 'nextResponse' ? nextResponseFrom : ticket.createdAt);
  /** Due time from the anchor, the target and the paused minutes counted so far. */
  const computed = (t: SlaTarget): Date | undefined => {
    const minutes = policy.targets[minutesKey[t]];
    const from = anchor(t);
    if (minutes === null || !from) return undefined;
    return addBusinessMinutes(cal, from, minutes + (pausedFor[t] ?? 0));
  };
  const met = (t: SlaTarget) => (t === 'firstResponse' && Boolean(ticket.firstResponseAt)) || (t === 'resolution' && ended(ticket.status));
  /** Kept as it is: met (reports compare with it) or breached and escalated. */
  const frozen = (t: SlaTarget) => met(t) || Boolean(breached[t] && prev[dueKey[t]]);

  // Resuming: a target still running when the pause began gets the paused business minutes back. A
  // next-response cycle started by the very message that ends the pause was not running: it starts afresh
  // (it used to get the whole pause added, a day or more of slack).
  if (prev.pausedAt && !stopped(ticket.status)) {
    const pausedAt = prev.pausedAt;
    const lost = businessMinutesBetween(cal, pausedAt, now);
    for (const t of SLA_TARGETS) {
      const due = computed(t);
      const from = anchor(t);
      if (due && from && from <= pausedAt && due > pausedAt) pausedFor[t] = (pausedFor[t] ?? 0) + lost;
    }
  }
  const paused = pausedStatus(ticket.status);

  const sla: SlaState = { policy: policy.id, policyName: policy.name };
  if (nextResponseFrom) sla.nextResponseFrom = nextResponseFrom;
  // Solved (or closed) stops the clock as well: a reopen resumes the targets still running when it stopped.
  // Without it a ticket solved in time and reopened days later was due in the past, breached and escalated at once.
  if (stopped(ticket.status)) sla.pausedAt = prev.pausedAt ?? now;
  for (const t of SLA_TARGETS) {
    let due: Date | undefined;
    if (frozen(t)) due = prev[dueKey[t]] ?? computed(t);
    else if (!paused) due = computed(t);
    if (due) sla[dueKey[t]] = due;
  }
  const counted = Object.fromEntries(Object.entries(pausedFor).filter(([, v]) => v)) as Partial<Record<SlaTarget, number>>;
  if (Object.keys(counted).length) sla.pausedMinutes = counted;
  const stillBreached = Object.fromEntries(Object.entries(breached).filter(([k, v]) => v && sla[dueKey[k as SlaTarget]])) as Partial<Record<SlaTarget, boolean>>;
  if (Object.keys(stillBreached).length) sla.breached = stillBreached;

  const reason = reasonOf(change);
  const moves: SlaMove[] = [];
  for (const t of SLA_TARGETS) {
    const from = prev[dueKey[t]] ?? null;
    const to = sla[dueKey[t]] ?? null;
    if ((from?.getTime() ?? null) !== (to?.getTime() ?? null)) moves.push({ target: t, from, to, reason });
  }
  return { sla, slaDueAt: slaDueAtOf({ ...ticket, sla }), moves };
}

/** The deadline that matters now: the earliest running target; none while paused, solved or closed. */
export function slaDueAtOf(t: SlaTicket): Date {
  if (ended(t.status) || t.sla.pausedAt) return NO_SLA_DUE;
  const running = [t.firstResponseAt ? undefined : t.sla.firstResponseDueAt, t.sla.nextResponseDueAt, t.sla.resolutionDueAt].filter((d): d is Date => Boolean(d));
  if (running.length === 0) return NO_SLA_DUE;
  return new Date(Math.min(...running.map((d) => d.getTime())));
}
