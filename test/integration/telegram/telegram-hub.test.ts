import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelRuntime, type ChannelHost } from '../../../src/channels/channel-runtime.js';
import { endpointConnectionTesters } from '../../../src/channels/channel-catalogue.js';
import { TelegramAdapter } from '../../../src/channels/telegram/adapter.js';
import { telegramDescription } from '../../../src/channels/telegram/settings-form.js';
import { telegramWebhook } from '../../../src/channels/telegram/webhook.js';
import { createLogger } from '../../../src/core/logging/logger.js';
import type { Viewer } from '../../../src/core/users/viewer.js';
import { fixture } from '../../channels/telegram/fixtures.js';
import { startTelegramBotApi, type TelegramBotApiStandin } from '../../standins/telegram-bot-api.js';
import { createInbox, createUser, smsEvent } from '../../support/test-core.js';
import { eventually, startWebHarness, type ApiClient, type WebHarness } from '../web/web-harness.js';
import { modelsOf } from '../../../src/core/models/models-of.js';

/**
 * The whole hub with a Telegram inbox in webhook mode: telegraf against the loopback Bot API stand-in, updates
 * POSTed to the shared webhook router exactly as Telegram sends them (one Update per call, the secret token in
 * `X-Telegram-Bot-Api-Secret-Token`), agent replies through the REST API.
 */

let api: TelegramBotApiStandin;
let h: WebHarness;
let runtime: ChannelRuntime;
let admin: Viewer & { password: string };
let agent: ApiClient;
let inboxId: string;
let secret: string;
let webhookPath: string;

const CHAT = 381234567;
const host = (): ChannelHost => ({
  listInboxes: () => h.t.core.inboxes.list(),
  channelContext: (id) => h.t.core.channelContext(id),
});

/** One Update POSTed as Telegram does. */
function post(update: unknown, secretToken: string | null = secret) {
  return fetch(h.baseUrl + webhookPath, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(secretToken !== null ? { 'x-telegram-bot-api-secret-token': secretToken } : {}),
    },
    body: JSON.stringify(update),
  });
}

let nextUpdate = 910_000_000;
function textUpdate(opts: {
  messageId: number;
  text: string;
  chat?: number;
  date?: number;
  replyTo?: number;
  entities?: unknown[];
}) {
  const from = {
    id: opts.chat ?? CHAT,
    is_bot: false,
    first_name: 'Ana',
    last_name: 'Souza',
    username: 'anasouza',
    language_code: 'pt-br',
  };
  return {
    update_id: nextUpdate++,
    message: {
      message_id: opts.messageId,
      from,
      chat: { id: opts.chat ?? CHAT, first_name: 'Ana', last_name: 'Souza', username: 'anasouza', type: 'private' },
      date: opts.date ?? Math.floor(Date.now() / 1000),
      text: opts.text,
      ...(opts.entities ? { entities: opts.entities } : {}),
      ...(opts.replyTo
        ? {
            reply_to_message: {
              message_id: opts.replyTo,
              chat: { id: opts.chat ?? CHAT, type: 'private' },
              date: 1,
              text: 'x',
            },
          }
        : {}),
    },
  };
}

const messageByKey = (messageId: number, chat = CHAT) =>
  eventually(
    async () =>
      (await modelsOf(h.t.core).Message.findOne({ providerKey: `tg:${api.bot.id}:${chat}:${messageId}` }).lean()) ??
      undefined,
  );

async function threadOf(ticketId: string): Promise<Array<Record<string, any>>> {
  const page = await agent.get(`/api/tickets/${ticketId}/messages?limit=200`);
  expect(page.status).toBe(200);
  return page.body.items;
}

const replyStatus = (ticketId: string, messageId: string, status: string) =>
  eventually(
    async () => (await threadOf(ticketId)).find((m) => m.id === messageId && m.deliveryStatus === status),
    20_000,
  );

beforeAll(async () => {
  api = await startTelegramBotApi();
  const endpoints = {
    publicUrl: 'http://hub.invalid',
    platforms: { telegramApiRoot: api.apiRoot, graphApiBaseUrl: '', twilioApiBaseUrl: undefined },
  };
  runtime = new ChannelRuntime(
    { telegram: () => new TelegramAdapter({ apiRoot: api.apiRoot, publicUrl: endpoints.publicUrl }) },
    createLogger('silent'),
    endpointConnectionTesters(endpoints),
  );
  h = await startWebHarness(
    {},
    { webhooks: { telegram: telegramWebhook }, channelKinds: [telegramDescription], channels: runtime },
  );
  admin = await createUser(h.t.core, 'admin');
  agent = await h.login(admin);
  // Created through the API like the settings screen does; the token is a write-only secret.
  const created = await agent.post('/api/inboxes', {
    kind: 'telegram',
    name: 'Telegram support',
    enabled: true,
    settings: { mode: 'webhook', allowGroups: false, publicUrl: h.baseUrl },
    secrets: { botToken: api.token },
  });
  expect(created.status).toBe(201);
  expect(JSON.stringify(created.body)).not.toContain(api.token);
  inboxId = created.body.id;
  webhookPath = `/webhooks/telegram/${inboxId}`;
  secret = String((await h.t.core.inboxes.runtimeSettings(inboxId)).webhookSecret);
  await runtime.reload(host(), inboxId);
}, 60_000);

afterAll(async () => {
  await runtime?.stopAll();
  await h?.stop();
  await api?.stop();
});

describe('telegram webhook mode through the whole hub', () => {
  it('start registers the webhook with our secret token, once: a restart finds it in place', async () => {
    expect(api.webhook).toEqual({
      url: `${h.baseUrl}${webhookPath}`,
      secret_token: secret,
      allowed_updates: ['message', 'edited_message'],
    });
    expect(api.callsOf('setWebhook')).toHaveLength(1);
    await runtime.reload(host(), inboxId);
    expect(api.callsOf('getWebhookInfo').length).toBeGreaterThanOrEqual(2);
    expect(api.callsOf('setWebhook')).toHaveLength(1);
    expect((await h.t.core.inboxes.get(inboxId)).health).toMatchObject({ status: 'ok' });
  });

  it('"test connection" asks getMe; the form is served with the channel kinds', async () => {
    const report = await agent.post(`/api/inboxes/${inboxId}/test-connection`);
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ ok: true, checks: { bot: { ok: true } } });
    const kinds = await agent.get('/api/channel-kinds');
    const tg = (kinds.body.items ?? kinds.body).find((k: { kind: string }) => k.kind === 'telegram');
    expect(tg.fields.find((f: { key: string }) => f.key === 'botToken')).toMatchObject({
      secret: true,
      required: true,
    });
  });

  it('a wrong or missing secret token → 403 and nothing stored', async () => {
    const before = await modelsOf(h.t.core).InboundEvent.countDocuments();
    const update = textUpdate({ messageId: 1, text: 'forged' });
    expect((await post(update, 'not-the-secret')).status).toBe(403);
    expect((await post(update, null)).status).toBe(403);
    expect((await post(update, `${secret}x`)).status).toBe(403);
    expect(await modelsOf(h.t.core).InboundEvent.countDocuments()).toBe(before);
    expect(await modelsOf(h.t.core).Message.countDocuments({ providerKey: `tg:${api.bot.id}:${CHAT}:1` })).toBe(0);
  });

  it('a malformed body → 400, nothing stored', async () => {
    const before = await modelsOf(h.t.core).InboundEvent.countDocuments();
    const res = await fetch(h.baseUrl + webhookPath, {
      method: 'POST',
      headers: { 'x-telegram-bot-api-secret-token': secret },
      body: '{"message":',
    });
    expect(res.status).toBe(400);
    expect(await modelsOf(h.t.core).InboundEvent.countDocuments()).toBe(before);
  });

  it('the same update three times at once → one message', async () => {
    const update = textUpdate({ messageId: 2, text: 'Oi, preciso de ajuda' });
    const answers = await Promise.all([post(update), post(update), post(update)]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
    await messageByKey(2);
    await h.t.core.ingest.drain();
    expect(await modelsOf(h.t.core).Message.countDocuments({ providerKey: `tg:${api.bot.id}:${CHAT}:2` })).toBe(1);
    expect(await modelsOf(h.t.core).InboundEvent.countDocuments({ _id: `tg:${api.bot.id}:${CHAT}:2` })).toBe(1);
  });

  it("50 updates of one chat, delivered out of order at once → the thread shows Telegram's order", async () => {
    const chat = 555000111;
    const base = Math.floor(Date.now() / 1000) - 60;
    // Ten messages per second: Telegram's one-second dates tie, message ids do not.
    const updates = Array.from({ length: 50 }, (_, i) =>
      textUpdate({ chat, messageId: 3001 + i, date: base + Math.floor(i / 10), text: `m${i + 1}` }),
    );
    const shuffled = [...updates].sort(() => Math.random() - 0.5);
    const answers = await Promise.all(shuffled.map((u) => post(u)));
    expect(answers.every((r) => r.status === 200)).toBe(true);
    const first = await messageByKey(3001, chat);
    await eventually(
      async () =>
        (await modelsOf(h.t.core).Message.countDocuments({ ticketId: first.ticketId })) === 50 ? true : undefined,
      30_000,
    );
    const thread = await threadOf(String(first.ticketId));
    expect(thread.map((m) => m.text)).toEqual(updates.map((u) => u.message.text));
  });

  it('full loop: inbound → ticket → REST reply → sendMessage at Telegram → sent; a quote of it joins the ticket', async () => {
    const res = await post(textUpdate({ messageId: 10, text: 'Meu pedido não chegou' }));
    expect(res.status).toBe(200);
    const inbound = await messageByKey(10);
    const ticketId = String(inbound.ticketId);
    const sentBefore = api.sent.length;
    const reply = await agent.post(`/api/tickets/${ticketId}/reply`, { text: 'Olá Ana! Vamos verificar <agora>.' });
    expect(reply.status).toBe(202);
    const [sent] = (await api.waitForSent(sentBefore + 1)).slice(sentBefore);
    expect(sent).toMatchObject({
      method: 'sendMessage',
      chatId: String(CHAT),
      text: 'Olá Ana! Vamos verificar <agora>.',
    });
    const delivered = await replyStatus(ticketId, reply.body.id, 'sent');
    expect(delivered.providerMessageId).toBe(`${CHAT}:${sent!.message_id}`);

    // The customer answers by quoting the agent's message: same ticket, by quote.
    await post(textUpdate({ messageId: 11, text: 'Obrigada!', replyTo: sent!.message_id }));
    const answer = await messageByKey(11);
    expect(String(answer.ticketId)).toBe(ticketId);
    expect(answer.threading.quotedProviderMessageId).toBe(`${CHAT}:${sent!.message_id}`);
  });

  it('a photo reply goes out as sendPhoto with the bytes and the text as caption', async () => {
    const inbound = await messageByKey(10);
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');
    const sentBefore = api.sent.length;
    const reply = await agent.post(`/api/tickets/${inbound.ticketId}/reply`, {
      text: 'Segue o comprovante',
      attachments: [{ fileName: 'comprovante.png', mimeType: 'image/png', contentBase64: png.toString('base64') }],
    });
    expect(reply.status).toBe(202);
    const [sent] = (await api.waitForSent(sentBefore + 1)).slice(sentBefore);
    expect(sent).toMatchObject({ method: 'sendPhoto', chatId: String(CHAT), caption: 'Segue o comprovante' });
    expect(sent!.file!.content.equals(png)).toBe(true);
    await replyStatus(String(inbound.ticketId), reply.body.id, 'sent');
  });

  it('the customer blocked the bot → the reply is failed with the reason, not retried', async () => {
    const inbound = await messageByKey(10);
    api.failNext('sendMessage', { error_code: 403, description: 'Forbidden: bot was blocked by the user' });
    const callsBefore = api.callsOf('sendMessage').length;
    const reply = await agent.post(`/api/tickets/${inbound.ticketId}/reply`, { text: 'Ainda está aí?' });
    const failed = await replyStatus(String(inbound.ticketId), reply.body.id, 'failed');
    expect(failed.delivery.lastError).toMatch(/blocked the bot/);
    expect(failed.delivery.attempts).toBe(1);
    expect(api.callsOf('sendMessage').length).toBe(callsBefore + 1);
  });

  it('chat not found → failed with the reason', async () => {
    const inbound = await messageByKey(10);
    api.failNext('sendMessage', { error_code: 400, description: 'Bad Request: chat not found' });
    const reply = await agent.post(`/api/tickets/${inbound.ticketId}/reply`, { text: 'Olá?' });
    const failed = await replyStatus(String(inbound.ticketId), reply.body.id, 'failed');
    expect(failed.delivery.lastError).toMatch(/does not know this chat/);
  });

  it('429 → sent again only after the retry_after Telegram gave', async () => {
    const inbound = await messageByKey(10);
    api.failNext('sendMessage', {
      error_code: 429,
      description: 'Too Many Requests: retry after 2',
      parameters: { retry_after: 2 },
    });
    const callsBefore = api.callsOf('sendMessage').length;
    const reply = await agent.post(`/api/tickets/${inbound.ticketId}/reply`, { text: 'Mensagem após limite' });
    await replyStatus(String(inbound.ticketId), reply.body.id, 'sent');
    const [limited, retried] = api.callsOf('sendMessage').slice(callsBefore);
    expect(limited!.params.text).toBe('Mensagem após limite');
    expect(retried!.params.text).toBe('Mensagem após limite');
    // The worker's own backoff here is 20–200 ms: only Telegram's retry_after explains two seconds.
    expect(retried!.at.getTime() - limited!.at.getTime()).toBeGreaterThanOrEqual(1_900);
  });

  it('a photo is fetched through getFile and the file server, and stored as the attachment', async () => {
    const bytes = Buffer.concat([Buffer.from('ffd8ffe000104a464946', 'hex'), Buffer.alloc(4000, 7)]);
    const update = fixture('02-photo-caption');
    api.addFile(bytes, { fileId: 'AgACAgEAAxkBAAIBdmdPhoto-x', filePath: 'photos/file_42.jpg' });
    update.message.message_id = 20;
    expect((await post(update)).status).toBe(200);
    const stored = await eventually(async () => {
      const m = await modelsOf(h.t.core).Message.findOne({ providerKey: `tg:${api.bot.id}:${CHAT}:20` }).lean();
      return m?.attachments.length ? m : undefined;
    });
    expect(stored.attachments[0]).toMatchObject({
      fileName: 'photo-20.jpg',
      mimeType: 'image/jpeg',
      size: bytes.length,
    });
    const download = await fetch(`${h.baseUrl}/api/attachments/${stored.attachments[0]!.blobId}`, {
      headers: { cookie: agent.cookie! },
    });
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
    expect(stored.text).toBe('A caixa chegou *amassada*');
    expect(stored.html).toContain('<b>*amassada*</b>');
  });

  it('a file over the 20 MB a bot may download → message kept, the missing file noted', async () => {
    const update = fixture('03-document');
    api.addFile(Buffer.from('%PDF-1.4 small stand-in bytes'), {
      fileId: 'BQACAgEAAxkBAAIBd2dDoc',
      filePath: 'documents/file_43.pdf',
      declaredSize: 25 * 1024 * 1024,
    });
    update.message.message_id = 21;
    expect((await post(update)).status).toBe(200);
    const stored = await messageByKey(21);
    expect(stored.attachments).toEqual([]);
    expect(stored.text).toMatch(/nota-fiscal-123\.pdf: not retrieved/);
  });

  it("a contact card with the sender's own phone links Telegram and SMS: one contact", async () => {
    const chat = 381999001;
    const update = fixture('11-contact-own');
    update.message.message_id = 30;
    update.message.chat.id = chat;
    update.message.from.id = chat;
    update.message.contact.user_id = chat;
    update.message.contact.phone_number = '5521987650001';
    expect((await post(update)).status).toBe(200);
    const fromTelegram = await messageByKey(30, chat);
    const contactId = String(fromTelegram.author.contactId);
    const contact = await modelsOf(h.t.core).Contact.findById(contactId).lean();
    expect(contact!.identities).toEqual(expect.arrayContaining([`telegram:${chat}`, 'phone:+5521987650001']));

    const sms = await createInbox(h.t.core, 'sms');
    await h.t.core.ingest.accept([
      smsEvent(String(sms._id), { sid: 'SMtelegramlink1', from: '+5521987650001', text: 'é a Ana pelo SMS' }),
    ]);
    const fromSms = await eventually(
      async () => (await modelsOf(h.t.core).Message.findOne({ providerKey: 'sms:SMtelegramlink1' }).lean()) ?? undefined,
    );
    expect(String(fromSms.author.contactId)).toBe(contactId);
  });

  it('an edited message shows the new text; the old one stays in the history', async () => {
    await post(textUpdate({ messageId: 40, text: 'Pedido 12', entities: [{ type: 'bold', offset: 7, length: 2 }] }));
    const original = await messageByKey(40);
    expect(original.html).toBe('Pedido <b>12</b>');
    const edit = fixture('14-edited');
    edit.edited_message.message_id = 40;
    edit.edited_message.text = 'Pedido 123';
    edit.edited_message.entities = [];
    expect((await post(edit)).status).toBe(200);
    const edited = await eventually(async () => {
      const m = await modelsOf(h.t.core).Message.findById(original._id).lean();
      return m?.editedAt ? m : undefined;
    });
    expect(edited.text).toBe('Pedido 123');
    expect(edited.html).toBeUndefined(); // the old formatting went with the old text
    // The history is appended right after the message is updated (a CI run read it in between).
    const history = await eventually(async () => {
      const events = await modelsOf(h.t.core).AuditEvent.find({ ticketId: original.ticketId, type: 'message.edited' }).lean();
      return events.length ? events : undefined;
    });
    expect(history.map((e) => (JSON.parse(e.dataJson) as { previousText?: string }).previousText)).toContain(
      'Pedido 12',
    );
    // Consoles with the thread open are told at once (redrawn in place, marked edited).
    const announced = await eventually(async () =>
      h.t.events.find((e) => e.type === 'message.updated' && e.message.id === String(original._id)),
    );
    expect(announced).toMatchObject({ message: { text: 'Pedido 123', editedAt: expect.any(String) } });
  });

  it('group messages are ignored unless the inbox takes groups; then the group is the conversation', async () => {
    const update = fixture('15-group');
    const key = `tg:${api.bot.id}:-1001987654321:88`;
    expect((await post(update)).status).toBe(200);
    await h.t.core.ingest.drain();
    expect(await modelsOf(h.t.core).InboundEvent.countDocuments({ _id: key })).toBe(0);

    const changed = await agent.patch(`/api/inboxes/${inboxId}`, {
      settings: { mode: 'webhook', allowGroups: true, publicUrl: h.baseUrl },
    });
    expect(changed.status).toBe(200);
    await runtime.reload(host(), inboxId); // main.ts does this on inbox.changed
    expect((await post(update)).status).toBe(200);
    const stored = await eventually(
      async () => (await modelsOf(h.t.core).Message.findOne({ providerKey: key }).lean()) ?? undefined,
    );
    const ticket = (await modelsOf(h.t.core).Ticket.findById(stored.ticketId).lean())!;
    expect(ticket.replyTo).toMatchObject({ handle: '502233445', conversationId: '-1001987654321' });
    expect(stored.author.name).toBe('Carlos');

    const sentBefore = api.sent.length;
    const reply = await agent.post(`/api/tickets/${String(stored.ticketId)}/reply`, { text: 'Abrimos às 9h.' });
    const [sent] = (await api.waitForSent(sentBefore + 1)).slice(sentBefore);
    expect(sent).toMatchObject({ method: 'sendMessage', chatId: '-1001987654321', text: 'Abrimos às 9h.' });
    await replyStatus(String(stored.ticketId), reply.body.id, 'sent');
  });
});
