import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelRuntime, type ChannelHost } from '../../../src/channels/channel-runtime.js';
import { endpointConnectionTesters } from '../../../src/channels/channel-catalogue.js';
import { TelegramAdapter } from '../../../src/channels/telegram/adapter.js';
import { telegramDescription } from '../../../src/channels/telegram/settings-form.js';
import { telegramWebhook } from '../../../src/channels/telegram/webhook.js';
import { createLogger } from '../../../src/core/logging/logger.js';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { startTelegramBotApi, type TelegramBotApiStandin } from '../../standins/telegram-bot-api.js';
import { createUser } from '../../support/test-core.js';
import { eventually, startWebHarness, type ApiClient, type WebHarness } from '../web/web-harness.js';

/**
 * Replies of one conversation reach the customer in the order the agent sent them, whatever happens to the
 * first on its way (slow, rate-limited, refused for good); other conversations are not held up. The whole hub,
 * telegraf against the Bot API stand-in, replies through the REST API.
 */

let api: TelegramBotApiStandin;
let h: WebHarness;
let runtime: ChannelRuntime;
let agent: ApiClient;
let inboxId: string;
let secret: string;

const host = (): ChannelHost => ({
  listInboxes: () => h.t.core.inboxes.list(),
  channelContext: (id) => h.t.core.channelContext(id),
});

let nextUpdate = 920_000_000;
let nextMessage = 1;
/** A customer writes on chat `chat`; resolves with the ticket it landed on. */
async function customerWrites(chat: number, text: string): Promise<string> {
  const messageId = nextMessage++;
  const from = { id: chat, is_bot: false, first_name: 'Ana' };
  const res = await fetch(`${h.baseUrl}/webhooks/telegram/${inboxId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
    body: JSON.stringify({
      update_id: nextUpdate++,
      message: { message_id: messageId, from, chat: { ...from, type: 'private' }, date: Math.floor(Date.now() / 1000), text },
    }),
  });
  expect(res.status).toBe(200);
  const stored = await eventually(async () => (await modelsOf(h.t.core).Message.findOne({ providerKey: `tg:${api.bot.id}:${chat}:${messageId}` }).lean()) ?? undefined);
  return String(stored.ticketId);
}

async function reply(ticketId: string, text: string): Promise<string> {
  const res = await agent.post(`/api/tickets/${ticketId}/reply`, { text });
  expect(res.status).toBe(202);
  return res.body.id as string;
}

const textsTo = (chat: number) => api.sent.filter((m) => m.chatId === String(chat)).map((m) => m.text);
const callsTo = (chat: number) => api.callsOf('sendMessage').filter((c) => String(c.params.chat_id) === String(chat)).map((c) => c.params.text);
const messageOf = (id: string) => modelsOf(h.t.core).Message.findById(id).lean();
const reasonsOf = async (id: string) => ((await messageOf(id))?.delivery.history ?? []).map((e) => e.reason ?? '');

/** A positive signal either way: the later reply went out (the bug), or it says it waits for the earlier one. */
const laterWentOrWaits = (chat: number, laterId: string, laterText: string) =>
  eventually(async () => (textsTo(chat).includes(laterText) || (await reasonsOf(laterId)).some((r) => r.startsWith('WAITING_FOR_EARLIER_REPLY')) ? true : undefined));

beforeAll(async () => {
  api = await startTelegramBotApi();
  const publicUrl = 'http://hub.invalid';
  runtime = new ChannelRuntime(
    { telegram: () => new TelegramAdapter({ apiRoot: api.apiRoot, publicUrl }) },
    createLogger('silent'),
    endpointConnectionTesters({ publicUrl, platforms: { telegramApiRoot: api.apiRoot, graphApiBaseUrl: '', twilioApiBaseUrl: undefined } }),
  );
  h = await startWebHarness({}, { webhooks: { telegram: telegramWebhook }, channelKinds: [telegramDescription], channels: runtime });
  agent = await h.login(await createUser(h.t.core, 'admin'));
  const created = await agent.post('/api/inboxes', {
    kind: 'telegram',
    name: 'Telegram support',
    enabled: true,
    settings: { mode: 'webhook', allowGroups: false, publicUrl: h.baseUrl },
    secrets: { botToken: api.token },
  });
  expect(created.status).toBe(201);
  inboxId = created.body.id;
  secret = String((await h.t.core.inboxes.runtimeSettings(inboxId)).webhookSecret);
  await runtime.reload(host(), inboxId);
}, 60_000);

afterAll(async () => {
  await runtime?.stopAll();
  await h?.stop();
  await api?.stop();
});

describe('replies of one conversation arrive in the order they were sent', () => {
  it('the first answered slowly: the second waits for it, and the agent sees why', async () => {
    const chat = 610_000_001;
    const ticketId = await customerWrites(chat, 'Meu pedido não chegou');
    const slow = api.holdNext('sendMessage');
    const first = await reply(ticketId, 'Deixa eu verificar…');
    await slow.arrived;
    const second = await reply(ticketId, 'Pronto, resolvido.');
    await laterWentOrWaits(chat, second, 'Pronto, resolvido.');
    slow.release();
    await eventually(async () => (textsTo(chat).length === 2 ? true : undefined));
    expect(textsTo(chat)).toEqual(['Deixa eu verificar…', 'Pronto, resolvido.']);
    expect((await reasonsOf(second)).find((r) => r.startsWith('WAITING_FOR_EARLIER_REPLY'))).toContain(first);
    await eventually(async () => ((await messageOf(second))?.delivery.status === 'sent' ? true : undefined));
  });

  it('the first rate-limited (429): the second waits behind its retry', async () => {
    const chat = 610_000_002;
    const ticketId = await customerWrites(chat, 'Oi?');
    api.failNext('sendMessage', { error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } });
    await reply(ticketId, 'Um momento…');
    await reply(ticketId, 'Feito!');
    await eventually(async () => (textsTo(chat).length === 2 ? true : undefined));
    expect(textsTo(chat)).toEqual(['Um momento…', 'Feito!']);
    expect(callsTo(chat)).toEqual(['Um momento…', 'Um momento…', 'Feito!']);
  });

  it('the first refused for good: the second still goes, after it, and says the first failed', async () => {
    const chat = 610_000_003;
    const ticketId = await customerWrites(chat, 'Alô');
    // A retry first (so the second has time to overtake it without ordering), then a permanent refusal.
    api.failNext('sendMessage', { error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } });
    api.failNext('sendMessage', { error_code: 400, description: 'Bad Request: message is too long' });
    const first = await reply(ticketId, 'Primeira');
    const second = await reply(ticketId, 'Segunda');
    await eventually(async () => ((await messageOf(second))?.delivery.status === 'sent' ? true : undefined));
    expect((await messageOf(first))?.delivery).toMatchObject({ status: 'failed', lastError: expect.stringContaining('message is too long') });
    expect(callsTo(chat)).toEqual(['Primeira', 'Primeira', 'Segunda']);
    expect(textsTo(chat)).toEqual(['Segunda']);
    const reasons = await reasonsOf(second);
    expect(reasons.some((r) => r.startsWith('EARLIER_REPLY_FAILED') && r.includes(first))).toBe(true);
    // The console is told too, with the reason.
    const told = h.t.events.filter((e) => e.type === 'message.status_changed' && e.messageId === second).map((e) => (e as { reason?: string }).reason ?? '');
    expect(told.some((r) => r.startsWith('EARLIER_REPLY_FAILED'))).toBe(true);
  });

  it('a slow conversation does not hold up another one', async () => {
    const slowChat = 610_000_004;
    const otherChat = 610_000_005;
    const slowTicket = await customerWrites(slowChat, 'Primeiro cliente');
    const otherTicket = await customerWrites(otherChat, 'Segundo cliente');
    const slow = api.holdNext('sendMessage');
    await reply(slowTicket, 'Verificando…');
    await slow.arrived;
    const second = await reply(slowTicket, 'Tudo certo.');
    await reply(otherTicket, 'Olá, segundo cliente');
    // The other customer gets theirs while the first conversation's reply still hangs.
    await eventually(async () => (textsTo(otherChat).length === 1 ? true : undefined));
    expect(textsTo(slowChat)).not.toContain('Verificando…');
    await laterWentOrWaits(slowChat, second, 'Tudo certo.');
    slow.release();
    await eventually(async () => (textsTo(slowChat).length === 2 ? true : undefined));
    expect(textsTo(slowChat)).toEqual(['Verificando…', 'Tudo certo.']);
  });
});
