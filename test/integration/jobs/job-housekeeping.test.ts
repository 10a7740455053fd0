import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobScheduler, type JobHandlers } from '../../../src/core/jobs/job-scheduler.js';
import { createLogger } from '../../../src/core/logging/logger.js';
import { eventually } from '../../support/eventually.js';
import { startTestDatabase, type TestDatabase } from '../../support/test-database.js';

/**
 * The `jobs` collection holds only what is still to run: agenda reads all of it for every job name on every
 * poll and for every enqueue on the embedded database, so finished jobs kept forever made each reply slower
 * than the last (`npm run bench:jobs`). And a job saved in this process does not wait for the next poll.
 */
let db: TestDatabase;
let scheduler: JobScheduler;
const ran: Array<{ messageId: string; at: number }> = [];
const handlers: JobHandlers = {
  deliver: async (messageId) => void ran.push({ messageId, at: Date.now() }),
  purgeSessions: async () => undefined,
};
const jobs = () => db.connection.db!.collection('jobs');

beforeAll(async () => {
  db = await startTestDatabase();
  // A poll a minute: anything run within the test was found without polling.
  scheduler = new JobScheduler(db.connection, handlers, createLogger('silent'), 60_000, 30_000, 'host:1:aaaaaa');
  await scheduler.start();
});
afterAll(async () => {
  await scheduler.stop();
  await db.stop();
});

describe('job housekeeping', () => {
  it('runs a job saved in this process at once, not at the next poll, and removes it once done', async () => {
    await new Promise((r) => setTimeout(r, 500)); // past the poll agenda makes when it starts
    const ids = Array.from({ length: 5 }, () => new Types.ObjectId().toHexString());
    const t0 = Date.now();
    for (const id of ids) await scheduler.enqueue(id, 1);
    expect(await eventually(async () => new Set(ran.map((r) => r.messageId)).size, (n) => n === 5, 10_000)).toBe(5);
    expect(Math.max(...ran.map((r) => r.at)) - t0).toBeLessThan(3_000);
    expect(await eventually(async () => jobs().countDocuments({ name: 'outbound.deliver' }), (n) => n === 0, 10_000)).toBe(0);
  });

  it('purges failed jobs after an hour, deliveries routed to a process gone for an hour and the per-ticket timer jobs of older versions, nothing else', async () => {
    const now = new Date();
    const ago = (ms: number) => new Date(now.getTime() - ms);
    const base = { type: 'normal', priority: 0, data: {}, disabled: false };
    await jobs().insertMany([
      { ...base, name: 'outbound.deliver', nextRunAt: null, lockedAt: null, lastRunAt: ago(7_300_000), lastFinishedAt: ago(7_200_000), failedAt: ago(7_200_000), failCount: 1, failReason: 'boom', data: { case: 'failed long ago' } },
      { ...base, name: 'outbound.deliver', nextRunAt: null, lockedAt: null, lastRunAt: ago(60_000), lastFinishedAt: ago(60_000), failedAt: ago(60_000), failCount: 1, failReason: 'boom', data: { case: 'failed a minute ago' } },
      { ...base, name: 'outbound.deliver', nextRunAt: null, lockedAt: ago(7_200_000), lastRunAt: ago(7_200_000), data: { case: 'running (locked)' } },
      { ...base, name: 'outbound.deliver', nextRunAt: new Date(now.getTime() + 86_400_000), lockedAt: null, data: { case: 'due tomorrow' } },
      { ...base, name: 'ticket.unsnooze', nextRunAt: new Date(now.getTime() + 86_400_000), lockedAt: null, data: { case: 'a snooze job of an older version' } },
      { ...base, name: 'assignment.overflow', nextRunAt: new Date(now.getTime() + 60_000), lockedAt: null, data: { case: 'an overflow job of an older version' } },
      { ...base, name: 'outbound.deliver@host:9:gone00', nextRunAt: ago(7_200_000), lockedAt: null, data: { case: 'routed to a gone hub' } },
      { ...base, name: 'outbound.deliver@host:9:gone00', nextRunAt: ago(60_000), lockedAt: null, data: { case: 'routed a minute ago' } },
      { ...base, name: 'outbound.deliverer', nextRunAt: ago(7_200_000), lockedAt: null, data: { case: 'another name, overdue' } },
    ]);
    expect(await scheduler.purgeFinished(now)).toBe(4);
    const left = (await jobs().find({ 'data.case': { $exists: true } }).toArray()).map((j) => (j.data as { case: string }).case).sort();
    expect(left).toEqual(['another name, overdue', 'due tomorrow', 'failed a minute ago', 'routed a minute ago', 'running (locked)']);
  });
});
