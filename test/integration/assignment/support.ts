import { Types } from 'mongoose';
import type { Core } from '../../../src/core/create-core.js';
import type { ChannelKind } from '../../../src/core/domain/channel-kind.js';
import { modelsOf } from '../../../src/core/models/models-of.js';

let nextNumber = 100_000;

/**
 * Tickets written straight to the database (the ingest path is tested elsewhere): open, in a
 * department, each from its own customer unless `contactId` is given (so stickiness does not steer).
 */
export async function insertTickets(
  core: Core,
  n: number,
  opts: { departmentId: Types.ObjectId; inboxId: Types.ObjectId; channel?: ChannelKind; skills?: (i: number) => string[]; contactId?: Types.ObjectId },
) {
  const now = new Date();
  const docs = Array.from({ length: n }, (_, i) => ({
    number: nextNumber++,
    subject: `t${i}`,
    status: 'open',
    priority: 'normal',
    tags: [],
    requiredSkills: opts.skills?.(i) ?? [],
    departmentId: opts.departmentId,
    contactId: opts.contactId ?? new Types.ObjectId(),
    inboxId: opts.inboxId,
    channel: opts.channel ?? 'webchat',
    replyTo: { handle: `v${i}` },
    participants: [],
    sla: { policy: 'default' },
    slaDueAt: new Date('9999-12-31T00:00:00Z'),
    lastMessageAt: now,
    createdDay: '2026-12-03',
    reopenCount: 0,
    mergedTicketIds: [],
    createdAt: new Date(now.getTime() + i),
  }));
  const created = await modelsOf(core).Ticket.insertMany(docs);
  // As ingest does for the tickets it creates: their audit chains start empty (no head to look up).
  for (const t of created) core.audit.startChain(t._id);
  return created.map((t) => String(t._id));
}

/** Watches assignments as they are announced: per agent, the open tickets held and the running total. */
export class AssignmentWatch {
  readonly total = new Map<string, number>();
  readonly active = new Map<string, Set<string>>();
  readonly overCapacity: string[] = [];
  readonly assignedAfter = new Map<string, string>();
  /** ticket → how many times it was assigned automatically */
  readonly timesAssigned = new Map<string, number>();

  constructor(private readonly capacityOf: (agentId: string) => number) {}

  onEvent(e: { type: string; change?: string; ticket?: { id: string; assigneeId: string | null; status: string }; previousScope?: { assigneeId: string | null } }): void {
    if (e.type !== 'ticket.updated' || !e.ticket) return;
    const t = e.ticket;
    const before = e.previousScope?.assigneeId ?? null;
    if (e.change === 'assignee') {
      if (before) this.active.get(before)?.delete(t.id);
      if (t.assigneeId) {
        const held = this.active.get(t.assigneeId) ?? new Set<string>();
        held.add(t.id);
        this.active.set(t.assigneeId, held);
        this.total.set(t.assigneeId, (this.total.get(t.assigneeId) ?? 0) + 1);
        this.timesAssigned.set(t.id, (this.timesAssigned.get(t.id) ?? 0) + 1);
        this.assignedAfter.set(t.id, t.assigneeId);
        if (held.size > this.capacityOf(t.assigneeId)) this.overCapacity.push(`${t.assigneeId} held ${held.size}`);
      }
    }
    if (e.change === 'status' && (t.status === 'solved' || t.status === 'closed') && t.assigneeId) this.active.get(t.assigneeId)?.delete(t.id);
  }
}
