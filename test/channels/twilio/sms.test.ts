import twilio from 'twilio';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../integration/web/web-harness.js';
import { sid } from '../../standins/twilio.js';
import { createInbox, smsEvent } from '../../support/test-core.js';
import {
  ACCOUNT_SID,
  AUTH_TOKEN,
  CUSTOMER,
  fixture,
  PUBLIC_URL,
  SMS_NUMBER,
  startTwilioHub,
  type TwilioHub,
} from './twilio-hub.js';

/**
 * The SMS channel through the real hub pieces: signed webhook → shared router → ingest → ticket → agent
 * reply via REST → the `twilio` library's REST call observed at the loopback stand-in → status callbacks.
 */
describe('SMS (Twilio)', () => {
  let hub: TwilioHub;
  let inboxId: string;

  beforeAll(async () => {
    hub = await startTwilioHub();
    inboxId = await hub.inbox('sms');
  }, 60_000);
  afterAll(async () => hub?.stop());

  const models = () => modelsOf(hub.h.t.core);
  const messagesOf = async (ticketId: string) =>
    (await hub.agent.get(`/api/tickets/${ticketId}/messages`)).body.items as any[];
  const ticketWith = (providerKey: string) =>
    eventually(async () => {
      const m = await models().Message.findOne({ providerKey }).lean();
      return m ? String(m.ticketId) : undefined;
    });
  const eventDone = (providerKey: string) =>
    eventually(async () => {
      const e = await models().InboundEvent.findById(providerKey).lean();
      return e?.status === 'processed' ? e : undefined;
    });

  it('inbound SMS → ticket → reply through the REST API → status callbacks out of order and twice: delivered wins', async () => {
    const inbound = fixture('sms-inbound', { MessageSid: sid('SM') });
    const res = await hub.post('sms', inboxId, inbound);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/xml/);
    expect(await res.text()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');

    const ticketId = await ticketWith(`sms:${inbound.MessageSid}`);
    const [first] = await messagesOf(ticketId);
    expect(first).toMatchObject({
      direction: 'inbound',
      text: inbound.Body,
      providerMessageId: inbound.MessageSid,
      channel: 'sms',
    });
    const detail = (await hub.agent.get(`/api/tickets/${ticketId}`)).body;
    expect(detail.contact).toMatchObject({
      phone: CUSTOMER,
      identities: [`phone:${CUSTOMER}`],
      optedOut: { sms: null },
    });

    const reply = await hub.agent.post(`/api/tickets/${ticketId}/reply`, {
      text: 'Olá Ana! Vamos verificar o pedido #4411 agora mesmo.',
    });
    expect(reply.status).toBe(202);
    const before = hub.standin.messages.length;
    const [sent] = (await hub.standin.waitForMessages(before + 1)).slice(before);
    expect(sent).toMatchObject({
      to: CUSTOMER,
      from: SMS_NUMBER,
      body: 'Olá Ana! Vamos verificar o pedido #4411 agora mesmo.',
      statusCallback: `${PUBLIC_URL}/webhooks/sms/${inboxId}?cb=status`,
    });
    await eventually(async () => {
      const m = await models().Message.findById(reply.body.id).lean();
      return m?.delivery.status === 'sent' && m.providerMessageId === sent!.sid ? m : undefined;
    });

    // Twilio's callbacks, late and out of order: delivered, then sent, queued, and delivered again.
    const statuses = ['delivered', 'sent', 'queued', 'delivered'];
    for (const status of statuses) {
      const r = await hub.post('sms', inboxId, fixture(`sms-status-${status}`, { MessageSid: sent!.sid }), {
        query: '?cb=status',
      });
      expect(r.status).toBe(200);
    }
    const late = await eventDone(`sms:${sent!.sid}:status:sent`);
    expect(late.result?.outcome).toBe('stale-status');
    await eventDone(`sms:${sent!.sid}:status:delivered`);
    const message = (await messagesOf(ticketId)).find((m) => m.id === reply.body.id);
    expect(message.deliveryStatus).toBe('delivered');
    expect(message.delivery.history.map((h: { status: string }) => h.status)).toEqual([
      'queued',
      'sending',
      'sent',
      'delivered',
    ]);
    // A queued callback stores nothing (no news), a repeated one is a duplicate.
    expect(await models().InboundEvent.countDocuments({ _id: { $regex: `^sms:${sent!.sid}:status:` } })).toBe(2);
    expect(
      hub.h.t.events
        .filter((e) => e.type === 'message.status_changed' && e.messageId === reply.body.id)
        .map((e: any) => e.status),
    ).toEqual(['sent', 'delivered']);
  });

  it('undelivered with Twilio 30003 → failed with a human reason; a late "sent" does not undo it', async () => {
    const inbound = fixture('sms-inbound', { MessageSid: sid('SM'), From: '+5511912340001', Body: 'oi' });
    await hub.post('sms', inboxId, inbound);
    const ticketId = await ticketWith(`sms:${inbound.MessageSid}`);
    const reply = await hub.agent.post(`/api/tickets/${ticketId}/reply`, { text: 'Pode confirmar o endereço?' });
    const sentMessage = await eventually(async () => {
      const m = await models().Message.findById(reply.body.id).lean();
      return m?.providerMessageId ? m : undefined;
    });
    const smsSid = sentMessage.providerMessageId!;
    await hub.post(
      'sms',
      inboxId,
      fixture('sms-status-undelivered-30003', { MessageSid: smsSid, To: '+5511912340001' }),
      { query: '?cb=status' },
    );
    await hub.post('sms', inboxId, fixture('sms-status-sent', { MessageSid: smsSid, To: '+5511912340001' }), {
      query: '?cb=status',
    });
    await eventDone(`sms:${smsSid}:status:undelivered`);
    expect((await eventDone(`sms:${smsSid}:status:sent`)).result?.outcome).toBe('stale-status');
    const m = (await messagesOf(ticketId)).find((x) => x.id === reply.body.id);
    expect(m.deliveryStatus).toBe('failed');
    expect(m.delivery.lastError).toBe('Twilio 30003: the phone is unreachable (off, or out of coverage)');
  });

  it('a bad signature, or a body of another account, is 403 and stores nothing', async () => {
    const inbound = fixture('sms-inbound', { MessageSid: sid('SM') });
    const count = await models().InboundEvent.countDocuments({});
    const forged = await hub.post('sms', inboxId, inbound, { signature: 'bm90IGEgc2lnbmF0dXJl' });
    expect(forged.status).toBe(403);
    // Signed by Twilio, then changed on the way (another Body).
    const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC_URL}/webhooks/sms/${inboxId}`, inbound);
    expect((await hub.post('sms', inboxId, inbound, { signature, query: '' })).status).toBe(200);
    const tampered = await hub.post(
      'sms',
      inboxId,
      { ...inbound, MessageSid: sid('SM'), Body: 'changed' },
      { signature },
    );
    expect(tampered.status).toBe(403);
    const other = await hub.post('sms', inboxId, { ...inbound, AccountSid: 'AC' + '0'.repeat(32) });
    expect(other.status).toBe(403);
    const unsigned = await fetch(`${hub.h.baseUrl}/webhooks/sms/${inboxId}`, {
      method: 'POST',
      body: new URLSearchParams(inbound),
    });
    expect(unsigned.status).toBe(403);
    // Only the genuine request was stored.
    expect(await models().InboundEvent.countDocuments({})).toBe(count + 1);
  });

  it('the same webhook three times at once is stored once', async () => {
    const inbound = fixture('sms-inbound', { MessageSid: sid('SM'), From: '+5511912340002' });
    const answers = await Promise.all([1, 2, 3].map(() => hub.post('sms', inboxId, inbound)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    await eventDone(`sms:${inbound.MessageSid}`);
    expect(await models().InboundEvent.countDocuments({ _id: `sms:${inbound.MessageSid}` })).toBe(1);
    expect(await models().Message.countDocuments({ providerKey: `sms:${inbound.MessageSid}` })).toBe(1);
  });

  it('MMS with two media through a Messaging Service (another number of the pool): both files downloaded with the account credentials', async () => {
    const mmsInbox = await hub.inbox('sms', {
      phoneNumber: '',
      messagingServiceSid: 'MG5e8a1c4f7b0d3e6a9c2f5b8e1d4a7c0f',
    });
    const mms = fixture('mms-inbound-2-media', { MessageSid: sid('MM'), To: '+5511999995555', From: '+5511912340003' });
    const photo = Buffer.from('\xff\xd8\xff\xe0 a JPEG photo of a box', 'latin1');
    const invoice = Buffer.from('%PDF-1.4 nota fiscal');
    const path = (url: string) => new URL(url).pathname;
    hub.standin.addMedia(path(mms.MediaUrl0!), photo, 'image/jpeg');
    hub.standin.addMedia(path(mms.MediaUrl1!), invoice, 'application/pdf');
    expect((await hub.post('sms', mmsInbox, mms)).status).toBe(200);
    const ticketId = await ticketWith(`sms:${mms.MessageSid}`);
    const [m] = await messagesOf(ticketId);
    expect(m.attachments.map((a: any) => [a.fileName, a.mimeType, a.size])).toEqual([
      ['media-1.jpg', 'image/jpeg', photo.length],
      ['media-2.pdf', 'application/pdf', invoice.length],
    ]);
    const download = await fetch(`${hub.h.baseUrl}/api/attachments/${m.attachments[0].blobId}`, {
      headers: { cookie: hub.agent.cookie! },
    });
    expect(Buffer.from(await download.arrayBuffer())).toEqual(photo);

    // The reply goes through the Messaging Service.
    const reply = await hub.agent.post(`/api/tickets/${ticketId}/reply`, { text: 'Recebido, obrigado!' });
    expect(reply.status).toBe(202);
    const sent = await eventually(async () => hub.standin.messages.find((x) => x.body === 'Recebido, obrigado!'));
    expect(sent).toMatchObject({ to: '+5511912340003', messagingServiceSid: 'MG5e8a1c4f7b0d3e6a9c2f5b8e1d4a7c0f' });
    expect(sent.from).toBeUndefined();
  });

  it('STOP (PARAR) opts the contact out, START opts in; a send Twilio refuses with 21610 opts out too', async () => {
    const stop = fixture('sms-stop', { MessageSid: sid('SM') });
    await hub.post('sms', inboxId, stop);
    await eventDone(`sms:${stop.MessageSid}:consent`);
    const ticketId = await ticketWith(`sms:${stop.MessageSid}`);
    const optedOut = (await hub.agent.get(`/api/tickets/${ticketId}`)).body.contact.optedOut.sms;
    expect(optedOut).toEqual(expect.any(String));

    const start = fixture('sms-stop', { MessageSid: sid('SM'), Body: 'START' });
    await hub.post('sms', inboxId, start);
    await eventDone(`sms:${start.MessageSid}:consent`);
    expect((await hub.agent.get(`/api/tickets/${ticketId}`)).body.contact.optedOut.sms).toBeNull();

    // Twilio remembers the STOP sent to another of our numbers: the send is refused with 21610.
    hub.standin.failSendsTo(CUSTOMER, {
      status: 400,
      code: 21610,
      message: 'Attempt to send to unsubscribed recipient',
    });
    const reply = await hub.agent.post(`/api/tickets/${ticketId}/reply`, { text: 'ainda está aí?' });
    const failed = await eventually(async () => {
      const m = (await messagesOf(ticketId)).find((x) => x.id === reply.body.id);
      return m?.deliveryStatus === 'failed' ? m : undefined;
    });
    expect(failed.delivery.lastError).toMatch(/21610/);
    await eventDone(`sms:out:${reply.body.id}:opted-out`);
    expect((await hub.agent.get(`/api/tickets/${ticketId}`)).body.contact.optedOut.sms).toEqual(expect.any(String));
  });

  it('behind a proxy: the inbox publicUrl override is the URL Twilio signed', async () => {
    const proxied = await hub.inbox('sms', { publicUrl: 'https://tunnel.example.net/' });
    const inbound = fixture('sms-inbound', { MessageSid: sid('SM'), From: '+5511912340004' });
    expect((await hub.post('sms', proxied, inbound)).status).toBe(403); // signed over the hub's PUBLIC_URL
    expect((await hub.post('sms', proxied, inbound, { signedBase: 'https://tunnel.example.net' })).status).toBe(200);
    await ticketWith(`sms:${inbound.MessageSid}`);
    // Replies ask Twilio to call back at the same public address.
    const ticketId = await ticketWith(`sms:${inbound.MessageSid}`);
    await hub.agent.post(`/api/tickets/${ticketId}/reply`, { text: 'ok' });
    const sent = await eventually(async () => hub.standin.messages.find((x) => x.to === '+5511912340004'));
    expect(sent.statusCallback).toBe(`https://tunnel.example.net/webhooks/sms/${proxied}?cb=status`);
  });

  it('the old 8-digit form of a Brazilian mobile is the same contact', async () => {
    const a = fixture('sms-inbound', { MessageSid: sid('SM'), From: '+5521987651234' });
    const b = fixture('sms-inbound', { MessageSid: sid('SM'), From: '+552187651234' });
    await hub.post('sms', inboxId, a);
    const ticketA = await ticketWith(`sms:${a.MessageSid}`);
    await hub.post('sms', inboxId, b);
    const ticketB = await ticketWith(`sms:${b.MessageSid}`);
    expect(ticketB).toBe(ticketA);
    expect(ACCOUNT_SID).toMatch(/^AC/);
  });

  it('an SMS and a WhatsApp identity with the same E.164 number resolve to one contact', async () => {
    const sms = fixture('sms-inbound', { MessageSid: sid('SM'), From: '+5531988776655' });
    await hub.post('sms', inboxId, sms);
    const smsTicket = await ticketWith(`sms:${sms.MessageSid}`);
    // WhatsApp reports the old 8-digit form for many Brazilian accounts.
    const wa = await createInbox(hub.h.t.core, 'whatsapp');
    await hub.h.t.core.ingest.accept([
      {
        ...smsEvent(String(wa._id), { sid: 'wa-1', from: 'whatsapp:+553188776655' }),
        providerKey: 'wa:false_553188776655@c.us_3EB0',
        providerMessageId: undefined,
      },
    ]);
    const waTicket = await ticketWith('wa:false_553188776655@c.us_3EB0');
    expect(waTicket).not.toBe(smsTicket); // another inbox, another conversation…
    const [a, b] = await Promise.all([smsTicket, waTicket].map((id) => models().Ticket.findById(id).lean()));
    expect(String(a!.contactId)).toBe(String(b!.contactId)); // …the same customer
  });
});
