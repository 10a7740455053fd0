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
  /** The ticket a visitor of this ticket is shown: itself, or the one it was merged into. */
  shownTicket(ticketId: string): Promise<{ number: number; status: string } | null>;
  /** Rooms of the web chat visitors whose tickets were merged into this one (`refresh`: a merge just happened). */
  mergedRooms(ticketId: string, refresh: boolean): Promise<VisitorRoom[]>;
}

const sameRoom = (a: VisitorRoom, b: VisitorRoom) => a.inboxId === b.inboxId && a.visitorId === b.visitorId;

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
    if (!ref) return;
    const own = ref.conversationId ? { inboxId: ref.inboxId, visitorId: ref.conversationId } : null;
    // The visitor who wrote: after a merge, possibly not the ticket's own (their messages follow the merge).
    const room = e.from ? { inboxId: e.from.inboxId, visitorId: e.from.conversationId } : own;
    if (!room) return;
    if (own && sameRoom(room, own)) rooms.rememberRoom(ref.id, room);
    rooms.emitConversation(room, { ticket: { number: ref.number, status: ref.status }, accepted: e.message.id });
  } else if (e.type === 'ticket.csat_requested' || e.type === 'ticket.csat_rated') {
    const room = await rooms.roomOf(e.scope.ticketId);
    const ref = room ? await rooms.ticketRef(e.scope.ticketId) : null;
    if (room && ref) rooms.emitCsat(room, { ticketNumber: ref.number, rating: e.type === 'ticket.csat_rated' ? e.rating : null });
  } else if (e.type === 'ticket.updated') {
    // (ticket.created needs nothing: the message.created right after it carries the number.)
    // A ticket just merged away: its visitors are shown the ticket it went into (the new number).
    const merged = e.change === 'merged';
    const shown = (merged ? await rooms.shownTicket(e.ticket.id) : null) ?? { number: e.ticket.number, status: e.ticket.status };
    const room = e.ticket.channel === 'webchat' ? await rooms.roomOf(e.ticket.id) : null;
    if (room) rooms.emitConversation(room, { ticket: shown });
    // Visitors whose tickets were merged into this one follow its number and status (other changes are not
    // theirs to see, and cost no read).
    if (merged || e.change === 'status') for (const r of await rooms.mergedRooms(e.ticket.id, merged)) rooms.emitConversation(r, { ticket: shown });
  }
}
