import type { Connection } from 'mongoose';
import type { BacklogProgress } from '../ingest/backlog-catch-up.js';
import type { Models } from '../models/registry.js';

export type PartStatus = 'ok' | 'degraded' | 'down' | 'unknown';

export interface HealthReport {
  /**
   * `down` when the database does not answer (HTTP 503); `degraded` when the job scheduler is stopped or the
   * start-up backlog is still being processed (the hub serves). A channel's trouble is reported on its inbox
   * but does not take the hub out of a load balancer.
   */
  status: 'ok' | 'degraded' | 'down';
  parts: {
    database: { status: PartStatus; latencyMs?: number; error?: string };
    jobs: { status: PartStatus };
    ingest: { status: PartStatus; backlog: BacklogProgress };
    inboxes: Array<{ id: string; name: string; kind: string; status: PartStatus; detail?: string }>;
  };
}

export interface HealthSources {
  connection: Connection;
  models: Models;
  jobsRunning: () => boolean;
  backlog: () => BacklogProgress;
  timeoutMs: number;
}

const withTimeout = <T>(work: Promise<T>, ms: number): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    work.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });

/**
 * What `/api/health` reports, part by part. The database is pinged with a deadline (a frozen database said "ok"
 * for 10 s when only the driver's connection state was looked at); the inboxes' channel health is read with the
 * same deadline and, when the database does not answer, the last copy read is shown.
 */
export class HealthCheck {
  private lastInboxes: HealthReport['parts']['inboxes'] = [];

  constructor(private readonly sources: HealthSources) {}

  async report(): Promise<HealthReport> {
    const { connection, models, timeoutMs } = this.sources;
    const database = await this.pingDatabase(connection, timeoutMs);
    if (database.status === 'ok') {
      try {
        const inboxes = await withTimeout(models.Inbox.find({}, { name: 1, kind: 1, health: 1 }).lean(), timeoutMs);
        this.lastInboxes = inboxes.map((i) => ({
          id: String(i._id),
          name: i.name,
          kind: i.kind,
          status: i.health?.status ?? 'unknown',
          ...(i.health?.detail ? { detail: i.health.detail } : {}),
        }));
      } catch {
        // Keep the last copy; the database part already says how the database is.
      }
    }
    const backlog = this.sources.backlog();
    const jobs: PartStatus = this.sources.jobsRunning() ? (database.status === 'ok' ? 'ok' : 'degraded') : 'down';
    const ingest: PartStatus = backlog.catchingUp ? 'degraded' : 'ok';
    return {
      status: database.status !== 'ok' ? 'down' : jobs !== 'ok' || ingest !== 'ok' ? 'degraded' : 'ok',
      parts: { database, jobs: { status: jobs }, ingest: { status: ingest, backlog }, inboxes: this.lastInboxes },
    };
  }

  private async pingDatabase(connection: Connection, timeoutMs: number): Promise<HealthReport['parts']['database']> {
    const db = connection.db;
    if (!db || connection.readyState !== 1) return { status: 'down', error: 'not connected' };
    const started = Date.now();
    try {
      // maxTimeMS bounds the server's side; the race bounds a database that does not answer at all.
      await withTimeout(db.command({ ping: 1, maxTimeMS: timeoutMs }), timeoutMs);
      return { status: 'ok', latencyMs: Date.now() - started };
    } catch (err) {
      return { status: 'down', error: (err as Error).message };
    }
  }
}
