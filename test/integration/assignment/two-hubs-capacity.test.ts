import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AssignmentService } from '../../../src/core/assignment/assignment-service.js';
import { AvailabilityService } from '../../../src/core/assignment/availability.js';
import { DepartmentCache } from '../../../src/core/departments/department-cache.js';
import { AuditLog } from '../../../src/core/audit/audit-log.js';
import { DomainEventBus } from '../../../src/core/events/event-bus.js';
import { createLogger } from '../../../src/core/logging/logger.js';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { SlaDirectory } from '../../../src/core/sla/sla-directory.js';
import { SlaEngine } from '../../../src/core/sla/sla-engine.js';
import { TicketLocks } from '../../../src/core/tickets/ticket-locks.js';
import { createInbox, createUser, startTestCore, type TestCore } from '../../support/test-core.js';
import { insertTickets } from './support.js';

/**
 * Two hubs on one database drain the same queue at the same moment, each with its own locks, audit
 * writer and event bus (nothing shared in memory): the capacity slots alone must keep every agent
 * within their limit and give every ticket one assignee.
 */
let t: TestCore;
beforeAll(async () => {
  t = await startTestCore();
  await t.core.reports.stop();
});
afterAll(async () => {
  await t?.stop();
});

function otherHub() {
  const logger = createLogger('silent');
  const models = modelsOf(t.core);
  const bus = new DomainEventBus(logger);
  const availability = new AvailabilityService(models, bus, logger, 0);
  const audit = new AuditLog(models, logger);
  const locks = new TicketLocks();
  const sla = new SlaEngine(models, new SlaDirectory(models), audit, locks, bus, logger, () => new Date());
  return { assignment: new AssignmentService(models, audit, locks, bus, availability, logger, sla, new DepartmentCache(models)), availability };
}

describe('two hub processes assigning at once', () => {
  it('30 waiting chats, 4 agents with 7 slots in all: exactly 7 assigned, nobody over capacity, no ticket twice', async () => {
    const admin = await createUser(t.core, 'admin');
    const m = modelsOf(t.core);
    const [dep] = await m.Department.insertMany([{ name: 'two-hubs' }]);
    await t.core.assignmentSettings.setDepartment(admin, String(dep!._id), { mode: 'round_robin', capacity: { chat: 2, email: 10 }, overflowDepartmentId: null, overflowAfterMinutes: null });
    const inbox = await createInbox(t.core, 'whatsapp', { departmentId: dep!._id });
    const a = otherHub();
    const b = otherHub();
    const limits = [1, 2, 2, 2];
    const agents: string[] = [];
    for (const chat of limits) {
      const u = await createUser(t.core, 'agent', [dep!._id]);
      await t.core.assignmentSettings.setAgent(admin, u.id, { skills: [], capacity: { chat, email: null } });
      a.availability.connected(u.id);
      b.availability.connected(u.id);
      agents.push(u.id);
    }
    const ids = await insertTickets(t.core, 30, { departmentId: dep!._id, inboxId: inbox._id, channel: 'whatsapp' });
    await m.QueueEntry.insertMany(ids.map((id, i) => ({ _id: id, departmentId: String(dep!._id), lane: 'chat', requiredSkills: [], contactId: `c${i}`, enqueuedAt: new Date(Date.now() + i) })));
    await Promise.all([a.assignment.drain(String(dep!._id)), b.assignment.drain(String(dep!._id)), a.assignment.drain(String(dep!._id)), b.assignment.drain(String(dep!._id))]);

    const assigned = await m.Ticket.find({ _id: { $in: ids }, assigneeId: { $exists: true } }).lean();
    expect(assigned).toHaveLength(7);
    const perAgent = new Map<string, number>();
    for (const x of assigned) perAgent.set(String(x.assigneeId), (perAgent.get(String(x.assigneeId)) ?? 0) + 1);
    agents.forEach((id, i) => expect(perAgent.get(id) ?? 0, `agent ${i}`).toBe(limits[i]));
    const slots = await m.AssignmentSlot.find({ departmentId: String(dep!._id) }).lean();
    expect(slots).toHaveLength(7);
    expect(new Set(slots.map((s) => s.ticketId)).size).toBe(7);
    for (const s of slots) expect(String(assigned.find((x) => String(x._id) === s.ticketId)?.assigneeId)).toBe(s.agentId);
    // Each assigned ticket audited once as assigned; the 23 others still wait, in order.
    for (const x of assigned) expect(await m.AuditEvent.countDocuments({ ticketId: x._id, type: 'ticket.assigned' })).toBe(1);
    expect(await m.QueueEntry.countDocuments({ departmentId: String(dep!._id) })).toBe(23);
  });
});
