import { io as connectClient, Manager, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../e2e/support/start-app.js';
import { until } from '../../support/until.js';

/**
 * Live visitor sockets are capped per visitor (tight: a person's tabs) and per client address (generous: an
 * office or a mobile carrier puts many visitors behind one address). A socket beyond either is refused at the
 * handshake with `TOO_MANY_CONNECTIONS`, which the chat page understands; a closed socket frees its place.
 */
const PER_VISITOR = 3;
const PER_ADDRESS = 6;
let app: RunningApp;
const open: Socket[] = [];

beforeAll(async () => {
  app = await startApp({ WEBCHAT_SOCKETS_PER_VISITOR: String(PER_VISITOR), WEBCHAT_SOCKETS_PER_ADDRESS: String(PER_ADDRESS), TRUST_PROXY: 'true' });
});
afterAll(async () => {
  for (const s of open) s.disconnect();
  await app?.stop();
});

async function newVisitor(address: string) {
  const res = await fetch(`${app.url}/chat/api/session`, { headers: { 'x-forwarded-for': address } });
  expect(res.status).toBe(200);
  return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
}

type Outcome = { ok: true; sock: Socket } | { ok: false; message: string; data: unknown };

async function connect(cookie: string, address: string): Promise<Outcome> {
  const sock = connectClient(`${app.url}/visitor`, {
    transports: ['websocket'],
    extraHeaders: { cookie, 'x-forwarded-for': address },
    auth: { inboxId: app.webchatInboxId },
    forceNew: true,
    reconnection: false,
  });
  return new Promise((resolve) => {
    sock.once('connect', () => {
      open.push(sock);
      resolve({ ok: true, sock });
    });
    sock.once('connect_error', (err: Error & { data?: unknown }) => {
      sock.disconnect();
      resolve({ ok: false, message: err.message, data: err.data });
    });
  });
}

describe('visitor socket caps', () => {
  it(`one visitor: ${PER_VISITOR} sockets, the next refused with TOO_MANY_CONNECTIONS; a closed one frees its place`, async () => {
    const cookie = await newVisitor('192.0.2.1');
    const first = await Promise.all(Array.from({ length: PER_VISITOR }, () => connect(cookie, '192.0.2.1')));
    expect(first.every((o) => o.ok)).toBe(true);
    // Many more at once, as a script (or a reconnect storm) would: every one refused, none let through by a race.
    // As many as the address's connection cap (2 × PER_ADDRESS, connections-per-address.ts) lets open at once:
    // one more is refused before Socket.IO, at the Engine.IO handshake, as a plain HTTP 403.
    const extra = await Promise.all(Array.from({ length: 2 * PER_ADDRESS - PER_VISITOR }, () => connect(cookie, '192.0.2.1')));
    for (const o of extra) {
      expect(o).toMatchObject({ ok: false, message: 'TOO_MANY_CONNECTIONS', data: { code: 'TOO_MANY_CONNECTIONS', scope: 'visitor', limit: PER_VISITOR } });
      expect((o as { data: { retryAfterSeconds: number } }).data.retryAfterSeconds).toBeGreaterThan(0);
    }
    // Refused attempts took no place; a closed socket gives its own back.
    (first[0] as { sock: Socket }).sock.disconnect();
    await new Promise((r) => setTimeout(r, 100));
    expect(await connect(cookie, '192.0.2.1')).toMatchObject({ ok: true });
    expect(await connect(cookie, '192.0.2.1')).toMatchObject({ ok: false, message: 'TOO_MANY_CONNECTIONS' });
  });

  it(`one address: ${PER_ADDRESS} sockets of different visitors, the next refused; other addresses unaffected`, async () => {
    const address = '192.0.2.2';
    const sockets: Outcome[] = [];
    for (let i = 0; i < PER_ADDRESS; i++) sockets.push(await connect(await newVisitor(address), address));
    expect(sockets.every((o) => o.ok)).toBe(true);
    const refused = await connect(await newVisitor(address), address);
    expect(refused).toMatchObject({ ok: false, message: 'TOO_MANY_CONNECTIONS', data: { code: 'TOO_MANY_CONNECTIONS', scope: 'address', limit: PER_ADDRESS } });
    expect(await connect(await newVisitor('192.0.2.3'), '192.0.2.3')).toMatchObject({ ok: true });
    // Sockets that went away abruptly (the connection dropped, no goodbye) give their places back too.
    for (const o of sockets) if (o.ok) o.sock.io.engine.close();
    await new Promise((r) => setTimeout(r, 200));
    const again = await Promise.all(Array.from({ length: PER_ADDRESS }, async () => connect(await newVisitor(address), address)));
    expect(again.every((o) => o.ok)).toBe(true);
  });

  it('many sockets over one connection (namespace connects repeated, opened and closed in turn) are capped and leave nothing behind', async () => {
    const cookie = await newVisitor('192.0.2.4');
    const manager = new Manager(app.url, { transports: ['websocket'], extraHeaders: { cookie, 'x-forwarded-for': '192.0.2.4' }, reconnection: false, autoConnect: false });
    await new Promise<void>((resolve, reject) => manager.open((err) => (err ? reject(err) : resolve())));
    // Raw socket.io packets on the one connection, as a script would send them (the client library keeps one socket per namespace).
    const replies: Array<{ type: number; data?: { sid?: string; message?: string } }> = [];
    manager.on('packet', (p: { type: number; nsp: string; data?: { sid?: string; message?: string } }) => void (p.nsp === '/visitor' && replies.push(p)));
    const send = (packet: object) => (manager as unknown as { _packet(p: object): void })._packet(packet);
    const CONNECT = 0;
    const DISCONNECT = 1;
    const CONNECT_ERROR = 4;
    const visitorSockets = () => app.realtime.io.of('/visitor').sockets.size;
    const before = { sockets: visitorSockets(), held: app.webchat.channel.socketCaps.size.sockets };
    try {
      for (let i = 0; i < PER_VISITOR + 5; i++) send({ type: CONNECT, nsp: '/visitor', data: { inboxId: app.webchatInboxId } });
      await until(() => replies.length === PER_VISITOR + 5);
      expect(replies.filter((p) => p.type === CONNECT)).toHaveLength(PER_VISITOR);
      expect(replies.filter((p) => p.type === CONNECT_ERROR).map((p) => p.data?.message)).toEqual(Array(5).fill('TOO_MANY_CONNECTIONS'));
      expect(visitorSockets() - before.sockets).toBe(PER_VISITOR);
      // A DISCONNECT closes the connection's latest socket of the namespace; the others stay (and keep their
      // places) until the connection closes. Then open and close in turn, 30 times over the same connection.
      for (let i = 0; i < PER_VISITOR; i++) send({ type: DISCONNECT, nsp: '/visitor' });
      await until(() => visitorSockets() === before.sockets + PER_VISITOR - 1);
      for (let i = 0; i < 30; i++) {
        replies.length = 0;
        send({ type: CONNECT, nsp: '/visitor', data: { inboxId: app.webchatInboxId } });
        await until(() => replies.length === 1);
        expect(replies[0]!.type).toBe(CONNECT);
        send({ type: DISCONNECT, nsp: '/visitor' });
        await until(() => visitorSockets() === before.sockets + PER_VISITOR - 1);
      }
      const conns = Object.values((app.realtime.io.engine as unknown as { clients: Record<string, { listenerCount(e: string): number }> }).clients);
      // No `close` listener left on the one connection per past socket.
      for (const conn of conns) expect(conn.listenerCount('close')).toBeLessThan(PER_VISITOR + 5);
      expect(app.webchat.channel.socketCaps.size.sockets).toBe(before.held + PER_VISITOR - 1);
      // The connection goes: every place it held is given back.
      manager.engine.close();
      await until(() => app.webchat.channel.socketCaps.size.sockets === before.held);
    } finally {
      manager.engine?.close();
    }
  });

  it('a payload over the 64 KB message limit closes its connection (nothing parsed), and the place is given back', async () => {
    const cookie = await newVisitor('192.0.2.5');
    const held = app.webchat.channel.socketCaps.size.sockets;
    const o = await connect(cookie, '192.0.2.5');
    if (!o.ok) throw new Error('refused');
    expect(app.webchat.channel.socketCaps.size.sockets).toBe(held + 1);
    const closed = new Promise<string>((r) => o.sock.once('disconnect', (reason) => r(reason)));
    o.sock.emit('read', { ids: ['x'.repeat(100 * 1024)] });
    expect(await closed).toMatch(/transport (close|error)/);
    await until(() => app.webchat.channel.socketCaps.size.sockets === held);
  });
});
