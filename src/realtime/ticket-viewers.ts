import type { TicketActivity, TicketViewer } from './protocol.js';

/**
 * Who has a ticket open and what they are doing — the data behind "Ana is
 * viewing" / "Ana is replying". One entry per socket; the list sent to the
 * console is merged per user (the busiest activity wins).
 */
export interface ViewerEntry {
  userId: string;
  name: string;
  activity: TicketActivity;
  typing: boolean;
}

export class TicketViewers {
  private readonly tickets = new Map<string, Map<string, ViewerEntry>>();

  join(ticketId: string, socketId: string, userId: string, name: string): void {
    const t = this.tickets.get(ticketId) ?? new Map();
    if (!t.has(socketId)) t.set(socketId, { userId, name, activity: 'viewing', typing: false });
    this.tickets.set(ticketId, t);
  }

  /** Returns false when the socket has not joined the ticket. */
  update(ticketId: string, socketId: string, change: { activity?: TicketActivity; typing?: boolean }): boolean {
    const entry = this.tickets.get(ticketId)?.get(socketId);
    if (!entry) return false;
    if (change.activity) entry.activity = change.activity;
    if (change.typing !== undefined) entry.typing = change.typing;
    return true;
  }

  leave(ticketId: string, socketId: string): boolean {
    const t = this.tickets.get(ticketId);
    if (!t?.delete(socketId)) return false;
    if (t.size === 0) this.tickets.delete(ticketId);
    return true;
  }

  /** Removes the socket everywhere; returns the tickets whose viewer list changed. */
  leaveAll(socketId: string): string[] {
    const changed: string[] = [];
    for (const ticketId of [...this.tickets.keys()]) if (this.leave(ticketId, socketId)) changed.push(ticketId);
    return changed;
  }

  /** Sets a socket's entry as is (ClusterSync: another process's socket). */
  put(ticketId: string, socketId: string, entry: ViewerEntry): void {
    const t = this.tickets.get(ticketId) ?? new Map();
    t.set(socketId, { ...entry });
    this.tickets.set(ticketId, t);
  }

  entry(ticketId: string, socketId: string): ViewerEntry | undefined {
    const e = this.tickets.get(ticketId)?.get(socketId);
    return e ? { ...e } : undefined;
  }

  /** Every (ticket, socket) entry whose socket passes `keep`. */
  entries(keep: (socketId: string) => boolean): Array<{ ticketId: string; socketId: string } & ViewerEntry> {
    const out: Array<{ ticketId: string; socketId: string } & ViewerEntry> = [];
    for (const [ticketId, t] of this.tickets) for (const [socketId, e] of t) if (keep(socketId)) out.push({ ticketId, socketId, ...e });
    return out;
  }

  list(ticketId: string): TicketViewer[] {
    const rank: Record<TicketActivity, number> = { viewing: 0, noting: 1, replying: 2 };
    const byUser = new Map<string, TicketViewer>();
    for (const e of this.tickets.get(ticketId)?.values() ?? []) {
      const prev = byUser.get(e.userId);
      if (!prev) byUser.set(e.userId, { userId: e.userId, name: e.name, activity: e.activity, typing: e.typing });
      else byUser.set(e.userId, { ...prev, activity: rank[e.activity] > rank[prev.activity] ? e.activity : prev.activity, typing: prev.typing || e.typing });
    }
    return [...byUser.values()];
  }
}
