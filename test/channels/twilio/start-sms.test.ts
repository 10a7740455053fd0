import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { eventually } from '../../integration/web/web-harness.js';
import { sid } from '../../standins/twilio.js';
import { fixture, PUBLIC_URL, SMS_NUMBER, startTwilioHub, type TwilioHub } from './twilio-hub.js';

/**
 * An agent starts an SMS conversation ("New conversation", `POST /api/tickets`): the first message goes out
 * through the `twilio` library to the loopback stand-in, and the customer's answer — a signed inbound webhook
 * from the same number — lands in the same ticket, because the start claimed the number's conversation
 * (`conv:<inbox>:<+E164>`) as a first inbound message would.
 */
describe('starting an SMS conversation', () => {
  let hub: TwilioHub;
  let inboxId: string;

  beforeAll(async () => {
    hub = await startTwilioHub();
    inboxId = await hub.inbox('sms');
  }, 60_000);
  afterAll(async () => hub?.stop());

  const models = () => modelsOf(hub.h.t.core);
  const start = (to: string, text: string, extra: Record<string, unknown> = {}) => hub.agent.post('/api/tickets', { inboxId, to, text, ...extra });
  const sentTo = (to: string, body: string) => eventually(async () => hub.standin.messages.find((m) => m.to === to && m.body === body));
  const customerWrites = async (from: string, body: string) => {
    const params = fixture('sms-inbound', { MessageSid: sid('SM'), From: from, Body: body });
    expect((await hub.post('sms', inboxId, params)).status).toBe(200);
    return eventually(async () => (await models().Message.findOne({ providerKey: `sms:${params.MessageSid}` }).lean()) ?? undefined);
  };

  it('delivers the first message to the number, and the answer from that number lands in the same ticket', async () => {
    const res = await start('+55 (11) 98765-0001', 'Olá! Seu pedido #5120 foi enviado hoje.', { name: 'Bruna Reis' });
    expect(res.status, res.text).toBe(201);
    const { ticket, messageId } = res.body;
    expect(ticket).toMatchObject({
      channel: 'sms',
      status: 'open',
      subject: 'Olá! Seu pedido #5120 foi enviado hoje.',
      replyTo: { handle: '+5511987650001' },
      contact: { name: 'Bruna Reis', phone: '+5511987650001', identities: ['phone:+5511987650001'] },
    });

    const sent = await sentTo('+5511987650001', 'Olá! Seu pedido #5120 foi enviado hoje.');
    expect(sent).toMatchObject({ from: SMS_NUMBER, statusCallback: `${PUBLIC_URL}/webhooks/sms/${inboxId}?cb=status` });
    await eventually(async () => ((await models().Message.findById(messageId).lean())?.delivery.status === 'sent' ? true : undefined));
    expect(await models().ConversationKey.findById(`conv:${inboxId}:+5511987650001`).lean()).toMatchObject({ ticketId: new Types.ObjectId(ticket.id) });

    const answer = await customerWrites('+5511987650001', 'Obrigada! Chega quando?');
    expect(String(answer.ticketId)).toBe(ticket.id);
    const thread = (await hub.agent.get(`/api/tickets/${ticket.id}/messages`)).body.items as Array<{ direction: string; text: string }>;
    expect(thread.map((m) => [m.direction, m.text])).toEqual([
      ['outbound', 'Olá! Seu pedido #5120 foi enviado hoje.'],
      ['inbound', 'Obrigada! Chega quando?'],
    ]);
    expect(await models().Ticket.countDocuments({ inboxId })).toBe(1);
    expect(await models().Contact.countDocuments({ identities: 'phone:+5511987650001' })).toBe(1);
  });

  it('a number with an active ticket: 409 CONVERSATION_OPEN naming it; once solved, a follow-up ticket takes the answers', async () => {
    const first = await customerWrites('+5511987650002', 'Preciso de ajuda');
    const existing = (await models().Ticket.findById(first.ticketId).lean())!;
    const refused = await start('+5511987650002', 'Oi, tudo bem?');
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'CONVERSATION_OPEN',
      message: expect.stringContaining(`#${existing.number}`),
      details: { ticketId: String(existing._id), number: existing.number },
    });
    expect(hub.standin.messages.some((m) => m.body === 'Oi, tudo bem?')).toBe(false);

    expect((await hub.agent.patch(`/api/tickets/${existing._id}`, { status: 'solved' })).status).toBe(200);
    const followUp = await start('+5511987650002', 'Voltando ao seu caso: resolvido?');
    expect(followUp.status, followUp.text).toBe(201);
    expect(followUp.body.ticket.previousTicketId).toBe(String(existing._id));
    await sentTo('+5511987650002', 'Voltando ao seu caso: resolvido?');
    // Inside the reopen window the answer would have reopened the solved ticket: the started one takes it.
    const answer = await customerWrites('+5511987650002', 'Sim, tudo certo');
    expect(String(answer.ticketId)).toBe(followUp.body.ticket.id);
    expect((await models().Ticket.findById(existing._id).lean())!.status).toBe('solved');
  });

  it('two agents starting the same number at once: one ticket, the other told which; the answer lands in it', async () => {
    const [a, b] = await Promise.all([start('+5511987650005', 'Primeira mensagem A'), start('+5511987650005', 'Primeira mensagem B')]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    const winner = a.status === 201 ? a : b;
    const loser = a.status === 201 ? b : a;
    expect(loser.body.error).toMatchObject({ code: 'CONVERSATION_OPEN', details: { ticketId: winner.body.ticket.id } });
    const answer = await customerWrites('+5511987650005', 'Oi?');
    expect(String(answer.ticketId)).toBe(winner.body.ticket.id);
    expect(await models().Ticket.countDocuments({ inboxId, 'replyTo.conversationId': '+5511987650005' })).toBe(1);
    expect(await models().Message.countDocuments({ ticketId: new Types.ObjectId(winner.body.ticket.id) })).toBe(2);
  });

  it('refuses a number that is not one, files by SMS, and a customer who opted out', async () => {
    for (const to of ['11987654321', '+55', 'ana@example.com', '+1 555']) {
      const res = await start(to, 'Hello');
      expect(res.status, to).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { issues: [{ path: 'to', message: expect.stringContaining('international format') }] } });
    }
    const files = await start('+5511987650003', 'See attached', { attachments: [{ fileName: 'a.txt', mimeType: 'text/plain', contentBase64: 'aGk=' }] });
    expect(files.status).toBe(400);
    expect(files.body.error.details.issues[0].path).toBe('attachments');

    const stop = fixture('sms-stop', { MessageSid: sid('SM'), From: '+5511987650004' });
    expect((await hub.post('sms', inboxId, stop)).status).toBe(200);
    await eventually(async () => ((await models().Contact.findOne({ identities: 'phone:+5511987650004' }).lean())?.optedOut?.sms ? true : undefined));
    const optedOut = await start('+5511987650004', 'Promoção!');
    expect(optedOut.status).toBe(409);
    expect(optedOut.body.error.code).toBe('CONTACT_OPTED_OUT');
    expect(await models().Ticket.countDocuments({ inboxId, channel: 'sms', subject: 'Promoção!' })).toBe(0);
  });
});
