import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelWebhooks } from '../../../src/channels/channel-catalogue.js';
import { signatureOf } from '../../../src/channels/messenger/webhook.js';
import { SECRET_HEADER } from '../../../src/channels/telegram/webhook.js';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { MapRegistry } from '../../support/fake-channel.js';
import { createUser } from '../../support/test-core.js';
import { startWebHarness, type WebHarness } from '../web/web-harness.js';

/**
 * The real channel webhooks (the catalogue's) behind the real router and ingest, fed what a hostile or careless
 * sender can put in a correctly signed body: odd file names, null and mistyped fields. Each case goes over HTTP.
 */
let h: WebHarness;
const inbox: Record<'telegram' | 'messenger' | 'sms', { id: string; secret: string }> = {} as never;
const APP_SECRET = 'meta-app-secret-for-tests';
const PAGE_ID = '104857600000001';

beforeAll(async () => {
  h = await startWebHarness({}, { webhooks: channelWebhooks, channels: new MapRegistry() });
  const admin = await createUser(h.t.core, 'admin');
  const create = async (kind: 'telegram' | 'messenger' | 'sms', settings: Record<string, string>, secrets: Record<string, string>) => {
    const created = await h.t.core.inboxes.create(admin, { kind, name: `${kind} hostile`, enabled: true, settings, secrets });
    const target = await h.t.core.inboxes.webhookTarget(created.id);
    inbox[kind] = { id: created.id, secret: target.settings.webhookSecret as string };
  };
  await create('telegram', {}, { botToken: '7012345678:AAHostileTestsTokenTokenToken' });
  await create('messenger', { pageId: PAGE_ID }, { appSecret: APP_SECRET, pageAccessToken: 'page-token-for-tests' });
  await create('sms', { accountSid: `AC${'3f'.repeat(16)}`, phoneNumber: '+5511999990000' }, { authToken: 'twilio-auth-token-for-tests' });
});
afterAll(() => h?.stop());

const models = () => modelsOf(h.t.core);
const storedEvent = async (providerKey: string) => {
  const record = await models().InboundEvent.findById(providerKey).lean();
  return record ? (JSON.parse(record.payloadJson) as Record<string, any>) : undefined;
};

let updateId = 5000;
const telegram = (message: Record<string, unknown>) => {
  const id = ++updateId;
  const body = JSON.stringify({
    update_id: id,
    message: { message_id: id, date: 1764770400, chat: { id: 381234567, type: 'private' }, from: { id: 381234567, first_name: 'Ana' }, ...message },
  });
  const res = fetch(`${h.baseUrl}/webhooks/telegram/${inbox.telegram.id}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', [SECRET_HEADER]: inbox.telegram.secret },
  });
  return { res, key: `tg:7012345678:381234567:${id}` };
};

const messenger = (messaging: unknown[]) => {
  const body = JSON.stringify({ object: 'page', entry: [{ id: PAGE_ID, time: 1764770400000, messaging }] });
  return fetch(`${h.baseUrl}/webhooks/messenger/${inbox.messenger.id}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signatureOf(Buffer.from(body), APP_SECRET) },
  });
};
const customerMessage = (mid: string, over: Record<string, unknown> = {}) => ({
  sender: { id: '6543210987654321' },
  recipient: { id: PAGE_ID },
  timestamp: 1764770400000,
  message: { mid, text: 'olá' },
  ...over,
});

describe('webhooks: file names the customer chose', () => {
  it('Telegram: a document name with a path, markup or a direction override is made safe; an empty one is named by us', async () => {
    const cases: Array<[string, string | ((id: string) => string)]> = [
      ['../../etc/passwd', 'passwd'],
      ['<img src=x>.html', '_img src=x_.html'],
      ['invoice\u202Efdp.exe', 'invoicefdp.exe'],
      // Nothing left of it: before, the core refused the whole update (400) and the customer's message was lost.
      ['', (key) => `document-${key.split(':').pop()}`],
      ['../', (key) => `document-${key.split(':').pop()}`],
    ];
    for (const [given, expected] of cases) {
      const { res, key } = telegram({ caption: 'see file', document: { file_id: `BQAC-${updateId}`, file_name: given, mime_type: 'application/pdf' } });
      expect((await res).status, `file_name ${JSON.stringify(given)}`).toBe(200);
      const event = await storedEvent(key);
      expect(event?.attachments[0].fileName).toBe(typeof expected === 'string' ? expected : expected(key));
    }
  });

  it("Messenger: the name in the CDN path (the customer's own file name) is made safe", async () => {
    const url = (name: string) => `https://cdn.fbsbx.example/v/t59/${name}?_nc_cat=1`;
    const res = await messenger([
      customerMessage('m_files', {
        message: {
          mid: 'm_files',
          attachments: [
            { type: 'file', payload: { url: url('..%2F..%2Fevil%3Cx%3E.html') } },
            { type: 'file', payload: { url: url('invoice%E2%80%AEfdp.exe') } },
            { type: 'file', payload: { url: url('.bashrc.sh') } },
          ],
        },
      }),
    ]);
    expect(res.status).toBe(200);
    const event = await storedEvent('fb:m_files');
    expect(event?.attachments.map((a: { fileName: string }) => a.fileName)).toEqual(['evil_x_.html', 'invoicefdp.exe', 'bashrc.sh']);
  });
});

describe('webhooks: what an unsigned request may cost', () => {
  it('Twilio: a 1 MB form of one repeated field is refused at once, and the hub keeps answering', async () => {
    const started = Date.now();
    const res = await fetch(`${h.baseUrl}/webhooks/sms/${inbox.sms.id}`, {
      method: 'POST',
      body: 'a=&'.repeat(340_000),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'forged' },
    });
    expect(res.status).toBe(403);
    expect((await fetch(`${h.baseUrl}/api/health`)).status).toBe(200);
    // The form is read before its signature can be checked: it must cost next to nothing (it took hours).
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('webhooks: retries and repeats', () => {
  it('Telegram: two edits within one second are two edits (the last text wins); a redelivered edit is a duplicate', async () => {
    const { res, key } = telegram({ text: 'pedido 12' });
    expect((await res).status).toBe(200);
    const messageId = Number(key.split(':').pop());
    // Telegram's edit_date has one-second resolution: a quick correction of a correction shares it.
    const edit = (text: string) =>
      fetch(`${h.baseUrl}/webhooks/telegram/${inbox.telegram.id}`, {
        method: 'POST',
        body: JSON.stringify({
          update_id: ++updateId,
          edited_message: { message_id: messageId, date: 1764770400, edit_date: 1764770460, chat: { id: 381234567, type: 'private' }, from: { id: 381234567, first_name: 'Ana' }, text },
        }),
        headers: { 'content-type': 'application/json', [SECRET_HEADER]: inbox.telegram.secret },
      });
    expect((await edit('pedido 123')).status).toBe(200);
    expect((await edit('pedido 1234')).status).toBe(200);
    // Telegram delivering the last edit again (our answer was lost): stored once.
    expect((await edit('pedido 1234')).status).toBe(200);
    const edits = await models().InboundEvent.find({ type: 'message.edited', _id: new RegExp(`^${key}:edit:`) }).lean();
    expect(edits.map((e) => JSON.parse(e.payloadJson).text).sort()).toEqual(['pedido 123', 'pedido 1234']);
    await h.t.core.ingest.drain();
    const message = await models().Message.findOne({ providerKey: key }).lean();
    expect(message?.text).toBe('pedido 1234');
  });
});

describe('webhooks: null and mistyped fields in a signed body', () => {
  it('Messenger: a null or object sender id, or a null timestamp, is 400 and stores nothing (no customer "null")', async () => {
    const bad = [
      customerMessage('m_null_sender', { sender: { id: null } }),
      customerMessage('m_object_sender', { sender: { id: { id: '1' } } }),
      customerMessage('m_array_recipient', { recipient: { id: ['1', '2'] } }),
      customerMessage('m_null_time', { timestamp: null }),
      customerMessage('m_bool_time', { timestamp: true }),
    ];
    for (const event of bad) {
      const res = await messenger([event]);
      expect(res.status, event.message.mid).toBe(400);
      expect(await storedEvent(`fb:${event.message.mid}`), event.message.mid).toBeUndefined();
    }
    const watermark = await messenger([customerMessage('unused', { message: undefined, read: { watermark: null } })]);
    expect(watermark.status).toBe(400);
    expect(await models().InboundEvent.countDocuments({ _id: /^fb:read:/ })).toBe(0);
  });

  it('Messenger: events of kinds we do not map are skipped whatever their shape; the batch\'s messages are stored', async () => {
    const res = await messenger([
      // A checkbox-plugin opt-in names the person by user_ref, not by a page-scoped id.
      { sender: { user_ref: 'UREF-4471' }, recipient: { id: PAGE_ID }, timestamp: 1764770400000, optin: { ref: 'cart', user_ref: 'UREF-4471' } },
      // A policy notice has no sender at all.
      { recipient: { id: PAGE_ID }, timestamp: 1764770400000, 'policy-enforcement': { action: 'block', reason: 'spam' } },
      customerMessage('m_after_optin'),
    ]);
    expect(res.status).toBe(200);
    expect(await storedEvent('fb:m_after_optin')).toMatchObject({ type: 'message.received', text: 'olá' });
    // A message (a kind we map) without the sender's id is still refused, with nothing of the batch stored.
    const bad = await messenger([customerMessage('m_ok_in_bad_batch'), customerMessage('m_userref', { sender: { user_ref: 'UREF-1' } })]);
    expect(bad.status).toBe(400);
    expect(await storedEvent('fb:m_ok_in_bad_batch')).toBeUndefined();
  });

  it('Messenger: ids and times as numbers or as strings of digits are the same event', async () => {
    const res = await messenger([
      customerMessage('m_numeric', { sender: { id: 6543210987654321 }, timestamp: '1764770400123' }),
    ]);
    expect(res.status).toBe(200);
    expect(await storedEvent('fb:m_numeric')).toMatchObject({
      sender: { handle: '6543210987654321', identityKeys: ['messenger:6543210987654321'] },
      occurredAt: new Date(1764770400123).toISOString(),
      threading: { conversationId: '6543210987654321' },
    });
  });
});
