import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { createInbox, createUser, startTestCore, type TestCore } from '../../support/test-core.js';
import { TestClock } from '../../support/test-clock.js';
import { insertTickets } from './support.js';

let t: TestCore;
const clock = new TestClock();
beforeAll(async () => {
  t = await startTestCore({}, undefined, undefined, clock);
});
afterAll(async () => {
  await t?.stop();
});

describe('overflow to another department', () => {
  it('a ticket waiting past the overflow time is moved by the timers sweep (audited) and an agent there takes it; no job per ticket; once only', async () => {
    const admin = await createUser(t.core, 'admin');
    const m = modelsOf(t.core);
    const [first, second] = await m.Department.insertMany([{ name: 'first line' }, { name: 'second line' }]);
    const none = { overflowDepartmentId: null, overflowAfterMinutes: null };
    await t.core.assignmentSettings.setDepartment(admin, String(second!._id), { mode: 'round_robin', capacity: { chat: 3, email: 10 }, ...none });
    const bad = t.core.assignmentSettings.setDepartment(admin, String(first!._id), { mode: 'round_robin', capacity: { chat: 3, email: 10 }, overflowDepartmentId: String(first!._id), overflowAfterMinutes: 5 });
    await expect(bad).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await t.core.assignmentSettings.setDepartment(admin, String(first!._id), { mode: 'round_robin', capacity: { chat: 3, email: 10 }, overflowDepartmentId: String(second!._id), overflowAfterMinutes: 5 });
    const helper = await createUser(t.core, 'agent', [second!._id]);
    t.core.availability.connected(helper.id);
    const inbox = await createInbox(t.core, 'webchat', { departmentId: first!._id });
    const [waiting, other] = await insertTickets(t.core, 2, { departmentId: first!._id, inboxId: inbox._id });
    await t.core.assignment.enqueue(waiting!);
    clock.advance(2 * 60_000);
    await t.core.assignment.enqueue(other!);
    expect(await t.core.assignment.position(other!)).toMatchObject({ position: 2 });
    // Waiting needs no job (every pending job was read by every poll and every reply's enqueue on FerretDB).
    const jobs = t.db.connection.db!.collection('jobs');
    expect(await jobs.countDocuments({ 'data.ticketId': { $in: [waiting, other] } })).toBe(0);

    // 4 minutes after the first entered the queue: nothing is due.
    clock.advance(2 * 60_000);
    expect((await t.core.timersSweep()).overflowed).toEqual([]);
    // 5 minutes and a bit: the first moves, the second (entered 2 minutes later) waits.
    clock.advance(60_000 + 1_000);
    expect((await t.core.timersSweep()).overflowed).toEqual([waiting]);
    await t.core.assignment.idle();
    const moved = await m.Ticket.findById(waiting).lean();
    expect(String(moved!.departmentId)).toBe(String(second!._id));
    expect(String(moved!.assigneeId)).toBe(helper.id);
    const audit = await m.AuditEvent.find({ ticketId: moved!._id }).sort({ seq: 1 }).lean();
    // (The helper's tickets carry no due times, so the transfer's SLA recompute gives them some: not the subject here.)
    const decisions = audit.filter((e) => e.type !== 'sla.changed');
    expect(decisions.map((e) => [e.type, (JSON.parse(e.dataJson) as { reason?: string }).reason ?? null])).toEqual([
      ['ticket.transferred', 'overflow'],
      ['ticket.assigned', null],
    ]);
    expect(audit.filter((e) => e.type === 'sla.changed').every((e) => (JSON.parse(e.dataJson) as { reason: string }).reason === 'department → second line')).toBe(true);
    // Run again (two processes, a retry): nothing more happens.
    expect(await t.core.assignment.overflow(waiting!, String(first!._id))).toBe(false);
    expect((await t.core.timersSweep()).overflowed).toEqual([]);
    expect(await m.AuditEvent.countDocuments({ ticketId: moved!._id, type: 'ticket.transferred' })).toBe(1);
    // The other one moved up in the queue, and goes when its own time comes.
    expect(await t.core.assignment.position(other!)).toMatchObject({ position: 1 });
    clock.advance(2 * 60_000);
    expect((await t.core.timersSweep()).overflowed).toEqual([other]);
  });

  it('an overflow that would go round in a circle (A → B → C → A) is refused, naming it; a chain is fine', async () => {
    const admin = await createUser(t.core, 'admin');
    const [a, b, c] = await modelsOf(t.core).Department.insertMany([{ name: 'Tier A' }, { name: 'Tier B' }, { name: 'Tier C' }]);
    const to = (from: { _id: unknown }, target: { _id: unknown }) =>
      t.core.assignmentSettings.setDepartment(admin, String(from._id), { mode: 'manual', capacity: { chat: 3, email: 10 }, overflowDepartmentId: String(target._id), overflowAfterMinutes: 5 });
    await to(a!, b!);
    await to(b!, c!);
    await expect(to(c!, a!)).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: 'Overflow would go round in a circle: Tier C → Tier A → Tier B → Tier C' });
    expect((await t.core.assignmentSettings.department(String(c!._id))).overflowDepartmentId).toBeNull();
  });
});

