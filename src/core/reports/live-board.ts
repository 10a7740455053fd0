import type { DomainEvent } from '../events/domain-events.js';
import type { Models } from '../models/registry.js';
import type { Ticket } from '../models/ticket.js';
import { activeStatuses } from '../tickets/ticket-enums.js';
import { NONE } from './report-facts.js';
import { rowVisible, type ReportFilters } from './report-scope.js';
import type { LiveSnapshot } from './report-types.js';

export type { LiveSnapshot };

export interface LiveTicket {
  status: string;
  channel: string;
  inbox: string;
  dept: string;
  agent: string;
  /** The customer wrote last and nobody answered since (ms), else null. */
  waitingSince: number | null;
}

export interface LiveScope {
  /** Departments the viewer may see; null = all. */
  depts: string[] | null;
  /** Only this agent's tickets. */
  agent: string | null;
}

const active = new Set<string>(activeStatuses);
const str = (v: unknown) => (v === undefined || v === null || v === '' ? NONE : String(v));

/**
 * A ticket coming back into open work (set open again by an agent, a macro): waiting when the customer's
 * message is its newest, as `load` decides — an unanswered question solved and reopened is still unanswered.
 */
function waitingSinceOf(t: { lastCustomerMessageAt?: string | null; lastMessageAt: string }): number | null {
  if (!t.lastCustomerMessageAt) return null;
  const customer = Date.parse(t.lastCustomerMessageAt);
  return customer >= Date.parse(t.lastMessageAt) ? customer : null;
}

/** What the board needs of an open ticket. */
export type LiveSource = Pick<Ticket, '_id' | 'status' | 'channel' | 'inboxId' | 'departmentId' | 'assigneeId' | 'lastCustomerMessageAt' | 'lastMessageAt'>;

/**
 * Open work right now, in memory: loaded once at start — from the open-work projection where there is one
 * (the embedded database: a second read of every ticket there cost ~20 s of its CPU at 47,000 tickets),
 * else from the tickets in an active status (MongoDB, by index) — then kept by the domain events. In one
 * process; a scaled-out hub shows what this process has seen since it started plus the start-up load.
 */
export class LiveBoard {
  private readonly tickets = new Map<string, LiveTicket>();
  /** Newest audit seq applied per ticket (also for tickets no longer open): older events are stale. */
  private readonly seqs = new Map<string, number>();
  private readonly messageSeqs = new Map<string, number>();
  private loaded = false;

  /** `projected`: the open tickets from the projection, or undefined when it cannot answer (then the query). */
  async load(models: Models, projected: () => Promise<LiveSource[] | undefined> = async () => undefined): Promise<void> {
    const open =
      (await projected())?.filter((t) => active.has(t.status)) ??
      (await models.Ticket.find(
        { status: { $in: [...activeStatuses] } },
        { status: 1, channel: 1, inboxId: 1, departmentId: 1, assigneeId: 1, lastCustomerMessageAt: 1, lastMessageAt: 1 },
      ).lean());
    for (const t of open) {
      if (this.tickets.has(String(t._id))) continue;
      const waiting = t.lastCustomerMessageAt && t.lastCustomerMessageAt.getTime() >= t.lastMessageAt.getTime();
      this.tickets.set(String(t._id), {
        status: t.status,
        channel: t.channel,
        inbox: String(t.inboxId),
        dept: str(t.departmentId),
        agent: str(t.assigneeId),
        waitingSince: waiting ? t.lastCustomerMessageAt!.getTime() : null,
      });
    }
    this.loaded = true;
  }

  get ready(): boolean {
    return this.loaded;
  }

  apply(event: DomainEvent): boolean {
    switch (event.type) {
      case 'ticket.created':
      case 'ticket.updated': {
        const t = event.ticket;
        // Events may come twice or late: only a newer change of the ticket counts.
        if ((this.seqs.get(t.id) ?? -1) >= event.seq) return false;
        this.seqs.set(t.id, event.seq);
        if (!active.has(t.status)) return this.tickets.delete(t.id);
        const prev = this.tickets.get(t.id);
        this.tickets.set(t.id, {
          status: t.status,
          channel: t.channel,
          inbox: t.inboxId,
          dept: str(t.departmentId),
          agent: str(t.assigneeId),
          waitingSince: prev ? prev.waitingSince : event.type === 'ticket.created' ? Date.parse(event.at) : waitingSinceOf(t),
        });
        return true;
      }
      case 'message.created': {
        const m = event.message;
        const t = this.tickets.get(m.ticketId);
        if (!t || m.kind !== 'message') return false;
        if ((this.messageSeqs.get(m.ticketId) ?? -1) >= event.seq) return false;
        this.messageSeqs.set(m.ticketId, event.seq);
        if (m.direction === 'inbound') t.waitingSince = t.waitingSince ?? Date.parse(m.occurredAt);
        else if (m.direction === 'outbound' && m.authorType === 'agent') t.waitingSince = null;
        return true;
      }
      default:
        return false;
    }
  }

  snapshot(scope: LiveScope, filters?: ReportFilters, now = Date.now()): LiveSnapshot {
    const open: Record<string, Record<string, number>> = {};
    let openTotal = 0;
    let waiting = 0;
    let oldest: number | null = null;
    for (const t of this.tickets.values()) {
      if (scope.depts && !scope.depts.includes(t.dept)) continue;
      if (scope.agent && t.agent !== scope.agent) continue;
      if (filters && !rowVisible({ depts: null, agent: null }, filters, { inbox: t.inbox, channel: t.channel, dept: t.dept, agent: t.agent })) continue;
      const byStatus = (open[t.channel] ??= {});
      byStatus[t.status] = (byStatus[t.status] ?? 0) + 1;
      openTotal++;
      if (t.waitingSince !== null) {
        waiting++;
        oldest = oldest === null ? t.waitingSince : Math.min(oldest, t.waitingSince);
      }
    }
    return {
      at: new Date(now).toISOString(),
      open,
      openTotal,
      waiting,
      longestWaitSeconds: oldest === null ? null : Math.max(0, Math.round((now - oldest) / 1000)),
    };
  }
}
