import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Manager } from 'socket.io-client';
import { createUser, startTestCore, type TestCore } from '../../support/test-core.js';
import { connected, startHarness, type Harness } from './harness.js';

/**
 * Connections that join no namespace (a script's raw Engine.IO connections) were refused by nothing: each one
 * memory, each held for Socket.IO's 45 s connect timeout, without end from one address. Now one address holds
 * at most `connectionsPerAddress` connections over every namespace, and one that joins none is dropped soon.
 */
let t: TestCore;
let h: Harness;
const managers: Manager[] = [];

/** A raw connection: the engine opens, no namespace is joined. Resolves with the error when refused. */
function rawConnection(): Promise<{ manager: Manager; error?: Error }> {
  const manager = new Manager(h.url, { autoConnect: false, reconnection: false, transports: ['websocket'] });
  managers.push(manager);
  return new Promise((resolve) => manager.open((err?: Error) => resolve(err ? { manager, error: err } : { manager })));
}
const closed = (m: Manager) => new Promise<string>((resolve) => m.once('close', (reason: string) => resolve(reason)));

beforeAll(async () => {
  t = await startTestCore();
  h = await startHarness(t, { connectionsPerAddress: 3, connectTimeoutMs: 4_000, revalidateMs: 3_600_000 });
});
afterAll(async () => {
  for (const m of managers) m.engine?.close();
  await h?.close();
  await t?.stop();
});

describe('connections per client address', () => {
  it('refuses a connection beyond the cap, admits one again when another closes, and counts agent sockets too', async () => {
    // An agent's console is one of the address's connections as well.
    const token = await h.login(await createUser(t.core, 'agent'));
    const open = await Promise.all([rawConnection(), rawConnection()]);
    expect(open.map((o) => o.error)).toEqual([undefined, undefined]);
    const socket = h.connect(token);
    await connected(socket);
    const refused = await rawConnection();
    expect(refused.error).toBeDefined();

    const gone = closed(open[0]!.manager);
    open[0]!.manager.engine.close();
    await gone;
    // The server counts the close on its side too: wait until a new one is admitted.
    let again: { error?: Error } = { error: new Error('not tried') };
    for (let i = 0; i < 20 && again.error; i++) {
      again = await rawConnection();
      if (again.error) await new Promise((r) => setTimeout(r, 50));
    }
    expect(again.error).toBeUndefined();
    expect(socket.connected).toBe(true);
    socket.disconnect();
  });

  it('drops a connection that joins no namespace after the connect timeout, and frees its place', async () => {
    // The first test's raw connections are dropped the same way (after 4 s): wait for a place.
    let first: { manager: Manager; error?: Error } = await rawConnection();
    for (let i = 0; i < 20 && first.error; i++) {
      await new Promise((r) => setTimeout(r, 500));
      first = await rawConnection();
    }
    expect(first.error).toBeUndefined();
    const started = Date.now();
    const reason = await closed(first.manager);
    expect(reason).toBeTruthy();
    const after = Date.now() - started;
    expect(after).toBeGreaterThan(3_000);
    expect(after).toBeLessThan(8_000);
    // Once every raw connection is dropped, three fresh ones fit again.
    await new Promise((r) => setTimeout(r, 4_500));
    const fresh = await Promise.all([rawConnection(), rawConnection(), rawConnection()]);
    expect(fresh.map((f) => f.error)).toEqual([undefined, undefined, undefined]);
  });
});
