import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/core/logging/logger.js';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { SnoozeWake } from '../../../src/core/tickets/snooze-wake.js';
import type { Viewer } from '../../../src/core/users/viewer.js';
import { eventually } from '../../support/eventually.js';
import { createInbox, createUser, smsEvent, startTestCore, type TestCore } from '../../support/test-core.js';
import { TestClock } from '../../support/test-clock.js';

/**
 * Snoozed tickets are woken by one sweep (`timers.sweep`), not by a job per snooze: on the embedded database
 * every pending job was read by every poll and every reply's enqueue (`npm run bench:jobs -- --pending`).
 * The sweep takes its candidates from the open-work projection on FerretDB and from the `snoozedUntil`
 * index on MongoDB; both are run here against the same tickets.
 */
const HOUR = 3_600_000;
let t: TestCore;
let admin: Viewer;
let inbox: string;
const clock = new TestClock();
let seq = 0;

beforeAll(async () => {
  t = await startTestCore({}, undefined, undefined, clock);
  admin = await createUser(t.core, 'admin');
  inbox = String((await createInbox(t.core, 'sms'))._id);
});
beforeEach(() => clock.reset());
afterAll(async () => {
  await t?.stop();
});

async function newTicket(): Promise<string> {
  const n = ++seq;
  await t.core.ingest.accept([smsEvent(inbox, { sid: `SM-snooze-${n}`, from: `+5511955${String(n).padStart(6, '0')}`, text: `snooze ${n}` })]);
  await t.core.ingest.drain();
  const [ticket] = await modelsOf(t.core).Ticket.find().sort({ number: -1 }).limit(1).lean();
  return String(ticket!._id);
}
const snoozedUntil = async (id: string) => (await modelsOf(t.core).Ticket.findById(id).lean())!.snoozedUntil ?? null;
const wakeEvents = async (id: string) => modelsOf(t.core).AuditEvent.countDocuments({ ticketId: id, type: 'ticket.snooze_ended' });
/** The MongoDB path: no projection, the indexed query (FerretDB answers it too, by reading the tickets). */
const byQuery = () => new SnoozeWake(modelsOf(t.core), t.core.tickets, clock, createLogger('silent'));

describe('waking snoozed tickets', () => {
  it('wakes a ticket once its time has come, once, with its history entry, and leaves a later snooze asleep', async () => {
    const soon = await newTicket();
    const later = await newTicket();
    await t.core.tickets.snooze(admin, soon, new Date(Date.now() + HOUR));
    await t.core.tickets.snooze(admin, later, new Date(Date.now() + 3 * HOUR));

    expect((await t.core.timersSweep()).woken).toEqual([]);
    clock.advance(HOUR + 60_000);
    expect((await t.core.timersSweep()).woken).toEqual([soon]);
    expect(await snoozedUntil(soon)).toBeNull();
    expect(await snoozedUntil(later)).toBeInstanceOf(Date);
    // A second run, and the query path, find nothing more to do.
    expect((await t.core.timersSweep()).woken).toEqual([]);
    expect(await byQuery().run()).toEqual([]);
    expect(await wakeEvents(soon)).toBe(1);
    expect(await wakeEvents(later)).toBe(0);
  });

  it('the indexed query wakes the same tickets as the projection, and neither wakes a closed one', async () => {
    const open = await newTicket();
    const closed = await newTicket();
    await t.core.tickets.snooze(admin, open, new Date(Date.now() + HOUR));
    await t.core.tickets.snooze(admin, closed, new Date(Date.now() + HOUR));
    await t.core.tickets.setStatus(admin, closed, 'closed');
    clock.advance(2 * HOUR);
    expect(await byQuery().run()).toEqual([open]);
    expect((await t.core.timersSweep()).woken).toEqual([]);
    expect(await wakeEvents(open)).toBe(1);
    expect(await wakeEvents(closed)).toBe(0);
  });

  it('a ticket snoozed again before the run is left for its new time', async () => {
    const id = await newTicket();
    await t.core.tickets.snooze(admin, id, new Date(Date.now() + HOUR));
    clock.advance(HOUR + 60_000);
    // The agent pushed it to tomorrow (real time is still before the first snooze's end).
    await t.core.tickets.snooze(admin, id, new Date(Date.now() + 24 * HOUR));
    expect((await t.core.timersSweep()).woken).toEqual([]);
    expect(await snoozedUntil(id)).toBeInstanceOf(Date);
  });

  it('a snooze creates no job; the hub runs the wake sweep as one recurring job', async () => {
    const id = await newTicket();
    await t.core.tickets.snooze(admin, id, new Date(Date.now() + HOUR));
    const jobs = t.db.connection.db!.collection('jobs');
    expect(await jobs.countDocuments({ 'data.ticketId': id })).toBe(0);
    expect(await eventually(() => jobs.countDocuments({ name: 'timers.sweep', type: 'single' }), (n) => n === 1, 10_000)).toBe(1);
  });
});
