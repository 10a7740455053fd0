import { randomUUID } from 'node:crypto';
import { io as connectClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboundEventInput } from '../../../src/core/domain/inbound-event.js';
import { createUser } from '../../support/test-core.js';
import { startApp, type RunningApp } from '../../e2e/support/start-app.js';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { until } from '../../support/until.js';

/**
 * A hostile page on the `/visitor` socket: events it may send as fast as it likes must cost the hub and the
 * agents' consoles a bounded amount of work.
 */
let app: RunningApp;
let admin: Awaited<ReturnType<typeof createUser>>;

beforeAll(async () => {
  app = await startApp({ WEBCHAT_NEW_PER_ADDRESS: '1000', WEBCHAT_NEW_PER_MINUTE: '1000' });
  admin = await createUser(app.core, 'admin');
});
afterAll(async () => {
  await app?.stop();
});


/** A visitor with a ticket (one message stored), and its live socket. */
async function chattingVisitor() {
  const res = await fetch(`${app.url}/chat/api/session`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  const id = decodeURIComponent(cookie.split('=')[1]!).split('.')[0]!;
  const post = await fetch(`${app.url}/chat/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ clientMessageId: randomUUID(), text: 'hello' }),
  });
  expect(post.status).toBe(202);
  await app.core.ingest.drain();
  const ticket = (await modelsOf(app.core).Ticket.findOne({ 'replyTo.conversationId': id }).lean())!;
  const sock: Socket = connectClient(`${app.url}/visitor`, {
    transports: ['websocket'],
    extraHeaders: { cookie },
    auth: { inboxId: app.webchatInboxId },
    forceNew: true,
    reconnection: false,
  });
  await new Promise<void>((r) => sock.once('connect', () => r()));
  return { cookie, id, ticket, sock };
}

describe('visitor socket floods', () => {
  it('a read receipt repeated in a loop is stored once: later `read` events for the same message cost nothing', async () => {
    const v = await chattingVisitor();
    const got: Array<{ id: string; text: string }> = [];
    v.sock.on('message', (m: { id: string; text: string }, ack: (ok: boolean) => void) => {
      got.push(m);
      ack(true);
    });
    await app.core.compose.reply(admin, String(v.ticket._id), { text: 'read me', attachments: [] });
    const reply = await until(() => got.find((m) => m.text === 'read me'));
    await until(async () => (await modelsOf(app.core).Message.findById(reply.id).lean())?.delivery.status === 'delivered');

    const accept = app.core.ingest.accept.bind(app.core.ingest);
    let readReceipts = 0;
    app.core.ingest.accept = (events: InboundEventInput[], ...rest: unknown[]) => {
      readReceipts += events.filter((e) => e.type === 'message.status' && e.status === 'read').length;
      return (accept as (...a: unknown[]) => ReturnType<typeof accept>)(events, ...rest);
    };
    try {
      for (let i = 0; i < 100; i++) v.sock.emit('read', { ids: Array.from({ length: 200 }, () => reply.id) });
      await until(async () => (await modelsOf(app.core).Message.findById(reply.id).lean())?.delivery.status === 'read');
      // Every event has been handled once a round trip after the last.
      await v.sock.timeout(5000).emitWithAck('typing', { typing: false }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 300));
      expect(readReceipts).toBe(1);
    } finally {
      app.core.ingest.accept = accept;
      v.sock.disconnect();
    }
  });

  it('`typing` flipped true/false in a loop reaches the agents a bounded number of times, ending on the last state', async () => {
    const v = await chattingVisitor();
    const { token } = await app.core.sessions.login(admin.email, admin.password, '127.0.0.1');
    const agent = connectClient(app.url, { transports: ['websocket'], extraHeaders: { cookie: `ponte_session=${encodeURIComponent(token)}` }, forceNew: true, reconnection: false });
    const seen: boolean[] = [];
    agent.on('visitor:typing', (e: { ticketId: string; typing: boolean }) => void (e.ticketId === String(v.ticket._id) && seen.push(e.typing)));
    await new Promise<void>((r) => agent.once('connect', () => r()));
    expect(await agent.timeout(5000).emitWithAck('ticket:join', { ticketId: String(v.ticket._id) })).toMatchObject({ ok: true });
    try {
      const started = Date.now();
      for (let i = 0; i < 400; i++) v.sock.emit('typing', { typing: i % 2 === 0 });
      v.sock.emit('typing', { typing: false });
      await until(() => seen.length >= 1);
      await new Promise((r) => setTimeout(r, 1_000));
      const seconds = (Date.now() - started) / 1000;
      // A person's real changes are a few a second; 400 flips must not become 400 broadcasts.
      expect(seen.length).toBeLessThanOrEqual(Math.ceil(seconds * 5) + 2);
      expect(seen.at(-1)).toBe(false);
    } finally {
      v.sock.disconnect();
      agent.disconnect();
    }
  });

  it('every visitor event checks its payload and answers its ack: wrong types, too many ids, deep JSON, unknown shapes; the socket stays up', async () => {
    const v = await chattingVisitor();
    const ask = (event: string, payload: unknown) => v.sock.timeout(3000).emitWithAck(event, payload);
    let deep: unknown = { typing: true };
    for (let i = 0; i < 2000; i++) deep = [deep];
    try {
      for (const [event, payload] of [
        ['typing', 'yes'],
        ['typing', { typing: 'true' }],
        ['typing', null],
        ['typing', deep],
        ['read', { ids: 'not-a-list' }],
        ['read', { ids: Array.from({ length: 201 }, () => 'a'.repeat(24)) }],
        ['read', { ids: ['../../etc/passwd'] }],
        ['read', 42],
        ['read', deep],
      ] as const) {
        expect(await ask(event, payload), `${event} ${JSON.stringify(payload).slice(0, 40)}`).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
      }
      expect(await ask('typing', { typing: true })).toEqual({ ok: true });
      expect(await ask('read', { ids: ['0123456789abcdef01234567'] })).toEqual({ ok: true });
      expect(v.sock.connected).toBe(true);
    } finally {
      v.sock.disconnect();
    }
  });
});
