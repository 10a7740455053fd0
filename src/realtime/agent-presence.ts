import type { PresenceStatus } from './protocol.js';

export interface PresenceEntry {
  userId: string;
  name: string;
  status: PresenceStatus;
}

/**
 * Online/away/offline per agent across all of the agent's sockets (tabs):
 * online if any socket is online, away if every socket is away, offline when
 * none is connected. Keyed by socket id, which is unique across hub processes: with several
 * processes, ClusterSync (cluster-sync.ts) puts the other processes' sockets in here too.
 */
export class AgentPresence {
  private readonly users = new Map<string, { name: string; sockets: Map<string, 'online' | 'away'> }>();

  /** Returns the entry when the user's aggregate status changed. */
  set(userId: string, name: string, socketId: string, status: 'online' | 'away'): PresenceEntry | undefined {
    const before = this.statusOf(userId);
    const user = this.users.get(userId) ?? { name, sockets: new Map() };
    user.name = name;
    user.sockets.set(socketId, status);
    this.users.set(userId, user);
    return this.changed(userId, name, before);
  }

  remove(userId: string, name: string, socketId: string): PresenceEntry | undefined {
    const before = this.statusOf(userId);
    const user = this.users.get(userId);
    user?.sockets.delete(socketId);
    if (user && user.sockets.size === 0) this.users.delete(userId);
    return this.changed(userId, name, before);
  }

  statusOf(userId: string): PresenceStatus {
    const user = this.users.get(userId);
    if (!user || user.sockets.size === 0) return 'offline';
    return [...user.sockets.values()].some((s) => s === 'online') ? 'online' : 'away';
  }

  /** One row per socket (ClusterSync sends this process's rows to the others). */
  sockets(): Array<{ socketId: string; userId: string; name: string; status: 'online' | 'away' }> {
    const out: Array<{ socketId: string; userId: string; name: string; status: 'online' | 'away' }> = [];
    for (const [userId, u] of this.users) for (const [socketId, status] of u.sockets) out.push({ socketId, userId, name: u.name, status });
    return out;
  }

  snapshot(): PresenceEntry[] {
    return [...this.users.entries()].map(([userId, u]) => ({ userId, name: u.name, status: this.statusOf(userId) }));
  }

  private changed(userId: string, name: string, before: PresenceStatus): PresenceEntry | undefined {
    const after = this.statusOf(userId);
    return after === before ? undefined : { userId, name, status: after };
  }
}
