import { describe, expect, it } from 'vitest';
import type { Logger } from 'pino';
import { VisitorSocketCaps } from '../../../src/channels/webchat/visitor-socket-caps.js';
import { QuietLog } from '../../../src/core/logging/quiet-log.js';
import { clientAddress } from '../../../src/core/net/client-address.js';
import { loadConfig } from '../../../src/core/config/config.js';
import { connectionRefusal } from '../../../src/channels/webchat/client/connection-refusal.js';

describe('visitor socket caps', () => {
  it('per visitor and per address; a release is counted once however often it is called', () => {
    const caps = new VisitorSocketCaps({ perVisitor: 2, perAddress: 3 });
    const a1 = caps.admit('a', '10.0.0.1');
    const a2 = caps.admit('a', '10.0.0.1');
    expect(caps.admit('a', '10.0.0.2')).toEqual({ refused: { code: 'TOO_MANY_CONNECTIONS', scope: 'visitor', limit: 2, retryAfterSeconds: 15 } });
    expect('release' in caps.admit('b', '10.0.0.1')).toBe(true);
    expect(caps.admit('c', '10.0.0.1')).toEqual({ refused: { code: 'TOO_MANY_CONNECTIONS', scope: 'address', limit: 3, retryAfterSeconds: 30 } });
    if (!('release' in a1) || !('release' in a2)) throw new Error('admitted');
    // A socket's disconnect and its connection's close both release: its place comes back once.
    a1.release();
    a1.release();
    expect(caps.size).toEqual({ visitors: 2, addresses: 1, sockets: 2 });
    expect('release' in caps.admit('c', '10.0.0.1')).toBe(true);
    expect(caps.admit('d', '10.0.0.1')).toMatchObject({ refused: { scope: 'address' } });
    a2.release();
    expect(caps.size.visitors).toBe(2); // b and c; nothing kept for a visitor without a socket
  });

  it('the retry hint comes from WEBCHAT_SOCKET_RETRY_SECONDS (default 15 s per visitor, twice that per address)', () => {
    expect(loadConfig({}).webchat.socketRetrySeconds).toBe(15);
    const retrySeconds = loadConfig({ WEBCHAT_SOCKET_RETRY_SECONDS: '2' }).webchat.socketRetrySeconds;
    const caps = new VisitorSocketCaps({ perVisitor: 1, perAddress: 2, retrySeconds });
    caps.admit('a', '10.0.0.1');
    expect(caps.admit('a', '10.0.0.1')).toMatchObject({ refused: { scope: 'visitor', retryAfterSeconds: 2 } });
    caps.admit('b', '10.0.0.1');
    expect(caps.admit('c', '10.0.0.1')).toMatchObject({ refused: { scope: 'address', retryAfterSeconds: 4 } });
    expect(() => loadConfig({ WEBCHAT_SOCKET_RETRY_SECONDS: '0' })).toThrow();
  });

  it('defaults: a tight cap per visitor, a generous one per address (a NAT shares it)', () => {
    const { webchat } = loadConfig({});
    expect(webchat.socketsPerVisitor).toBe(10);
    expect(webchat.socketsPerAddress).toBe(500);
    expect(loadConfig({ WEBCHAT_SOCKETS_PER_VISITOR: '3', WEBCHAT_SOCKETS_PER_ADDRESS: '40' }).webchat).toMatchObject({ socketsPerVisitor: 3, socketsPerAddress: 40 });
    expect(() => loadConfig({ WEBCHAT_SOCKETS_PER_VISITOR: '0' })).toThrow(/WEBCHAT_SOCKETS_PER_VISITOR/);
  });

  it('the client address: the connection, or behind the trusted proxy the last X-Forwarded-For entry', () => {
    const req = (xff?: string) => ({ headers: xff ? { 'x-forwarded-for': xff } : {}, socket: { remoteAddress: '127.0.0.1' } }) as never;
    expect(clientAddress(req('6.6.6.6, 203.0.113.9'), false)).toBe('127.0.0.1');
    // The first entries are the client's own words: a script rotating them stays one address.
    expect(clientAddress(req('6.6.6.6, 203.0.113.9'), true)).toBe('203.0.113.9');
    expect(clientAddress(req(), true)).toBe('127.0.0.1');
  });
});

describe('quiet log', () => {
  it('one line per key per window, then one saying how many were left out', () => {
    const lines: Array<[Record<string, unknown>, string]> = [];
    const logger = { info: (fields: Record<string, unknown>, msg: string) => lines.push([fields, msg]) } as unknown as Logger;
    const log = new QuietLog(logger, 60_000);
    for (let i = 0; i < 1000; i++) log.info('visitor:a', { visitorId: 'a' }, 'refused', 1_000 + i);
    log.info('address:1.2.3.4', { address: '1.2.3.4' }, 'refused', 2_000);
    expect(lines).toEqual([
      [{ visitorId: 'a' }, 'refused'],
      [{ address: '1.2.3.4' }, 'refused'],
    ]);
    log.info('visitor:a', { visitorId: 'a' }, 'refused', 61_000);
    expect(lines.at(-1)).toEqual([{ visitorId: 'a', alsoRefused: 999 }, 'refused']);
  });
});

describe("the chat page's reading of a refused handshake", () => {
  it('TOO_MANY_CONNECTIONS: why, in the visitor language, and a retry after the hint, spread by up to half', () => {
    const err = Object.assign(new Error('TOO_MANY_CONNECTIONS'), { data: { code: 'TOO_MANY_CONNECTIONS', scope: 'visitor', limit: 10, retryAfterSeconds: 15 } });
    expect(connectionRefusal(err, 'en', 0)).toEqual({ text: expect.stringMatching(/too many tabs/), retryInMs: 15_000 });
    expect(connectionRefusal(err, 'pt', 1)!.retryInMs).toBe(22_500);
    const address = { data: { code: 'TOO_MANY_CONNECTIONS', scope: 'address', retryAfterSeconds: 30 } };
    expect(connectionRefusal(address, 'es', 0)).toEqual({ text: expect.stringMatching(/tu red/), retryInMs: 30_000 });
    // A hostile or broken hint cannot make the page hammer the server or wait forever.
    expect(connectionRefusal({ data: { code: 'TOO_MANY_CONNECTIONS', retryAfterSeconds: 0 } }, 'en', 0)!.retryInMs).toBe(30_000);
    expect(connectionRefusal({ data: { code: 'TOO_MANY_CONNECTIONS', retryAfterSeconds: 1e9 } }, 'en', 0)!.retryInMs).toBe(300_000);
    // Other handshake errors are not this one.
    expect(connectionRefusal(Object.assign(new Error('UNAUTHENTICATED'), { data: { code: 'UNAUTHENTICATED' } }), 'en')).toBeNull();
    expect(connectionRefusal(new Error('xhr poll error'), 'en')).toBeNull();
  });
});
