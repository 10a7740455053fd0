import { z } from 'zod';
import { ticketPriorities, type TicketPriority } from '../tickets/ticket-enums.js';
import type { CalendarOrAlways } from './business-calendar.js';

/** Minutes of business time; `null` = no such target. */
const minutes = z.number().int().positive().max(366 * 24 * 60).nullable();

export const slaTargetsSchema = z.object({
  firstResponseMinutes: minutes,
  /** After each customer message that follows an agent reply. */
  nextResponseMinutes: minutes,
  resolutionMinutes: minutes,
});
export type SlaTargets = z.infer<typeof slaTargetsSchema>;

export const targetsByPrioritySchema = z.object(
  Object.fromEntries(ticketPriorities.map((p) => [p, slaTargetsSchema])) as Record<TicketPriority, typeof slaTargetsSchema>,
);
export type TargetsByPriority = Record<TicketPriority, SlaTargets>;

/** The built-in policy's id prefix: a ticket under it stores `default:<priority>`. */
export const DEFAULT_POLICY_ID = 'default';

/**
 * The built-in policy: the table Ponte always had (calendar minutes, no next-response target), so an
 * install without policies or calendars sees no change.
 */
export const defaultTargets: TargetsByPriority = {
  urgent: { firstResponseMinutes: 30, nextResponseMinutes: null, resolutionMinutes: 4 * 60 },
  high: { firstResponseMinutes: 60, nextResponseMinutes: null, resolutionMinutes: 8 * 60 },
  normal: { firstResponseMinutes: 4 * 60, nextResponseMinutes: null, resolutionMinutes: 24 * 60 },
  low: { firstResponseMinutes: 8 * 60, nextResponseMinutes: null, resolutionMinutes: 72 * 60 },
};

/** What governs one ticket's clock: the policy that won, its row for the ticket's priority, the calendar. */
export interface AppliedPolicy {
  id: string;
  name: string;
  targets: SlaTargets;
  calendar: CalendarOrAlways;
}

export const SLA_TARGETS = ['firstResponse', 'nextResponse', 'resolution'] as const;
export type SlaTarget = (typeof SLA_TARGETS)[number];
