import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../../src/core/models/models-of.js';
import type { TicketLocks } from '../../../src/core/tickets/ticket-locks.js';
import { createInbox, createUser, smsEvent, startTestCore, type TestCore } from '../../support/test-core.js';

/**
 * The customer writes to a solved ticket just as it is closed (auto-close, or an agent): placement read it
 * solved and decided to reopen it, the close landed before the reopen's write.
 */
let t: TestCore;

beforeAll(async () => {
  t = await startTestCore();
});
afterAll(async () => {
  await t.stop();
});

describe('a reopen racing a close', () => {
  it('does not reopen the closed ticket: the message goes to a follow-up, the closed ticket stays closed', async () => {
    const inboxId = String((await createInbox(t.core, 'sms'))._id);
    const from = '+5511900000401';
    await t.core.ingest.accept([smsEvent(inboxId, { sid: 'SM-race-1', from, text: 'my order is late' })]);
    await t.core.ingest.drain();
    const m = modelsOf(t.core);
    const ticketId = String((await m.Message.findOne({ providerKey: 'sms:SM-race-1' }).lean())!.ticketId);
    const admin = await createUser(t.core, 'admin');
    const solved = await t.core.tickets.setStatus(admin, ticketId, 'solved');

    // The close runs right before the reopen takes the ticket's lock (after placement read it solved).
    const locks = (t.core.tickets as unknown as { locks: TicketLocks }).locks;
    const run = locks.run.bind(locks);
    let armed = true;
    locks.run = (async (key: string, fn: () => Promise<unknown>) => {
      if (armed && key === ticketId) {
        armed = false;
        expect(await t.core.tickets.autoClose(ticketId, solved.solvedAt!, 7)).toBe(true);
      }
      return run(key, fn);
    }) as TicketLocks['run'];

    await t.core.ingest.accept([smsEvent(inboxId, { sid: 'SM-race-2', from, text: 'thanks, but one more thing' })]);
    await t.core.ingest.drain();
    locks.run = run;
    expect(armed).toBe(false);

    const closed = (await m.Ticket.findById(ticketId).lean())!;
    expect(closed.status).toBe('closed');
    const message = (await m.Message.findOne({ providerKey: 'sms:SM-race-2' }).lean())!;
    expect(String(message.ticketId)).not.toBe(ticketId);
    const followUp = (await m.Ticket.findById(message.ticketId).lean())!;
    expect(String(followUp.previousTicketId)).toBe(ticketId);
  });
});
