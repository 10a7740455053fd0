import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionLeases } from '../../../src/core/inboxes/session-lease.js';
import { createLogger } from '../../../src/core/logging/logger.js';
import { createInbox, startTestCore, type TestCore } from '../../support/test-core.js';
import { modelsOf } from '../../../src/core/models/models-of.js';

let t: TestCore;
const log = createLogger('silent');
beforeAll(async () => {
  t = await startTestCore();
});
afterAll(() => t?.stop());

/** A clock each "process" reads; tests move it instead of sleeping through a TTL. */
const clock = { now: Date.now() };
const leases = (holder: string, ttlMs = 30_000) => new SessionLeases(modelsOf(t.core), holder, ttlMs, log, () => clock.now);
const newInbox = async () => String((await createInbox(t.core, 'email'))._id);

describe('session leases (one owner per stateful channel session)', () => {
  it('twenty processes claiming at once: exactly one wins; the others see it as the holder', async () => {
    const inboxId = await newInbox();
    const contenders = Array.from({ length: 20 }, (_, i) => leases(`proc-${i}`));
    const results = await Promise.all(contenders.map((l) => l.tryClaim(inboxId)));
    const winners = results.filter(Boolean);
    expect(winners).toHaveLength(1);
    const holder = winners[0]!.holder;
    for (const l of contenders) expect((await l.current(inboxId))?.holder).toBe(holder);
  });

  it('a live lease is not taken; an expired one is taken over and its old holder learns it lost', async () => {
    const inboxId = await newInbox();
    const a = leases('A');
    const b = leases('B');
    const held = await a.tryClaim(inboxId);
    expect(held).toBeDefined();
    expect(await b.tryClaim(inboxId)).toBeUndefined();
    clock.now += 10_000;
    expect(await a.renew(held!)).toBe(true);
    clock.now += 25_000; // renewed at +10 s for 30 s: still live at +35 s
    expect(await b.tryClaim(inboxId)).toBeUndefined();
    clock.now += 10_000; // A stalled: expired at +40 s
    const taken = await b.tryClaim(inboxId);
    expect(taken?.generation).toBe(held!.generation + 1);
    expect(await a.renew(held!)).toBe(false);
    expect((await a.current(inboxId))?.holder).toBe('B');
  });

  it('a holder whose heartbeat was late by a whole TTL stops by itself even before anyone took over', async () => {
    const inboxId = await newInbox();
    const a = leases('A');
    const held = await a.tryClaim(inboxId);
    clock.now += 31_000;
    expect(await a.renew(held!)).toBe(false);
  });

  it('a released lease is taken at once; two takers of an expired lease: one wins', async () => {
    const inboxId = await newInbox();
    const a = leases('A');
    const held = await a.tryClaim(inboxId);
    await a.release(held!);
    const b = leases('B');
    const c = leases('C');
    const [rb, rc] = await Promise.all([b.tryClaim(inboxId), c.tryClaim(inboxId)]);
    expect([rb, rc].filter(Boolean)).toHaveLength(1);
  });

  it('a new process with no memory finds the newest generation through the hint and forward probes', async () => {
    const inboxId = await newInbox();
    let generation = 0;
    for (let i = 0; i < 6; i++) {
      const l = leases(`gen-${i}`);
      const held = await l.tryClaim(inboxId);
      expect(held).toBeDefined();
      generation = held!.generation;
      await l.release(held!);
    }
    const fresh = leases('fresh');
    const held = await fresh.tryClaim(inboxId);
    expect(held!.generation).toBe(generation + 1);
    // Old generations are pruned; the newest few are kept for the record.
    expect(await modelsOf(t.core).SessionLease.countDocuments({ inboxId, generation: { $gt: 0 } })).toBeLessThanOrEqual(5);
  });
});
