import { Types } from 'mongoose';
import type { Logger } from 'pino';
import type { Actor, AuditLog } from '../audit/audit-log.js';
import { readAuditTrail } from '../audit/audit-trail.js';
import { verifyAuditChain } from '../audit/verify-chain.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors/app-error.js';
import type { DomainEventBus } from '../events/event-bus.js';
import { ticketScope, toTicketSummary } from '../events/views.js';
import type { Models } from '../models/registry.js';
import type { Ticket } from '../models/ticket.js';
import { nextSlaDue, slaDueTimes } from '../sla/policy.js';
import type { Viewer } from '../users/viewer.js';
import type { TicketPriority, TicketStatus } from './ticket-enums.js';
import type { TicketLocks } from './ticket-locks.js';
import type { OpenWork } from './open-work.js';
import { listTickets, type TicketListQuery } from './ticket-queries.js';
import { checkSync, type SyncResult } from './sync-check.js';
import { canSee, visibilityFilter } from './visibility.js';

/** Hook for time-based work (un-snooze); provided by the jobs module. */
export interface SnoozeScheduler {
  scheduleUnsnooze(ticketId: string, at: Date): Promise<void>;
}

type Change = { update: Record<string, unknown>; audit: { type: string; data: Record<string, unknown> }; change: string } | null;

const actorOf = (v: Viewer): Actor => ({ type: 'user', id: v.id, name: v.name });
const oid = (id: string) => new Types.ObjectId(id);

/**
 * Agent-facing ticket operations. Each one checks visibility, changes the
 * ticket under the ticket lock, appends one audit event, then publishes
 * `ticket.updated` — in that order.
 */
export class TicketService {
  private snoozer: SnoozeScheduler | undefined;

  constructor(
    private readonly models: Models,
    private readonly audit: AuditLog,
    private readonly locks: TicketLocks,
    private readonly bus: DomainEventBus,
    private readonly logger: Logger,
    private readonly openWork?: OpenWork,
  ) {}

  useSnoozeScheduler(s: SnoozeScheduler): void {
    this.snoozer = s;
  }

  list(viewer: Viewer, query: TicketListQuery) {
    return listTickets(this.models, viewer, query, this.openWork);
  }

  /** A reconnecting console's catch-up: which tickets changed since the seq it saw, which it lost. */
  syncCheck(viewer: Viewer, lastSeen: Record<string, number>): Promise<SyncResult> {
    return checkSync(this.models, viewer, lastSeen);
  }

  /** A ticket the viewer may see, or 404 (never 403: existence is not disclosed). */
  async get(viewer: Viewer, ticketId: string): Promise<Ticket> {
    if (!Types.ObjectId.isValid(ticketId)) throw new NotFoundError('Ticket');
    // By `_id` alone (the embedded database's one fast query), then the same rule in memory.
    const ticket = await this.models.Ticket.findOne({ _id: oid(ticketId) }).lean();
    if (!ticket || !canSee(viewer, ticket)) throw new NotFoundError('Ticket');
    return ticket;
  }

  async auditTrail(viewer: Viewer, ticketId: string, afterSeq = 0, limit = 200) {
    const ticket = await this.get(viewer, ticketId);
    const events = await readAuditTrail(this.models, ticket._id, afterSeq, limit);
    return events.map((e) => ({
      seq: e.seq,
      type: e.type,
      actor: e.actor,
      data: JSON.parse(e.dataJson) as Record<string, unknown>,
      at: e.at,
      hash: e.hash,
      prevHash: e.prevHash,
    }));
  }

  async verifyAudit(viewer: Viewer, ticketId: string) {
    const ticket = await this.get(viewer, ticketId);
    return verifyAuditChain(this.models, ticket._id);
  }

  async assign(viewer: Viewer, ticketId: string, assigneeId: string | null) {
    let assigneeName: string | undefined;
    if (assigneeId) {
      const user = Types.ObjectId.isValid(assigneeId) ? await this.models.User.findOne({ _id: oid(assigneeId), active: true }).lean() : null;
      if (!user) throw new ValidationError('Unknown assignee', [{ path: 'assigneeId', message: 'no active user with this id' }]);
      assigneeName = user.name;
    }
    return this.mutate(viewer, ticketId, (t) => {
      if (String(t.assigneeId ?? '') === (assigneeId ?? '')) return null;
      return {
        update: assigneeId ? { $set: { assigneeId: oid(assigneeId) } } : { $unset: { assigneeId: 1 } },
        audit: { type: 'ticket.assigned', data: { from: t.assigneeId ? String(t.assigneeId) : null, to: assigneeId, toName: assigneeName ?? null } },
        change: 'assignee',
      };
    });
  }

  async transfer(viewer: Viewer, ticketId: string, departmentId: string | null) {
    let departmentName: string | undefined;
    if (departmentId) {
      const dep = Types.ObjectId.isValid(departmentId) ? await this.models.Department.findById(departmentId).lean() : null;
      if (!dep) throw new ValidationError('Unknown department', [{ path: 'departmentId', message: 'no department with this id' }]);
      departmentName = dep.name;
    }
    return this.mutate(viewer, ticketId, (t) => {
      if (String(t.departmentId ?? '') === (departmentId ?? '')) return null;
      return {
        update: departmentId ? { $set: { departmentId: oid(departmentId) } } : { $unset: { departmentId: 1 } },
        audit: { type: 'ticket.transferred', data: { from: t.departmentId ? String(t.departmentId) : null, to: departmentId, toName: departmentName ?? null } },
        change: 'department',
      };
    });
  }

  async setStatus(viewer: Viewer, ticketId: string, status: TicketStatus) {
    return this.mutate(viewer, ticketId, (t) => {
      if (t.status === status) return null;
      if (t.mergedInto) throw new ConflictError('TICKET_MERGED', 'A merged ticket cannot change status');
      if (t.status === 'closed') throw new ConflictError('TICKET_CLOSED', 'A closed ticket cannot be reopened; the customer\'s next message opens a follow-up');
      const now = new Date();
      const set: Record<string, unknown> = { status, slaDueAt: nextSlaDue({ ...t, status }) };
      const unset: Record<string, unknown> = {};
      if (status === 'solved') set.solvedAt = now;
      else unset.solvedAt = 1;
      if (status === 'closed') set.closedAt = now;
      return {
        update: { $set: set, ...(Object.keys(unset).length ? { $unset: unset } : {}) },
        audit: { type: 'ticket.status_changed', data: { from: t.status, to: status } },
        change: 'status',
      };
    });
  }

  async setPriority(viewer: Viewer, ticketId: string, priority: TicketPriority) {
    return this.mutate(viewer, ticketId, (t) => {
      if (t.priority === priority) return null;
      const sla = slaDueTimes(priority, t.createdAt);
      return {
        update: { $set: { priority, sla, slaDueAt: nextSlaDue({ ...t, sla }) } },
        audit: {
          type: 'ticket.priority_changed',
          data: { from: t.priority, to: priority, sla: { policy: sla.policy, firstResponseDueAt: sla.firstResponseDueAt, resolutionDueAt: sla.resolutionDueAt } },
        },
        change: 'priority',
      };
    });
  }

  async setType(viewer: Viewer, ticketId: string, type: string | null) {
    return this.mutate(viewer, ticketId, (t) => {
      if ((t.type ?? null) === type) return null;
      return {
        update: type ? { $set: { type } } : { $unset: { type: 1 } },
        audit: { type: 'ticket.type_changed', data: { from: t.type ?? null, to: type } },
        change: 'type',
      };
    });
  }

  async changeTags(viewer: Viewer, ticketId: string, add: string[], remove: string[]) {
    const norm = (xs: string[]) => [...new Set(xs.map((x) => x.trim().toLowerCase()).filter(Boolean))];
    const toAdd = norm(add);
    const toRemove = norm(remove);
    return this.mutate(viewer, ticketId, (t) => {
      const next = [...new Set([...t.tags.filter((x) => !toRemove.includes(x)), ...toAdd])];
      if (next.length === t.tags.length && next.every((x) => t.tags.includes(x))) return null;
      return {
        update: { $set: { tags: next } },
        audit: { type: 'ticket.tags_changed', data: { added: toAdd.filter((x) => !t.tags.includes(x)), removed: toRemove.filter((x) => t.tags.includes(x)), tags: next } },
        change: 'tags',
      };
    });
  }

  async snooze(viewer: Viewer, ticketId: string, until: Date | null) {
    if (until && until.getTime() <= Date.now()) {
      throw new ValidationError('Snooze time must be in the future', [{ path: 'until', message: 'must be in the future' }]);
    }
    const result = await this.mutate(viewer, ticketId, (t) => {
      if (!until && !t.snoozedUntil) return null;
      return {
        update: until ? { $set: { snoozedUntil: until } } : { $unset: { snoozedUntil: 1 } },
        audit: { type: until ? 'ticket.snoozed' : 'ticket.unsnoozed', data: { until: until ?? null, previous: t.snoozedUntil ?? null } },
        change: 'snooze',
      };
    });
    if (until && this.snoozer) await this.snoozer.scheduleUnsnooze(ticketId, until);
    return result;
  }

  /** Called by the un-snooze job; a later snooze or an earlier wake-up makes it a no-op. */
  async endSnooze(ticketId: string, dueAt: Date): Promise<void> {
    const system: Viewer = { id: new Types.ObjectId().toHexString(), name: 'Ponte', email: 'system@ponte.local', role: 'admin', departmentIds: [] };
    await this.mutate(system, ticketId, (t) => {
      if (!t.snoozedUntil || t.snoozedUntil.getTime() > dueAt.getTime()) return null;
      return { update: { $unset: { snoozedUntil: 1 } }, audit: { type: 'ticket.snooze_ended', data: { until: t.snoozedUntil } }, change: 'snooze' };
    }, { type: 'system', name: 'Ponte' });
  }

  /**
   * Merges `sourceId` into `targetId`. Both histories stay intact and separate;
   * the source is closed and points at the target, new messages of its
   * conversation follow that pointer, and the target lists the source's messages.
   */
  async merge(viewer: Viewer, sourceId: string, targetId: string) {
    if (sourceId === targetId) throw new ValidationError('A ticket cannot be merged into itself', [{ path: 'targetId', message: 'same as source' }]);
    const [source, target] = [await this.get(viewer, sourceId), await this.get(viewer, targetId)];
    if (source.mergedInto) throw new ConflictError('TICKET_MERGED', `Ticket #${source.number} is already merged`);
    if (target.mergedInto) throw new ConflictError('TICKET_MERGED', `Ticket #${target.number} is merged; merge into #${target.mergedInto} instead`);
    if (target.mergedTicketIds.some((id) => String(id) === sourceId) || source.mergedTicketIds.some((id) => String(id) === targetId)) {
      throw new ConflictError('TICKET_MERGED', 'These tickets are already merged');
    }
    const now = new Date();
    await this.mutate(viewer, sourceId, (t) => ({
      update: { $set: { mergedInto: target._id, status: 'closed', closedAt: now, slaDueAt: nextSlaDue({ ...t, status: 'closed' }) } },
      audit: { type: 'ticket.merged_into', data: { targetId, targetNumber: target.number, previousStatus: t.status } },
      change: 'merged',
    }));
    return this.mutate(viewer, targetId, (t) => ({
      update: { $set: { mergedTicketIds: [...t.mergedTicketIds, source._id, ...source.mergedTicketIds] } },
      audit: { type: 'ticket.merged_from', data: { sourceId, sourceNumber: source.number } },
      change: 'merged',
    }));
  }

  /** Runs one change under the ticket lock, then audits and publishes it. */
  private async mutate(viewer: Viewer, ticketId: string, decide: (t: Ticket) => Change, actor: Actor = actorOf(viewer)): Promise<Ticket> {
    const visible = await this.get(viewer, ticketId);
    const outcome = await this.locks.run(String(visible._id), async () => {
      const current = await this.models.Ticket.findById(visible._id).lean();
      if (!current || !canSee(viewer, current)) throw new NotFoundError('Ticket');
      const change = decide(current);
      if (!change) return { before: current, after: current, change };
      await this.models.Ticket.updateOne({ _id: current._id }, change.update);
      const after = (await this.models.Ticket.findById(current._id).lean())!;
      return { before: current, after, change };
    });
    const { before, after, change } = outcome;
    if (!change) return after;
    const a = await this.audit.append(after._id, change.audit.type, actor, change.audit.data);
    const moved = String(before.departmentId ?? '') !== String(after.departmentId ?? '') || String(before.assigneeId ?? '') !== String(after.assigneeId ?? '');
    this.bus.publish({
      type: 'ticket.updated',
      seq: a.seq,
      at: a.at.toISOString(),
      scope: ticketScope(after),
      change: change.change,
      ticket: toTicketSummary(after),
      ...(moved ? { previousScope: ticketScope(before) } : {}),
    });
    this.logger.info({ ticketId: String(after._id), change: change.change, userId: viewer.id }, 'ticket changed');
    return after;
  }
}

