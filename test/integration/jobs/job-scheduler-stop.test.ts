import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobScheduler, type JobHandlers } from '../../../src/core/jobs/job-scheduler.js';
import { createLogger } from '../../../src/core/logging/logger.js';
import { eventually } from '../../support/eventually.js';
import { startTestDatabase, type TestDatabase } from '../../support/test-database.js';

/**
 * Stopping while a delivery runs waits for it to finish, and no longer: agenda's drain listened for the job's
 * `complete` event, which comes before the job leaves the running list (removeOnComplete still deletes it
 * then), so the drain never saw the end and every such stop waited its whole 15 s timeout.
 */
let db: TestDatabase;
const delivered: string[] = [];
let started: string | undefined;
const handlers: JobHandlers = {
  deliver: async (messageId) => {
    started = messageId;
    await new Promise((r) => setTimeout(r, 300));
    delivered.push(messageId);
  },
  purgeSessions: async () => undefined,
};

beforeAll(async () => {
  db = await startTestDatabase();
});
afterAll(async () => {
  await db?.stop();
});

describe('job scheduler stop', () => {
  it('waits for the running delivery to finish, then returns (not after the 15 s timeout)', async () => {
    const scheduler = new JobScheduler(db.connection, handlers, createLogger('silent'), 60_000);
    await scheduler.start();
    const id = new Types.ObjectId().toHexString();
    await scheduler.enqueue(id, 1);
    await eventually(async () => started, (s) => s === id, 10_000);
    const t0 = Date.now();
    await scheduler.stop();
    const took = Date.now() - t0;
    // Finished, not abandoned.
    expect(delivered).toEqual([id]);
    expect(await db.connection.db!.collection('jobs').countDocuments({ name: 'outbound.deliver' })).toBe(0);
    // The delivery had at most 300 ms left; the old stop took the whole 15 s.
    expect(took).toBeLessThan(8_000);
  });
});
