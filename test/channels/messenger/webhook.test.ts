import { describe, expect, it } from 'vitest';
import type { WebhookRequest } from '../../../src/core/domain/channel-webhook.js';
import { WebhookPayloadError } from '../../../src/core/domain/channel-webhook.js';
import { InboundEventSchema } from '../../../src/core/domain/inbound-event.js';
import { messengerWebhook, signatureOf } from '../../../src/channels/messenger/webhook.js';
import { APP_SECRET, PAGE_ID, PSID, fixture, fixtureText, type Fixture } from './fixtures.js';

const settings = {
  pageId: PAGE_ID,
  pageAccessToken: 'x'.repeat(20),
  appSecret: APP_SECRET,
  webhookSecret: 'generated-secret',
};

function post(
  raw: string,
  headers: Record<string, string | undefined> = {},
  s: Record<string, unknown> = settings,
): WebhookRequest {
  return {
    method: 'POST',
    inboxId: 'inbox1',
    rawBody: Buffer.from(raw),
    headers: { 'content-type': 'application/json', ...headers },
    query: new URLSearchParams(),
    publicUrl: 'https://hub.example.com/webhooks/messenger/inbox1',
    settings: s,
  };
}

function get(query: string, s: Record<string, unknown> = settings): WebhookRequest {
  return { ...post('', {}, s), method: 'GET', query: new URLSearchParams(query), rawBody: Buffer.alloc(0) };
}

const signedPost = (name: Fixture) => {
  const raw = fixtureText(name);
  return post(raw, { 'x-hub-signature-256': signatureOf(Buffer.from(raw), APP_SECRET) });
};

const eventsOf = (name: Fixture) => {
  const r = messengerWebhook.parse(signedPost(name));
  if (r.kind !== 'events') throw new Error('expected events');
  return r.events.map((e) => InboundEventSchema.parse(e));
};

describe('Messenger webhook: verification', () => {
  it('accepts the X-Hub-Signature-256 of the raw body and refuses anything else', () => {
    const raw = fixtureText('text');
    const good = signatureOf(Buffer.from(raw), APP_SECRET);
    expect(messengerWebhook.verify(post(raw, { 'x-hub-signature-256': good }))).toBe(true);
    expect(
      messengerWebhook.verify(post(raw, { 'x-hub-signature-256': good.toUpperCase().replace('SHA256=', 'sha256=') })),
    ).toBe(true);
    // One byte changed (re-serialised JSON has other bytes), another secret, no header, a SHA-1 header, junk.
    expect(messengerWebhook.verify(post(raw.replace('Olá', 'Ola'), { 'x-hub-signature-256': good }))).toBe(false);
    expect(messengerWebhook.verify(post(JSON.stringify(JSON.parse(raw)), { 'x-hub-signature-256': good }))).toBe(false);
    expect(
      messengerWebhook.verify(post(raw, { 'x-hub-signature-256': signatureOf(Buffer.from(raw), 'other-secret') })),
    ).toBe(false);
    expect(messengerWebhook.verify(post(raw))).toBe(false);
    expect(messengerWebhook.verify(post(raw, { 'x-hub-signature-256': `sha1=${'0'.repeat(40)}` }))).toBe(false);
    expect(messengerWebhook.verify(post(raw, { 'x-hub-signature-256': 'sha256=zz' }))).toBe(false);
    // An inbox without its app secret verifies nothing.
    expect(
      messengerWebhook.verify(post(raw, { 'x-hub-signature-256': good }, { ...settings, appSecret: undefined })),
    ).toBe(false);
  });

  it('answers the GET handshake with the challenge only for the right verify token', () => {
    const ok = get('hub.mode=subscribe&hub.verify_token=generated-secret&hub.challenge=1158201444');
    expect(messengerWebhook.verify(ok)).toBe(true);
    expect(messengerWebhook.parse(ok)).toEqual({
      kind: 'reply',
      response: { status: 200, contentType: 'text/plain', body: '1158201444' },
    });
    expect(messengerWebhook.verify(get('hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1'))).toBe(false);
    expect(messengerWebhook.verify(get('hub.mode=unsubscribe&hub.verify_token=generated-secret&hub.challenge=1'))).toBe(
      false,
    );
    expect(messengerWebhook.verify(get('hub.mode=subscribe&hub.challenge=1'))).toBe(false);
    // A configured verify token replaces the generated secret.
    const own = { ...settings, verifyToken: 'my-token' };
    expect(messengerWebhook.verify(get('hub.mode=subscribe&hub.verify_token=my-token&hub.challenge=1', own))).toBe(
      true,
    );
    expect(
      messengerWebhook.verify(get('hub.mode=subscribe&hub.verify_token=generated-secret&hub.challenge=1', own)),
    ).toBe(false);
  });

  it('refuses a body that is not a Messenger webhook with a payload error (400)', () => {
    expect(() => messengerWebhook.parse(post('not json'))).toThrow(WebhookPayloadError);
    expect(() => messengerWebhook.parse(post('{"object":"page"}'))).toThrow(WebhookPayloadError);
    expect(() =>
      messengerWebhook.parse(post(`{"object":"page","entry":[{"id":"${PAGE_ID}","messaging":[{"message":{}}]}]}`)),
    ).toThrow(WebhookPayloadError);
    expect(messengerWebhook.respond({ accepted: 1, duplicates: 0 }, post(''))).toEqual({
      status: 200,
      contentType: 'text/plain',
      body: 'EVENT_RECEIVED',
    });
  });
});

describe('Messenger webhook: mapping', () => {
  it('maps a text message: key fb:<mid>, sender messenger:<PSID>, the customer as the conversation', () => {
    const [e, ...rest] = eventsOf('text');
    expect(rest).toHaveLength(0);
    expect(e).toMatchObject({
      type: 'message.received',
      providerKey: 'fb:m_AYQh3fK0c9xLZb2lJ7Ty8qkq0W3nV1xg5s8y4nP2mDqk7oS1eRf',
      providerMessageId: 'm_AYQh3fK0c9xLZb2lJ7Ty8qkq0W3nV1xg5s8y4nP2mDqk7oS1eRf',
      inboxId: 'inbox1',
      occurredAt: new Date(1764770000000),
      sender: { handle: PSID, identityKeys: [`messenger:${PSID}`] },
      text: 'Olá! Meu pedido #4521 ainda não chegou, podem verificar?',
      threading: { conversationId: PSID },
    });
  });

  it('announces an image by its URL (fetched later) and keeps the quoted message', () => {
    const [e] = eventsOf('image');
    if (e?.type !== 'message.received') throw new Error('expected a message');
    expect(e.threading.quotedProviderMessageId).toBe('m_AYQh3fK0c9xLZb2lJ7Ty8qkq0W3nV1xg5s8y4nP2mDqk7oS1eRf');
    expect(e.attachments).toEqual([
      {
        fileName: '440001122_987654321_n.jpg',
        mimeType: 'image/jpeg',
        size: 0,
        remoteRef: fixture('image').entry[0].messaging[0].message.attachments[0].payload.url,
      },
    ]);
  });

  it('drops echoes of our own sends and keeps what was sent outside Ponte as such', () => {
    expect(eventsOf('echo')).toEqual([]);
    const typedAtMeta = fixture('echo');
    delete typedAtMeta.entry[0].messaging[0].message.metadata;
    typedAtMeta.entry[0].messaging[0].message.app_id = 263902037430900;
    const raw = JSON.stringify(typedAtMeta);
    const r = messengerWebhook.parse(post(raw));
    expect(r).toEqual({
      kind: 'events',
      events: [
        {
          type: 'message.sent_outside',
          providerKey: 'fb:m_CYSj5hM2e1zNBd4nL9Va0sms2Y5pX3zi7u0a6pR4oFsm9qU3gTh',
          providerMessageId: 'm_CYSj5hM2e1zNBd4nL9Va0sms2Y5pX3zi7u0a6pR4oFsm9qU3gTh',
          inboxId: 'inbox1',
          occurredAt: new Date(1764770120000),
          conversationId: PSID,
          text: 'Estamos verificando com a transportadora.',
          via: 'Page inbox',
        },
      ],
    });
  });

  it('turns a delivery into a status per mid and a read into a watermark for the conversation', () => {
    expect(eventsOf('delivery')).toEqual([
      expect.objectContaining({
        type: 'message.status',
        providerKey: 'fb:delivered:m_CYSj5hM2e1zNBd4nL9Va0sms2Y5pX3zi7u0a6pR4oFsm9qU3gTh',
        providerMessageId: 'm_CYSj5hM2e1zNBd4nL9Va0sms2Y5pX3zi7u0a6pR4oFsm9qU3gTh',
        status: 'delivered',
      }),
    ]);
    expect(eventsOf('read')).toEqual([
      expect.objectContaining({
        type: 'conversation.status',
        providerKey: `fb:read:${PSID}:1764770239000`,
        conversationId: PSID,
        status: 'read',
        upTo: new Date(1764770239000),
      }),
    ]);
  });

  it('stores a postback as the text of the button', () => {
    expect(eventsOf('postback')).toEqual([
      expect.objectContaining({
        type: 'message.received',
        providerKey: 'fb:m_DZTk6iN3f2aOCe5oM0Wb1tnt3Z6qY4aj8v1b7qS5pGtn0rV4hUi',
        text: 'Falar com um atendente',
        sender: { handle: '7000000000000002', identityKeys: ['messenger:7000000000000002'] },
      }),
    ]);
  });

  it('handles a batch of 3 entries with several events each, in order', () => {
    const events = eventsOf('batch-3-entries');
    expect(events.map((e) => [e.type, e.providerKey])).toEqual([
      ['message.received', 'fb:m_EAUl7jO4g3bPDf6pN1Xc2uou4A7rZ5bk9w2c8rT6qHuo1sW5iVj'],
      ['message.received', 'fb:m_EBVm8kP5h4cQEg7qO2Yd3vpv5B8sA6cl0x3d9sU7rIvp2tX6jWk'],
      ['message.received', 'fb:m_ECWn9lQ6i5dRFh8rP3Ze4wqw6C9tB7dm1y4e0tV8sJwq3uY7kXl'],
      ['conversation.status', `fb:read:${PSID}:1764770401900`],
      ['message.sent_outside', 'fb:m_EDXo0mR7j6eSGi9sQ4Af5xrx7D0uC8en2z5f1uW9tKxr4vZ8lYm'],
    ]);
    const file = events[2];
    if (file?.type !== 'message.received') throw new Error('expected a message');
    expect(file.attachments[0]).toMatchObject({ fileName: 'receipt-4521.pdf', mimeType: 'application/octet-stream' });
  });

  it("ignores entries of another Page and objects that are not a Page's", () => {
    const other = fixture('text');
    other.entry[0].id = '999';
    const raw = JSON.stringify(other);
    const r = messengerWebhook.parse(post(raw));
    expect(r).toEqual({ kind: 'events', events: [] });
    expect(messengerWebhook.parse(post(JSON.stringify({ ...fixture('text'), object: 'instagram' })))).toEqual({
      kind: 'events',
      events: [],
    });
  });
});
