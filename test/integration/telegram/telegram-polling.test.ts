import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelRuntime, type ChannelHost } from '../../../src/channels/channel-runtime.js';
import { TelegramAdapter } from '../../../src/channels/telegram/adapter.js';
import { OFFSET_KEY } from '../../../src/channels/telegram/poller.js';
import type { ChannelContext } from '../../../src/core/domain/channel-adapter.js';
import { createLogger } from '../../../src/core/logging/logger.js';
import { startTelegramBotApi, type TelegramBotApiStandin } from '../../standins/telegram-bot-api.js';
import { createUser, startTestCore, type TestCore } from '../../support/test-core.js';
import { startTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { eventually } from '../web/web-harness.js';
import { modelsOf } from '../../../src/core/models/models-of.js';

/**
 * Long-polling mode: hub "processes" (a core and a channel runtime each) on one database, against the Bot API
 * stand-in. The poller runs only where the inbox's session lease is held; its offset is saved after the batch
 * is stored, so a restart neither loses nor repeats an update.
 */

interface Hub {
  t: TestCore;
  runtime: ChannelRuntime;
  host: ChannelHost;
}

let api: TelegramBotApiStandin;
let db: TestDatabase;
let inboxId: string;
const CHAT = 420000001;
/** Set by a test: the next offset save of this hub fails once (a crash between storing and saving). */
let failNextOffsetSave = false;

async function startHub(): Promise<Hub> {
  const runtime = new ChannelRuntime(
    {
      telegram: () =>
        new TelegramAdapter({
          apiRoot: api.apiRoot,
          publicUrl: 'http://hub.invalid',
          pollTimeoutSeconds: 1,
          backoff: { initialMs: 50, maxMs: 200 },
        }),
    },
    createLogger('silent'),
  );
  const t = await startTestCore({ SESSION_LEASE_TTL_MS: '3000' }, db, runtime);
  const host: ChannelHost = {
    listInboxes: () => t.core.inboxes.list(),
    channelContext: async (id) => {
      const ctx: ChannelContext = await t.core.channelContext(id);
      const set = ctx.state.set.bind(ctx.state);
      ctx.state.set = async (key, value) => {
        if (key === OFFSET_KEY && failNextOffsetSave) {
          failNextOffsetSave = false;
          throw new Error('simulated crash before the offset was saved');
        }
        return set(key, value);
      };
      return ctx;
    },
    leases: t.core.leases,
  };
  await runtime.startAll(host);
  return { t, runtime, host };
}

async function stopHub(hub: Hub): Promise<void> {
  await hub.runtime.stopAll();
  await hub.t.core.stop();
}

let nextMessageId = 1;
function pushText(text: string) {
  const id = nextMessageId++;
  const from = { id: CHAT, is_bot: false, first_name: 'João', last_name: 'Pereira', language_code: 'pt-br' };
  const update = api.pushUpdate({
    message: {
      message_id: id,
      from,
      chat: { id: CHAT, first_name: 'João', last_name: 'Pereira', type: 'private' },
      date: Math.floor(Date.now() / 1000),
      text,
    },
  });
  return { updateId: Number(update.update_id), messageId: id, text };
}

const keyOf = (messageId: number) => `tg:${api.bot.id}:${CHAT}:${messageId}`;

async function storedTexts(t: TestCore): Promise<string[]> {
  const rows = await modelsOf(t.core).Message.find({ inboxId }).sort({ occurredAt: 1, _id: 1 }).lean();
  return rows.map((m) => m.text);
}

const savedOffset = async (t: TestCore) => {
  const doc = await modelsOf(t.core).ChannelState.findById(`${inboxId}:${OFFSET_KEY}`).lean();
  return doc ? (JSON.parse(doc.valueJson) as number) : undefined;
};

let hub: Hub;

beforeAll(async () => {
  api = await startTelegramBotApi();
  db = await startTestDatabase();
  hub = await startHub();
  const admin = await createUser(hub.t.core, 'admin');
  // A webhook left over from webhook mode: polling must remove it first (Telegram answers 409 otherwise).
  await fetch(`${api.apiRoot}/bot${api.token}/setWebhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url: 'https://old.example/webhook' }),
  });
  const inbox = await hub.t.core.inboxes.create(admin, {
    kind: 'telegram',
    name: 'Telegram polling',
    enabled: true,
    settings: { mode: 'polling' },
    secrets: { botToken: api.token },
    departmentId: null,
  });
  inboxId = inbox.id;
  await hub.runtime.reload(hub.host, inboxId);
}, 60_000);

afterAll(async () => {
  await stopHub(hub);
  await db.stop();
  await api.stop();
});

describe('telegram long polling', () => {
  it('removes a webhook, polls, stores every update once and saves the offset after storing', async () => {
    await eventually(async () => (hub.runtime.holdsSession(inboxId) ? true : undefined));
    const pushed = ['Bom dia', 'Meu boleto venceu', 'Podem gerar outro?', 'Obrigado', 'Aguardo'].map(pushText);
    await eventually(async () => ((await storedTexts(hub.t)).length === 5 ? true : undefined));
    expect(api.callsOf('deleteWebhook').length).toBeGreaterThanOrEqual(1);
    expect(api.webhook).toBeUndefined();
    expect(await storedTexts(hub.t)).toEqual(pushed.map((p) => p.text));
    await eventually(async () => ((await savedOffset(hub.t)) === pushed.at(-1)!.updateId + 1 ? true : undefined));
    const ticket = await modelsOf(hub.t.core).Ticket.findOne({ inboxId }).lean();
    expect(ticket!.replyTo).toMatchObject({
      handle: String(CHAT),
      conversationId: String(CHAT),
      displayName: 'João Pereira',
    });
  });

  it('a hub restart loses nothing and repeats nothing: updates sent while it was down arrive once', async () => {
    const offsetBefore = (await savedOffset(hub.t))!;
    await stopHub(hub);
    const whileDown = ['Alguém aí?', 'Voltei', 'Ainda preciso do boleto'].map(pushText);
    const pollsBefore = api.callsOf('getUpdates').length;
    hub = await startHub();
    await eventually(async () => ((await storedTexts(hub.t)).length === 8 ? true : undefined), 20_000);
    // The new poller asked from the saved offset: the first five were never handed out again.
    expect(Number(api.callsOf('getUpdates')[pollsBefore]!.params.offset)).toBe(offsetBefore);
    for (let id = 1; id <= 5; id++) expect(api.deliveries.get(offsetBefore - 6 + id)).toBe(1);
    await hub.t.core.ingest.drain();
    const texts = await storedTexts(hub.t);
    expect(texts.slice(5)).toEqual(whileDown.map((p) => p.text));
    expect(new Set(texts).size).toBe(8);
    await eventually(async () => ((await savedOffset(hub.t)) === whileDown.at(-1)!.updateId + 1 ? true : undefined));
  });

  it('a crash after storing but before saving the offset: the batch comes again and is stored once', async () => {
    failNextOffsetSave = true;
    const p = pushText('Mensagem no meio da queda');
    await eventually(async () => ((api.deliveries.get(p.updateId) ?? 0) >= 2 ? true : undefined), 20_000);
    await eventually(async () => ((await savedOffset(hub.t)) === p.updateId + 1 ? true : undefined));
    await hub.t.core.ingest.drain();
    expect(await modelsOf(hub.t.core).Message.countDocuments({ providerKey: keyOf(p.messageId) })).toBe(1);
    expect(await modelsOf(hub.t.core).InboundEvent.countDocuments({ _id: keyOf(p.messageId) })).toBe(1);
  });

  it('two hub processes on one database → one poller (Telegram never sees two getUpdates at once)', async () => {
    const second = await startHub();
    try {
      const pushed = ['um', 'dois', 'três'].map(pushText);
      await eventually(async () => ((await storedTexts(hub.t)).length === 12 ? true : undefined), 20_000);
      expect((await storedTexts(hub.t)).slice(9)).toEqual(pushed.map((p) => p.text));
      expect(hub.runtime.holdsSession(inboxId) !== second.runtime.holdsSession(inboxId)).toBe(true);
      expect(api.maxConcurrentGetUpdates).toBe(1);
    } finally {
      await stopHub(second);
    }
  });
});
