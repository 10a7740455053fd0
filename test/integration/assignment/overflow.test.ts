import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { createInbox, createUser, startTestCore, type TestCore } from '../../support/test-core.js';
import { insertTickets } from './support.js';

let t: TestCore;
beforeAll(async () => {
  t = await startTestCore();
});
afterAll(async () => {
  await t?.stop();
});

describe('overflow to another department', () => {
  it('a waiting ticket gets an overflow job at its timeout; the job moves it (audited) and an agent there takes it; a taken ticket stays', async () => {
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
    const before = Date.now();
    await t.core.assignment.enqueue(waiting!);
    await t.core.assignment.enqueue(other!);
    expect(await t.core.assignment.position(other!)).toMatchObject({ position: 2 });

    const jobs = t.db.connection.db!.collection('jobs');
    const job = await jobs.findOne({ name: 'assignment.overflow', 'data.ticketId': waiting });
    expect(job?.data).toEqual({ ticketId: waiting, departmentId: String(first!._id) });
    expect((job!.nextRunAt as Date).getTime()).toBeGreaterThanOrEqual(before + 5 * 60_000 - 1000);
    expect((job!.nextRunAt as Date).getTime()).toBeLessThanOrEqual(Date.now() + 5 * 60_000 + 1000);

    // The timeout passes (the job's handler, called as agenda would).
    expect(await t.core.assignment.overflow(waiting!, String(first!._id))).toBe(true);
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
    // Run twice (two processes, a retry): nothing more happens.
    expect(await t.core.assignment.overflow(waiting!, String(first!._id))).toBe(false);
    // The other one moved up in the queue.
    expect(await t.core.assignment.position(other!)).toMatchObject({ position: 1 });
  });
});
