import { Types } from 'mongoose';
import type { Logger } from 'pino';
import type { Actor, AuditLog } from '../audit/audit-log.js';
import { readAuditTrail } from '../audit/audit-trail.js';
import { verifyAuditChain } from '../audit/verify-chain.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors/app-error.js';
import type { DomainEventBus } from '../events/event-bus.js';
import { ticketScope, toTicketSummary } from '../events/views.js';
import type { AuditEvent } from '../models/audit-event.js';
import type { Models } from '../models/registry.js';
import type { Ticket } from '../models/ticket.js';
import { slaAuditEntries, type SlaEngine } from '../sla/sla-engine.js';
import { slaDueField, type SlaChange } from '../sla/sla-lifecycle.js';
import type { SlaTarget } from '../sla/sla-targets.js';
import { KeyedMutex } from '../sync/keyed-mutex.js';
import { raisedPriority } from './ticket-enums.js';
import { normalizeTag } from './tag.js';
import type { Viewer } from '../users/viewer.js';
import type { TicketPriority, TicketStatus } from './ticket-enums.js';
import type { TicketLocks } from './ticket-locks.js';
import type { OpenWork } from './open-work.js';
import { listTickets, type TicketListQuery } from './ticket-queries.js';
import { checkSync, type SyncResult } from './sync-check.js';
import { canSee, visibilityFilter } from './visibility.js';
import { seesLinkedTicket, withoutHiddenLinks } from './linked-ticket.js';

/** `sla`: the change moves SLA clocks; due times are recomputed on the changed ticket, under the same lock. */
export type TicketChange = { update: Record<string, unknown>; audit: { type: string; data: Record<string, unknown> }; change: string; sla?: SlaChange } | null;

const actorOf = (v: Viewer): Actor => ({ type: 'user', id: v.id, name: v.name });
const oid = (id: string) => new Types.ObjectId(id);

/**
 * Agent-facing ticket operations. Each one checks visibility, changes the
 * ticket under the ticket lock, appends one audit event, then publishes
 * `ticket.updated` — in that order.
 */
export class TicketService {
  private slaEngine: SlaEngine | undefined;
  /** Merges run one at a time in a process (see `merge`). */
  private readonly merges = new KeyedMutex();

  constructor(
    private readonly models: Models,
    private readonly audit: AuditLog,
    private readonly locks: TicketLocks,
    private readonly bus: DomainEventBus,
    private readonly logger: Logger,
    private readonly openWork?: OpenWork,
  ) {}

  useSla(engine: SlaEngine): void {
    this.slaEngine = engine;
  }

  private get sla(): SlaEngine {
    if (!this.slaEngine) throw new Error('SLA engine not wired (createCore calls useSla)');
    return this.slaEngine;
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
    // Read by `_id` alone and checked here: the embedded database serves only that from an index.
    const ticket = await this.models.Ticket.findById(oid(ticketId)).lean();
    if (!ticket || !canSee(viewer, ticket)) throw new NotFoundError('Ticket');
    return ticket;
  }

  async auditTrail(viewer: Viewer, ticketId: string, afterSeq = 0, limit = 200) {
    const ticket = await this.get(viewer, ticketId);
    const events = await readAuditTrail(this.models, ticket._id, afterSeq, limit);
    // The number of the ticket this one follows up, only to whoever may see that one (linked-ticket.ts).
    const hidePrevious = events.some((e) => e.type === 'ticket.created') && !(await seesLinkedTicket(this.models, viewer, ticket.previousTicketId));
    return events.map((e) => ({
      seq: e.seq,
      type: e.type,
      actor: e.actor,
      data: withoutHiddenLinks(JSON.parse(e.dataJson) as Record<string, unknown>, e.type, hidePrevious),
      at: e.at,
      hash: e.hash,
      prevHash: e.prevHash,
    }));
  }

  async verifyAudit(viewer: Viewer, ticketId: string) {
    const ticket = await this.get(viewer, ticketId);
    return verifyAuditChain(this.models, ticket._id);
  }

  /** The name of the active user a ticket may be assigned to (null: unassign), or 400 naming `assigneeId`. */
  async assigneeNameOf(assigneeId: string | null): Promise<string | undefined> {
    if (!assigneeId) return undefined;
    const user = Types.ObjectId.isValid(assigneeId) ? await this.models.User.findOne({ _id: oid(assigneeId), active: true }).lean() : null;
    if (!user) throw new ValidationError('Unknown assignee', [{ path: 'assigneeId', message: 'no active user with this id' }]);
    return user.name;
  }

  /** The name of the department a ticket may be transferred to (null: triage), or 400 naming `departmentId`. */
  async departmentNameOf(departmentId: string | null): Promise<string | undefined> {
    if (!departmentId) return undefined;
    const dep = Types.ObjectId.isValid(departmentId) ? await this.models.Department.findById(departmentId).lean() : null;
    if (!dep) throw new ValidationError('Unknown department', [{ path: 'departmentId', message: 'no department with this id' }]);
    return dep.name;
  }

  async assign(viewer: Viewer, ticketId: string, assigneeId: string | null) {
    const assigneeName = await this.assigneeNameOf(assigneeId);
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
    const departmentName = await this.departmentNameOf(departmentId);
    return this.mutate(viewer, ticketId, (t) => {
      if (String(t.departmentId ?? '') === (departmentId ?? '')) return null;
      return {
        update: departmentId ? { $set: { departmentId: oid(departmentId) } } : { $unset: { departmentId: 1 } },
        audit: { type: 'ticket.transferred', data: { from: t.departmentId ? String(t.departmentId) : null, to: departmentId, toName: departmentName ?? null } },
        change: 'department',
        sla: { kind: 'department', toName: departmentName ?? null },
      };
    });
  }

  async setStatus(viewer: Viewer, ticketId: string, status: TicketStatus) {
    return this.mutate(viewer, ticketId, (t) => {
      if (t.status === status) return null;
      if (t.mergedInto) throw new ConflictError('TICKET_MERGED', 'A merged ticket cannot change status');
      if (t.status === 'closed') throw new ConflictError('TICKET_CLOSED', 'A closed ticket cannot be reopened; the customer\'s next message opens a follow-up');
      const now = new Date();
      const set: Record<string, unknown> = { status };
      const unset: Record<string, unknown> = {};
      if (status === 'solved') set.solvedAt = now;
      else unset.solvedAt = 1;
      if (status === 'closed') set.closedAt = now;
      return {
        update: { $set: set, ...(Object.keys(unset).length ? { $unset: unset } : {}) },
        audit: { type: 'ticket.status_changed', data: { from: t.status, to: status } },
        change: 'status',
        sla: { kind: 'status', from: t.status, to: status },
      };
    });
  }

  async setPriority(viewer: Viewer, ticketId: string, priority: TicketPriority) {
    return this.mutate(viewer, ticketId, (t) => {
      if (t.priority === priority) return null;
      return {
        update: { $set: { priority } },
        // The new due times follow as `sla.changed` events, each with the reason "priority a → b".
        audit: { type: 'ticket.priority_changed', data: { from: t.priority, to: priority } },
        change: 'priority',
        sla: { kind: 'priority', from: t.priority, to: priority },
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
    const norm = (xs: string[]) => [...new Set(xs.map(normalizeTag).filter(Boolean))];
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
    return result;
  }

  /** Called when a snooze is due (`snooze-wake.ts`); a later snooze or an earlier wake-up makes it a no-op. */
  async endSnooze(ticketId: string, dueAt: Date): Promise<void> {
    const system: Viewer = { id: new Types.ObjectId().toHexString(), name: 'Ponte', email: 'system@ponte.local', role: 'admin', departmentIds: [] };
    await this.mutate(system, ticketId, (t) => {
      if (!t.snoozedUntil || t.snoozedUntil.getTime() > dueAt.getTime()) return null;
      return { update: { $unset: { snoozedUntil: 1 } }, audit: { type: 'ticket.snooze_ended', data: { until: t.snoozedUntil } }, change: 'snooze' };
    }, { type: 'system', name: 'Ponte' });
  }

  /** Several changes decided together (a macro): one lock, one update, one audit event, one `ticket.updated`. */
  async changeTogether(viewer: Viewer, ticketId: string, decide: (t: Ticket) => TicketChange): Promise<Ticket> {
    return this.mutate(viewer, ticketId, decide);
  }

  /**
   * Called by the auto-close job: closes a ticket still solved since `solvedAt` (a reopen or a new solve since
   * makes it a no-op), audited as a status change with the reason. True when it closed the ticket.
   */
  async autoClose(ticketId: string, solvedAt: Date, afterDays: number): Promise<boolean> {
    const system: Viewer = { id: new Types.ObjectId().toHexString(), name: 'Ponte', email: 'system@ponte.local', role: 'admin', departmentIds: [] };
    let closed = false;
    await this.mutate(system, ticketId, (t) => {
      if (t.status !== 'solved' || t.mergedInto || t.solvedAt?.getTime() !== solvedAt.getTime()) return null;
      closed = true;
      return {
        update: { $set: { status: 'closed', closedAt: new Date() } },
        audit: { type: 'ticket.status_changed', data: { from: 'solved', to: 'closed', reason: `auto-close ${afterDays} days after solve` } },
        change: 'status',
        sla: { kind: 'status', from: 'solved', to: 'closed' },
      };
    }, { type: 'system', name: 'Ponte' });
    return closed;
  }

  /**
   * A breached SLA target (the SLA sweep claimed it): priority one step up, optionally back to the
   * department's queue, and the target frozen as breached — one `sla.breached` audit event. Null when there
   * is nothing to do: escalated already (an interrupted claim carried out again) or the due time moved.
   */
  async escalateBreach(ticketId: string, target: SlaTarget, dueAt: Date, unassign: boolean) {
    const system: Viewer = { id: new Types.ObjectId().toHexString(), name: 'Ponte', email: 'system@ponte.local', role: 'admin', departmentIds: [] };
    let outcome: { priorityFrom: TicketPriority; priorityTo: TicketPriority; unassigned: boolean } | null = null;
    const ticket = await this.mutate(system, ticketId, (t) => {
      outcome = null;
      if (t.sla.breached?.[target] || t.sla[slaDueField[target]]?.getTime() !== dueAt.getTime()) return null;
      const priorityTo = raisedPriority(t.priority);
      const unassigned = unassign && Boolean(t.assigneeId);
      outcome = { priorityFrom: t.priority, priorityTo, unassigned };
      return {
        update: { $set: { priority: priorityTo }, ...(unassigned ? { $unset: { assigneeId: 1 } } : {}) },
        audit: { type: 'sla.breached', data: { target, dueAt, priorityFrom: t.priority, priorityTo, unassignedFrom: unassigned ? String(t.assigneeId) : null } },
        change: 'sla-breach',
        sla: { kind: 'breached', target, priorityFrom: t.priority, priorityTo },
      };
    }, { type: 'system', name: 'Ponte' });
    const done = outcome as { priorityFrom: TicketPriority; priorityTo: TicketPriority; unassigned: boolean } | null;
    return done ? { ticket, ...done } : null;
  }

  /**
   * Merges `sourceId` into `targetId`. Both histories stay intact and separate;
   * the source is closed and points at the target, new messages of its
   * conversation follow that pointer, and the target lists the source's messages.
   */
  merge(viewer: Viewer, sourceId: string, targetId: string): Promise<Ticket> {
    // One at a time, the checks below reading after the previous merge wrote: two merges racing (A into B and
    // B into A, or A into B and A into C) both passed them and made a cycle or a ticket merged into two.
    return this.merges.run('merge', () => this.mergeNow(viewer, sourceId, targetId));
  }

  private async mergeNow(viewer: Viewer, sourceId: string, targetId: string): Promise<Ticket> {
    const [source, target] = [await this.get(viewer, sourceId), await this.get(viewer, targetId)];
    // Compared as read, not as typed: `ABC…` and `abc…` name the same ticket, which merged into itself was closed for good.
    if (source._id.equals(target._id)) throw new ValidationError('A ticket cannot be merged into itself', [{ path: 'targetId', message: 'same as source' }]);
    if (source.mergedInto) throw new ConflictError('TICKET_MERGED', `Ticket #${source.number} is already merged`);
    if (target.mergedInto) throw new ConflictError('TICKET_MERGED', `Ticket #${target.number} is merged; merge into #${target.mergedInto} instead`);
    // A closed ticket takes no replies nor customer messages (they open a follow-up): what is merged into it
    // would be out of everyone's reach, the source closed with it.
    if (target.status === 'closed') throw new ConflictError('TICKET_CLOSED', `Ticket #${target.number} is closed; merge into an open ticket`);
    if (target.mergedTicketIds.some((id) => id.equals(source._id)) || source.mergedTicketIds.some((id) => id.equals(target._id))) {
      throw new ConflictError('TICKET_MERGED', 'These tickets are already merged');
    }
    const now = new Date();
    await this.mutate(viewer, sourceId, (t) => {
      // Another hub process may have merged it since the check (the queue above is per process).
      if (t.mergedInto) throw new ConflictError('TICKET_MERGED', `Ticket #${t.number} is already merged`);
      return {
        update: { $set: { mergedInto: target._id, status: 'closed', closedAt: now } },
        audit: { type: 'ticket.merged_into', data: { targetId, targetNumber: target.number, previousStatus: t.status } },
        change: 'merged',
        sla: { kind: 'status', from: t.status, to: 'closed' },
      };
    });
    return this.mutate(viewer, targetId, (t) => ({
      update: { $set: { mergedTicketIds: [...t.mergedTicketIds, source._id, ...source.mergedTicketIds] } },
      audit: { type: 'ticket.merged_from', data: { sourceId, sourceNumber: source.number } },
      change: 'merged',
    }));
  }

  /** Runs one change under the ticket lock, then audits and publishes it. */
  private async mutate(viewer: Viewer, ticketId: string, decide: (t: Ticket) => TicketChange, actor: Actor = actorOf(viewer)): Promise<Ticket> {
    const visible = await this.get(viewer, ticketId);
    const outcome = await this.locks.run(String(visible._id), async () => {
      const current = await this.models.Ticket.findById(visible._id).lean();
      if (!current || !canSee(viewer, current)) throw new NotFoundError('Ticket');
      const change = decide(current);
      if (!change) return { before: current, after: current, change, slaMoves: [] };
      await this.models.Ticket.updateOne({ _id: current._id }, change.update);
      let after = (await this.models.Ticket.findById(current._id).lean())!;
      if (!change.sla) return { before: current, after, change, slaMoves: [] };
      const sla = await this.sla.decide(after, change.sla);
      await this.models.Ticket.updateOne({ _id: current._id }, { $set: { sla: sla.sla, slaDueAt: sla.slaDueAt } });
      after = { ...after, sla: sla.sla, slaDueAt: sla.slaDueAt };
      return { before: current, after, change, slaMoves: sla.moves };
    });
    const { before, after, change, slaMoves } = outcome;
    if (!change) return after;
    // The event carries the change's own seq (reports key facts by it); its `sla.changed` events follow it.
    const [a] = (await this.audit.appendAll(after._id, [{ type: change.audit.type, actor, data: change.audit.data }, ...slaAuditEntries(slaMoves, actor)])) as [AuditEvent];
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

