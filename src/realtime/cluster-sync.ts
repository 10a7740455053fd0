import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Server } from 'socket.io';
import { z } from 'zod';
import type { AgentPresence } from './agent-presence.js';
import type { Projector } from './projector.js';
import type { TicketViewers, ViewerEntry } from './ticket-viewers.js';

/**
 * Presence and "who is viewing" shared by several hub processes (REDIS_URL set).
 *
 * Each process keeps the same in-memory stores (AgentPresence, TicketViewers) for every socket of
 * the cluster: its own sockets, and the other processes' sockets as they announced them. Socket
 * ids are unique across processes, so the stores need no change of key.
 *  - A change on a local socket is projected by this process (the adapter carries the broadcast to
 *    every process's agents) and sent to the other processes as an op, which only update their stores.
 *  - Every HEARTBEAT_MS each process sends its whole local state: it repairs a missed op and tells a
 *    process that just started who is already there (an unknown sender is answered at once, too).
 *  - A process not heard from for EXPIRY_MS (killed, cut off) has its sockets removed by the
 *    others, which project the resulting changes — the dead process cannot. Every survivor does so;
 *    the messages are idempotent (latest status per agent, whole viewer list per ticket).
 * Messages go through the adapter's serverSideEmit (Redis), and are checked with zod like any input.
 */

export const HEARTBEAT_MS = 2_000;
export const EXPIRY_MS = 3 * HEARTBEAT_MS + 500;
const EVENT = 'ponte:realtime-state';

const Activity = z.enum(['viewing', 'replying', 'noting']);
const PresenceRow = z.object({ socketId: z.string().min(1), userId: z.string().min(1), name: z.string(), status: z.enum(['online', 'away']) });
const ViewerRow = z.object({ ticketId: z.string().min(1), socketId: z.string().min(1), userId: z.string().min(1), name: z.string(), activity: Activity, typing: z.boolean() });
const Op = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('presence'), socketId: z.string().min(1), row: PresenceRow.nullable() }),
  z.object({ kind: z.literal('viewer'), ticketId: z.string().min(1), socketId: z.string().min(1), row: ViewerRow.nullable() }),
  z.object({ kind: z.literal('state'), presence: z.array(PresenceRow), viewers: z.array(ViewerRow), reply: z.boolean() }),
  z.object({ kind: z.literal('revalidate-user'), userId: z.string().min(1) }),
  z.object({ kind: z.literal('bye') }),
]);
const Message = z.object({ node: z.string().min(1), op: Op });
type Op = z.infer<typeof Op>;
type PresenceRow = z.infer<typeof PresenceRow>;
type ViewerRow = z.infer<typeof ViewerRow>;

interface RemoteNode {
  seenAt: number;
  presence: Map<string, PresenceRow>;
  /** key `${ticketId}\n${socketId}` */
  viewers: Map<string, ViewerRow>;
}

export class ClusterSync {
  readonly node = randomUUID();
  private readonly remote = new Map<string, RemoteNode>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly io: Server,
    private readonly presence: AgentPresence,
    private readonly viewers: TicketViewers,
    private readonly projector: Projector,
    private readonly log: Logger,
    /** Another process ended a user's sessions: check this process's sockets of that user now. */
    private readonly onRevalidateUser: (userId: string) => void,
  ) {
    io.on(EVENT, (raw: unknown) => this.receive(raw));
    this.timer = setInterval(() => {
      this.send({ kind: 'state', ...this.localState(), reply: false });
      this.expire(Date.now());
    }, HEARTBEAT_MS);
    this.timer.unref();
    // Ask the others for their state (they answer an unknown node at once).
    this.send({ kind: 'state', ...this.localState(), reply: false });
  }

  /** A local socket's presence changed (`null`: it disconnected). */
  presenceChanged(socketId: string, row: PresenceRow | null): void {
    this.send({ kind: 'presence', socketId, row });
  }

  /** A local socket's entry on a ticket changed (`null`: it left the ticket). */
  viewerChanged(ticketId: string, socketId: string): void {
    const entry = this.viewers.entry(ticketId, socketId);
    this.send({ kind: 'viewer', ticketId, socketId, row: entry ? { ticketId, socketId, ...entry } : null });
  }

  revalidateUser(userId: string): void {
    this.send({ kind: 'revalidate-user', userId });
  }

  close(): void {
    clearInterval(this.timer);
    this.send({ kind: 'bye' });
  }

  private isLocal = (socketId: string): boolean => this.io.of('/').sockets.has(socketId);

  private localState(): { presence: PresenceRow[]; viewers: ViewerRow[] } {
    return { presence: this.presence.sockets().filter((r) => this.isLocal(r.socketId)), viewers: this.viewers.entries(this.isLocal) };
  }

  private send(op: Op): void {
    try {
      void Promise.resolve(this.io.serverSideEmit(EVENT, { node: this.node, op })).catch((err: unknown) =>
        this.log.warn({ err }, 'cluster state not sent'),
      );
    } catch (err) {
      this.log.warn({ err }, 'cluster state not sent');
    }
  }

  private receive(raw: unknown): void {
    const parsed = Message.safeParse(raw);
    if (!parsed.success) {
      this.log.warn({ issues: parsed.error.issues.slice(0, 3) }, 'ignored a malformed cluster state message');
      return;
    }
    const { node, op } = parsed.data;
    if (node === this.node) return;
    if (op.kind === 'bye') {
      this.drop(node);
      return;
    }
    let remote = this.remote.get(node);
    if (!remote) {
      remote = { seenAt: Date.now(), presence: new Map(), viewers: new Map() };
      this.remote.set(node, remote);
      this.log.info({ node }, 'another hub process joined the realtime cluster');
      // A process we did not know: tell it who is here without waiting for the heartbeat.
      if (!(op.kind === 'state' && op.reply)) this.send({ kind: 'state', ...this.localState(), reply: true });
    }
    remote.seenAt = Date.now();
    switch (op.kind) {
      case 'presence':
        this.applyPresence(remote, op.socketId, op.row);
        return;
      case 'viewer':
        this.applyViewer(remote, op.ticketId, op.socketId, op.row);
        return;
      case 'state':
        this.applyState(remote, op.presence, op.viewers);
        return;
      case 'revalidate-user':
        this.onRevalidateUser(op.userId);
        return;
    }
  }

  /** Applies another process's change; it projected the change itself, so nothing is emitted here. */
  private applyPresence(remote: RemoteNode, socketId: string, row: PresenceRow | null): void {
    const before = remote.presence.get(socketId);
    if (row) {
      remote.presence.set(socketId, row);
      this.presence.set(row.userId, row.name, socketId, row.status);
    } else if (before) {
      remote.presence.delete(socketId);
      this.presence.remove(before.userId, before.name, socketId);
    }
  }

  private applyViewer(remote: RemoteNode, ticketId: string, socketId: string, row: ViewerRow | null): void {
    const key = `${ticketId}\n${socketId}`;
    if (row) {
      remote.viewers.set(key, row);
      const { userId, name, activity, typing } = row;
      this.viewers.put(ticketId, socketId, { userId, name, activity, typing } satisfies ViewerEntry);
    } else {
      remote.viewers.delete(key);
      this.viewers.leave(ticketId, socketId);
    }
  }

  private applyState(remote: RemoteNode, presence: PresenceRow[], viewers: ViewerRow[]): void {
    const presentSockets = new Set(presence.map((r) => r.socketId));
    for (const socketId of [...remote.presence.keys()]) if (!presentSockets.has(socketId)) this.applyPresence(remote, socketId, null);
    for (const row of presence) this.applyPresence(remote, row.socketId, row);
    const presentViewers = new Set(viewers.map((r) => `${r.ticketId}\n${r.socketId}`));
    for (const [key, row] of [...remote.viewers]) if (!presentViewers.has(key)) this.applyViewer(remote, row.ticketId, row.socketId, null);
    for (const row of viewers) this.applyViewer(remote, row.ticketId, row.socketId, row);
  }

  private expire(now: number): void {
    for (const [node, remote] of this.remote) {
      if (now - remote.seenAt <= EXPIRY_MS) continue;
      this.log.warn({ node, silentMs: now - remote.seenAt }, 'a hub process stopped answering; its agents are shown offline');
      this.drop(node);
    }
  }

  /** Removes a gone process's sockets and projects what that changes (it can no longer do it). */
  private drop(node: string): void {
    const remote = this.remote.get(node);
    if (!remote) return;
    this.remote.delete(node);
    for (const row of remote.presence.values()) {
      const changed = this.presence.remove(row.userId, row.name, row.socketId);
      if (changed) this.projector.presence(changed);
    }
    const tickets = new Set<string>();
    for (const row of remote.viewers.values()) if (this.viewers.leave(row.ticketId, row.socketId)) tickets.add(row.ticketId);
    for (const ticketId of tickets) this.projector.ticketViewers(ticketId, this.viewers.list(ticketId));
  }
}
