/**
 * The job system as a real install meets it: agents' replies are delivered by `outbound.deliver` jobs, and
 * agenda asks the database for due jobs of every job name on each poll. On the embedded FerretDB that
 * question is a `findAndModify` that reads the whole `jobs` collection inside the write lock.
 *
 *   npx tsx scripts/bench/jobs.ts [--replies 3000] [--rate 100] [--poll-ms <the hub's default>] [--pending 0] [--pending-name assignment.overflow]
 *
 * Sends `--replies` deliveries through `JobScheduler` (a no-op delivery handler) at `--rate` a second and
 * prints: how long a reply waited from enqueue to its delivery starting (p50 / p99 / max), how many
 * documents the `jobs` collection holds afterwards, and what one poll query costs then (agenda's own query,
 * five times) — with the number of job names it is asked for on every poll.
 *
 * `--pending N` first stores N jobs due tomorrow (`--pending-name`, as agenda stores them): what an install
 * carries between polls — each snoozed ticket had its wake-up job until 2026-12-05, each ticket waiting for an
 * overflow check has one. Every poll and every enqueue reads them all on FerretDB.
 */
import { parseArgs } from 'node:util';
import { Types } from 'mongoose';
import { defaultJobPollMs, JobScheduler } from '../../src/core/jobs/job-scheduler.js';
import { createLogger } from '../../src/core/logging/logger.js';
import { startTestDatabase } from '../../test/support/test-database.js';

const { values } = parseArgs({
  options: {
    replies: { type: 'string', default: '3000' },
    rate: { type: 'string', default: '100' },
    'poll-ms': { type: 'string' },
    pending: { type: 'string', default: '0' },
    'pending-name': { type: 'string', default: 'assignment.overflow' },
  },
});
const replies = Number(values.replies);
const rate = Number(values.rate);

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

const db = await startTestDatabase();
const enqueuedAt = new Map<string, number>();
const waited: number[] = [];
let ran = 0;
const scheduler = new JobScheduler(
  db.connection,
  {
    deliver: async (messageId) => {
      const t = enqueuedAt.get(messageId);
      if (t !== undefined) {
        waited.push(performance.now() - t);
        enqueuedAt.delete(messageId);
      }
      ran++;
    },
    purgeSessions: async () => undefined,
    slaSweep: async () => undefined,
    automationSweep: async () => undefined,
  },
  createLogger('silent'),
  values['poll-ms'] !== undefined ? Number(values['poll-ms']) : defaultJobPollMs(db.kind === 'ferretdb'),
  30_000,
  'bench-holder',
);
try {
  const pending = Number(values.pending);
  if (pending > 0) {
    const tomorrow = new Date(Date.now() + 86_400_000);
    const docs = Array.from({ length: pending }, (_, i) => ({ name: values['pending-name']!, data: { ticketId: new Types.ObjectId().toHexString(), n: i }, type: 'normal', priority: 0, nextRunAt: tomorrow, lockedAt: null, lastModifiedBy: null, disabled: false }));
    for (let i = 0; i < docs.length; i += 500) await db.connection.db!.collection('jobs').insertMany(docs.slice(i, i + 500));
    console.log(`pending               ${pending} '${values['pending-name']}' jobs due tomorrow stored first`);
  }
  await scheduler.start();
  console.log(`jobs: ${replies} replies at ${rate}/s through JobScheduler (${db.kind}, poll ${values['poll-ms'] ?? defaultJobPollMs(db.kind === 'ferretdb')} ms)`);
  const t0 = performance.now();
  for (let i = 0; i < replies; i++) {
    const due = t0 + (i / rate) * 1000;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const id = new Types.ObjectId().toHexString();
    enqueuedAt.set(id, performance.now());
    await scheduler.enqueue(id, 1);
  }
  const deadline = performance.now() + 120_000;
  // Distinct replies: a job run twice (agenda's lock is not atomic on FerretDB; the delivery claim makes it a no-op) counts once.
  while (waited.length < replies && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  console.log(`delivered             ${waited.length}/${replies} in ${((performance.now() - t0) / 1000).toFixed(1)} s (jobs run ${ran} times)`);
  console.log(`enqueue → run         p50 ${pct(waited, 50).toFixed(0)} ms  p99 ${pct(waited, 99).toFixed(0)} ms  max ${pct(waited, 100).toFixed(0)} ms`);
  // What is left once every reply went out: finished jobs kept, or removed.
  await new Promise((r) => setTimeout(r, 2_000));
  const jobs = db.connection.db!.collection('jobs');
  console.log(`jobs documents after  ${await jobs.countDocuments()}`);
  const poll = () =>
    jobs.findOneAndUpdate(
      { name: 'no.such.job', disabled: { $ne: true }, $or: [{ lockedAt: { $eq: null }, nextRunAt: { $lte: new Date() } }, { lockedAt: { $lte: new Date(Date.now() - 600_000) } }] },
      { $set: { lockedAt: new Date() } },
      { returnDocument: 'after', sort: { nextRunAt: 1, priority: -1 } },
    );
  const times: number[] = [];
  for (let k = 0; k < 5; k++) {
    const t = performance.now();
    await poll();
    times.push(performance.now() - t);
  }
  console.log(`one poll query        median ${pct(times, 50).toFixed(1)} ms (agenda asks once per job name per poll)`);
} finally {
  await scheduler.stop();
  await db.stop();
}
// Agenda's and the driver's timers would keep the process alive after the database is gone.
process.exit(0);
