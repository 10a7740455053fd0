import type { DomainEvent } from '../../core/events/domain-events.js';

export interface VisitorRoom {
  inboxId: string;
  visitorId: string;
}

/** The visitor side of the web chat channel that the projector writes to. */
export interface VisitorRooms {
  /** False until the `/visitor` namespace exists: nobody to tell, nothing looked up. */
  readonly socketsAttached: boolean;
  /** The visitor's room of a ticket (null: not a web chat ticket), looked up once and remembered. */
  roomOf(ticketId: string): Promise<VisitorRoom | null>;
  rememberRoom(ticketId: string, room: VisitorRoom): void;
  /** Emits `conversation` to the visitor's open tabs (nothing before the sockets are attached). */
  emitConversation(room: VisitorRoom, payload: { ticket: { number: number; status: string }; accepted?: string }): void;
  /** Emits `csat`: the rating buttons appear (or show the answer given) in the visitor's open tabs. */
  emitCsat(room: VisitorRoom, payload: { ticketNumber: number; rating: number | null }): void;
  ticketRef(ticketId: string): Promise<{ id: string; number: number; status: string; inboxId: string; conversationId: string | null } | null>;
}

/**
 * The second emitter of domain events (the first, `src/realtime/projector.ts`, serves agents only): domain
 * events → the web chat visitor's room on the `/visitor` namespace. A visitor learns its ticket number as
 * soon as its first message made a ticket, the ticket's status changes and a rating request — nothing
 * else of the ticket.
 * Subscribed to the bus by `createWebchat`, where the wiring is visible.
 */
export async function projectToVisitor(e: DomainEvent, rooms: VisitorRooms): Promise<void> {
  if (!rooms.socketsAttached) return;
  if (e.type === 'message.created' && e.message.channel === 'webchat' && e.message.direction === 'inbound') {
    const ref = e.ticket ? { id: e.message.ticketId, ...e.ticket } : await rooms.ticketRef(e.message.ticketId);
    if (!ref?.conversationId) return;
    const room = { inboxId: ref.inboxId, visitorId: ref.conversationId };
    rooms.rememberRoom(ref.id, room);
    rooms.emitConversation(room, { ticket: { number: ref.number, status: ref.status }, accepted: e.message.id });
  } else if (e.type === 'ticket.csat_requested' || e.type === 'ticket.csat_rated') {
    const room = await rooms.roomOf(e.scope.ticketId);
    const ref = room ? await rooms.ticketRef(e.scope.ticketId) : null;
    if (room && ref) rooms.emitCsat(room, { ticketNumber: ref.number, rating: e.type === 'ticket.csat_rated' ? e.rating : null });
  } else if (e.type === 'ticket.updated' && e.ticket.channel === 'webchat') {
    // (ticket.created needs nothing: the message.created right after it carries the number.)
    const room = await rooms.roomOf(e.ticket.id);
    if (room) rooms.emitConversation(room, { ticket: { number: e.ticket.number, status: e.ticket.status } });
  }
}
