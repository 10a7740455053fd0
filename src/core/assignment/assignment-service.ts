import type { DepartmentCache } from '../departments/department-cache.js';
import { Types } from 'mongoose';
import type { Logger } from 'pino';
import { systemActor, type AuditLog } from '../audit/audit-log.js';
import { isDuplicateKeyError } from '../db/duplicate-key.js';
import type { DomainEvent } from '../events/domain-events.js';
import type { DomainEventBus } from '../events/event-bus.js';
import { ticketScope, toTicketSummary } from '../events/views.js';
import type { Department } from '../models/department.js';
import type { Models } from '../models/registry.js';
import type { SlaEngine } from '../sla/sla-engine.js';
import type { Ticket } from '../models/ticket.js';
import { KeyedMutex } from '../sync/keyed-mutex.js';
import { activeStatuses } from '../tickets/ticket-enums.js';
import type { TicketLocks } from '../tickets/ticket-locks.js';
import type { AvailabilityService } from './availability.js';
import { CapacitySlots } from './capacity-slots.js';
import { laneOf, type Lane } from './lane.js';
import { expectedWaitSeconds, PickUpHistory } from './expected-wait.js';
import { hasSkills, pickAgent, type Candidate } from './pick-agent.js';
import { systemClock, type Clock } from '../time/clock.js';

const DEFAULT_CAPACITY = { chat: 3, email: 10 };

/** Where a waiting ticket stands; `position: null` once it left the queue (taken, moved, solved). */
export interface QueueStanding {
  ticketId: string;
  departmentId: string;
  position: number | null;
  /** From the department's recent pick-up times; undefined until known. */
  expectedWaitSeconds?: number;
}
export type QueueListener = (standing: QueueStanding) => void;

/** Why an agent lost a ticket they had not started. */
export type GiveBackReason = 'agent_away' | 'agent_offline';

/**
 * Automatic assignment per department (manual / round robin / least-loaded).
 * A ticket of an automatic department waits in `queue_entries` until an agent
 * who is online, available, has the required skills and a free capacity slot
 * takes it; the queue is drained (oldest first, a ticket nobody can take now
 * does not block those behind it) whenever something changes: a ticket
 * arrives, one is solved or moves, an agent becomes available. Every
 * assignment is audited as `ticket.assigned` and announced as `ticket.updated`.
 */
export class AssignmentService {
  private readonly drains = new KeyedMutex();
  private readonly slots: CapacitySlots;
  /** Last automatic assignment per agent (rotation order), per process: after a restart the rotation starts afresh. */
  private readonly lastAssigned = new Map<string, number>();
  private readonly pending = new Set<Promise<unknown>>();
  private unsubscribe: (() => void) | undefined;
  private readonly pickUps = new PickUpHistory();
  private readonly queueListeners = new Set<QueueListener>();
  /** Last standing told per waiting ticket (this process), so listeners hear only changes. */
  private readonly told = new Map<string, string>();

  constructor(
    private readonly models: Models,
    private readonly audit: AuditLog,
    private readonly locks: TicketLocks,
    private readonly bus: DomainEventBus,
    private readonly availability: AvailabilityService,
    private readonly logger: Logger,
    private readonly sla: SlaEngine,
    private readonly departments: DepartmentCache,
    private readonly clock: Clock = systemClock,
  ) {
    this.slots = new CapacitySlots(models);
  }

  /** Reacts to domain events after their writes; `ticket.created` is handed over by routing (`enqueue`). */
  start(): void {
    this.unsubscribe ??= this.bus.subscribe((e) => this.track(this.onEvent(e)));
  }

  /**
   * Channel-neutral: each waiting ticket's place and expected wait whenever its department's queue
   * moves (the web chat tells its visitor; other chat channels may do the same).
   */
  onQueueChange(listener: QueueListener): () => void {
    this.queueListeners.add(listener);
    return () => this.queueListeners.delete(listener);
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Resolves when every reaction started so far (and those they started) has finished: tests, shutdown. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    await this.drains.idle();
  }

  /**
   * Puts a new or returned ticket in its department's queue (when the department assigns automatically), then drains it.
   * `departmentHint`: the department the caller knows the ticket is in (null: none); when it does not assign
   * automatically, the ticket is not read at all (most departments, and every new conversation passes here).
   */
  async enqueue(ticketId: string, enqueuedAt?: Date, departmentHint?: string | null): Promise<void> {
    if (departmentHint === null) return;
    if (departmentHint !== undefined && !isAutomatic(await this.departments.get(departmentHint))) return;
    const ticket = await this.models.Ticket.findById(ticketId).lean();
    if (!ticket?.departmentId || ticket.assigneeId || !activeStatuses.includes(ticket.status) || ticket.mergedInto) return;
    const department = await this.departments.get(ticket.departmentId);
    if (!isAutomatic(department)) return;
    try {
      await this.models.QueueEntry.insertMany([
        {
          _id: ticketId,
          departmentId: String(ticket.departmentId),
          lane: laneOf(ticket.channel),
          requiredSkills: ticket.requiredSkills ?? [],
          contactId: String(ticket.contactId),
          enqueuedAt: enqueuedAt ?? ticket.createdAt,
          // The overflow time counts from here (overflow-sweep.ts).
          queuedAt: this.clock.now(),
        },
      ]);
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
    await this.drain(String(ticket.departmentId));
  }

  /**
   * The overflow (`overflow-sweep.ts`): a ticket still waiting in `departmentId` when its timeout comes moves to the
   * department's overflow department (audited as a transfer, reason `overflow`) and waits there.
   */
  async overflow(ticketId: string, departmentId: string): Promise<boolean> {
    const department = await this.models.Department.findById(departmentId).lean();
    const target = department?.assignment?.overflowDepartmentId;
    const entry = await this.models.QueueEntry.findById(ticketId).lean();
    if (!target || entry?.departmentId !== departmentId) return false;
    const targetDep = await this.models.Department.findById(target, { name: 1 }).lean();
    if (!targetDep) return false;
    const outcome = await this.locks.run(ticketId, async () => {
      const t = await this.models.Ticket.findById(ticketId).lean();
      if (!t || t.assigneeId || String(t.departmentId ?? '') !== departmentId || !activeStatuses.includes(t.status)) return null;
      await this.models.Ticket.updateOne({ _id: t._id }, { $set: { departmentId: target } });
      return { before: t, after: { ...t, departmentId: target } };
    });
    if (!outcome) return false;
    const a = await this.audit.append(outcome.after._id, 'ticket.transferred', systemActor, { from: departmentId, to: String(target), toName: targetDep.name, reason: 'overflow' });
    const announce: DomainEvent[] = [];
    announce.push({
      type: 'ticket.updated',
      seq: a.seq,
      at: a.at.toISOString(),
      scope: ticketScope(outcome.after),
      change: 'department',
      ticket: toTicketSummary(outcome.after),
      previousScope: ticketScope(outcome.before),
    });
    // The other department may keep other business hours: due times follow (as a transfer's do).
    await this.sla.apply(outcome.after._id, { kind: 'department', toName: targetDep.name }, announce);
    for (const e of announce) this.bus.publish(e);
    this.logger.info({ ticketId, from: departmentId, to: String(target) }, 'waiting ticket overflowed to another department');
    return true;
  }

  /** Assigns what can be assigned in one department, oldest waiting ticket first. One drain per department at a time per process. */
  drain(departmentId: string): Promise<void> {
    return this.drains.run(departmentId, async () => {
      await this.drainNow(departmentId);
      if (this.queueListeners.size) await this.tellStandings(departmentId);
    });
  }

  /** Tells listeners the standing of every ticket of the department's queue that changed, and who left it. */
  private async tellStandings(departmentId: string): Promise<void> {
    const entries = await this.models.QueueEntry.find({ departmentId }, { _id: 1 }).sort({ enqueuedAt: 1, _id: 1 }).lean();
    const waiting = new Set(entries.map((e) => e._id));
    const standings: QueueStanding[] = entries.map((e, i) => {
      const wait = expectedWaitSeconds(i + 1, this.pickUps.of(departmentId));
      return { ticketId: e._id, departmentId, position: i + 1, ...(wait !== undefined ? { expectedWaitSeconds: wait } : {}) };
    });
    for (const [ticketId, key] of this.told) {
      if (!waiting.has(ticketId) && key.startsWith(`${departmentId}:`)) standings.push({ ticketId, departmentId, position: null });
    }
    for (const st of standings) {
      const key = `${departmentId}:${st.position}:${st.expectedWaitSeconds ?? ''}`;
      if (this.told.get(st.ticketId) === key) continue;
      if (st.position === null) this.told.delete(st.ticketId);
      else this.told.set(st.ticketId, key);
      for (const l of this.queueListeners) {
        try {
          l(st);
        } catch (err) {
          this.logger.warn({ err, ticketId: st.ticketId }, 'queue listener failed');
        }
      }
    }
  }

  /** Queue position of a waiting ticket (1 = next), or null when it does not wait. */
  async position(ticketId: string): Promise<{ position: number; departmentId: string } | null> {
    const entry = await this.models.QueueEntry.findById(ticketId).lean();
    if (!entry) return null;
    const ahead = await this.models.QueueEntry.countDocuments({ departmentId: entry.departmentId, enqueuedAt: { $lt: entry.enqueuedAt } });
    return { position: ahead + 1, departmentId: entry.departmentId };
  }

  /**
   * An agent who went away or offline gives back the chats they have not
   * answered yet (no agent reply): those go back to the queue at their
   * original place. Started chats and emails stay theirs.
   */
  async giveBack(agentId: string, reason: GiveBackReason): Promise<number> {
    let returned = 0;
    for (const slot of await this.slots.ofAgent(agentId, 'chat')) {
      const ticketId = slot.ticketId;
      const outcome = await this.locks.run(ticketId, async () => {
        const t = await this.models.Ticket.findById(ticketId).lean();
        if (!t || String(t.assigneeId ?? '') !== agentId || t.firstResponseAt || !activeStatuses.includes(t.status)) return null;
        await this.models.Ticket.updateOne({ _id: t._id }, { $unset: { assigneeId: 1 } });
        return { before: t, after: (await this.models.Ticket.findById(t._id).lean())! };
      });
      if (!outcome) continue;
      await this.slots.releaseSlot(slot._id);
      await this.announce(outcome.before, outcome.after, { from: agentId, to: null, toName: null, automatic: true, reason });
      await this.enqueue(ticketId, outcome.before.createdAt);
      returned++;
    }
    if (returned) this.logger.info({ agentId, reason, returned }, 'unstarted chats given back to the queue');
    return returned;
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch((err: unknown) => this.logger.error({ err }, 'assignment reaction failed')).finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  private async onEvent(e: DomainEvent): Promise<void> {
    if (e.type === 'user.availability_changed') {
      if (e.availability === 'available') {
        const user = await this.models.User.findById(e.userId, { departmentIds: 1 }).lean();
        for (const d of user?.departmentIds ?? []) await this.drain(String(d));
      } else {
        await this.giveBack(e.userId, e.availability === 'away' ? 'agent_away' : 'agent_offline');
      }
      return;
    }
    if (e.type !== 'ticket.updated') return;
    const ticketId = e.ticket.id;
    const slot = await this.slots.ofTicket(ticketId);
    const finished = !activeStatuses.includes(e.ticket.status as never);
    const movedAway = slot && (slot.agentId !== e.ticket.assigneeId || slot.departmentId !== e.ticket.departmentId);
    if (slot && (finished || movedAway)) {
      await this.slots.releaseSlot(slot._id);
      await this.drain(slot.departmentId);
    }
    if (finished || e.ticket.assigneeId) {
      await this.models.QueueEntry.deleteOne({ _id: ticketId });
      return;
    }
    if (e.change === 'department' || e.change === 'assignee') {
      // Moved to another department, or unassigned by hand: wait in the (new) department's queue.
      const entry = await this.models.QueueEntry.findById(ticketId).lean();
      if (entry && entry.departmentId !== e.ticket.departmentId) await this.models.QueueEntry.deleteOne({ _id: ticketId });
      if (e.previousScope?.departmentId && e.previousScope.departmentId !== e.ticket.departmentId) await this.drain(e.previousScope.departmentId);
      await this.enqueue(ticketId);
    }
  }

  private async drainNow(departmentId: string): Promise<void> {
    const department = await this.departments.get(departmentId);
    if (!isAutomatic(department)) return;
    const entries = await this.models.QueueEntry.find({ departmentId }).sort({ enqueuedAt: 1, _id: 1 }).lean();
    if (entries.length === 0) return;
    const agents = await this.candidates(department);
    if (agents.length === 0) return;
    const held = await this.slots.held(agents.map((a) => String(a._id)));
    const full = new Set<Lane>();
    for (const entry of entries) {
      const lane = entry.lane;
      if (full.has(lane)) continue;
      const candidates: Candidate[] = agents.map((a) => ({
        id: String(a._id),
        skills: a.skills ?? [],
        capacity: limitOf(a, department, lane),
        held: held.get(String(a._id))![lane].length,
        lastAssignedAt: this.lastAssigned.get(String(a._id)) ?? 0,
      }));
      if (!candidates.some((c) => c.held < c.capacity)) {
        // Nobody has room in this lane: only tickets of the other lane can still move.
        full.add(lane);
        if (full.size === 2) break;
        continue;
      }
      if (!candidates.some((c) => c.held < c.capacity && hasSkills(c, entry.requiredSkills))) continue;
      const sticky = await this.models.ContactAffinity.findById(entry.contactId).lean();
      const tried = new Set<string>();
      for (;;) {
        const pick = pickAgent({ mode: department.assignment.mode as 'round_robin' | 'least_loaded', candidates: candidates.filter((c) => !tried.has(c.id)), requiredSkills: entry.requiredSkills, stickyAgentId: sticky?.agentId });
        if (!pick) break;
        tried.add(pick.id);
        const known = held.get(pick.id)![lane];
        const claim = await this.slots.claim(pick.id, lane, pick.capacity, known, { ticketId: entry._id, departmentId });
        if (claim.outcome === 'full') continue;
        if (claim.outcome === 'ticket_taken') break;
        const agentName = agents.find((a) => String(a._id) === pick.id)?.name ?? null;
        const assigned = await this.assign(entry._id, { id: pick.id, name: agentName }, departmentId, department.assignment.mode);
        if (assigned) {
          known.push(Number(claim.slotId.split(':')[2]));
          this.pickUps.record(departmentId, Date.now());
          this.bumpRotation(pick.id);
        } else {
          await this.slots.releaseSlot(claim.slotId);
        }
        break;
      }
    }
  }

  /** Rotation needs a strict order even within one millisecond. */
  private rotation = 0;
  private bumpRotation(agentId: string): void {
    this.rotation = Math.max(this.rotation + 1, Date.now());
    this.lastAssigned.set(agentId, this.rotation);
  }

  /** Agents of the department who can take work now: active, available and online. */
  private async candidates(department: Department) {
    const users = await this.models.User.find({ departmentIds: department._id, active: true }, { name: 1, skills: 1, capacity: 1, availability: 1 }).lean();
    const ready = users.filter((u) => (u.availability ?? 'available') === 'available' && this.availability.isOnline(String(u._id)));
    return ready;
  }

  /** Sets the assignee under the ticket lock if the ticket still waits in this department; audits and announces it. */
  private async assign(ticketId: string, agent: { id: string; name: string | null }, departmentId: string, mode: string): Promise<boolean> {
    const agentId = agent.id;
    const outcome = await this.locks.run(ticketId, async () => {
      const t = await this.models.Ticket.findById(ticketId).lean();
      if (!t || t.assigneeId || String(t.departmentId ?? '') !== departmentId || !activeStatuses.includes(t.status) || t.mergedInto) return null;
      const assigneeId = new Types.ObjectId(agentId);
      await this.models.Ticket.updateOne({ _id: t._id }, { $set: { assigneeId } });
      return { before: t, after: { ...t, assigneeId } };
    });
    await this.models.QueueEntry.deleteOne({ _id: ticketId });
    if (!outcome) return false;
    await this.models.ContactAffinity.updateOne({ _id: String(outcome.after.contactId) }, { $set: { agentId, at: new Date() } }, { upsert: true });
    await this.announce(outcome.before, outcome.after, { from: null, to: agentId, toName: agent.name, automatic: true, mode });
    return true;
  }

  private async announce(before: Ticket, after: Ticket, data: Record<string, unknown>): Promise<void> {
    const a = await this.audit.append(after._id, 'ticket.assigned', systemActor, data);
    this.bus.publish({
      type: 'ticket.updated',
      seq: a.seq,
      at: a.at.toISOString(),
      scope: ticketScope(after),
      change: 'assignee',
      ticket: toTicketSummary(after),
      previousScope: ticketScope(before),
    });
  }
}

const isAutomatic = (d: Department | null): d is Department & { assignment: NonNullable<Department['assignment']> } =>
  !!d?.assignment && d.assignment.mode !== 'manual';

function limitOf(user: { capacity?: { chat?: number; email?: number } }, department: Department, lane: Lane): number {
  return user.capacity?.[lane] ?? department.assignment?.capacity?.[lane] ?? DEFAULT_CAPACITY[lane];
}
