import { randomUUID } from 'node:crypto';
import { io as connectClient, type Socket as ClientSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionLeases } from '../../../src/core/inboxes/session-lease.js';
import { createLogger } from '../../../src/core/logging/logger.js';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { startDovecot, type DovecotStandin } from '../../standins/dovecot.js';
import { startRedisServer, type RedisServer } from '../../standins/redis-server.js';
import { startSmtpCapture, type SmtpCapture } from '../../standins/smtp-capture.js';
import { startHubProcess, type HubProcess } from '../../support/hub-process.js';
import { createUser, startTestCore, TEST_SECRET, type TestCore } from '../../support/test-core.js';
import { until } from '../../support/until.js';

/**
 * Several hub processes with REDIS_URL: two real hubs (src/main.ts) on one database and one
 * redis-server. Agents on either process see what the other ingested, once; presence and "who is
 * viewing" are the same on both; killing one leaves the other serving, with the killed one's
 * channel session (an IMAP inbox's lease) taken over.
 */
const LEASE_TTL_MS = 2_000;

let redis: RedisServer;
let dovecot: DovecotStandin;
let smtp: SmtpCapture;
let t: TestCore;
let emailInboxId: string;
const hubs: HubProcess[] = [];
const sockets: ClientSocket[] = [];

const hubEnv = () => ({ MONGODB_URI: t.db.uri, SECRET_KEY: TEST_SECRET, REDIS_URL: redis.url, SESSION_LEASE_TTL_MS: String(LEASE_TTL_MS), JOBS_POLL_MS: '200' });
const leases = () => new SessionLeases(modelsOf(t.core), 'observer', LEASE_TTL_MS, createLogger('silent'));


/** An agent's console socket on one hub, recording what it receives. */
async function agentSocket(hub: HubProcess, token: string) {
  const socket = connectClient(hub.url, {
    transports: ['websocket'],
    extraHeaders: { cookie: `ponte_session=${encodeURIComponent(token)}` },
    reconnection: false,
    forceNew: true,
  });
  sockets.push(socket);
  const got: Array<{ name: string; payload: any }> = [];
  socket.onAny((name: string, payload: unknown) => got.push({ name, payload }));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return { socket, got };
}

const snapshotOf = (got: Array<{ name: string; payload: any }>) =>
  got.find((e) => e.name === 'presence:snapshot')?.payload as Array<{ userId: string; status: string }> | undefined;

/** Presence as a fresh console on this hub sees it (sorted "userId:status"). */
async function presenceSeenOn(hub: HubProcess, token: string): Promise<string[]> {
  const { socket, got } = await agentSocket(hub, token);
  const snapshot = await until('the presence snapshot', () => snapshotOf(got));
  socket.disconnect();
  return snapshot.map((p) => `${p.userId}:${p.status}`).sort();
}

async function visitorSays(hub: HubProcess, text: string): Promise<void> {
  const session = await fetch(`${hub.url}/chat/api/session`);
  expect(session.status).toBe(200);
  const cookie = (session.headers.get('set-cookie') ?? '').split(';')[0]!;
  const res = await fetch(`${hub.url}/chat/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ clientMessageId: randomUUID(), text }),
  });
  expect(res.status).toBe(202);
}

const received = (got: Array<{ name: string; payload: any }>, text: string) =>
  got.filter((e) => e.name === 'message.created' && JSON.stringify(e.payload).includes(text));

beforeAll(async () => {
  [redis, dovecot, smtp, t] = await Promise.all([startRedisServer(), startDovecot(), startSmtpCapture(), startTestCore()]);
  // The hub processes below write the same database.
  t.core.shareDatabase();
  const admin = await createUser(t.core, 'admin');
  const inbox = await t.core.inboxes.create(admin, {
    kind: 'email',
    name: 'Shared mailbox',
    enabled: true,
    settings: {
      imap: { host: dovecot.host, port: dovecot.port, secure: false, user: dovecot.user, tlsRejectUnauthorized: false },
      smtp: { host: smtp.host, port: smtp.port, secure: false },
      fromAddress: 'support@ponte.test',
      pollIntervalSeconds: 1,
    },
    secrets: { 'imap.password': dovecot.password },
    departmentId: null,
  });
  emailInboxId = inbox.id;
}, 120_000);

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  for (const h of hubs) await h.kill().catch(() => undefined);
  await t?.stop();
  await Promise.all([redis?.stop(), smtp?.stop(), dovecot?.stop()]);
});

describe('two hub processes sharing one database and one Redis', () => {
  it('deliver across processes once, share presence and viewers, and survive the loss of one', async () => {
    // A starts first and takes the email inbox's session lease; then B.
    const a = await startHubProcess(hubEnv());
    hubs.push(a);
    const holder = await until('A holding the IMAP session lease', async () => (await leases().current(emailInboxId))?.holder);
    expect(Number(holder.split(':')[1])).toBe(a.child.pid);
    const b = await startHubProcess(hubEnv());
    hubs.push(b);
    expect(a.output()).toContain('Socket.IO shares events, presence and viewers through Redis');

    const ana = await createUser(t.core, 'admin');
    const bruno = await createUser(t.core, 'admin');
    const carla = await createUser(t.core, 'admin');
    const login = async (u: { email: string; password: string }) => (await t.core.sessions.login(u.email, u.password, '127.0.0.1')).token;
    const [anaToken, brunoToken, carlaToken] = await Promise.all([login(ana), login(bruno), login(carla)]);

    // Ana's console is on B, Bruno's on A.
    const anaOnB = await agentSocket(b, anaToken);
    const brunoOnA = await agentSocket(a, brunoToken);

    // A visitor writes to A: Ana, on B, gets it exactly once (and Bruno on A too).
    const first = `hello from a visitor on A ${randomUUID()}`;
    await visitorSays(a, first);
    await until('the message at Ana on B', () => received(anaOnB.got, first).length > 0);
    await until('the message at Bruno on A', () => received(brunoOnA.got, first).length > 0);
    await new Promise((r) => setTimeout(r, 1000)); // a duplicate would have arrived by now
    expect(received(anaOnB.got, first)).toHaveLength(1);
    expect(received(brunoOnA.got, first)).toHaveLength(1);
    const ticketId = String(received(anaOnB.got, first)[0]!.payload.message.ticketId);

    // Presence: the same on both processes (Ana and Bruno online, and Carla who asks, whichever process she asks).
    const expected = [`${ana.id}:online`, `${bruno.id}:online`, `${carla.id}:online`].sort();
    await until('presence on A', async () => JSON.stringify(await presenceSeenOn(a, carlaToken)) === JSON.stringify(expected));
    await until('presence on B', async () => JSON.stringify(await presenceSeenOn(b, carlaToken)) === JSON.stringify(expected));
    // Bruno goes away on A: Ana, on B, is told.
    await brunoOnA.socket.timeout(5000).emitWithAck('presence:set', { status: 'away' });
    await until('Bruno away, at Ana on B', () =>
      anaOnB.got.some((e) => e.name === 'presence' && (e.payload as Array<{ userId: string; status: string }>).some((p) => p.userId === bruno.id && p.status === 'away')),
    );

    // Who is viewing: Ana opens the ticket on B, then Bruno on A sees her in the list, and she sees him.
    const anaJoin = await anaOnB.socket.timeout(5000).emitWithAck('ticket:join', { ticketId });
    expect(anaJoin.ok).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    const brunoJoin = await brunoOnA.socket.timeout(5000).emitWithAck('ticket:join', { ticketId });
    expect(brunoJoin.ok).toBe(true);
    expect((brunoJoin.viewers as Array<{ userId: string }>).map((v) => v.userId).sort()).toEqual([ana.id, bruno.id].sort());
    await until('Bruno in the viewers at Ana on B', () =>
      anaOnB.got.some((e) => e.name === 'ticket:viewers' && e.payload.ticketId === ticketId && e.payload.viewers.length === 2),
    );

    // Kill A (no shutdown code runs): B keeps serving Ana, shows Bruno offline, and takes over A's IMAP session.
    const killedAt = Date.now();
    await a.kill();
    const second = `hello from a visitor on B ${randomUUID()}`;
    await visitorSays(b, second);
    await until('the message at Ana after A died', () => received(anaOnB.got, second).length > 0);
    const newHolder = await until('B taking over the IMAP session', async () => {
      const h = (await leases().current(emailInboxId))?.holder;
      return h && h !== holder ? h : undefined;
    });
    expect(Number(newHolder.split(':')[1])).toBe(b.child.pid);
    expect(Date.now() - killedAt).toBeLessThan(LEASE_TTL_MS * 5);
    await until('Bruno offline at Ana on B', () =>
      anaOnB.got.some((e) => e.name === 'presence' && (e.payload as Array<{ userId: string; status: string }>).some((p) => p.userId === bruno.id && p.status === 'offline')),
    );
    await until('Bruno gone from the ticket viewers at Ana on B', () =>
      anaOnB.got.some((e) => e.name === 'ticket:viewers' && e.payload.ticketId === ticketId && e.payload.viewers.length === 1),
    );
    expect(await presenceSeenOn(b, carlaToken)).toEqual([`${ana.id}:online`, `${carla.id}:online`].sort());
    expect(received(anaOnB.got, second)).toHaveLength(1);
  }, 180_000);

  it('a Redis restart: what was published during it and after it reaches the other process, once; presence is shared again', async () => {
    const c = await startHubProcess(hubEnv());
    hubs.push(c);
    const d = await startHubProcess(hubEnv());
    hubs.push(d);
    const dora = await createUser(t.core, 'admin');
    const edu = await createUser(t.core, 'admin');
    const login = async (u: { email: string; password: string }) => (await t.core.sessions.login(u.email, u.password, '127.0.0.1')).token;
    const [doraToken, eduToken] = await Promise.all([login(dora), login(edu)]);
    const doraOnD = await agentSocket(d, doraToken);
    const before = `before the Redis restart ${randomUUID()}`;
    await visitorSays(c, before);
    await until('the message at Dora on D', () => received(doraOnD.got, before).length > 0);

    // A visitor writes to C while Redis is down (the web chat and the database do not need it).
    const during = `while Redis is down ${randomUUID()}`;
    await redis.restart(() => visitorSays(c, during));
    // Redis comes back empty; each process reconnects on its own. A message posted once both have is delivered
    // across, once.
    const after = `after the Redis restart ${randomUUID()}`;
    const restartedAt = Date.now();
    await until('a message posted to C after the restart at Dora on D', async () => {
      if (received(doraOnD.got, after).length > 0) return true;
      await visitorSays(c, `${after} ${received(doraOnD.got, after).length}`);
      await new Promise((r) => setTimeout(r, 500));
      return received(doraOnD.got, after).length > 0 ? true : undefined;
    }, 30_000);
    const reconnectMs = Date.now() - restartedAt;
    const last = `once Redis is back ${randomUUID()}`;
    await visitorSays(c, last);
    await until('the next message at Dora on D', () => received(doraOnD.got, last).length > 0);
    await new Promise((r) => setTimeout(r, 1000)); // a duplicate would have arrived by now
    expect(received(doraOnD.got, last)).toHaveLength(1);
    // What C published while Redis was down waited in its client's offline queue and was relayed once Redis was back.
    await until('the message posted during the outage at Dora on D', () => received(doraOnD.got, during).length > 0);
    expect(received(doraOnD.got, during)).toHaveLength(1);
    expect(reconnectMs).toBeLessThan(30_000);
    // Presence through the restarted Redis: Edu, connected to C, is seen online from D.
    const eduOnC = await agentSocket(c, eduToken);
    await until('Edu online, seen from D', async () => (await presenceSeenOn(d, doraToken)).includes(`${edu.id}:online`) || undefined);
    eduOnC.socket.disconnect();
  }, 120_000);
});
