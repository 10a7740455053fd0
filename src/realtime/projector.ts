import type { Logger } from 'pino';
import type { Server, Socket } from 'socket.io';
import type { DomainEvent } from '../core/events/domain-events.js';
import type { Viewer } from '../core/users/viewer.js';
import type { LiveSnapshot } from '../core/reports/live-board.js';
import type { PresenceEntry } from './agent-presence.js';
import { ServerEvents, type TicketViewer } from './protocol.js';
import { rooms, roomsForScope } from './rooms.js';

/**
 * The only place that emits to agent sockets. Domain events go to the rooms
 * their `scope` allows (and, on a transfer or reassignment, `ticket.revoked`
 * to the rooms of `previousScope` that lost sight of the ticket). Everything
 * else realtime sends (presence, viewers, typing) goes through here too, so
 * one file answers "who can receive what".
 */
/**
 * Presence changes are sent in batches at most this often: every agent
 * receives every change, so when a restart makes N consoles reconnect at once,
 * one packet per change would be N² packets (250,000 for 500 agents, seconds
 * of CPU); batched it is about N per window.
 */
export const PRESENCE_BATCH_MS = 200;
/**
 * `directory.changed` goes to every agent, and each console re-reads a list on it: an import of 50 agents made
 * every console ask 50 times. The first change of a burst is sent at once, the rest as one more event at the end
 * of each window (sent after the last change was stored, so a console reading then sees it).
 */
export const DIRECTORY_BATCH_MS = 250;

export class Projector {
  private readonly pendingPresence = new Map<string, PresenceEntry>();
  private presenceTimer: NodeJS.Timeout | undefined;
  private readonly directoryTimers = new Map<'users' | 'departments', { timer: NodeJS.Timeout; pendingAt: string | null }>();

  constructor(
    private readonly io: Server,
    private readonly logger: Logger,
  ) {}

  project(event: DomainEvent): void {
    switch (event.type) {
      case 'channel.state_changed': {
        // Channel health is not ticket data: every signed-in agent sees the inbox status bar. A QR code pairs
        // a phone with the hub: only admins get it.
        const { qr, ...withoutQr } = event;
        if (qr) {
          this.io.to(rooms.agents).except(rooms.admins).emit(event.type, withoutQr);
          this.io.to(rooms.admins).emit(event.type, event);
        } else this.io.to(rooms.agents).emit(event.type, event);
        return;
      }
      case 'ticket.updated': {
        const now = roomsForScope(event.scope);
        this.io.to(now).emit(event.type, event);
        if (event.previousScope) {
          const before = roomsForScope(event.previousScope).filter((r) => !now.includes(r));
          if (before.length) this.io.to(before).except(now).emit(ServerEvents.ticketRevoked, { ticketId: event.scope.ticketId, seq: event.seq });
        }
        return;
      }
      case 'sla.alert':
        // The supervisors (the console shows it to those of the ticket's department) and the assignee.
        this.io.to([rooms.supervisors, ...(event.scope.assigneeId ? [rooms.user(event.scope.assigneeId)] : [])]).emit(event.type, event);
        return;
      case 'user.sessions_ended':
      case 'user.access_changed':
        // Handled by attach-realtime (it re-checks the user's sockets); nothing to tell the consoles.
        return;
      case 'user.availability_changed':
        // Everyone on the team sees who is available (the console's presence list; the header toggle of the
        // agent concerned follows it too).
        this.io.to(rooms.agents).emit(event.type, event);
        return;
      case 'inbox.changed':
        // For the channel runtime; consoles get only the id (the settings screen re-reads the inbox list).
        this.io.to(rooms.agents).emit(event.type, { inboxId: event.inboxId, at: event.at });
        return;
      case 'directory.changed':
        // Every agent may list users and departments over REST; the event only says which list to re-read.
        this.directoryChanged(event.what, event.at);
        return;
      default:
        this.io.to(roomsForScope(event.scope)).emit(event.type, event);
    }
  }

  private directoryChanged(what: 'users' | 'departments', at: string): void {
    const held = this.directoryTimers.get(what);
    if (held) {
      held.pendingAt = at;
      return;
    }
    this.io.to(rooms.agents).emit('directory.changed', { what, at });
    const window = (): NodeJS.Timeout =>
      setTimeout(() => {
        const w = this.directoryTimers.get(what);
        if (!w?.pendingAt) return void this.directoryTimers.delete(what);
        this.io.to(rooms.agents).emit('directory.changed', { what, at: w.pendingAt });
        this.directoryTimers.set(what, { timer: window(), pendingAt: null });
      }, DIRECTORY_BATCH_MS);
    this.directoryTimers.set(what, { timer: window(), pendingAt: null });
  }

  /** Sent once per connection: who the server thinks you are (the console trusts this, not its cache). */
  hello(socket: Socket, viewer: Viewer, presence: PresenceEntry[]): void {
    socket.emit(ServerEvents.hello, { viewer: { id: viewer.id, name: viewer.name, role: viewer.role, departmentIds: viewer.departmentIds } });
    socket.emit(ServerEvents.presenceSnapshot, presence);
  }

  /** Queues a change; every agent gets the changes of a window as one `presence` list (latest per user). */
  presence(entry: PresenceEntry): void {
    this.pendingPresence.set(entry.userId, entry);
    this.presenceTimer ??= setTimeout(() => this.flushPresence(), PRESENCE_BATCH_MS);
  }

  /** Stops the batching timer (shutdown); changes not yet sent are dropped with the sockets. */
  close(): void {
    clearTimeout(this.presenceTimer);
    this.presenceTimer = undefined;
    this.pendingPresence.clear();
    for (const { timer } of this.directoryTimers.values()) clearTimeout(timer);
    this.directoryTimers.clear();
  }

  private flushPresence(): void {
    this.presenceTimer = undefined;
    const entries = [...this.pendingPresence.values()];
    this.pendingPresence.clear();
    if (entries.length) this.io.to(rooms.agents).emit(ServerEvents.presence, entries);
  }

  /** The live report (open work, waiting customers, agents online) for one supervisor's or admin's socket. */
  reportLive(socket: Socket, snapshot: LiveSnapshot): void {
    socket.emit(ServerEvents.reportLive, snapshot);
  }

  ticketViewers(ticketId: string, viewers: TicketViewer[]): void {
    this.io.to(rooms.ticket(ticketId)).emit(ServerEvents.ticketViewers, { ticketId, viewers });
  }

  /** Typing of one agent, to the other agents who have the ticket open. */
  agentTyping(from: Socket, ticketId: string, who: { userId: string; name: string }, mode: 'reply' | 'note', typing: boolean): void {
    from.to(rooms.ticket(ticketId)).emit(ServerEvents.agentTyping, { ticketId, ...who, mode, typing });
  }

  /** The website visitor is typing: to the agents who have the ticket open. */
  visitorTyping(ticketId: string, typing: boolean): void {
    this.io.to(rooms.ticket(ticketId)).emit(ServerEvents.visitorTyping, { ticketId, typing });
  }

  /** A socket that lost sight of a ticket it had open (transfer, or its own access changed). */
  revoked(socket: Socket, ticketId: string): void {
    socket.emit(ServerEvents.ticketRevoked, { ticketId });
    this.logger.debug({ ticketId, socketId: socket.id }, 'ticket revoked for socket');
  }
}
