import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connectClient, type Socket as ClientSocket } from 'socket.io-client';
import { createLogger } from '../../../src/core/logging/logger.js';
import { attachRealtime, type Realtime, type RealtimeOptions } from '../../../src/realtime/attach-realtime.js';
import type { TestCore } from '../../support/test-core.js';

export interface Harness {
  url: string;
  realtime: Realtime;
  server: http.Server;
  login(user: { email: string; password: string }): Promise<string>;
  connect(token: string | undefined, opts?: { origin?: string; query?: Record<string, string> }): ClientSocket;
  close(): Promise<void>;
}

export async function startHarness(t: TestCore, opts: Partial<RealtimeOptions> = {}): Promise<Harness> {
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  const realtime = attachRealtime({ httpServer: server, core: t.core, logger: createLogger('silent'), ...opts });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sockets: ClientSocket[] = [];
  return {
    url,
    realtime,
    server,
    login: async (u) => (await t.core.sessions.login(u.email, u.password, '127.0.0.1')).token,
    connect(token, o = {}) {
      const headers: Record<string, string> = {};
      if (token) headers.cookie = `other=1; ponte_session=${encodeURIComponent(token)}`;
      if (o.origin) headers.origin = o.origin;
      const s = connectClient(url, { transports: ['websocket'], extraHeaders: headers, reconnection: false, forceNew: true, ...(o.query ? { query: o.query } : {}) });
      sockets.push(s);
      return s;
    },
    async close() {
      for (const s of sockets) s.disconnect();
      await realtime.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export const connected = (s: ClientSocket) =>
  new Promise<void>((resolve, reject) => {
    if (s.connected) return resolve();
    s.once('connect', () => resolve());
    s.once('connect_error', (e) => reject(e));
  });

export const refused = (s: ClientSocket) =>
  new Promise<Error & { data?: { code?: string } }>((resolve, reject) => {
    s.once('connect', () => reject(new Error('connected but should have been refused')));
    s.once('connect_error', (e) => resolve(e as Error & { data?: { code?: string } }));
  });

/** Collects every event of these names a socket receives. */
export function record(s: ClientSocket, names: string[]) {
  const got: Array<{ name: string; payload: any }> = [];
  for (const name of names) s.on(name, (payload: unknown) => got.push({ name, payload }));
  return got;
}

export async function until<T>(fn: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const ack = <T = any>(s: ClientSocket, event: string, payload: unknown): Promise<T> => s.timeout(5000).emitWithAck(event, payload) as Promise<T>;
