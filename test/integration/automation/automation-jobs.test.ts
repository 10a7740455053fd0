import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { ScriptedAdapter } from '../../support/fake-channel.js';
import { createInbox, createUser, smsEvent, startTestCore, type TestCore } from '../../support/test-core.js';
import { startTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { DAY_MS, TestClock } from '../../support/test-clock.js';

/**
 * Auto-close and pending reminders with a clock the test moves, two hub processes on one database sweeping
 * at the same moment, and a restart (a third core on the same database): each happens exactly once.
 */
let db: TestDatabase;
let a: TestCore;
let b: TestCore;
const clock = new TestClock();
let seq = 0;

beforeAll(async () => {
  db = await startTestDatabase();
  a = await startTestCore({}, db, undefined, clock);
  b = await startTestCore({}, db, undefined, clock);
});
// Tickets are stamped with the real time: each test starts its clock there.
beforeEach(() => clock.reset());
afterAll(async () => {
  await a.stop();
  await b.stop();
  await db.stop();
});

async function ticketOn(settings: Record<string, unknown>, text = 'hello, I need help with my order') {
  const inbox = await createInbox(a.core, 'sms');
  const adapter = new ScriptedAdapter();
  for (const t of [a, b]) t.registry.adapters.set(String(inbox._id), adapter);
  await a.core.automationSettings.put(String(inbox._id), settings);
  const from = `+5521966${String(++seq).padStart(6, '0')}`;
  await a.core.ingest.accept([smsEvent(String(inbox._id), { sid: `SM-job-${seq}`, from, text })]);
  await a.core.ingest.drain();
  const ticket = (await modelsOf(a.core).Ticket.findOne({ inboxId: inbox._id }).lean())!;
  return { inbox, from, ticketId: String(ticket._id) };
}

const bothSweep = () => Promise.all([a.core.automationSweep(), b.core.automationSweep(), a.core.automationSweep(), b.core.automationSweep()]);
const ticket = (id: string) => modelsOf(a.core).Ticket.findById(id).lean();
const statusChanges = async (id: string) =>
  (await modelsOf(a.core).AuditEvent.find({ ticketId: id, type: 'ticket.status_changed' }).sort({ seq: 1 }).lean()).map((e) => JSON.parse(e.dataJson) as { from: string; to: string; reason?: string });
const reminders = (id: string) => modelsOf(a.core).Message.find({ ticketId: id, automatic: true }).lean();

describe('auto-close of solved tickets', () => {
  it('closes once N days after solve, whichever hub sweeps, and not again after a restart', async () => {
    const { ticketId } = await ticketOn({ autoCloseDays: 3 });
    const agent = await createUser(a.core, 'admin');
    await a.core.tickets.setStatus(agent, ticketId, 'solved');

    clock.advance(2 * DAY_MS);
    await bothSweep();
    expect((await ticket(ticketId))!.status).toBe('solved');

    clock.advance(DAY_MS + 60_000);
    const results = await bothSweep();
    expect(results.flatMap((r) => r.closed)).toEqual([ticketId]);
    const closed = (await ticket(ticketId))!;
    expect(closed.status).toBe('closed');
    expect(closed.closedAt).toBeInstanceOf(Date);
    expect((await statusChanges(ticketId)).filter((c) => c.to === 'closed')).toEqual([{ from: 'solved', to: 'closed', reason: 'auto-close 3 days after solve' }]);

    // A restarted hub (new process, same database) finds nothing left to do.
    const c = await startTestCore({}, db, undefined, clock);
    try {
      expect((await c.core.automationSweep()).closed).toEqual([]);
    } finally {
      await c.stop();
    }
    expect((await statusChanges(ticketId)).filter((x) => x.to === 'closed')).toHaveLength(1);
  });

  it('a ticket reopened by the customer and solved again counts from the new solve; an inbox without the setting never closes', async () => {
    const { ticketId, inbox, from } = await ticketOn({ autoCloseDays: 2 });
    const { ticketId: untouched } = await ticketOn({});
    const agent = await createUser(a.core, 'admin');
    await a.core.tickets.setStatus(agent, ticketId, 'solved');
    await a.core.tickets.setStatus(agent, untouched, 'solved');
    // The first solve was a day and a half ago (tickets are stamped with the real time, so it is written back).
    const firstSolve = new Date(Date.now() - 1.5 * DAY_MS);
    await modelsOf(a.core).Ticket.updateOne({ _id: ticketId }, { $set: { solvedAt: firstSolve } });
    await bothSweep();
    expect((await ticket(ticketId))!.status).toBe('solved');
    await a.core.ingest.accept([smsEvent(String(inbox._id), { sid: `SM-job-re-${seq}`, from, text: 'still broken' })]);
    await a.core.ingest.drain();
    expect((await ticket(ticketId))!.status).toBe('open');
    await a.core.tickets.setStatus(agent, ticketId, 'solved');
    clock.advance(DAY_MS); // 2.5 days after the first solve, 1 after the second
    await bothSweep();
    expect((await ticket(ticketId))!.status).toBe('solved');
    clock.advance(DAY_MS + 60_000);
    await bothSweep();
    expect((await ticket(ticketId))!.status).toBe('closed');
    clock.advance(30 * DAY_MS);
    await bothSweep();
    expect((await ticket(untouched))!.status).toBe('solved');
  });
});

describe('pending reminders', () => {
  it('one reminder per pending period on the customer channel, in their language, even with two hubs and a restart', async () => {
    const { ticketId, inbox, from } = await ticketOn({ pendingReminderDays: 2 }, 'Olá, não consigo pagar o meu pedido');
    const agent = await createUser(a.core, 'admin');
    await a.core.tickets.setStatus(agent, ticketId, 'pending');

    clock.advance(DAY_MS);
    await bothSweep();
    expect(await reminders(ticketId)).toHaveLength(0);

    clock.advance(DAY_MS + 60_000);
    const results = await bothSweep();
    expect(results.flatMap((r) => r.reminded)).toEqual([ticketId]);
    const sent = await reminders(ticketId);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.text).toMatch(/^Olá, ainda aguardamos a sua resposta sobre o pedido #\d+/);
    expect(await modelsOf(a.core).AuditEvent.countDocuments({ ticketId, type: 'message.pending_reminder_queued' })).toBe(1);

    clock.advance(5 * DAY_MS);
    const c = await startTestCore({}, db, undefined, clock);
    try {
      await Promise.all([c.core.automationSweep(), a.core.automationSweep()]);
    } finally {
      await c.stop();
    }
    expect(await reminders(ticketId)).toHaveLength(1);

    // The customer answers (the ticket leaves pending); the agent sets it pending again: a new period.
    clock.reset();
    await a.core.ingest.accept([smsEvent(String(inbox._id), { sid: `SM-job-p-${seq}`, from, text: 'segue o comprovante' })]);
    await a.core.ingest.drain();
    await a.core.tickets.setStatus(agent, ticketId, 'pending');
    await bothSweep();
    expect(await reminders(ticketId)).toHaveLength(1);
    clock.advance(2 * DAY_MS + 60_000);
    await bothSweep();
    expect(await reminders(ticketId)).toHaveLength(2);
  });

  it('the sweep is an agenda job, registered once for all hubs', async () => {
    const jobs = await db.connection.collection('jobs').find({ name: 'automation.sweep' }).toArray();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.repeatInterval).toBe('5 minutes');
  });
});
