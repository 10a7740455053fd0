import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { ScriptedAdapter } from '../../support/fake-channel.js';
import { createInbox, createUser, smsEvent, startTestCore, type TestCore } from '../../support/test-core.js';

/**
 * The conversation claim of an agent-started SMS/WhatsApp ticket (TicketPlacement.claimForStart) in the cases
 * the HTTP tests do not reach: a key a crashed run claimed without writing its ticket, and a conversation whose
 * ticket was merged into another customer's.
 */
let t: TestCore;
let inbox: string;
let agent: Awaited<ReturnType<typeof createUser>>;

beforeAll(async () => {
  t = await startTestCore();
  inbox = String((await createInbox(t.core, 'sms'))._id);
  t.registry.adapters.set(inbox, new ScriptedAdapter());
  agent = await createUser(t.core, 'admin');
});
afterAll(async () => {
  await t?.stop();
});

const models = () => modelsOf(t.core);
const start = (to: string, text: string) => t.core.conversationStarter.start(agent, { inboxId: inbox, to, text, attachments: [] });

describe('claiming a conversation for a started ticket', () => {
  it('a key claimed by a run that never wrote its ticket: the start writes that ticket, and the answer lands in it', async () => {
    const orphan = new Types.ObjectId();
    await models().ConversationKey.create({ _id: `conv:${inbox}:+5511987660001`, ticketId: orphan, createdAt: new Date() });
    const { ticket } = await start('+5511987660001', 'Olá');
    expect(String(ticket._id)).toBe(String(orphan));
    await t.core.ingest.accept([smsEvent(inbox, { sid: 'SM-claim-1', from: '+5511987660001', text: 'Oi' })]);
    await t.core.ingest.drain();
    expect(String((await models().Message.findOne({ providerKey: 'sms:SM-claim-1' }).lean())!.ticketId)).toBe(String(orphan));
  });

  it("a conversation merged into an open ticket: refused, naming the ticket the customer's messages go to", async () => {
    await t.core.ingest.accept([
      smsEvent(inbox, { sid: 'SM-claim-2', from: '+5511987660002' }),
      smsEvent(inbox, { sid: 'SM-claim-3', from: '+5511987660003' }),
    ]);
    await t.core.ingest.drain();
    const [a, b] = await Promise.all(['SM-claim-2', 'SM-claim-3'].map(async (sid) => (await models().Message.findOne({ providerKey: `sms:${sid}` }).lean())!.ticketId));
    await t.core.tickets.merge(agent, String(a), String(b));
    const target = (await models().Ticket.findById(b).lean())!;
    await expect(start('+5511987660002', 'Olá de novo')).rejects.toMatchObject({ code: 'CONVERSATION_OPEN', details: { ticketId: String(b), number: target.number } });
  });

  it("an active ticket the agent may not see (moved to another department): refused without naming it", async () => {
    const [sales, billing] = await models().Department.insertMany([{ name: 'Sales claim' }, { name: 'Billing claim' }]);
    const salesInbox = String((await createInbox(t.core, 'sms', { departmentId: sales!._id }))._id);
    t.registry.adapters.set(salesInbox, new ScriptedAdapter());
    const salesAgent = await createUser(t.core, 'agent', [sales!._id]);
    await t.core.ingest.accept([smsEvent(salesInbox, { sid: 'SM-claim-4', from: '+5511987660004' })]);
    await t.core.ingest.drain();
    const ticketId = String((await models().Message.findOne({ providerKey: 'sms:SM-claim-4' }).lean())!.ticketId);
    await t.core.tickets.transfer(agent, ticketId, String(billing!._id));
    const refused: unknown = await t.core.conversationStarter
      .start(salesAgent, { inboxId: salesInbox, to: '+5511987660004', text: 'Olá', attachments: [] })
      .then(() => undefined, (err: unknown) => err);
    expect(refused).toMatchObject({ code: 'CONVERSATION_OPEN' });
    expect((refused as { details?: unknown }).details).toBeUndefined();
    expect((refused as Error).message).not.toContain('#');
  });
});

