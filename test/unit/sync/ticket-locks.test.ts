import { describe, expect, it } from 'vitest';
import { TicketLocks } from '../../../src/core/tickets/ticket-locks.js';

describe('TicketLocks stamps', () => {
  it('a read is reusable only while no locked section for that ticket ended after it', async () => {
    const locks = new TicketLocks();
    const stamp = locks.stamp();
    await locks.run('other', async () => undefined);
    expect(await locks.run('t1', async () => locks.unchangedSince('t1', stamp))).toBe(true);
    // The section above has now ended: a read stamped before it is stale.
    expect(await locks.run('t1', async () => locks.unchangedSince('t1', stamp))).toBe(false);
    const later = locks.stamp();
    expect(await locks.run('t1', async () => locks.unchangedSince('t1', later))).toBe(true);
  });

  it('a section still running when the read was stamped makes the read stale', async () => {
    const locks = new TicketLocks();
    let release!: () => void;
    const started = new Promise<void>((entered) => {
      void locks.run('t1', () => new Promise<void>((r) => {
        release = r;
        entered();
      }));
    });
    await started;
    const running = locks.run('t1', async () => undefined); // queued behind the writer
    const stamp = locks.stamp(); // read while a writer holds the ticket
    release();
    await running;
    expect(await locks.run('t1', async () => locks.unchangedSince('t1', stamp))).toBe(false);
  });

  it('forgetting old tickets never makes a stale read look fresh', async () => {
    const locks = new TicketLocks();
    const stamp = locks.stamp();
    await locks.run('t1', async () => undefined);
    for (let i = 0; i < 10_001; i++) await locks.run(`k${i}`, async () => undefined);
    expect(await locks.run('t1', async () => locks.unchangedSince('t1', stamp))).toBe(false);
  });
});
