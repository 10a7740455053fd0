import { activeStatuses } from '../tickets/ticket-enums.js';

/**
 * How one audited status change moves the open backlog (new, open, pending, on hold), for the report's
 * flows: `resolved` leaves it by a solve, `closedUnsolved` leaves it without one (closed straight from an
 * open status, or merged into another ticket), `reopened` brings a solved or closed ticket back — by the
 * customer's message (`ticket.reopened`) or by an agent or macro setting the status. The backlog trend is
 * "open now − the net flow after each period": a flow left out (closed without a solve, an agent's reopen)
 * shifted every earlier period's figure by it.
 */
export type StatusFlow = 'resolved' | 'reopened' | 'closedUnsolved';

const isActive = (s: unknown) => typeof s === 'string' && (activeStatuses as readonly string[]).includes(s);

/** The audit types that can move the backlog: others need not be parsed. */
export const statusFlowAuditTypes: ReadonlySet<string> = new Set(['ticket.reopened', 'ticket.merged_into', 'ticket.status_changed', 'macro.applied']);

export function statusFlow(auditType: string, data: Record<string, unknown>): StatusFlow | null {
  if (auditType === 'ticket.reopened') return 'reopened';
  if (auditType === 'ticket.merged_into') return isActive(data.previousStatus) ? 'closedUnsolved' : null;
  if (auditType !== 'ticket.status_changed' && auditType !== 'macro.applied') return null;
  const { from, to } = data;
  if (to === undefined) return null;
  if (to === 'solved') return 'resolved';
  if (isActive(to) && (from === 'solved' || from === 'closed')) return 'reopened';
  if (to === 'closed' && isActive(from)) return 'closedUnsolved';
  return null;
}
