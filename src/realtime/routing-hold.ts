import type { DomainEvent } from '../core/events/domain-events.js';

/** What the hold needs from the core's router (src/core/routing/route-new-ticket.ts). */
export interface RoutingSignal {
  mayRoute(ticketId: string): boolean;
  onSettled(listener: (ticketId: string) => void): () => void;
}

type Scope = Extract<DomainEvent, { type: 'ticket.created' }>['scope'];

interface Held {
  events: DomainEvent[];
  /** Its first customer message came: waiting for the rules. */
  routing: boolean;
  timer?: NodeJS.Timeout;
}

/** Longest a new ticket's first events wait for its rules (a router that never answers must not hide it). */
export const MAX_ROUTING_HOLD_MS = 10_000;

/**
 * Routing rules move a new ticket to its department *after* its `ticket.created` and first `message.created`
 * were published (the router reads that message). Projected at once, those two went to the inbox's
 * department — or, for an inbox without one, to every agent (triage) — with the customer's first message in
 * full, before the rule moved the ticket to another department: any agent's socket received the opening
 * message of every conversation routed elsewhere. So a new ticket's events are held until its rules were
 * applied, then projected to the scope the ticket ended in. A ticket not followed in the same turn by its
 * first customer message (an agent's start, a split) is released at once.
 */
export class RoutingHold {
  private readonly held = new Map<string, Held>();
  private readonly stopListening: () => void;

  constructor(
    private readonly project: (event: DomainEvent) => void,
    private readonly router: RoutingSignal,
    private readonly maxHoldMs = MAX_ROUTING_HOLD_MS,
  ) {
    this.stopListening = router.onSettled((ticketId) => this.release(ticketId));
  }

  offer(event: DomainEvent): void {
    const ticketId = 'scope' in event ? event.scope.ticketId : undefined;
    const held = ticketId ? this.held.get(ticketId) : undefined;
    if (!ticketId || (!held && event.type !== 'ticket.created')) return this.project(event);
    if (!held) {
      const entry: Held = { events: [event], routing: false };
      this.held.set(ticketId, entry);
      // Ingest publishes a new ticket and its first message in one turn; anything else has nothing to route.
      setImmediate(() => {
        if (!entry.routing) this.release(ticketId);
      });
      return;
    }
    held.events.push(event);
    if (event.type !== 'message.created' || held.routing) return;
    if (event.message.direction === 'inbound' && this.router.mayRoute(ticketId)) {
      held.routing = true;
      held.timer = setTimeout(() => this.release(ticketId), this.maxHoldMs);
      held.timer.unref();
    } else this.release(ticketId);
  }

  /** Projects what was held, each event to the scope the ticket is in now (nobody saw it before: no revocation). */
  private release(ticketId: string): void {
    const held = this.held.get(ticketId);
    if (!held) return;
    this.held.delete(ticketId);
    clearTimeout(held.timer);
    const scoped = held.events.filter((e): e is Extract<DomainEvent, { scope: Scope }> => 'scope' in e);
    const now = scoped.at(-1)?.scope;
    for (const event of held.events) this.project(now && 'scope' in event ? rescoped(event, now) : event);
  }

  close(): void {
    this.stopListening();
    for (const held of this.held.values()) clearTimeout(held.timer);
    this.held.clear();
  }
}

function rescoped(event: DomainEvent, scope: Scope): DomainEvent {
  const { previousScope: _unseen, ...rest } = event as DomainEvent & { previousScope?: Scope };
  return { ...rest, scope } as DomainEvent;
}
