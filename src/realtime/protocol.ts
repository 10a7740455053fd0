import { z } from 'zod';
import { MAX_SYNC_TICKETS } from '../core/tickets/sync-check.js';

/**
 * The wire protocol of the agent socket (namespace `/`). Client → server
 * messages are zod-validated here; server → client event names are listed so
 * the console and the tests use the same strings. Domain events are emitted
 * under their own `type` (`ticket.created`, …) with the DomainEvent as payload.
 */

const ticketId = z.string().regex(/^[0-9a-f]{24}$/i, 'must be a ticket id');

export const TicketJoinSchema = z.object({ ticketId });
export const TicketLeaveSchema = z.object({ ticketId });

/** Collision: what an agent is doing on a ticket. `replying`/`noting` while the composer has text. */
export const TicketActivitySchema = z.object({
  ticketId,
  activity: z.enum(['viewing', 'replying', 'noting']),
});

/** Typing indicator: sent while keys are pressed (the console throttles to one per 2 s). */
export const TypingSchema = z.object({
  ticketId,
  mode: z.enum(['reply', 'note']),
  typing: z.boolean(),
  /** A reply to a customer of a ticket merged into this one (GET /api/tickets/:id/recipients): they see "typing…". */
  recipientId: ticketId.optional(),
});

export const PresenceSetSchema = z.object({ status: z.enum(['online', 'away']) });

/** Catch-up after a reconnect: last audit seq seen per ticket, at most MAX_SYNC_TICKETS per call. */
export const SyncSchema = z.object({
  tickets: z
    .record(ticketId, z.number().int().min(0))
    .refine((r) => Object.keys(r).length <= MAX_SYNC_TICKETS, `at most ${MAX_SYNC_TICKETS} tickets`),
});

export type TicketActivity = z.infer<typeof TicketActivitySchema>['activity'];
export type PresenceStatus = 'online' | 'away' | 'offline';

export interface TicketViewer {
  userId: string;
  name: string;
  activity: TicketActivity;
  typing: boolean;
}

export type Ack<T = Record<string, never>> = ({ ok: true } & T) | { ok: false; error: { code: string; message: string } };

/** Server → client event names besides the domain events. */
export const ServerEvents = {
  hello: 'session:hello',
  /** A list of `{ userId, name, status }`: the changes of the last batching window. */
  presence: 'presence',
  presenceSnapshot: 'presence:snapshot',
  ticketViewers: 'ticket:viewers',
  ticketRevoked: 'ticket.revoked',
  visitorTyping: 'visitor:typing',
  agentTyping: 'agent:typing',
  /** Supervisors and admins: open tickets, waiting customers, agents online (their scope). */
  reportLive: 'report.live',
} as const;

export const ClientEvents = {
  join: 'ticket:join',
  leave: 'ticket:leave',
  activity: 'ticket:activity',
  typing: 'typing',
  presence: 'presence:set',
  sync: 'sync',
} as const;

export const domainEventNames = ['ticket.created', 'ticket.updated', 'message.created', 'message.status_changed', 'channel.state_changed',
  'inbox.changed', 'directory.changed'] as const;
