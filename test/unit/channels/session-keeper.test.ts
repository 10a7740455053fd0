import { describe, expect, it } from 'vitest';
import { SessionKeeper, type LeaseHandle, type LeasePort } from '../../../src/channels/session-keeper.js';
import type { ChannelAdapter, ChannelContext } from '../../../src/core/domain/channel-adapter.js';
import { createLogger } from '../../../src/core/logging/logger.js';

/** A lease port whose answers the test decides, and an adapter that records its session calls. */
function setup(opts: { claim?: boolean; renew?: boolean; startFails?: boolean } = {}) {
  const calls: string[] = [];
  const health: string[] = [];
  const state = { claim: opts.claim ?? true, renew: opts.renew ?? true };
  const leases: LeasePort = {
    holderId: 'me',
    ttlMs: 90_000, // the keeper's own timer never fires during a test; steps are driven by hand
    async tryClaim(inboxId) {
      calls.push('claim');
      return state.claim ? { inboxId, generation: 1, expiresAt: new Date(Date.now() + 90_000) } : undefined;
    },
    async renew() {
      calls.push('renew');
      return state.renew;
    },
    async release(lease: LeaseHandle) {
      calls.push(`release:${lease.generation}`);
    },
  };
  const adapter = {
    kind: 'email',
    async start() {},
    async startSession() {
      calls.push('startSession');
      if (opts.startFails) throw new Error('IMAP refused');
    },
    async stopSession() {
      calls.push('stopSession');
    },
    async send() {
      throw new Error('unused');
    },
    async checkHealth() {
      return { status: 'ok' as const, checkedAt: new Date() };
    },
    async stop() {},
  } satisfies ChannelAdapter;
  const ctx = { reportHealth: async (h: { status: string }) => void health.push(h.status) } as unknown as ChannelContext;
  const keeper = new SessionKeeper('inbox-1', adapter, ctx, leases, createLogger('silent'));
  const step = () => (keeper as unknown as { schedule(): Promise<void> }).schedule();
  return { calls, health, state, keeper, step };
}

describe('SessionKeeper', () => {
  it('starts the session only after claiming the lease, renews while held, and stops it the moment the lease is lost', async () => {
    const s = setup();
    await s.keeper.start();
    expect(s.calls).toEqual(['claim', 'startSession']);
    expect(s.keeper.holding).toBe(true);
    await s.step();
    expect(s.calls.at(-1)).toBe('renew');
    s.state.renew = false;
    await s.step();
    expect(s.calls.slice(-2)).toEqual(['renew', 'stopSession']);
    expect(s.keeper.holding).toBe(false);
    // Not holding: the next heartbeat tries to claim again, and only a won claim starts a session.
    s.state.claim = false;
    await s.step();
    expect(s.calls.at(-1)).toBe('claim');
    await s.keeper.stop();
    expect(s.calls.filter((c) => c === 'startSession')).toHaveLength(1);
  });

  it('never starts a session without the lease', async () => {
    const s = setup({ claim: false });
    await s.keeper.start();
    await s.step();
    expect(s.calls).toEqual(['claim', 'claim']);
    await s.keeper.stop();
    expect(s.calls).not.toContain('stopSession');
  });

  it('a session that fails to start gives the lease back at once and says so on the inbox', async () => {
    const s = setup({ startFails: true });
    await s.keeper.start();
    expect(s.calls).toEqual(['claim', 'startSession', 'release:1']);
    expect(s.health).toEqual(['down']);
    expect(s.keeper.holding).toBe(false);
    await s.keeper.stop();
  });

  it('stop ends the session and releases the lease so another process need not wait for its expiry', async () => {
    const s = setup();
    await s.keeper.start();
    await s.keeper.stop();
    expect(s.calls).toEqual(['claim', 'startSession', 'stopSession', 'release:1']);
  });
});
