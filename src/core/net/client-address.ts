import type { IncomingMessage } from 'node:http';

/**
 * The client address of a socket handshake, as express reads a request's (`app.set('trust proxy', 1)` when
 * TRUST_PROXY): behind our one proxy, the address it saw — the last X-Forwarded-For entry; otherwise the
 * connection's own. The first entries are whatever the client wrote, never trusted.
 */
export function clientAddress(req: Pick<IncomingMessage, 'headers' | 'socket'>, trustProxy: boolean): string {
  const remote = req.socket.remoteAddress ?? 'unknown';
  if (!trustProxy) return remote;
  const header = req.headers['x-forwarded-for'];
  const list = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((s) => s.trim()).filter(Boolean);
  return list.at(-1) ?? remote;
}
