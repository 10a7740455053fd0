import type { TicketPriority } from '../tickets/ticket-enums.js';

/**
 * Default per-priority targets until the SLA engine (business hours, per-inbox
 * policies) arrives. Calendar minutes.
 */
export const defaultSlaPolicy: Record<TicketPriority, { firstResponseMinutes: number; resolutionMinutes: number }> = {
  urgent: { firstResponseMinutes: 30, resolutionMinutes: 4 * 60 },
  high: { firstResponseMinutes: 60, resolutionMinutes: 8 * 60 },
  normal: { firstResponseMinutes: 4 * 60, resolutionMinutes: 24 * 60 },
  low: { firstResponseMinutes: 8 * 60, resolutionMinutes: 72 * 60 },
};

export function slaDueTimes(priority: TicketPriority, from: Date) {
  const p = defaultSlaPolicy[priority];
  return {
    policy: `default:${priority}`,
    firstResponseDueAt: new Date(from.getTime() + p.firstResponseMinutes * 60_000),
    resolutionDueAt: new Date(from.getTime() + p.resolutionMinutes * 60_000),
  };
}

/** Sentinel that sorts after every real deadline (solved, closed, or already answered and resolved). */
export const NO_SLA_DUE = new Date('9999-12-31T00:00:00.000Z');

/** The deadline that matters now: first response until answered, then resolution; none once solved. */
export function nextSlaDue(t: {
  status: string;
  firstResponseAt?: Date | null;
  sla: { firstResponseDueAt?: Date | null; resolutionDueAt?: Date | null };
}): Date {
  if (t.status === 'solved' || t.status === 'closed') return NO_SLA_DUE;
  if (!t.firstResponseAt && t.sla.firstResponseDueAt) return t.sla.firstResponseDueAt;
  return t.sla.resolutionDueAt ?? NO_SLA_DUE;
}
