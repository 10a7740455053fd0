import type { Logger } from '../logging/logger.js';

/**
 * Waits before each restart of a database process that keeps exiting: the first is almost at once (a killed
 * process), later ones back off so a database that cannot start (a full disk, a taken port) is retried
 * calmly, each failure logged.
 */
export const RESTART_DELAYS_MS = [200, 1_000, 2_000, 5_000, 10_000, 30_000];
/** A process that ran this long before exiting counts as healthy: the next restart is quick again. */
const HEALTHY_AFTER_MS = 60_000;

/** One run of the supervised process: started, and stopped by us. */
export interface ProcessRun {
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

/**
 * Keeps an embedded database process running: `exited()` (called by whoever watches the process) starts it
 * again after a wait, on the same data and the same address, so the URI the hub holds stays right and the
 * MongoDB driver reconnects by itself. Shared by the embedded FerretDB and the embedded mongod: before it,
 * either one exiting on its own (a crash, the kernel's OOM killer, a stray `kill`) left the hub running without
 * a database until someone restarted it by hand.
 */
export class RestartOnExit<R extends ProcessRun> {
  private stopping = false;
  private restartCount = 0;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private starting: Promise<void> | undefined;
  private startedAt = Date.now();
  /** When the database went away (its first exit in a row), for the log. */
  private downSince: number | undefined;
  private run: R;

  private constructor(
    first: R,
    private readonly opts: { what: string; logger: Logger; start: () => Promise<R>; delaysMs?: number[]; context?: Record<string, unknown> },
  ) {
    this.run = first;
  }

  /** Starts the first run (its failure is the caller's: nothing is retried before the database was ever up). */
  static async start<R extends ProcessRun>(opts: { what: string; logger: Logger; start: () => Promise<R>; delaysMs?: number[]; context?: Record<string, unknown> }): Promise<RestartOnExit<R>> {
    return new RestartOnExit(await opts.start(), opts);
  }

  get current(): R {
    return this.run;
  }

  /** How many times it was started again after exiting on its own. */
  get restarts(): number {
    return this.restartCount;
  }

  /** True while a restart is waited for or under way (an exit seen then belongs to that restart). */
  get restarting(): boolean {
    return this.timer !== undefined || this.starting !== undefined;
  }

  /** The process exited without `stop()`. */
  exited(): void {
    if (this.stopping || this.restarting) return;
    const now = Date.now();
    this.downSince ??= now;
    this.schedule(now);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.starting;
    await this.run.stop();
  }

  /** `failures`: exits and failed starts in a row, each sooner than HEALTHY_AFTER_MS after the last start. */
  private schedule(exitedAt: number): void {
    if (this.stopping) return;
    if (exitedAt - this.startedAt >= HEALTHY_AFTER_MS) this.failures = 0;
    const delays = this.opts.delaysMs ?? RESTART_DELAYS_MS;
    const delayMs = delays[Math.min(this.failures, delays.length - 1)]!;
    this.failures++;
    this.opts.logger.warn({ ...this.opts.context, delayMs, failures: this.failures }, `restarting the ${this.opts.what} on the same data`);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.starting = this.restart().finally(() => (this.starting = undefined));
    }, delayMs);
  }

  private async restart(): Promise<void> {
    if (this.stopping) return;
    try {
      const next = await this.opts.start();
      this.run = next;
      this.startedAt = Date.now();
      this.restartCount++;
      this.opts.logger.warn(
        { ...this.opts.context, pid: next.pid, restarts: this.restartCount, downMs: this.startedAt - (this.downSince ?? this.startedAt) },
        `${this.opts.what} restarted on the same data and port`,
      );
      this.downSince = undefined;
      if (this.stopping) await next.stop();
    } catch (err) {
      this.opts.logger.error({ ...this.opts.context, err, failures: this.failures }, `${this.opts.what} could not be restarted`);
      // A failed start counts like a quick exit: the next wait is longer.
      this.startedAt = Date.now();
      this.schedule(this.startedAt);
    }
  }
}
