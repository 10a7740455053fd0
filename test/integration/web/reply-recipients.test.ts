import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmailAdapter } from '../../../src/channels/email/adapter.js';
import type { ChannelContext, OutboundMessage } from '../../../src/core/domain/channel-adapter.js';
import { createLogger } from '../../../src/core/logging/logger.js';
import { startSmtpCapture, type SmtpCapture } from '../../standins/smtp-capture.js';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { ScriptedAdapter } from '../../support/fake-channel.js';
import { createInbox, createUser, emailEvent, smsEvent } from '../../support/test-core.js';
import { eventually, startWebHarness, type ApiClient, type WebHarness } from './web-harness.js';

/**
 * After a merge of two customers' tickets (an SMS customer's and an email customer's), each keeps getting the
 * replies meant for them on their own channel and conversation; the agent lists the recipients and picks one.
 * The email inbox is the real email adapter sending to a loopback SMTP capture.
 */
let h: WebHarness;
let agent: ApiClient;
let smsInbox: string;
let mailInbox: string;
const sms = new ScriptedAdapter();
let smtp: SmtpCapture;

/** The real email adapter, recording what the core hands it. */
class RecordingEmailAdapter extends EmailAdapter {
  readonly sent: OutboundMessage[] = [];
  override async send(out: OutboundMessage) {
    const result = await super.send(out);
    this.sent.push(out);
    return result;
  }
}
const mail = new RecordingEmailAdapter();
const t0 = Date.now() - 60 * 60_000;
const at = (minutes: number) => new Date(t0 + minutes * 60_000);

const ticketOfMessage = async (providerKey: string) => String((await modelsOf(h.t.core).Message.findOne({ providerKey }).lean())!.ticketId);
const sentBy = async (adapter: { sent: OutboundMessage[] }, messageId: string): Promise<OutboundMessage> =>
  eventually(async () => adapter.sent.find((o) => o.messageId === messageId));

beforeAll(async () => {
  h = await startWebHarness();
  smsInbox = String((await createInbox(h.t.core, 'sms'))._id);
  mailInbox = String((await createInbox(h.t.core, 'email'))._id);
  h.t.registry.adapters.set(smsInbox, sms);
  smtp = await startSmtpCapture();
  const ctx: ChannelContext = {
    inboxId: mailInbox,
    state: { get: async () => undefined, set: async () => undefined },
    blobs: h.t.core.blobs,
    settings: { imap: { host: '127.0.0.1', port: 1, secure: false, user: 'unused', password: 'unused' }, smtp: { host: smtp.host, port: smtp.port, secure: false }, fromAddress: 'support@ponte.test', fromName: 'Ponte Support' },
    emit: async () => ({ accepted: 0, duplicates: 0 }),
    reportHealth: async () => undefined,
    logger: createLogger('silent'),
  };
  await mail.start(ctx);
  h.t.registry.adapters.set(mailInbox, mail);
  agent = await h.login(await createUser(h.t.core, 'admin'));
});

afterAll(async () => {
  await mail.stop();
  await h?.stop();
  await smtp?.stop();
});

describe('reply recipients after a merge of two customers', () => {
  let smsTicket: string;
  let mailTicket: string;

  it('a ticket without merges has one recipient, its own customer', async () => {
    await h.t.core.ingest.accept([smsEvent(smsInbox, { sid: 'SM-rr-1', from: '+5511955500001', text: 'my parcel is late', at: at(0) })]);
    await h.t.core.ingest.drain();
    smsTicket = await ticketOfMessage('sms:SM-rr-1');
    const res = await agent.get(`/api/tickets/${smsTicket}/recipients`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      items: [{ id: smsTicket, ticketNumber: expect.any(Number), own: true, contactId: expect.any(String), name: '+5511955500001', channel: 'sms', inboxId: smsInbox, address: '+5511955500001' }],
      defaultId: smsTicket,
    });
  });

  it('after the merge both customers are listed; the default is the one who wrote last (here the email customer)', async () => {
    await h.t.core.ingest.accept([emailEvent(mailInbox, { messageId: '<rr-1@customer.example>', from: 'bea@customer.example', subject: 'Parcel 42', at: at(1) })]);
    await h.t.core.ingest.drain();
    await h.t.core.ingest.accept([
      emailEvent(mailInbox, { messageId: '<rr-2@customer.example>', from: 'bea@customer.example', subject: 'Re: Parcel 42', inReplyTo: '<rr-1@customer.example>', references: ['<rr-1@customer.example>'], at: at(2) }),
    ]);
    await h.t.core.ingest.drain();
    mailTicket = await ticketOfMessage(`mail:${mailInbox}:<rr-1@customer.example>`);
    await modelsOf(h.t.core).Contact.updateOne({ _id: (await modelsOf(h.t.core).Ticket.findById(mailTicket).lean())!.contactId }, { $set: { name: 'Bea Souza' } });
    expect((await agent.post(`/api/tickets/${mailTicket}/merge`, { targetId: smsTicket })).status).toBe(200);

    const res = await agent.get(`/api/tickets/${smsTicket}/recipients`);
    expect(res.body.items.map((r: any) => [r.id, r.own, r.name, r.channel, r.address])).toEqual([
      [smsTicket, true, '+5511955500001', 'sms', '+5511955500001'],
      [mailTicket, false, 'Bea Souza', 'email', 'bea@customer.example'],
    ]);
    expect(res.body.defaultId).toBe(mailTicket);
  });

  it('a reply without a recipient goes to the email customer: their inbox, address, subject and thread headers, the new number', async () => {
    const target = (await modelsOf(h.t.core).Ticket.findById(smsTicket).lean())!;
    const res = await agent.post(`/api/tickets/${smsTicket}/reply`, { text: 'Bea, your parcel left today' });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ channel: 'email', recipientId: mailTicket, ticketId: smsTicket });
    const out = await sentBy(mail, res.body.id);
    expect(out).toMatchObject({
      inboxId: mailInbox,
      ticketId: smsTicket,
      ticketNumber: target.number,
      to: { handle: 'bea@customer.example', email: 'bea@customer.example' },
      conversationId: '<rr-1@customer.example>',
      subject: 'Parcel 42',
      threading: { inReplyTo: '<rr-2@customer.example>', references: ['<rr-1@customer.example>', '<rr-2@customer.example>'] },
    });
    expect(out.threading.messageId).toMatch(/^<.+@.+>$/);
    // On the wire: to Bea, in her thread, under her subject with the ticket's (new) number.
    const [wire] = await smtp.waitFor(1, 15_000);
    expect(wire!.envelope.to).toEqual(['bea@customer.example']);
    const parsed = await wire!.parse();
    expect(parsed.subject).toBe(`Re: Parcel 42 [#${target.number}]`);
    expect(parsed.inReplyTo).toBe('<rr-2@customer.example>');
    expect(parsed.references).toEqual(['<rr-1@customer.example>', '<rr-2@customer.example>']);
    expect(parsed.messageId).toBe(out.threading.messageId);
    expect(parsed.text).toContain('Bea, your parcel left today');
    expect(sms.sent.find((o) => o.messageId === res.body.id)).toBeUndefined();
    const stored = (await modelsOf(h.t.core).Message.findById(res.body.id).lean())!;
    expect(stored).toMatchObject({ inboxId: expect.anything(), channel: 'email', conversationId: '<rr-1@customer.example>', recipient: { handle: 'bea@customer.example', email: 'bea@customer.example' } });
    expect(String(stored.inboxId)).toBe(mailInbox);
    expect(String(stored.recipient!.ticketId)).toBe(mailTicket);
    // Audited like every reply, naming the recipient.
    const audit = await agent.get(`/api/tickets/${smsTicket}/audit`);
    const queued = audit.body.items.find((e: any) => e.type === 'message.reply_queued' && e.data.messageId === res.body.id);
    expect(queued.data).toMatchObject({ recipientId: mailTicket, recipientName: 'Bea Souza', recipientChannel: 'email' });
    await eventually(async () => ((await modelsOf(h.t.core).Message.findById(res.body.id).lean())!.delivery.status === 'sent' ? true : undefined));
  });

  it('once the SMS customer writes, the default is them; an explicit recipient overrides the default', async () => {
    await h.t.core.ingest.accept([smsEvent(smsInbox, { sid: 'SM-rr-2', from: '+5511955500001', text: 'any news?', at: at(3) })]);
    await h.t.core.ingest.drain();
    expect((await agent.get(`/api/tickets/${smsTicket}/recipients`)).body.defaultId).toBe(smsTicket);

    const toSms = await agent.post(`/api/tickets/${smsTicket}/reply`, { text: 'Yes, it is on its way' });
    expect(toSms.status).toBe(202);
    expect(toSms.body.channel).toBe('sms');
    expect(toSms.body.recipientId).toBeUndefined();
    const outSms = await sentBy(sms, toSms.body.id);
    expect(outSms).toMatchObject({ inboxId: smsInbox, to: { handle: '+5511955500001', phone: '+5511955500001' }, conversationId: '+5511955500001' });

    const toMail = await agent.post(`/api/tickets/${smsTicket}/reply`, { text: 'Bea, one more thing', recipientId: mailTicket });
    expect(toMail.status).toBe(202);
    expect(toMail.body.channel).toBe('email');
    expect((await sentBy(mail, toMail.body.id)).to.email).toBe('bea@customer.example');

    // The thread shows who each reply went to.
    const thread = await agent.get(`/api/tickets/${smsTicket}/messages?limit=50`);
    const byText = (text: string) => thread.body.items.find((m: any) => m.text === text);
    expect(byText('Yes, it is on its way').recipientId).toBeUndefined();
    expect(byText('Bea, one more thing').recipientId).toBe(mailTicket);
  });

  it("the email customer's mail after the merge joins the target; the default and the thread headers follow it", async () => {
    await h.t.core.ingest.accept([
      emailEvent(mailInbox, {
        messageId: '<rr-3@customer.example>',
        from: 'bea@customer.example',
        subject: 'Re: Parcel 42',
        inReplyTo: '<rr-2@customer.example>',
        references: ['<rr-1@customer.example>', '<rr-2@customer.example>'],
        at: at(4),
      }),
    ]);
    await h.t.core.ingest.drain();
    expect(await ticketOfMessage(`mail:${mailInbox}:<rr-3@customer.example>`)).toBe(smsTicket);
    expect((await agent.get(`/api/tickets/${smsTicket}/recipients`)).body.defaultId).toBe(mailTicket);
    const res = await agent.post(`/api/tickets/${smsTicket}/reply`, { text: 'Bea: delivered tomorrow' });
    const out = await sentBy(mail, res.body.id);
    expect(out.threading).toMatchObject({ inReplyTo: '<rr-3@customer.example>', references: ['<rr-1@customer.example>', '<rr-2@customer.example>', '<rr-3@customer.example>'] });
  });

  it('an unknown or malformed recipient is refused with 400 and nothing is stored', async () => {
    const before = await modelsOf(h.t.core).Message.countDocuments({ ticketId: smsTicket });
    const unknown = await agent.post(`/api/tickets/${smsTicket}/reply`, { text: 'to nobody', recipientId: '0123456789abcdef01234567' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('VALIDATION_FAILED');
    const malformed = await agent.post(`/api/tickets/${smsTicket}/reply`, { text: 'to nobody', recipientId: 'bea' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('VALIDATION_FAILED');
    expect(await modelsOf(h.t.core).Message.countDocuments({ ticketId: smsTicket })).toBe(before);
  });

  it('the merged-away ticket itself takes no reply (409): replies go from the ticket it was merged into', async () => {
    expect((await agent.post(`/api/tickets/${mailTicket}/reply`, { text: 'x' })).status).toBe(409);
  });
});
