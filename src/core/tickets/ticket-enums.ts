export const ticketStatuses = ['new', 'open', 'pending', 'on-hold', 'solved', 'closed'] as const;
export type TicketStatus = (typeof ticketStatuses)[number];

export const ticketPriorities = ['low', 'normal', 'high', 'urgent'] as const;
export type TicketPriority = (typeof ticketPriorities)[number];

/** Statuses in which a new customer message still belongs to the ticket. */
export const activeStatuses: readonly TicketStatus[] = ['new', 'open', 'pending', 'on-hold'];

/** One step more urgent (urgent stays urgent): the SLA breach escalation. */
export const raisedPriority = (p: TicketPriority): TicketPriority => ticketPriorities[Math.min(ticketPriorities.indexOf(p) + 1, ticketPriorities.length - 1)]!;
