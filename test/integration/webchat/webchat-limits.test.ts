import { randomUUID } from 'node:crypto';
import { io as connectClient } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../e2e/support/start-app.js';
import { modelsOf } from '../../../src/core/models/models-of.js';

/**
 * The public chat cannot be used to mint visitors, contacts and tickets in a loop: a page load creates nothing
 * but a cookie, and new conversations (a visitor's first message) are limited per client address and in total
 * per minute, with a clear "try again shortly" (429 CHAT_BUSY). TRUST_PROXY: each test speaks from its own
 * X-Forwarded-For address.
 */
const PER_ADDRESS = 3;
const PER_MINUTE = 5;
let app: RunningApp;

beforeAll(async () => {
  app = await startApp({ WEBCHAT_NEW_PER_ADDRESS: String(PER_ADDRESS), WEBCHAT_NEW_PER_MINUTE: String(PER_MINUTE), TRUST_PROXY: 'true' });
});
afterAll(async () => {
  await app?.stop();
});

/** One round of the minting script: a cookie-less page load, then one message. */
async function mint(address: string, text = 'hello') {
  const session = await fetch(`${app.url}/chat/api/session`, { headers: { 'x-forwarded-for': address } });
  expect(session.status).toBe(200);
  const cookie = (session.headers.get('set-cookie') ?? '').split(';')[0]!;
  const res = await send(cookie, address, text);
  return { cookie, res };
}

const send = (cookie: string, address: string, text: string) =>
  fetch(`${app.url}/chat/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-forwarded-for': address },
    body: JSON.stringify({ clientMessageId: randomUUID(), text }),
  });

const counts = async () => ({
  contacts: await modelsOf(app.core).Contact.countDocuments({}),
  tickets: await modelsOf(app.core).Ticket.countDocuments({}),
  keys: await modelsOf(app.core).ConversationKey.countDocuments({}),
});

describe('new web chat conversations are bounded', () => {
  it('page loads and visitor sockets create no contact, ticket or conversation before the first message', async () => {
    const before = await counts();
    for (let i = 0; i < 50; i++) {
      const res = await fetch(`${app.url}/chat/api/session`, { headers: { 'x-forwarded-for': '198.51.100.50' } });
      expect(res.status).toBe(200);
      if (i % 10 !== 0) continue;
      // Every tenth visitor also opens the live socket and types (what the page does before a first message).
      const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
      const sock = connectClient(`${app.url}/visitor`, {
        transports: ['websocket'],
        extraHeaders: { cookie },
        auth: { inboxId: app.webchatInboxId },
        forceNew: true,
        reconnection: false,
      });
      await new Promise<void>((resolve, reject) => {
        sock.once('connect', () => resolve());
        sock.once('connect_error', reject);
      });
      sock.emit('typing', { typing: true });
      sock.disconnect();
    }
    expect(await counts()).toEqual(before);
  });

  it('a first page load (no cookie yet: a visitor id just made up) reads nothing of a conversation it cannot have', async () => {
    const conversations = app.webchat.channel.conversations;
    const history = conversations.history.bind(conversations);
    const pendingFor = app.core.csat.pendingFor.bind(app.core.csat);
    let reads = 0;
    conversations.history = (...args) => (reads++, history(...args));
    app.core.csat.pendingFor = (...args) => (reads++, pendingFor(...args));
    try {
      for (let i = 0; i < 20; i++) {
        const res = await fetch(`${app.url}/chat/api/session`, { headers: { 'x-forwarded-for': '198.51.100.60' } });
        expect(res.status).toBe(200);
        expect(await res.json()).toMatchObject({ ticket: null, messages: [], csat: null, inbox: { id: app.webchatInboxId } });
      }
      expect(reads).toBe(0);
    } finally {
      conversations.history = history;
      app.core.csat.pendingFor = pendingFor;
    }
  });

  it(`per address: ${PER_ADDRESS} new conversations, then 429 CHAT_BUSY "try again shortly"; a started chat goes on; in total ${PER_MINUTE} a minute`, async () => {
    const before = await counts();
    const first = await mint('203.0.113.1', 'first visitor');
    expect(first.res.status).toBe(202);
    for (let i = 1; i < PER_ADDRESS; i++) expect((await mint('203.0.113.1')).res.status).toBe(202);
    const refused = await mint('203.0.113.1');
    expect(refused.res.status).toBe(429);
    const body = (await refused.res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('CHAT_BUSY');
    expect(body.error.message).toMatch(/try again shortly/);
    expect(Number(refused.res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // A visitor already chatting from that address is not affected.
    expect((await send(first.cookie, '203.0.113.1', 'a second message')).status).toBe(202);

    // Another address gets its own allowance until the total per minute is reached.
    let accepted = 0;
    for (let i = 0; i < PER_MINUTE; i++) if ((await mint('203.0.113.2')).res.status === 202) accepted++;
    expect(accepted).toBe(PER_MINUTE - PER_ADDRESS);
    const third = await mint('203.0.113.3');
    expect(third.res.status).toBe(429);
    expect(((await third.res.json()) as { error: { code: string } }).error.code).toBe('CHAT_BUSY');

    await app.core.ingest.drain();
    const after = await counts();
    expect(after.tickets - before.tickets).toBe(PER_MINUTE);
    expect(after.contacts - before.contacts).toBe(PER_MINUTE);
  });
});
