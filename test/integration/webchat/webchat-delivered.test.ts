import { randomUUID } from 'node:crypto';
import { io as connectClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../support/test-core.js';
import { startApp, type RunningApp } from '../../e2e/support/start-app.js';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { until } from '../../support/until.js';

/**
 * The replies delivered to a visitor and not yet read (which that visitor alone may mark read) are held in
 * memory per process: under visitor churn — answered, read, gone — what is held must come back down.
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

async function answeredVisitor(text: string) {
  const res = await fetch(`${app.url}/chat/api/session`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  const id = decodeURIComponent(cookie.split('=')[1]!).split('.')[0]!;
  const post = await fetch(`${app.url}/chat/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ clientMessageId: randomUUID(), text: 'hi' }) });
  expect(post.status).toBe(202);
  await app.core.ingest.drain();
  const ticket = (await modelsOf(app.core).Ticket.findOne({ 'replyTo.conversationId': id }).lean())!;
  const sock: Socket = connectClient(`${app.url}/visitor`, { transports: ['websocket'], extraHeaders: { cookie }, auth: { inboxId: app.webchatInboxId }, forceNew: true, reconnection: false });
  const got: string[] = [];
  sock.on('message', (m: { id: string }, ack: (ok: boolean) => void) => {
    got.push(m.id);
    ack(true);
  });
  await new Promise<void>((r) => sock.once('connect', () => r()));
  const reply = await app.core.compose.reply(admin, String(ticket._id), { text, attachments: [] });
  await until(() => got.includes(String(reply._id)));
  await until(async () => (await modelsOf(app.core).Message.findById(reply._id).lean())?.delivery.status === 'delivered');
  return { sock, replyId: String(reply._id) };
}

describe('replies delivered to visitors, held until read', () => {
  it('visitors answered, who read and leave, leave nothing held; a reply read twice is stored read once', async () => {
    const before = app.webchat.channel.deliveredUnread;
    for (let i = 0; i < 4; i++) {
      const v = await answeredVisitor(`churn ${i}`);
      expect(app.webchat.channel.deliveredUnread.messages).toBe(before.messages + 1);
      v.sock.emit('read', { ids: [v.replyId, v.replyId] });
      await until(async () => (await modelsOf(app.core).Message.findById(v.replyId).lean())?.delivery.status === 'read');
      v.sock.disconnect();
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(app.webchat.channel.deliveredUnread).toEqual(before);
  });
});
