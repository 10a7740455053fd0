import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TelegramAdapter } from '../../../src/channels/telegram/adapter.js';
import { toChannelError } from '../../../src/channels/telegram/api-errors.js';
import { createTelegramApi } from '../../../src/channels/telegram/client.js';
import { fetchTelegramFile } from '../../../src/channels/telegram/media.js';
import { sendOutbound, splitText } from '../../../src/channels/telegram/sender.js';
import { botIdOf, parseTelegramSettings } from '../../../src/channels/telegram/settings.js';
import { testTelegramConnection } from '../../../src/channels/telegram/test-connection.js';
import { ensureWebhook } from '../../../src/channels/telegram/webhook-registration.js';
import { secretMatches, telegramWebhook } from '../../../src/channels/telegram/webhook.js';
import type {
  ChannelContext,
  ChannelHealth,
  ChannelStateStore,
  OutboundMessage,
} from '../../../src/core/domain/channel-adapter.js';
import { createLogger } from '../../../src/core/logging/logger.js';
import { ChannelError } from '../../../src/core/errors/app-error.js';
import { startTelegramBotApi, type HeldCall, type TelegramBotApiStandin } from '../../standins/telegram-bot-api.js';
import { fixture } from './fixtures.js';

/** The channel's pieces against the Bot API stand-in, with telegraf as the client (no hub, no database). */

let api: TelegramBotApiStandin;
beforeAll(async () => {
  api = await startTelegramBotApi();
});
afterAll(async () => {
  await api.stop();
});

const client = () => createTelegramApi(api.token, api.apiRoot);
const memoryState = (): ChannelStateStore & { values: Map<string, unknown> } => {
  const values = new Map<string, unknown>();
  return {
    values,
    get: async <T>(k: string) => values.get(k) as T | undefined,
    set: async (k, v) => void values.set(k, v),
  };
};
const out = (o: Partial<OutboundMessage> = {}): OutboundMessage => ({
  messageId: 'm1',
  ticketId: 't1',
  ticketNumber: 7,
  inboxId: 'i1',
  to: { handle: '381234567' },
  conversationId: '381234567',
  text: 'Olá',
  attachments: [],
  threading: {},
  ...o,
});

async function rejection(p: Promise<unknown>): Promise<ChannelError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ChannelError);
  return err as ChannelError;
}

describe('settings', () => {
  it('bot id is the numeric prefix of the token; mode defaults to webhook, groups off', () => {
    const s = parseTelegramSettings({ botToken: api.token });
    expect(s).toMatchObject({ mode: 'webhook', allowGroups: false });
    expect(botIdOf(api.token)).toBe(String(api.bot.id));
  });
  it('a mistyped token is refused with the field named', () => {
    expect(() => parseTelegramSettings({ botToken: 'abc' })).toThrow(/botToken/);
  });
});

describe('webhook verification', () => {
  const req = (headers: Record<string, string>, body = JSON.stringify(fixture('01-text-entities'))) => ({
    method: 'POST' as const,
    inboxId: 'inbox-1',
    rawBody: Buffer.from(body),
    headers,
    query: new URLSearchParams(),
    publicUrl: 'https://hub.example/webhooks/telegram/inbox-1',
    settings: { botToken: api.token, webhookSecret: 's3cr3t-token', allowGroups: false },
  });
  it('accepts only the exact secret token', () => {
    expect(telegramWebhook.verify(req({ 'x-telegram-bot-api-secret-token': 's3cr3t-token' }))).toBe(true);
    expect(telegramWebhook.verify(req({ 'x-telegram-bot-api-secret-token': 's3cr3t-tokeN' }))).toBe(false);
    expect(telegramWebhook.verify(req({}))).toBe(false);
    expect(secretMatches('anything', undefined)).toBe(false);
    expect(secretMatches('', '')).toBe(false);
  });
  it('parses one update into events keyed by the bot id', () => {
    const parsed = telegramWebhook.parse(req({}));
    expect(parsed).toMatchObject({
      kind: 'events',
      events: [{ providerKey: `tg:${api.bot.id}:381234567:1201`, inboxId: 'inbox-1' }],
    });
  });
  it('a body that is not an update is a payload error (400)', () => {
    expect(() => telegramWebhook.parse(req({}, '[1,2]'))).toThrow(/not a Telegram update/);
    expect(() => telegramWebhook.parse(req({}, 'nope'))).toThrow(/not JSON/);
  });
});

describe('Bot API errors → ChannelError', () => {
  it.each([
    [403, 'Forbidden: bot was blocked by the user', undefined, 'TELEGRAM_BOT_BLOCKED', false, undefined],
    [403, 'Forbidden: user is deactivated', undefined, 'TELEGRAM_USER_DEACTIVATED', false, undefined],
    [403, 'Forbidden: bot was kicked from the group chat', undefined, 'TELEGRAM_BOT_REMOVED', false, undefined],
    [400, 'Bad Request: chat not found', undefined, 'TELEGRAM_CHAT_NOT_FOUND', false, undefined],
    [400, 'Bad Request: message is too long', undefined, 'TELEGRAM_BAD_REQUEST', false, undefined],
    [429, 'Too Many Requests: retry after 7', { retry_after: 7 }, 'TELEGRAM_RATE_LIMITED', true, 7000],
    [502, 'Bad Gateway', undefined, 'TELEGRAM_UNAVAILABLE', true, undefined],
  ])('%i %s', async (status, description, parameters, code, retryable, retryAfterMs) => {
    api.failNext('sendMessage', { error_code: status, description, ...(parameters ? { parameters } : {}) });
    const err = await rejection(sendOutbound(client(), out()));
    expect({ code: err.code, retryable: err.retryable, retryAfterMs: err.retryAfterMs }).toEqual({
      code,
      retryable,
      retryAfterMs,
    });
  });
  it('a proxy answering a bare 502 is retryable', async () => {
    api.failNext('sendMessage', { error_code: 502, description: '', bareStatus: true });
    expect((await rejection(sendOutbound(client(), out()))).retryable).toBe(true);
  });
  it('Telegram unreachable is retryable, and the token is not in the reason', async () => {
    const dead = createTelegramApi(api.token, 'http://127.0.0.1:9');
    const err = await rejection(sendOutbound(dead, out()));
    expect(err).toMatchObject({ code: 'TELEGRAM_NETWORK', retryable: true });
    expect(err.message).not.toContain(api.token.split(':')[1]);
  });
  it('a wrong token is permanent', async () => {
    const err = toChannelError(
      await createTelegramApi('123:wrongwrongwrongwrongwrong', api.apiRoot)
        .getMe()
        .catch((e: unknown) => e),
    );
    expect(err).toMatchObject({ code: 'TELEGRAM_UNAUTHORIZED', retryable: false });
  });
});

describe('outbound', () => {
  it('quotes by reply_parameters when the agent replies to a message of this chat', async () => {
    const before = api.sent.length;
    const r = await sendOutbound(
      client(),
      out({ text: 'Respondendo', threading: { quotedProviderMessageId: '381234567:1201' } }),
    );
    const [sent] = api.sent.slice(before);
    expect(sent).toMatchObject({ method: 'sendMessage', chatId: '381234567', replyToMessageId: 1201 });
    expect(r.providerMessageId).toBe(`381234567:${sent!.message_id}`);
  });
  it('long text is split below 4096 characters; the first message is the provider id', async () => {
    const before = api.sent.length;
    const text = Array.from({ length: 900 }, (_, i) => `linha ${i}`).join('\n');
    const r = await sendOutbound(client(), out({ text }));
    const sent = api.sent.slice(before);
    expect(sent.length).toBeGreaterThan(1);
    expect(sent.every((s) => s.text!.length <= 4096)).toBe(true);
    expect(sent.map((s) => s.text).join('\n')).toBe(text);
    expect(r.providerMessageId).toBe(`381234567:${sent[0]!.message_id}`);
    expect(splitText('a b', 2)).toEqual(['a', 'b']);
  });
  it('a voice note and a document go out by their own methods', async () => {
    const before = api.sent.length;
    await sendOutbound(
      client(),
      out({
        text: '',
        attachments: [
          { fileName: 'audio.ogg', mimeType: 'audio/ogg', size: 3, content: Buffer.from('Ogg') },
          { fileName: 'manual.pdf', mimeType: 'application/pdf', size: 4, content: Buffer.from('%PDF') },
        ],
      }),
    );
    expect(api.sent.slice(before).map((s) => [s.method, s.file!.fileName, s.file!.content.toString()])).toEqual([
      ['sendVoice', 'audio.ogg', 'Ogg'],
      ['sendDocument', 'manual.pdf', '%PDF'],
    ]);
  });
});

describe('media', () => {
  it('downloads by file_id; larger than allowed → MEDIA_TOO_LARGE, not retryable', async () => {
    const bytes = Buffer.alloc(3000, 1);
    const fileId = api.addFile(bytes, { filePath: 'documents/file_9.pdf' });
    const deps = { apiRoot: api.apiRoot, token: api.token };
    const media = { remoteRef: fileId, fileName: 'x.pdf', mimeType: 'application/pdf' };
    expect((await fetchTelegramFile(client(), deps, media, 10_000)).content.equals(bytes)).toBe(true);
    expect(await rejection(fetchTelegramFile(client(), deps, media, 2_000))).toMatchObject({
      code: 'MEDIA_TOO_LARGE',
      retryable: false,
    });
    const big = api.addFile(Buffer.from('x'), { declaredSize: 21 * 1024 * 1024 });
    const err = await rejection(fetchTelegramFile(client(), deps, { ...media, remoteRef: big }, 50 * 1024 * 1024));
    expect(err).toMatchObject({ code: 'MEDIA_TOO_LARGE', retryable: false });
  });
});

describe('webhook registration', () => {
  it('sets once, skips when in place, sets again when the secret was rotated', async () => {
    const state = memoryState();
    const target = { url: 'https://hub.example/webhooks/telegram/abc', secret: 'first' };
    expect(await ensureWebhook(client(), state, target)).toBe('set');
    expect(await ensureWebhook(client(), state, target)).toBe('unchanged');
    expect(await ensureWebhook(client(), state, { ...target, secret: 'rotated' })).toBe('set');
    expect(api.webhook).toMatchObject({ url: target.url, secret_token: 'rotated' });
  });
});

describe('test connection', () => {
  it('getMe with the typed token: ok, or the precise cause', async () => {
    expect(await testTelegramConnection({ botToken: api.token }, api.apiRoot)).toMatchObject({ ok: true });
    const bad = await testTelegramConnection({ botToken: '123:wrongwrongwrongwrongwrong' }, api.apiRoot);
    expect(bad).toMatchObject({ ok: false, checks: { bot: { ok: false, code: 'TELEGRAM_UNAUTHORIZED' } } });
  });
});

describe('adapter start in webhook mode', () => {
  it('Telegram unreachable at start: the inbox starts (it can send), is degraded, registers later', async () => {
    const health: Array<Omit<ChannelHealth, 'checkedAt'>> = [];
    const ctx: ChannelContext = {
      inboxId: 'inbox-retry',
      state: memoryState(),
      blobs: { put: async () => '', get: async () => Buffer.alloc(0), delete: async () => undefined },
      settings: { botToken: api.token, mode: 'webhook', webhookSecret: 'later-secret' },
      emit: async () => ({ accepted: 0, duplicates: 0 }),
      reportHealth: async (h) => void health.push(h),
      logger: createLogger('silent'),
    };
    api.failNext('getWebhookInfo', { error_code: 502, description: 'Bad Gateway' }, 2);
    const adapter = new TelegramAdapter({
      apiRoot: api.apiRoot,
      publicUrl: 'https://hub.example',
      backoff: { initialMs: 20, maxMs: 50 },
    });
    await adapter.start(ctx);
    expect(health[0]).toMatchObject({ status: 'degraded' });
    const until = Date.now() + 5_000;
    while (!health.some((h) => h.status === 'ok') && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(health.at(-1)).toMatchObject({
      status: 'ok',
      detail: 'webhook: https://hub.example/webhooks/telegram/inbox-retry',
    });
    expect(api.webhook).toMatchObject({
      url: 'https://hub.example/webhooks/telegram/inbox-retry',
      secret_token: 'later-secret',
    });
    await adapter.stop();
  });

  it('a refused token fails the start with the reason', async () => {
    const adapter = new TelegramAdapter({ apiRoot: api.apiRoot, publicUrl: 'https://hub.example' });
    const ctx = {
      inboxId: 'x',
      state: memoryState(),
      settings: { botToken: '123:wrongwrongwrongwrongwrong', webhookSecret: 's' },
      reportHealth: async () => undefined,
      logger: createLogger('silent'),
    };
    const err = await rejection(adapter.start(ctx as unknown as ChannelContext));
    expect(err.code).toBe('TELEGRAM_UNAUTHORIZED');
  });
});

describe('outbound, a long reply and a flaky Bot API', () => {
  it('a retry after a later part failed sends only the parts still missing, in order', async () => {
    const before = api.sent.length;
    const text = Array.from({ length: 900 }, (_, i) => `linha ${i}`).join('\n');
    const progress = new Map<string, number[]>();
    const message = out({ messageId: 'm-retry', text });
    // The first chunk goes out, the second is refused with 429: the delivery worker retries the message.
    const calls = splitText(text).length;
    expect(calls).toBeGreaterThan(1);
    let first = true;
    const flaky = client();
    const callApi = flaky.callApi.bind(flaky);
    flaky.callApi = (async (...args: Parameters<typeof callApi>) => {
      if (!first) api.failNext('sendMessage', { error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } });
      first = false;
      return callApi(...args);
    }) as typeof callApi;
    const err = await rejection(sendOutbound(flaky, message, progress));
    expect(err.code).toBe('TELEGRAM_RATE_LIMITED');
    const r = await sendOutbound(client(), message, progress);
    const sent = api.sent.slice(before);
    expect(sent.map((s) => s.text).join('\n')).toBe(text);
    expect(sent).toHaveLength(calls);
    expect(r.providerMessageId).toBe(`381234567:${sent[0]!.message_id}`);
    expect(progress.size).toBe(0);
  });
  it('a part Telegram never answers is given up after its timeout (retryable); the retry sends only what is missing', async () => {
    const chat = '381230042';
    const text = Array.from({ length: 900 }, (_, i) => `parte ${i}`).join('\n');
    const parts = splitText(text);
    expect(parts.length).toBeGreaterThan(1);
    const message = out({ messageId: 'm-timeout', text, to: { handle: chat }, conversationId: chat });
    const progress = new Map<string, number[]>();
    const timeouts = { textMs: 400, fileMs: 400, msPerMb: 0 };
    // The first part is answered; the second hangs (telegraf alone would wait 500 s for it).
    const hanging = client();
    const callApi = hanging.callApi.bind(hanging);
    let held: HeldCall | undefined;
    hanging.callApi = (async (...args: Parameters<typeof callApi>) => {
      if (progress.get('m-timeout')?.length === 1) held ??= api.holdNext('sendMessage');
      return callApi(...args);
    }) as typeof callApi;
    const startedAt = Date.now();
    const err = await rejection(sendOutbound(hanging, message, progress, timeouts));
    expect(err).toMatchObject({ code: 'TELEGRAM_TIMEOUT', retryable: true });
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    // The request was aborted, not left open: Telegram sees the connection closed (and never answers it here).
    await held!.abandoned;
    held!.release();
    const r = await sendOutbound(client(), message, progress, timeouts);
    const sent = api.sent.filter((m) => m.chatId === chat);
    expect(sent.map((m) => m.text)).toEqual(parts);
    expect(r.providerMessageId).toBe(`${chat}:${sent[0]!.message_id}`);
  });

  it('a long text of emoji without spaces is cut between characters, never inside a surrogate pair', () => {
    const text = 'a' + '😀'.repeat(3000); // odd: the 4096th code unit is the first half of a pair
    const parts = splitText(text);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.join('')).toBe(text);
    for (const p of parts) {
      expect(p.length).toBeLessThanOrEqual(4096);
      expect(p).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
    }
  });
});
