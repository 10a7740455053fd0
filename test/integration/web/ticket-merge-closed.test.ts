import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { createInbox, createUser, smsEvent } from '../../support/test-core.js';
import { startWebHarness, type ApiClient, type WebHarness } from './web-harness.js';

/** Merging into a closed ticket buried the open conversation where nobody can answer it. */
let h: WebHarness;
let admin: ApiClient;
let inboxId: string;

beforeAll(async () => {
  h = await startWebHarness();
  admin = await h.login(await createUser(h.t.core, 'admin'));
  inboxId = String((await createInbox(h.t.core, 'sms'))._id);
});
afterAll(async () => {
  await h?.stop();
});

async function ticketOf(sid: string, from: string) {
  await h.t.core.ingest.accept([smsEvent(inboxId, { sid, from, text: `hello from ${from}` })]);
  await h.t.core.ingest.drain();
  return String((await modelsOf(h.t.core).Message.findOne({ providerKey: `sms:${sid}` }).lean())!.ticketId);
}

describe('merge into a closed ticket', () => {
  it('is refused (409 TICKET_CLOSED) and changes neither ticket', async () => {
    const open = await ticketOf('SM-mc-1', '+5511900000301');
    const closed = await ticketOf('SM-mc-2', '+5511900000302');
    expect((await admin.patch(`/api/tickets/${closed}`, { status: 'closed' })).status).toBe(200);
    const res = await admin.post(`/api/tickets/${open}/merge`, { targetId: closed });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('TICKET_CLOSED');
    const [o, c] = [(await modelsOf(h.t.core).Ticket.findById(open).lean())!, (await modelsOf(h.t.core).Ticket.findById(closed).lean())!];
    expect(o.status).toBe('new');
    expect(o.mergedInto).toBeUndefined();
    expect(c.mergedTicketIds).toEqual([]);
  });
});
