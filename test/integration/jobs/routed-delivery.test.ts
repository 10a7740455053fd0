import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobScheduler, type JobHandlers } from '../../../src/core/jobs/job-scheduler.js';
import { createLogger } from '../../../src/core/logging/logger.js';
import { eventually } from '../../support/eventually.js';
import { startTestDatabase, type TestDatabase } from '../../support/test-database.js';

/**
 * A delivery retry routed to the hub process holding the channel's session runs there and nowhere else;
 * should that process be gone, any process runs it from the fallback time.
 */
let db: TestDatabase;
const ran: Array<{ hub: string; messageId: string; attempt: number }> = [];
const schedulers: JobScheduler[] = [];
const hub = (name: string, holderId: string) => {
  const handlers: JobHandlers = {
    deliver: async (messageId, attempt) => void ran.push({ hub: name, messageId, attempt }),
    purgeSessions: async () => undefined,
  };
  const s = new JobScheduler(db.connection, handlers, createLogger('silent'), 50, 30_000, holderId);
  schedulers.push(s);
  return s;
};
beforeAll(async () => {
  db = await startTestDatabase();
});
afterAll(async () => {
  for (const s of schedulers) await s.stop();
  await db.stop();
});

describe('deliveries routed to the session holder', () => {
  it('runs on the holder only, however often the other process polls; the fallback runs anywhere once due', async () => {
    const a = hub('A', 'host:1:aaaaaa');
    const b = hub('B', 'host:2:bbbbbb');
    await Promise.all([a.start(), b.start()]);
    const far = new Date(Date.now() + 3_600_000);
    // Enqueued by A (where the retry was decided), for B.
    for (let i = 0; i < 10; i++) await a.enqueue(`m${i}`, 2, new Date(), undefined, { holder: 'host:2:bbbbbb', fallbackAt: far });
    // Distinct messages: on FerretDB agenda may run a job twice (its lock is not atomic there); the worker's
    // attempt claim makes a second run a no-op, so what matters here is where they run.
    const distinct = () => new Set(ran.map((r) => r.messageId)).size;
    await eventually(async () => distinct(), (n) => n >= 10, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(ran.filter((r) => r.hub === 'A')).toEqual([]);
    expect([...new Set(ran.map((r) => r.messageId))].sort()).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`).sort());

    // A holder that is gone: its job waits, the fallback (due now) is run by whoever is there.
    ran.length = 0;
    await a.enqueue('gone', 3, new Date(), undefined, { holder: 'host:9:gone00', fallbackAt: new Date(Date.now() + 200) });
    await eventually(async () => ran.length, (n) => n >= 1, 10_000);
    expect([...new Set(ran.map((r) => `${r.messageId}#${r.attempt}`))]).toEqual(['gone#3']);
  });
});
