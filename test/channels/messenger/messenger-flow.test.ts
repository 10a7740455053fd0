import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Types } from 'mongoose';
import { MessengerAdapter } from '../../../src/channels/messenger/adapter.js';
import { messengerWebhook } from '../../../src/channels/messenger/webhook.js';
import { ChannelRuntime, type ChannelHost } from '../../../src/channels/channel-runtime.js';
import { createLogger } from '../../../src/core/logging/logger.js';
import type { Message } from '../../../src/core/models/message.js';
import type { Viewer } from '../../../src/core/users/viewer.js';
import { GraphApiStandIn } from '../../standins/graph-api.js';
import { createUser } from '../../support/test-core.js';
import { eventually, startWebHarness, type ApiClient, type WebHarness } from '../../integration/web/web-harness.js';
import { APP_SECRET, PAGE_ID, PAGE_TOKEN, PSID, fixture, signed } from './fixtures.js';
import { modelsOf } from '../../../src/core/models/models-of.js';

/**
 * The Messenger channel through the real hub pieces: signed webhooks through the shared router → ingest →
 * ticket; agent replies through the REST API → delivery job → the adapter's Graph client → the loopback
 * Graph API stand-in; receipts back through the webhook onto the message.
 */

const VERIFY_TOKEN = 'meta-verify-token-7d1e';
let h: WebHarness;
let graph: GraphApiStandIn;
let runtime: ChannelRuntime;
let host: ChannelHost;
let admin: Viewer;
let agent: ApiClient;
let inboxId: string;
let seq = 0;

const models = () => modelsOf(h.t.core);
const webhookPath = () => `/webhooks/messenger/${inboxId}`;

function postWebhook(body: unknown, headers?: Record<string, string>) {
  const s = signed(body);
  return h.anon.request('POST', webhookPath(), { raw: s.raw, headers: headers ?? s.headers, origin: false });
}

/** A customer's text message as Meta sends it (one entry, one event). */
function textBody(psid: string, text: string, at = Date.now()) {
  const mid = `m_test${++seq}_${Math.random().toString(36).slice(2)}`;
  const body = {
    object: 'page',
    entry: [
      {
        id: PAGE_ID,
        time: at,
        messaging: [{ sender: { id: psid }, recipient: { id: PAGE_ID }, timestamp: at, message: { mid, text } }],
      },
    ],
  };
  return { mid, body };
}

function receiptBody(
  psid: string,
  receipt: { delivery?: { mids?: string[]; watermark: number }; read?: { watermark: number } },
) {
  const at = Date.now();
  return {
    object: 'page',
    entry: [
      {
        id: PAGE_ID,
        time: at,
        messaging: [{ sender: { id: psid }, recipient: { id: PAGE_ID }, timestamp: at, ...receipt }],
      },
    ],
  };
}

const storedMessage = (providerKey: string) =>
  eventually(async () => (await models().Message.findOne({ providerKey }).lean()) ?? undefined);

async function replyAndSend(ticketId: string, text: string): Promise<{ message: Message; mid: string }> {
  const before = graph.sent.length;
  const res = await agent.post(`/api/tickets/${ticketId}/reply`, { text });
  expect(res.status).toBe(202);
  const [sent] = (await graph.waitForSent(before + 1)).slice(before);
  const message = await eventually(async () => {
    const m = await models().Message.findById(res.body.id).lean();
    return m?.delivery.status === 'sent' ? m : undefined;
  });
  expect(message.providerMessageId).toBe(sent!.messageId);
  return { message, mid: sent!.messageId };
}

const statusOf = async (id: unknown) => (await models().Message.findById(id).lean())!.delivery.status;

beforeAll(async () => {
  graph = await new GraphApiStandIn(PAGE_ID, PAGE_TOKEN).start();
  graph.addProfile(PSID, { first_name: 'Ana', last_name: 'Souza', profile_pic: `${graph.baseUrl}/cdn/ana.jpg` });
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  runtime = new ChannelRuntime(
    { messenger: () => new MessengerAdapter({ graphApiBaseUrl: graph.baseUrl, timeoutMs: 5_000 }) },
    logger,
  );
  h = await startWebHarness({}, { webhooks: { messenger: messengerWebhook }, channels: runtime });
  const core = h.t.core;
  host = { listInboxes: () => core.inboxes.list(), channelContext: (id) => core.channelContext(id) };
  admin = await createUser(core, 'admin');
  agent = await h.login(admin as Viewer & { password: string });
  const inbox = await core.inboxes.create(admin, {
    kind: 'messenger',
    name: 'Facebook Page',
    enabled: true,
    settings: { pageId: PAGE_ID },
    secrets: { pageAccessToken: PAGE_TOKEN, appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN },
  });
  inboxId = inbox.id;
  expect(await runtime.startOne(host, inboxId, 'messenger')).toBe(true);
}, 60_000);

afterAll(async () => {
  await runtime?.stopAll();
  await h?.stop();
  await graph?.stop();
});

describe('Messenger: the full loop', () => {
  let ticketId: string;

  it('inbound → ticket (name, picture once) → agent reply → Send API → delivered → read', async () => {
    const body = fixture('text');
    const event = body.entry[0].messaging[0];
    event.timestamp = Date.now() - 60_000;
    const res = await postWebhook(body);
    expect(res.status).toBe(200);
    expect(res.text).toBe('EVENT_RECEIVED');

    const inbound = await storedMessage(`fb:${event.message.mid}`);
    ticketId = String(inbound.ticketId);
    expect(inbound).toMatchObject({
      direction: 'inbound',
      channel: 'messenger',
      text: event.message.text,
      providerMessageId: event.message.mid,
    });
    const ticket = (await models().Ticket.findById(ticketId).lean())!;
    expect(ticket.replyTo).toMatchObject({ handle: PSID, conversationId: PSID });
    const contact = (await models().Contact.findById(ticket.contactId).lean())!;
    expect(contact).toMatchObject({
      name: 'Ana Souza',
      avatarUrl: `${graph.baseUrl}/cdn/ana.jpg`,
      identities: [`messenger:${PSID}`],
    });

    const { message, mid } = await replyAndSend(ticketId, 'Olá Ana, vamos verificar o pedido #4521.');
    expect(graph.sent.at(-1)).toMatchObject({
      pageId: PAGE_ID,
      recipientId: PSID,
      messagingType: 'RESPONSE',
      text: 'Olá Ana, vamos verificar o pedido #4521.',
    });

    expect((await postWebhook(receiptBody(PSID, { delivery: { mids: [mid], watermark: Date.now() } }))).status).toBe(
      200,
    );
    await eventually(async () => ((await statusOf(message._id)) === 'delivered' ? true : undefined));
    expect((await postWebhook(receiptBody(PSID, { read: { watermark: Date.now() } }))).status).toBe(200);
    await eventually(async () => ((await statusOf(message._id)) === 'read' ? true : undefined));
    // The console hears it: one status event per step, for this message (published just after the write).
    const seen = () =>
      h.t.events.filter((e) => e.type === 'message.status_changed' && e.messageId === String(message._id)).map((e) => (e as { status: string }).status);
    await eventually(async () => (seen().length >= 3 ? true : undefined));
    expect(seen()).toEqual(['sent', 'delivered', 'read']);
  });

  it('fetches and stores an image, keeps the quote, and does not ask for the profile again', async () => {
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('JFIF image bytes '.repeat(500))]);
    const body = fixture('image');
    const event = body.entry[0].messaging[0];
    event.timestamp = Date.now();
    event.message.attachments[0].payload.url = graph.addFile('440001122_987654321_n.jpg', jpeg, 'image/jpeg');
    expect((await postWebhook(body)).status).toBe(200);

    const m = await storedMessage(`fb:${event.message.mid}`);
    expect(String(m.ticketId)).toBe(ticketId);
    expect(m.threading.quotedProviderMessageId).toBe('m_AYQh3fK0c9xLZb2lJ7Ty8qkq0W3nV1xg5s8y4nP2mDqk7oS1eRf');
    expect(m.attachments).toHaveLength(1);
    expect(m.attachments[0]).toMatchObject({
      fileName: '440001122_987654321_n.jpg',
      mimeType: 'image/jpeg',
      size: jpeg.length,
    });
    expect((await h.t.core.blobs.get(m.attachments[0]!.blobId)).equals(jpeg)).toBe(true);
    expect(graph.downloads).toContain('440001122_987654321_n.jpg');
    expect(graph.profileCalls.filter((id) => id === PSID)).toHaveLength(1);
  });

  it('stores a batch of 3 entries: each message once, in its conversation; the Page-inbox echo as sent', async () => {
    const body = fixture('batch-3-entries');
    const now = Date.now();
    body.entry.forEach((entry: any, i: number) =>
      entry.messaging.forEach((m: any, j: number) => (m.timestamp = now + i * 10 + j)),
    );
    const receipt = Buffer.from('%PDF-1.4 receipt 4521');
    body.entry[1].messaging[0].message.attachments[0].payload.url = graph.addFile(
      'receipt-4521.pdf',
      receipt,
      'application/pdf',
    );
    expect((await postWebhook(body)).status).toBe(200);

    const [a, b, c] = await Promise.all(
      [
        'm_EAUl7jO4g3bPDf6pN1Xc2uou4A7rZ5bk9w2c8rT6qHuo1sW5iVj',
        'm_EBVm8kP5h4cQEg7qO2Yd3vpv5B8sA6cl0x3d9sU7rIvp2tX6jWk',
        'm_ECWn9lQ6i5dRFh8rP3Ze4wqw6C9tB7dm1y4e0tV8sJwq3uY7kXl',
      ].map((mid) => storedMessage(`fb:${mid}`)),
    );
    expect(String(a!.ticketId)).toBe(String(b!.ticketId));
    expect(String(c!.ticketId)).not.toBe(String(a!.ticketId));
    expect(c!.attachments[0]).toMatchObject({
      fileName: 'receipt-4521.pdf',
      mimeType: 'application/pdf',
      size: receipt.length,
    });
    // No profile for these people at the stand-in: the messages went on without a name.
    expect((await models().Ticket.findById(a!.ticketId).lean())!.replyTo.handle).toBe('7000000000000001');
    const outside = await storedMessage('fb:m_EDXo0mR7j6eSGi9sQ4Af5xrx7D0uC8en2z5f1uW9tKxr4vZ8lYm');
    expect(outside).toMatchObject({
      direction: 'outbound',
      text: 'Sí, enviamos.',
      author: { type: 'system', name: 'Sent outside Ponte (Page inbox)' },
    });
    expect(outside.delivery.status).toBe('sent');
    expect(String(outside.ticketId)).toBe(String(a!.ticketId));
  });
});

describe('Messenger: what must not be stored, or stored twice', () => {
  it('refuses a bad or missing signature with 403 and stores nothing', async () => {
    const { mid, body } = textBody(PSID, 'forged');
    const wrong = signed(body, 'not-the-app-secret');
    expect((await postWebhook(body, wrong.headers)).status).toBe(403);
    expect((await postWebhook(body, {})).status).toBe(403);
    expect(await models().InboundEvent.findById(`fb:${mid}`).lean()).toBeNull();
  });

  it('stores the same webhook sent 3× at once only once', async () => {
    const { mid, body } = textBody('7100000000000001', 'triplicate');
    const results = await Promise.all([postWebhook(body), postWebhook(body), postWebhook(body)]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    await storedMessage(`fb:${mid}`);
    await h.t.core.ingest.drain();
    expect(await models().Message.countDocuments({ providerKey: `fb:${mid}` })).toBe(1);
    expect(await models().InboundEvent.countDocuments({ _id: `fb:${mid}` })).toBe(1);
    expect(await models().Ticket.countDocuments({ 'replyTo.handle': '7100000000000001' })).toBe(1);
  });

  it("drops our echoes; a reply typed in Meta's Page inbox is kept as outbound, never as the customer's", async () => {
    const { mid: customerMid, body } = textBody('7200000000000001', 'hello');
    await postWebhook(body);
    const inbound = await storedMessage(`fb:${customerMid}`);
    const { mid } = await replyAndSend(String(inbound.ticketId), 'hi there');
    expect(graph.sent.at(-1)!.metadata).toBe('ponte');
    const before = await models().Message.countDocuments({ ticketId: inbound.ticketId });
    const echoOf = (echoMid: string, metadata?: string) => {
      const echo = fixture('echo');
      const m = echo.entry[0].messaging[0];
      m.recipient.id = '7200000000000001';
      m.message.mid = echoMid;
      m.timestamp = Date.now();
      if (metadata) m.message.metadata = metadata;
      else delete m.message.metadata;
      return echo;
    };
    // Our echo (with our metadata) is not even stored; one without it but with our mid is recognised.
    expect((await postWebhook(echoOf(mid, 'ponte'))).status).toBe(200);
    expect(await models().InboundEvent.findById(`fb:${mid}`).lean()).toBeNull();
    expect((await postWebhook(echoOf(mid))).status).toBe(200);
    await eventually(async () =>
      (await models().InboundEvent.findById(`fb:${mid}`).lean())?.status === 'processed' ? true : undefined,
    );
    expect(await models().Message.countDocuments({ ticketId: inbound.ticketId })).toBe(before);
    // Typed by a person in Meta's Page inbox: an outbound message of the ticket, sent.
    expect((await postWebhook(echoOf('m_typed_in_page_inbox_1'))).status).toBe(200);
    const outside = await storedMessage('fb:m_typed_in_page_inbox_1');
    expect(outside).toMatchObject({
      ticketId: inbound.ticketId,
      direction: 'outbound',
      text: 'Estamos verificando com a transportadora.',
    });
    expect(await models().Message.countDocuments({ ticketId: inbound.ticketId, direction: 'inbound' })).toBe(1);
    expect(await models().Contact.countDocuments({ identities: `messenger:${PAGE_ID}` })).toBe(0);
    expect(h.t.events).toContainEqual(
      expect.objectContaining({
        type: 'message.created',
        message: expect.objectContaining({ id: String(outside._id) }),
      }),
    );
  });

  it('lets the final state win when receipts come out of order or twice', async () => {
    const { mid: customerMid, body } = textBody('7300000000000001', 'order?');
    await postWebhook(body);
    const inbound = await storedMessage(`fb:${customerMid}`);
    const { message, mid } = await replyAndSend(String(inbound.ticketId), 'shipped');
    // Read first, then the delivery of the same message, then the read again.
    await postWebhook(receiptBody('7300000000000001', { read: { watermark: Date.now() } }));
    await eventually(async () => ((await statusOf(message._id)) === 'read' ? true : undefined));
    await postWebhook(receiptBody('7300000000000001', { delivery: { mids: [mid], watermark: Date.now() } }));
    await postWebhook(receiptBody('7300000000000001', { read: { watermark: Date.now() + 1 } }));
    // The later receipts are processed (their events are marked) and changed nothing.
    await eventually(async () => {
      const marks = await models()
        .InboundEvent.find({ _id: { $in: [`fb:delivered:${mid}`] }, status: 'processed' })
        .lean();
      return marks.length === 1 ? true : undefined;
    });
    await h.t.core.ingest.drain();
    const final = (await models().Message.findById(message._id).lean())!;
    expect(final.delivery.status).toBe('read');
    expect(final.delivery.history.map((x) => x.status)).toEqual(['queued', 'sending', 'sent', 'read']);
  });
});

describe('Messenger: watermarks read by _id', () => {
  it('a read watermark confirms replies on the current ticket and the one it follows up, without the query by conversation', async () => {
    const psid = '7300000000000002';
    const first = textBody(psid, 'where is my order?', Date.now() - 120_000);
    await postWebhook(first.body);
    const firstTicket = String((await storedMessage(`fb:${first.mid}`)).ticketId);
    const onOld = await replyAndSend(firstTicket, 'it ships tomorrow');
    await h.t.core.tickets.setStatus(admin as Viewer, firstTicket, 'closed');
    // The customer writes again: a follow-up ticket; the agent answers there too.
    const second = textBody(psid, 'thanks, one more thing');
    await postWebhook(second.body);
    const followUp = String((await storedMessage(`fb:${second.mid}`)).ticketId);
    expect(followUp).not.toBe(firstTicket);
    expect(String((await models().Ticket.findById(followUp).lean())!.previousTicketId)).toBe(firstTicket);
    const onNew = await replyAndSend(followUp, 'sure, tell me');
    // Behind the hub's back: what the query by conversation matched on is gone; only keys and entries lead there.
    await models().Ticket.collection.updateMany({ _id: { $in: [new Types.ObjectId(firstTicket), new Types.ObjectId(followUp)] } }, { $unset: { 'replyTo.conversationId': '' } });

    await postWebhook(receiptBody(psid, { read: { watermark: Date.now() } }));
    await eventually(async () => ((await statusOf(onNew.message._id)) === 'read' ? true : undefined));
    await eventually(async () => ((await statusOf(onOld.message._id)) === 'read' ? true : undefined));
  });

  it('a watermark earlier than a reply leaves that reply as it was', async () => {
    const psid = '7300000000000003';
    const hello = textBody(psid, 'hello');
    await postWebhook(hello.body);
    const ticket = String((await storedMessage(`fb:${hello.mid}`)).ticketId);
    const before = Date.now() - 60_000;
    const { message } = await replyAndSend(ticket, 'hi!');
    expect((await postWebhook(receiptBody(psid, { read: { watermark: before } }))).status).toBe(200);
    await h.t.core.ingest.drain();
    expect(await statusOf(message._id)).toBe('sent');
    // A later watermark does move it: the receipt above was processed, not lost.
    await postWebhook(receiptBody(psid, { read: { watermark: Date.now() } }));
    await eventually(async () => ((await statusOf(message._id)) === 'read' ? true : undefined));
  });
});

describe('Messenger: the GET handshake', () => {
  it('echoes the challenge for the right verify token and refuses a wrong one', async () => {
    const ok = await h.anon.get(
      `${webhookPath()}?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1158201444`,
    );
    expect(ok.status).toBe(200);
    expect(ok.text).toBe('1158201444');
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain/);
    const wrong = await h.anon.get(
      `${webhookPath()}?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1158201444`,
    );
    expect(wrong.status).toBe(403);
    expect(wrong.text).not.toContain('1158201444');
  });
});

describe('Messenger: the 24-hour window', () => {
  it('refuses a reply after 24 h (told before), and sends it with HUMAN_AGENT where the inbox allows', async () => {
    const psid = '7400000000000001';
    const { mid, body } = textBody(psid, 'yesterday', Date.now() - 25 * 3_600_000);
    await postWebhook(body);
    const inbound = await storedMessage(`fb:${mid}`);
    const ticketId = String(inbound.ticketId);

    const window = await agent.get(`/api/tickets/${ticketId}/reply-window`);
    expect(window.status).toBe(200);
    expect(window.body.channelWindow).toMatchObject({ open: false, canReply: false });
    const sentBefore = graph.sent.length;
    const refused = await agent.post(`/api/tickets/${ticketId}/reply`, { text: 'sorry for the delay' });
    expect(refused.status).toBe(409);
    expect(refused.body.code ?? refused.body.error?.code).toBe('OUTSIDE_MESSAGING_WINDOW');
    expect(await models().Message.countDocuments({ ticketId: inbound.ticketId, direction: 'outbound' })).toBe(0);

    await h.t.core.inboxes.update(admin, inboxId, { settings: { pageId: PAGE_ID, allowHumanAgentTag: true } });
    await runtime.reload(host, inboxId);
    expect((await agent.get(`/api/tickets/${ticketId}/reply-window`)).body.channelWindow).toMatchObject({
      open: false,
      canReply: true,
    });
    await replyAndSend(ticketId, 'sorry for the delay');
    expect(graph.sent.slice(sentBefore)).toEqual([
      expect.objectContaining({
        recipientId: psid,
        messagingType: 'MESSAGE_TAG',
        tag: 'HUMAN_AGENT',
        text: 'sorry for the delay',
      }),
    ]);
    // A customer inside the window still gets a plain RESPONSE.
    const fresh = textBody(psid, 'still there?');
    await postWebhook(fresh.body);
    await storedMessage(`fb:${fresh.mid}`);
    await replyAndSend(ticketId, 'yes!');
    expect(graph.sent.at(-1)).toMatchObject({ messagingType: 'RESPONSE' });
  });
});

describe('Messenger: Graph errors', () => {
  it('retries a rate limit and sends', async () => {
    const { mid, body } = textBody('7500000000000001', 'busy?');
    await postWebhook(body);
    const inbound = await storedMessage(`fb:${mid}`);
    graph.failNext({
      code: 613,
      message: '(#613) Calls to this api have exceeded the rate limit.',
      retryAfterSeconds: 0,
    });
    const { message } = await replyAndSend(String(inbound.ticketId), 'not at all');
    expect(message.delivery.attempts).toBe(2);
    expect(message.delivery.history.map((x) => x.status)).toEqual(['queued', 'sending', 'queued', 'sending', 'sent']);
  });

  it('fails the message with the reason and marks the inbox down when the token expired', async () => {
    const { mid, body } = textBody('7600000000000001', 'anyone?');
    await postWebhook(body);
    const inbound = await storedMessage(`fb:${mid}`);
    graph.failNext({
      code: 190,
      subcode: 463,
      type: 'OAuthException',
      message: 'Error validating access token: Session has expired on Tuesday.',
    });
    const res = await agent.post(`/api/tickets/${String(inbound.ticketId)}/reply`, { text: 'hello?' });
    expect(res.status).toBe(202);
    const failed = await eventually(async () => {
      const m = await models().Message.findById(res.body.id).lean();
      return m?.delivery.status === 'failed' ? m : undefined;
    });
    expect(failed.delivery.lastError).toMatch(/^MESSENGER_TOKEN_INVALID: .*Session has expired/);
    expect(failed.delivery.attempts).toBe(1);
    const inbox = (await models().Inbox.findById(inboxId).lean())!;
    expect(inbox.health.status).toBe('down');
    expect(inbox.health.detail).toContain('MESSENGER_TOKEN_INVALID');
    expect(h.t.events).toContainEqual(
      expect.objectContaining({ type: 'channel.state_changed', inboxId, status: 'down' }),
    );
  });
});

describe('Messenger: scripts/simulate', () => {
  it('pushes signed webhooks the hub accepts (handshake, batch, retry, echo, receipts; forged: 403)', async () => {
    const { run } = await import('../../../scripts/simulate/messenger.js');
    const simulated = () => models().InboundEvent.countDocuments({ _id: /^fb:m_sim/ });
    const before = await simulated();
    const logged: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => void logged.push(args.join(' '));
    try {
      await run([
        '--hub',
        h.baseUrl,
        '--inbox',
        inboxId,
        '--app-secret',
        APP_SECRET,
        '--page-id',
        PAGE_ID,
        '--verify-token',
        VERIFY_TOKEN,
        '--customers',
        '2',
        '--delay-ms',
        '0',
      ]);
    } finally {
      console.log = log;
    }
    expect(logged[0]).toBe('GET handshake: 200 (challenge echoed)');
    expect(logged.filter((l) => /: 200 EVENT_RECEIVED$/.test(l))).toHaveLength(logged.length - 2);
    expect(logged.at(-1)).toBe('a forged signature: 403 (expected 403)');
    // The postback, one per customer, two in the batch, one message (its retry a duplicate), the Page-inbox echo.
    await h.t.core.ingest.drain();
    expect((await simulated()) - before).toBe(7);
    expect(await models().Message.countDocuments({ providerKey: /^fb:m_sim/, direction: 'inbound' })).toBe(6);
    expect(await models().Message.countDocuments({ providerKey: /^fb:m_sim/, direction: 'outbound' })).toBe(1);
  });
});
