import { randomUUID } from 'node:crypto';
import { io as connectClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { createUser } from '../../support/test-core.js';
import { startApp, type RunningApp } from '../../e2e/support/start-app.js';
import { until } from '../../support/until.js';

/** The web chat visitor is told their place in the queue and the expected wait, live, as the queue moves. */
let app: RunningApp;
const sockets: Socket[] = [];

beforeAll(async () => {
  app = await startApp({ WEBCHAT_NEW_PER_ADDRESS: '1000', WEBCHAT_NEW_PER_MINUTE: '1000' });
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await app?.stop();
});


async function visitorWrites(text: string) {
  const res = await fetch(`${app.url}/chat/api/session`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  const sock = connectClient(`${app.url}/visitor`, { transports: ['websocket'], extraHeaders: { cookie }, auth: { inboxId: app.webchatInboxId }, forceNew: true, reconnection: false });
  sockets.push(sock);
  const queue: Array<{ position: number | null; expectedWaitSeconds: number | null }> = [];
  sock.on('queue', (q: (typeof queue)[number]) => queue.push(q));
  await until(() => sock.connected);
  const posted = await fetch(`${app.url}/chat/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ clientMessageId: randomUUID(), text }) });
  expect(posted.status).toBe(202);
  await app.core.ingest.drain();
  await app.core.router.idle();
  await app.core.assignment.idle();
  const visitorId = decodeURIComponent(cookie.split('=')[1]!).split('.')[0]!;
  const ticket = await until(async () => modelsOf(app.core).Ticket.findOne({ 'replyTo.conversationId': visitorId }).lean());
  return { queue, ticketId: String(ticket._id) };
}

describe('queue position and expected wait for the web chat visitor', () => {
  it('the second and third visitor hear their place; when the agent frees a slot, the queue moves and they hear it', async () => {
    const admin = await createUser(app.core, 'admin');
    const m = modelsOf(app.core);
    const [dep] = await m.Department.insertMany([{ name: 'Chat queue' }]);
    await m.Inbox.updateOne({ _id: app.webchatInboxId }, { $set: { departmentId: dep!._id } });
    await app.core.assignmentSettings.setDepartment(admin, String(dep!._id), { mode: 'round_robin', capacity: { chat: 1, email: 10 }, overflowDepartmentId: null, overflowAfterMinutes: null });
    const agent = await createUser(app.core, 'agent', [dep!._id]);
    app.core.availability.connected(agent.id);
    await app.core.assignment.idle();

    const first = await visitorWrites('hello, first');
    expect(String((await m.Ticket.findById(first.ticketId).lean())!.assigneeId)).toBe(agent.id);
    const second = await visitorWrites('hello, second');
    const third = await visitorWrites('hello, third');
    await until(() => second.queue.length >= 1 && third.queue.length >= 1);
    expect(second.queue.at(-1)).toEqual({ position: 1, expectedWaitSeconds: null });
    expect(third.queue.at(-1)).toEqual({ position: 2, expectedWaitSeconds: null });
    expect(first.queue).toEqual([]);

    // The agent solves the first chat: the second is taken, the third moves up, with a wait from the pick-ups seen.
    await app.core.tickets.setStatus(admin, first.ticketId, 'solved');
    await app.core.assignment.idle();
    await until(() => second.queue.at(-1)?.position === null && third.queue.at(-1)?.position === 1);
    expect(String((await m.Ticket.findById(second.ticketId).lean())!.assigneeId)).toBe(agent.id);
    expect(third.queue.at(-1)!.expectedWaitSeconds).toBeGreaterThanOrEqual(60);
  });
});
