import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { eventually } from '../../integration/web/web-harness.js';
import { sid } from '../../standins/twilio.js';
import { fixture, startTwilioHub, type TwilioHub } from './twilio-hub.js';

/**
 * Two quick SMS replies reach the customer in the order the agent sent them, through the `twilio` library and
 * the loopback stand-in: the first one's REST call is answered slowly.
 */
describe('SMS replies of one conversation, in order', () => {
  let hub: TwilioHub;
  let inboxId: string;

  beforeAll(async () => {
    hub = await startTwilioHub();
    inboxId = await hub.inbox('sms');
  }, 60_000);
  afterAll(async () => hub?.stop());

  const models = () => modelsOf(hub.h.t.core);
  async function conversationWith(customer: string): Promise<string> {
    const inbound = fixture('sms-inbound', { MessageSid: sid('SM'), From: customer });
    expect((await hub.post('sms', inboxId, inbound)).status).toBe(200);
    return eventually(async () => {
      const m = await models().Message.findOne({ providerKey: `sms:${inbound.MessageSid}` }).lean();
      return m ? String(m.ticketId) : undefined;
    });
  }
  const reply = async (ticketId: string, text: string) => {
    const res = await hub.agent.post(`/api/tickets/${ticketId}/reply`, { text });
    expect(res.status).toBe(202);
    return res.body.id as string;
  };
  const bodiesTo = (to: string) => hub.standin.messages.filter((m) => m.to === to).map((m) => m.body);

  it('the first answered slowly: the second goes after it', async () => {
    const customer = '+5511987650001';
    const ticketId = await conversationWith(customer);
    const slow = hub.standin.holdNextSendTo(customer);
    await reply(ticketId, 'Vou verificar.');
    await slow.arrived;
    const second = await reply(ticketId, 'Resolvido!');
    // A positive signal either way: the second went (out of order), or it says it waits.
    await eventually(async () => {
      const m = await models().Message.findById(second).lean();
      return bodiesTo(customer).includes('Resolvido!') || m?.delivery.lastError?.startsWith('WAITING_FOR_EARLIER_REPLY') ? true : undefined;
    });
    slow.release();
    await eventually(async () => (bodiesTo(customer).length === 2 ? true : undefined));
    expect(bodiesTo(customer)).toEqual(['Vou verificar.', 'Resolvido!']);
  });
});
