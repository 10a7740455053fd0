import { Agenda, InMemoryNotificationChannel, type Job } from 'agenda';
import { MongoBackend } from '@agendajs/mongo-backend';
import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { HolderRoute, OutboundQueue } from '../outbound/outbound-queue.js';

export interface JobHandlers {
  deliver(messageId: string, attempt: number): Promise<unknown>;
  /**
   * Waits whose time has come: snoozed tickets woken (`src/core/tickets/snooze-wake.ts`), tickets waiting past
   * their department's overflow time moved (`src/core/assignment/overflow-sweep.ts`). Idempotent.
   */
  timersSweep?(): Promise<unknown>;
  purgeSessions(): Promise<unknown>;
  /** SLA warnings and breach escalations (`src/core/sla/sla-alerts.ts`); once each across processes by its own claims. */
  slaSweep?(): Promise<unknown>;
  /** Auto-close and pending reminders (src/core/automation/automation-sweep.ts); idempotent. */
  automationSweep?(): Promise<unknown>;
}

/** How often the automation sweep runs: auto-close and reminders count in days, minutes late is fine. */
const AUTOMATION_SWEEP_EVERY = '5 minutes';
/**
 * How often snoozes and overflow times are looked at. One sweep, not a job per snoozed or waiting ticket: on
 * FerretDB every poll and every enqueue read every pending job, so each of those made every reply slower.
 */
const TIMERS_SWEEP_EVERY = '15 seconds';
/**
 * Per-ticket timer jobs of versions before 2026-12-05; the timers sweep finds their tickets by itself. Purged
 * hourly, not only at start: during a rolling upgrade a hub of the old version still creates them.
 */
const LEGACY_TIMER_JOBS = ['ticket.unsnooze', 'assignment.overflow'];
const SWEEP_LOCK_LIFETIME_MS = 60_000;
/** How often a stop looks whether the running jobs have finished. */
const DRAIN_CHECK_MS = 50;
/** Failed jobs stay this long (to be looked at); routed deliveries this long past due mean their hub is gone. */
const PURGE_AFTER_MS = 3_600_000;
/**
 * How often agenda asks for due jobs when `JOBS_POLL_MS` is not set. Jobs saved in this process are found
 * at once (notification channel); the poll finds other processes' jobs and the ones due later. On FerretDB
 * every poll is one whole-collection read per job name inside the write lock: less often there.
 */
export function defaultJobPollMs(ferretDb: boolean): number {
  return ferretDb ? 5_000 : 1_000;
}

interface DeliverData {
  messageId: string;
  attempt: number;
  recovery?: string;
}
/**
 * Durable jobs on agenda, stored in the same database. Jobs are keyed by
 * `unique` so enqueueing twice (a retry racing a restart recovery) keeps one.
 */
export class JobScheduler implements OutboundQueue {
  private readonly agenda: Agenda;
  private readonly jobs: Collection;
  private started = false;

  constructor(
    connection: Connection,
    private readonly handlers: JobHandlers,
    private readonly logger: Logger,
    pollMs: number,
    private readonly slaScanMs = 30_000,
    /** This process's session-lease holder id: it runs the deliveries routed to it (`enqueue`'s `route`). */
    holderId?: string,
  ) {
    if (!connection.db) throw new Error('connection is not open');
    this.jobs = connection.db.collection('jobs');
    this.agenda = new Agenda({
      backend: new MongoBackend({ mongo: connection.db, collection: 'jobs' }),
      processEvery: pollMs,
      maxConcurrency: 20,
      defaultConcurrency: 5,
      // A job saved here is looked for at once instead of at the next poll: a reply no longer waits up to a
      // poll interval before its delivery starts. Other processes' jobs are still found by polling.
      notificationChannel: new InMemoryNotificationChannel(),
      // Agenda asks for due jobs with a query per job name on every poll, and each enqueue looks for its
      // unique twin: on the embedded FerretDB both read the whole collection (inside the write lock, for the
      // poll's findAndModify). Finished jobs kept forever made that grow with every reply ever sent: 1,000
      // of them cost 0.3–0.9 s per query (`npm run bench:jobs`). Done jobs go; failed ones are purged later.
      removeOnComplete: true,
    });
    this.agenda.on('error', (err: unknown) => this.logger.error({ err }, 'job scheduler error'));
    const deliver = async (job: Job<DeliverData>) => {
      await this.handlers.deliver(job.attrs.data.messageId, job.attrs.data.attempt);
    };
    this.agenda.define<DeliverData>('outbound.deliver', deliver);
    // Only this process defines its own routed name, so only it runs those jobs (agenda runs defined names only).
    if (holderId) this.agenda.define<DeliverData>(routedName(holderId), deliver);
    this.agenda.define('sessions.purge', async () => {
      await this.handlers.purgeSessions();
      await this.purgeFinished();
    }, { lockLifetime: SWEEP_LOCK_LIFETIME_MS });
    // The sweeps are one job shared by every process; a process killed while holding it would block the
    // others for agenda's default lock lifetime (10 minutes). Both are idempotent by their own claims, so a
    // short lifetime (a slow sweep run twice) costs nothing.
    this.agenda.define('sla.sweep', async () => {
      await this.handlers.slaSweep?.();
    }, { lockLifetime: SWEEP_LOCK_LIFETIME_MS });
    this.agenda.define('automation.sweep', async () => {
      await this.handlers.automationSweep?.();
    }, { lockLifetime: SWEEP_LOCK_LIFETIME_MS });
    this.agenda.define('timers.sweep', async () => {
      await this.handlers.timersSweep?.();
    }, { lockLifetime: SWEEP_LOCK_LIFETIME_MS });
  }

  async start(): Promise<void> {
    if (this.started) return;
    await this.agenda.start();
    await this.agenda.every('1 hour', 'sessions.purge');
    if (this.handlers.slaSweep) await this.agenda.every(this.slaScanMs, 'sla.sweep');
    if (this.handlers.automationSweep) await this.agenda.every(AUTOMATION_SWEEP_EVERY, 'automation.sweep');
    if (this.handlers.timersSweep) await this.agenda.every(TIMERS_SWEEP_EVERY, 'timers.sweep');
    this.started = true;
    // Jobs an older version kept after they finished (every delivery ever made): gone in the background.
    void this.purgeFinished().catch((err: unknown) => this.logger.warn({ err }, 'finished jobs not purged; the hourly purge tries again'));
  }

  /**
   * Removes what no process will run again: jobs that finished (failed ones are kept an hour to be looked
   * at; done ones are removed when they finish, since `removeOnComplete`) and deliveries routed to a hub
   * process that has been gone an hour (their name is defined nowhere else; the fallback job made the
   * attempt), and the per-ticket timer jobs of versions before 2026-12-05 (snooze, overflow: the timers
   * sweep finds their tickets). One query each, reading the whole collection on FerretDB: at start and hourly only.
   */
  async purgeFinished(now = new Date()): Promise<number> {
    const hourAgo = new Date(now.getTime() - PURGE_AFTER_MS);
    const finished = await this.jobs.deleteMany({ nextRunAt: null, lockedAt: null, lastFinishedAt: { $lt: hourAgo } });
    const orphaned = await this.jobs.deleteMany({ name: ROUTED_NAME, lockedAt: null, nextRunAt: { $lt: hourAgo } });
    const legacy = await this.jobs.deleteMany({ name: { $in: LEGACY_TIMER_JOBS }, lockedAt: null });
    const removed = finished.deletedCount + orphaned.deletedCount + legacy.deletedCount;
    if (removed) this.logger.info({ finished: finished.deletedCount, orphanedRoutes: orphaned.deletedCount, timerJobs: legacy.deletedCount }, 'finished jobs purged');
    return removed;
  }

  /** Polling for due jobs (started and not stopped). */
  isRunning(): boolean {
    return this.started;
  }

  /** Waits for running jobs (a delivery half-way must finish, not be abandoned), then stops polling. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (!this.started) return;
    this.started = false;
    // agenda's drain waits for the running jobs but, unlike its stop, leaves the jobs this process had
    // locked ahead of their run time locked until the lock expires: another process could not run them
    // (the shared SLA sweep stood still after a hub restarted). They are released here, each only if
    // still holding our lock.
    const stats = await this.agenda.getRunningStats(true);
    const running = new Set((stats.runningJobs as Array<{ _id?: unknown }>).map((j) => String(j._id)));
    const lockedAhead = (stats.lockedJobs as Array<{ _id?: unknown; lockedAt?: Date | null }>).filter((j) => j.lockedAt && !running.has(String(j._id)));
    // agenda's drain ends on a job's `complete` event, which comes before the job leaves the running list
    // (removeOnComplete still deletes it then): it missed that end and waited its whole timeout. The list
    // itself says when the running jobs are done.
    const done = new AbortController();
    const watch = setInterval(() => {
      void this.agenda
        .getRunningStats()
        .then((s) => s.runningJobs === 0 && done.abort())
        .catch(() => undefined);
    }, DRAIN_CHECK_MS);
    const result = await this.agenda.drain({ timeout: timeoutMs, signal: done.signal, closeConnection: false }).finally(() => clearInterval(watch));
    if (result.timedOut || result.running > 0) this.logger.warn({ running: result.running }, 'jobs still running at shutdown');
    for (const job of lockedAhead) {
      await this.jobs.updateOne({ _id: job._id, lockedAt: job.lockedAt } as never, { $unset: { lockedAt: 1 } }).catch((err: unknown) => this.logger.warn({ err, jobId: String(job._id) }, 'could not release a job lock at shutdown'));
    }
  }

  /**
   * One job per (message, attempt). A recovery enqueue gets its own job even
   * if one exists (it may be finished or stuck); the attempt claim in the
   * worker makes the extra job a no-op when the attempt was already made.
   */
  async enqueue(messageId: string, attempt: number, at: Date = new Date(), recovery?: string, route?: HolderRoute): Promise<void> {
    if (route) {
      // The holder's own job, and one any process runs later should the holder be gone: whichever makes
      // the attempt first claims it (DeliveryWorker), the other one then finds it made and does nothing.
      await this.agenda
        .create<DeliverData>(routedName(route.holder), { messageId, attempt, recovery: 'holder' })
        .unique({ 'data.messageId': messageId, 'data.attempt': attempt, 'data.recovery': 'holder' }, { insertOnly: true })
        .schedule(at)
        .save();
      return this.enqueue(messageId, attempt, route.fallbackAt, 'holder-gone');
    }
    await this.agenda
      .create<DeliverData>('outbound.deliver', { messageId, attempt, ...(recovery ? { recovery } : {}) })
      .unique({ 'data.messageId': messageId, 'data.attempt': attempt, 'data.recovery': recovery ?? null }, { insertOnly: true })
      .schedule(at)
      .save();
  }
}

/** The job name of deliveries that must run in the process holding the channel's session. */
const ROUTED_PREFIX = 'outbound.deliver@';
const ROUTED_NAME = /^outbound\.deliver@/;
const routedName = (holder: string) => `${ROUTED_PREFIX}${holder}`;
