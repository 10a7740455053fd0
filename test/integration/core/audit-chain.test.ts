import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../../src/core/audit/verify-chain.js';
import { createInbox, createUser, smsEvent, startTestCore, type TestCore } from '../../support/test-core.js';
import { modelsOf } from '../../../src/core/models/models-of.js';

let t: TestCore;
beforeAll(async () => {
  t = await startTestCore();
});
afterAll(async () => {
  await t.stop();
});

async function newTicket(sid: string) {
  const inbox = String((await createInbox(t.core))._id);
  await t.core.ingest.accept([smsEvent(inbox, { sid, from: `+55119${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}` })]);
  await t.core.ingest.drain();
  const m = await modelsOf(t.core).Message.findOne({ providerKey: `sms:${sid}` }).lean();
  return String(m!.ticketId);
}

describe('append-only, hash-chained audit', () => {
  it('30 concurrent operations on one ticket → 30 more events, contiguous sequence, intact chain, no lost change', async () => {
    const ticketId = await newTicket('SM-audit-1');
    const admin = await createUser(t.core, 'admin');
    const before = await modelsOf(t.core).AuditEvent.countDocuments({ ticketId });
    await Promise.all(Array.from({ length: 30 }, (_, i) => t.core.tickets.changeTags(admin, ticketId, [`tag-${i}`], [])));
    const events = await modelsOf(t.core).AuditEvent.find({ ticketId }).sort({ seq: 1 }).lean();
    expect(events).toHaveLength(before + 30);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: before + 30 }, (_, i) => i + 1));
    const ticket = await modelsOf(t.core).Ticket.findById(ticketId).lean();
    expect(ticket!.tags).toHaveLength(30);
    await t.core.audit.flushHeads();
    expect(await verifyAuditChain(modelsOf(t.core), ticketId)).toMatchObject({ intact: true, problems: [] });
  });

  it('concurrent appends from two writers (no shared queue) still give a contiguous chain', async () => {
    const ticketId = await newTicket('SM-audit-2');
    const { AuditLog } = await import('../../../src/core/audit/audit-log.js');
    const { createLogger } = await import('../../../src/core/logging/logger.js');
    const other = new AuditLog(modelsOf(t.core), createLogger('silent'));
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 ? t.core.audit : other).append(ticketId, 'test.event', { type: 'system' }, { i })),
    );
    await t.core.audit.flushHeads();
    const report = await verifyAuditChain(modelsOf(t.core), ticketId);
    expect(report.intact).toBe(true);
    expect(report.events).toBe((await modelsOf(t.core).AuditEvent.countDocuments({ ticketId })));
  });

  it('events appended together stay together and in order; racing another writer they are chained after it, none lost', async () => {
    const ticketId = await newTicket('SM-audit-2b');
    const { AuditLog } = await import('../../../src/core/audit/audit-log.js');
    const { createLogger } = await import('../../../src/core/logging/logger.js');
    const other = new AuditLog(modelsOf(t.core), createLogger('silent'));
    const trio = (writer: string, i: number) => ['a', 'b', 'c'].map((part) => ({ type: 'test.trio', actor: { type: 'system' as const }, data: { writer, i, part } }));
    // Two writers that do not share a queue, each appending groups of three: sequence races mid-group.
    await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? t.core.audit : other).appendAll(ticketId, trio(i % 2 ? 'one' : 'other', i))));
    await Promise.all([t.core.audit.flushHeads(), other.flushHeads()]);
    const report = await verifyAuditChain(modelsOf(t.core), ticketId);
    expect(report.intact).toBe(true);
    const events = await modelsOf(t.core).AuditEvent.find({ ticketId, type: 'test.trio' }).sort({ seq: 1 }).lean();
    expect(events).toHaveLength(36);
    // Within each group the order holds (a, b, c), whatever came between.
    const groups = new Map<string, string[]>();
    for (const e of events) {
      const d = JSON.parse(e.dataJson) as { writer: string; i: number; part: string };
      groups.set(`${d.writer}${d.i}`, [...(groups.get(`${d.writer}${d.i}`) ?? []), d.part]);
    }
    expect([...groups.values()].every((parts) => parts.join('') === 'abc')).toBe(true);
  });

  it('an event altered directly in the database is reported', async () => {
    const ticketId = await newTicket('SM-audit-3');
    const admin = await createUser(t.core, 'admin');
    await t.core.tickets.setPriority(admin, ticketId, 'high');
    await t.core.tickets.changeTags(admin, ticketId, ['vip'], []);
    // Bypass the model (whose hooks refuse updates), like an attacker with database access.
    await t.db.connection.collection('audit_events').updateOne({ ticketId: new (await import('mongoose')).Types.ObjectId(ticketId), type: 'ticket.priority_changed' }, { $set: { dataJson: '{"from":"normal","to":"low"}' } });
    await t.core.audit.flushHeads();
    const report = await verifyAuditChain(modelsOf(t.core), ticketId);
    expect(report.intact).toBe(false);
    expect(report.problems).toEqual(expect.arrayContaining([expect.objectContaining({ problem: 'altered' })]));
  });

  it('an event deleted in the middle, or at the end, is reported', async () => {
    const { Types } = await import('mongoose');
    const middle = await newTicket('SM-audit-4');
    const admin = await createUser(t.core, 'admin');
    for (const tag of ['a', 'b', 'c']) await t.core.tickets.changeTags(admin, middle, [tag], []);
    await t.db.connection.collection('audit_events').deleteOne({ ticketId: new Types.ObjectId(middle), seq: 3 });
    expect((await verifyAuditChain(modelsOf(t.core), middle)).problems).toEqual(expect.arrayContaining([{ seq: 3, problem: 'missing' }]));

    const tail = await newTicket('SM-audit-5');
    for (const tag of ['a', 'b']) await t.core.tickets.changeTags(admin, tail, [tag], []);
    const last = await modelsOf(t.core).AuditEvent.findOne({ ticketId: tail }).sort({ seq: -1 }).lean();
    await t.core.audit.flushHeads();
    await t.db.connection.collection('audit_events').deleteOne({ _id: last!._id });
    expect((await verifyAuditChain(modelsOf(t.core), tail)).problems).toEqual([{ seq: last!.seq, problem: 'missing-tail' }]);
  });

  it('the two newest events deleted together are both reported; a head marker from before seals is still honoured', async () => {
    const { Types } = await import('mongoose');
    const admin = await createUser(t.core, 'admin');
    const tail = await newTicket('SM-audit-7');
    for (const tag of ['a', 'b', 'c']) await t.core.tickets.changeTags(admin, tail, [tag], []);
    await t.core.audit.flushHeads();
    const newest = await modelsOf(t.core).AuditEvent.find({ ticketId: tail }).sort({ seq: -1 }).limit(2).lean();
    await t.db.connection.collection('audit_events').deleteMany({ _id: { $in: newest.map((e) => e._id) } });
    expect((await verifyAuditChain(modelsOf(t.core), tail)).problems).toEqual([
      { seq: newest[1]!.seq, problem: 'missing-tail' },
      { seq: newest[0]!.seq, problem: 'missing-tail' },
    ]);

    // A database written before seals existed has one marker per ticket: `_id` = ticket id, highest seq.
    const legacy = await newTicket('SM-audit-8');
    await t.core.audit.flushHeads();
    const last = (await modelsOf(t.core).AuditEvent.findOne({ ticketId: legacy }).sort({ seq: -1 }).lean())!;
    await t.db.connection.collection('audit_heads').deleteMany({ ticketId: new Types.ObjectId(legacy) });
    await t.db.connection.collection<{ _id: string; seq: number }>('audit_heads').insertOne({ _id: legacy, seq: last.seq + 1 });
    expect((await verifyAuditChain(modelsOf(t.core), legacy)).problems).toEqual([{ seq: last.seq + 1, problem: 'missing-tail' }]);
  });

  it('the model refuses updates and deletes of audit events', async () => {
    const ticketId = await newTicket('SM-audit-6');
    await expect(modelsOf(t.core).AuditEvent.updateOne({ ticketId }, { $set: { type: 'x' } })).rejects.toThrow(/append-only/);
    await expect(modelsOf(t.core).AuditEvent.deleteMany({ ticketId })).rejects.toThrow(/append-only/);
    await expect(modelsOf(t.core).AuditEvent.findOneAndDelete({ ticketId })).rejects.toThrow(/append-only/);
  });

  it('every ticket operation writes exactly one audit event (plus one per SLA due time it moved)', async () => {
    const ticketId = await newTicket('SM-audit-7');
    const admin = await createUser(t.core, 'admin');
    const dep = await t.core.departments.create(admin, { name: `Billing ${Date.now()}` });
    const before = await modelsOf(t.core).AuditEvent.countDocuments({ ticketId });
    await t.core.tickets.assign(admin, ticketId, admin.id);
    await t.core.tickets.transfer(admin, ticketId, String(dep._id));
    await t.core.tickets.setPriority(admin, ticketId, 'urgent');
    await t.core.tickets.setType(admin, ticketId, 'incident');
    await t.core.tickets.snooze(admin, ticketId, new Date(Date.now() + 3600_000));
    await t.core.tickets.setStatus(admin, ticketId, 'pending');
    // No-ops write nothing.
    await t.core.tickets.assign(admin, ticketId, admin.id);
    const types = (await modelsOf(t.core).AuditEvent.find({ ticketId, seq: { $gt: before } }).sort({ seq: 1 }).lean()).map((e) => e.type);
    // One event per operation, plus one `sla.changed` per due time an operation moved (priority: both targets;
    // pending: both paused), each right after the operation that moved it.
    expect(types).toEqual([
      'ticket.assigned',
      'ticket.transferred',
      'ticket.priority_changed',
      'sla.changed',
      'sla.changed',
      'ticket.type_changed',
      'ticket.snoozed',
      'ticket.status_changed',
      'sla.changed',
      'sla.changed',
    ]);
    const ticket = await modelsOf(t.core).Ticket.findById(ticketId).lean();
    expect(ticket!.sla.policy).toBe('default:urgent');
  });
});
