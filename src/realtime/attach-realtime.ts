import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import { Server, type ServerOptions, type Socket } from 'socket.io';
import type { ZodType } from 'zod';
import type { Core } from '../core/create-core.js';
import { AppError } from '../core/errors/app-error.js';
import type { Viewer } from '../core/users/viewer.js';
import { AgentPresence } from './agent-presence.js';
import { ClusterSync } from './cluster-sync.js';
import { authenticateHandshake, originAllowed } from './handshake-auth.js';
import { Projector } from './projector.js';
import {
  ClientEvents,
  PresenceSetSchema,
  SyncSchema,
  TicketActivitySchema,
  TicketJoinSchema,
  TicketLeaveSchema,
  TypingSchema,
} from './protocol.js';
import { rooms, roomsForScope, roomsForViewer } from './rooms.js';
import { pushLiveReports } from './live-reports.js';
import { RoutingHold, type RoutingSignal } from './routing-hold.js';
import { SyncBudget } from './sync-budget.js';
import { TicketViewers } from './ticket-viewers.js';
import { ConnectionsPerAddress } from './connections-per-address.js';
import { QuietLog } from '../core/logging/quiet-log.js';
import { clientAddress } from '../core/net/client-address.js';

/** What the realtime server needs from the core: session check, ticket visibility, domain events. */
export type RealtimeCore = Pick<Core, 'bus' | 'sessions' | 'tickets'> &
  Partial<Pick<Core, 'reports'>> & { config: Pick<Core['config'], 'publicUrl'> & Partial<Pick<Core['config'], 'auth' | 'webchat'>> } & Partial<Pick<Core, 'availability'>> & { router?: RoutingSignal };

export interface OpenTicket {
  ticketId: string;
  inboxId: string;
  channel: string;
  /** Typing a reply to the customer of a ticket merged into this one (the channel checks it is one). */
  recipientId?: string;
}

export interface RealtimeOptions {
  httpServer: HttpServer;
  core: RealtimeCore;
  logger: Logger;
  /** How often each socket's session is checked again (logout, expiry, changed departments). */
  revalidateMs?: number;
  /** An agent typing a reply on a ticket (never a note): lets the webchat channel show "typing…" to the visitor. */
  onAgentTyping?: (ticket: OpenTicket, typing: boolean) => void;
  /** Several hub processes: the Redis adapter (redis-adapter.ts); presence and viewers are then shared (cluster-sync.ts). */
  adapter?: ServerOptions['adapter'] | undefined;
  /** Open connections one client address may hold (every namespace); default twice the web chat's per-address cap. */
  connectionsPerAddress?: number;
  /** How long a connection may stay without joining a namespace (Socket.IO's default is 45 s). */
  connectTimeoutMs?: number;
}

export interface Realtime {
  io: Server;
  projector: Projector;
  /** For the webchat channel: the visitor of this ticket is typing. */
  visitorTyping(ticketId: string, typing: boolean): void;
  close(): Promise<void>;
}

interface SocketData {
  viewer: Viewer;
  token: string;
  open: Map<string, OpenTicket>;
}

type AgentSocket = Socket<Record<string, never>, Record<string, never>, Record<string, never>, SocketData>;

/** Ticket ids one socket may sync per minute: a few reconnects' worth of a full console (100 per sync). */
const SYNC_IDS_PER_MINUTE = 300;

type AckReply = { ok: true; [k: string]: unknown } | { ok: false; error: { code: string; message: string } };

const fail = (err: unknown): AckReply => {
  if (err instanceof AppError && err.callerFault) return { ok: false, error: { code: err.code, message: err.message } };
  return { ok: false, error: { code: 'INTERNAL', message: 'Something went wrong' } };
};

/**
 * Socket.IO on the app's HTTP server. The handshake is authenticated with the
 * REST session cookie; rooms are joined by the server from the Viewer; each
 * `ticket:join` is checked with `core.tickets.get` (the same visibility query
 * as REST) and refused with an error ack otherwise.
 */
export function attachRealtime({ httpServer, core, logger, revalidateMs = 60_000, onAgentTyping, adapter, connectionsPerAddress, connectTimeoutMs = 10_000 }: RealtimeOptions): Realtime {
  const log = logger.child({ module: 'realtime' });
  const trustProxy = core.config.auth?.trustProxy ?? false;
  const perAddress = new ConnectionsPerAddress(connectionsPerAddress ?? 2 * (core.config.webchat?.socketsPerAddress ?? 500));
  const refusals = new QuietLog(log, 60_000);
  const io = new Server(httpServer, {
    serveClient: false,
    allowRequest: (req, cb) => {
      // Same-origin only: the cookie rides along on cross-site WebSocket handshakes.
      if (!originAllowed(req, core.config.publicUrl)) return cb(null, false);
      const address = clientAddress(req, trustProxy);
      if (perAddress.admits(address)) return cb(null, true);
      refusals.info(address, { address, limit: perAddress.limit }, 'connection refused: too many open connections from one address');
      cb('TOO_MANY_CONNECTIONS', false);
    },
    // A real client joins its namespace right after the handshake; a connection that joins none is dropped soon.
    connectTimeout: connectTimeoutMs,
    maxHttpBufferSize: 64 * 1024,
    pingInterval: 20_000,
    pingTimeout: 20_000,
    ...(adapter ? { adapter } : {}),
  });
  io.engine.on('connection', (conn: { request: IncomingMessage; once(event: 'close', fn: () => void): void }) => {
    const address = clientAddress(conn.request, trustProxy);
    perAddress.opened(address);
    conn.once('close', () => perAddress.closed(address));
  });
  const projector = new Projector(io, log);
  const presence = new AgentPresence();
  const viewers = new TicketViewers();
  const cluster = adapter ? new ClusterSync(io, presence, viewers, projector, log, (userId) => void revalidateUser(userId)) : undefined;

  io.use((socket, next) => {
    authenticateHandshake(socket.request, (t) => core.sessions.authenticate(t))
      .then(({ viewer, token }) => {
        Object.assign(socket.data as SocketData, { viewer, token, open: new Map() });
        next();
      })
      .catch((err: unknown) => {
        const e = new Error(err instanceof AppError ? err.code : 'UNAUTHENTICATED') as Error & { data?: unknown };
        e.data = { code: err instanceof AppError ? err.code : 'UNAUTHENTICATED' };
        next(e);
      });
  });

  /** Registers a handler that validates its payload and always answers the ack (when one was given). */
  function on<S extends ZodType>(socket: AgentSocket, event: string, schema: S, handler: (input: S['_output']) => Promise<AckReply>) {
    (socket as unknown as Socket).on(event, (payload: unknown, ack?: unknown) => {
      const reply = typeof ack === 'function' ? (ack as (r: unknown) => void) : () => undefined;
      const parsed = schema.safeParse(payload);
      if (!parsed.success) {
        reply({ ok: false, error: { code: 'VALIDATION_FAILED', message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') } });
        return;
      }
      handler(parsed.data).then(reply, (err: unknown) => {
        if (!(err instanceof AppError) || !err.callerFault) log.error({ err, event }, 'socket handler failed');
        reply(fail(err));
      });
    });
  }

  const leaveTicket = (socket: AgentSocket, ticketId: string) => {
    void socket.leave(rooms.ticket(ticketId));
    socket.data.open.delete(ticketId);
    if (viewers.leave(ticketId, socket.id)) {
      projector.ticketViewers(ticketId, viewers.list(ticketId));
      cluster?.viewerChanged(ticketId, socket.id);
    }
  };

  io.on('connection', (raw) => {
    const socket = raw as unknown as AgentSocket;
    const { viewer } = socket.data;
    void socket.join(roomsForViewer(viewer));
    const changed = presence.set(viewer.id, viewer.name, socket.id, 'online');
    cluster?.presenceChanged(socket.id, { socketId: socket.id, userId: viewer.id, name: viewer.name, status: 'online' });
    projector.hello(socket as unknown as Socket, viewer, presence.snapshot());
    if (changed) projector.presence(changed);
    // Automatic assignment counts only agents with a live console.
    core.availability?.connected(viewer.id);
    log.debug({ userId: viewer.id, socketId: socket.id }, 'agent socket connected');

    on(socket, ClientEvents.join, TicketJoinSchema, async ({ ticketId }) => {
      const ticket = await core.tickets.get(socket.data.viewer, ticketId);
      const id = String(ticket._id);
      await socket.join(rooms.ticket(id));
      // Checked again once in the room: a transfer away between the check above and the join was evicted
      // before this socket was there to evict, and it stayed in the room (viewers and typing of the ticket).
      try {
        await core.tickets.get(socket.data.viewer, id);
      } catch (err) {
        void socket.leave(rooms.ticket(id));
        throw err;
      }
      socket.data.open.set(id, { ticketId: id, inboxId: String(ticket.inboxId), channel: ticket.channel });
      viewers.join(id, socket.id, viewer.id, viewer.name);
      cluster?.viewerChanged(id, socket.id);
      projector.ticketViewers(id, viewers.list(id));
      return { ok: true, viewers: viewers.list(id) };
    });

    on(socket, ClientEvents.leave, TicketLeaveSchema, async ({ ticketId }) => {
      leaveTicket(socket, ticketId);
      return { ok: true };
    });

    on(socket, ClientEvents.activity, TicketActivitySchema, async ({ ticketId, activity }) => {
      if (!viewers.update(ticketId, socket.id, { activity })) return { ok: false, error: { code: 'NOT_JOINED', message: 'Join the ticket first' } };
      cluster?.viewerChanged(ticketId, socket.id);
      projector.ticketViewers(ticketId, viewers.list(ticketId));
      return { ok: true };
    });

    on(socket, ClientEvents.typing, TypingSchema, async ({ ticketId, mode, typing, recipientId }) => {
      const open = socket.data.open.get(ticketId);
      if (!open) return { ok: false, error: { code: 'NOT_JOINED', message: 'Join the ticket first' } };
      viewers.update(ticketId, socket.id, { typing, ...(typing ? { activity: mode === 'reply' ? 'replying' : 'noting' } : {}) });
      cluster?.viewerChanged(ticketId, socket.id);
      projector.ticketViewers(ticketId, viewers.list(ticketId));
      projector.agentTyping(socket as unknown as Socket, ticketId, { userId: viewer.id, name: viewer.name }, mode, typing);
      // Notes are internal: only reply typing ever leaves the console.
      if (mode === 'reply' && onAgentTyping) {
        try {
          onAgentTyping(recipientId && recipientId !== ticketId ? { ...open, recipientId } : open, typing);
        } catch (err) {
          log.warn({ err, ticketId }, 'agent typing relay failed');
        }
      }
      return { ok: true };
    });

    on(socket, ClientEvents.presence, PresenceSetSchema, async ({ status }) => {
      const entry = presence.set(viewer.id, viewer.name, socket.id, status);
      cluster?.presenceChanged(socket.id, { socketId: socket.id, userId: viewer.id, name: viewer.name, status });
      if (entry) projector.presence(entry);
      return { ok: true };
    });

    const syncBudget = new SyncBudget(SYNC_IDS_PER_MINUTE, 60_000);
    on(socket, ClientEvents.sync, SyncSchema, async ({ tickets }) => {
      const count = Object.keys(tickets).length;
      if (!syncBudget.take(count)) {
        const retry = syncBudget.secondsUntilReset();
        return { ok: false, error: { code: 'RATE_LIMITED', message: `Too many sync requests; retry in ${retry}s` }, retryAfterSeconds: retry } as AckReply;
      }
      const { stale, gone } = await core.tickets.syncCheck(socket.data.viewer, tickets);
      return { ok: true, stale, gone };
    });

    socket.on('disconnect', () => {
      for (const ticketId of viewers.leaveAll(socket.id)) {
        projector.ticketViewers(ticketId, viewers.list(ticketId));
        cluster?.viewerChanged(ticketId, socket.id);
      }
      const entry = presence.remove(viewer.id, viewer.name, socket.id);
      cluster?.presenceChanged(socket.id, null);
      if (entry) projector.presence(entry);
      if (presence.statusOf(viewer.id) === 'offline') core.availability?.disconnected(viewer.id);
    });
  });

  /** After a transfer/reassignment: sockets that had the ticket open but may no longer see it leave its room. */
  async function evict(ticketId: string, scope: { ticketId: string; departmentId: string | null; assigneeId: string | null }) {
    const allowed = roomsForScope(scope);
    for (const s of await io.in(rooms.ticket(ticketId)).fetchSockets()) {
      if (allowed.some((r) => s.rooms.has(r))) continue;
      const local = io.sockets.sockets.get(s.id) as AgentSocket | undefined;
      if (!local) continue;
      leaveTicket(local, ticketId);
      projector.revoked(local as unknown as Socket, ticketId);
    }
  }

  /** Checks one socket's session again: disconnects it when the session ended, moves its rooms when its access changed. */
  async function revalidate(socket: AgentSocket): Promise<void> {
    try {
      const fresh = await core.sessions.authenticate(socket.data.token);
      const before = roomsForViewer(socket.data.viewer);
      const after = roomsForViewer(fresh);
      socket.data.viewer = fresh;
      if (before.join() !== after.join()) {
        for (const r of before) if (!after.includes(r)) void socket.leave(r);
        void socket.join(after);
        for (const ticketId of [...socket.data.open.keys()]) {
          await core.tickets.get(fresh, ticketId).catch(() => {
            leaveTicket(socket, ticketId);
            projector.revoked(socket as unknown as Socket, ticketId);
          });
        }
      }
    } catch (err) {
      if (err instanceof AppError && err.category === 'UNAUTHENTICATED') socket.disconnect(true);
      else log.warn({ err }, 'socket revalidation failed');
    }
  }

  /**
   * The core ended a user's sessions (password, role, deactivation, logout) or changed their departments: their
   * sockets are checked now, not within a minute (a logged-out or moved socket would keep receiving until then).
   */
  async function revalidateUser(userId: string): Promise<void> {
    for (const raw of io.sockets.sockets.values()) {
      const socket = raw as unknown as AgentSocket;
      if (socket.data.viewer?.id === userId) await revalidate(socket);
    }
  }

  // A new ticket's first events wait for its routing rules: they must not reach a department it is about to leave.
  const hold = core.router ? new RoutingHold((event) => projector.project(event), core.router) : undefined;
  const unsubscribe = core.bus.subscribe((event) => {
    if (hold) hold.offer(event);
    else projector.project(event);
    if (event.type === 'user.sessions_ended' || event.type === 'user.access_changed') {
      cluster?.revalidateUser(event.userId);
      return revalidateUser(event.userId);
    }
    if (event.type === 'ticket.updated' && event.previousScope) return evict(event.scope.ticketId, event.scope);
  });

  const stopLive = pushLiveReports(io, core, projector, presence, log);

  /** Sessions end (logout, expiry, deactivation) and departments change while a socket stays open. */
  let revalidating = false;
  const revalidateTimer = setInterval(() => {
    if (revalidating) return;
    revalidating = true;
    void (async () => {
      for (const raw of io.sockets.sockets.values()) await revalidate(raw as unknown as AgentSocket);
    })().finally(() => {
      revalidating = false;
    });
  }, revalidateMs);
  revalidateTimer.unref();

  return {
    io,
    projector,
    visitorTyping: (ticketId, typing) => projector.visitorTyping(ticketId, typing),
    async close() {
      clearInterval(revalidateTimer);
      cluster?.close();
      stopLive();
      unsubscribe();
      hold?.close();
      projector.close();
      io.disconnectSockets(true);
      for (const nsp of [io.of('/')]) nsp.disconnectSockets(true);
      // Closes the engine (and every namespace's sockets) but leaves the HTTP server to its owner.
      io.engine.close();
    },
  };
}
