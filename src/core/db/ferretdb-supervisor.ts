import type { Logger } from '../logging/logger.js';
import { launchFerretDb, type RunningFerretDb } from './ferretdb-launcher.js';

/**
 * Waits before each restart of a FerretDB that keeps exiting: the first is almost at once (a killed
 * process), later ones back off so a database that cannot start (a full disk, a taken port) is retried
 * calmly, each failure logged with FerretDB's own last words.
 */
const RESTART_DELAYS_MS = [200, 1_000, 2_000, 5_000, 10_000, 30_000];
/** A process that ran this long before exiting counts as healthy: the next restart is quick again. */
const HEALTHY_AFTER_MS = 60_000;

export interface SupervisedFerretDb {
  /** Stays the same across restarts (the same port): the driver reconnects by itself. */
  readonly uri: string;
  /** The current process (benchmarks read its CPU time; a test stops it). */
  readonly pid: number;
  /** How many times it was started again after exiting on its own. */
  readonly restarts: number;
  stop(): Promise<void>;
}

/**
 * The embedded FerretDB, started again on the same data and the same port whenever it exits on its own
 * (a crash, the kernel's OOM killer, a stray `kill`). Before this, the hub ran on without a database
 * until someone restarted it by hand: every request failed, jobs logged errors every few seconds, and a
 * stop then died on the driver's server-selection timeout. SQLite recovers its write-ahead log on open,
 * so what was committed is there; the MongoDB driver's pool reconnects to the same address on its own,
 * and what failed meanwhile is retried as after any transient error (inbound events stay pending until
 * processed; callers of the REST API got a 5xx and may retry).
 */
export async function superviseFerretDb(opts: { binary: string; dir: string; logger: Logger; startTimeoutMs?: number; restartDelaysMs?: number[] }): Promise<SupervisedFerretDb> {
  const log = opts.logger;
  const delays = opts.restartDelaysMs ?? RESTART_DELAYS_MS;
  let stopping = false;
  let restarts = 0;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;
  let starting: Promise<void> | undefined;
  let startedAt = Date.now();
  /** When the database went away (its first exit in a row), for the log. */
  let downSince: number | undefined;

  const launch = (listen?: string): Promise<RunningFerretDb> =>
    launchFerretDb({
      binary: opts.binary,
      dir: opts.dir,
      logger: log,
      ...(opts.startTimeoutMs !== undefined ? { startTimeoutMs: opts.startTimeoutMs } : {}),
      ...(listen ? { listen } : {}),
      onUnexpectedExit: () => {
        const now = Date.now();
        downSince ??= now;
        scheduleRestart(now);
      },
    });

  let current = await launch();
  const uri = current.uri;
  const listen = listenAddressOf(uri);

  /** `failures`: exits and failed starts in a row, each sooner than HEALTHY_AFTER_MS after the last start. */
  function scheduleRestart(exitedAt: number): void {
    if (stopping) return;
    if (exitedAt - startedAt >= HEALTHY_AFTER_MS) failures = 0;
    const delay = delays[Math.min(failures, delays.length - 1)]!;
    failures++;
    log.warn({ delayMs: delay, failures, dir: opts.dir, listen }, 'restarting the embedded FerretDB on the same data');
    timer = setTimeout(() => {
      timer = undefined;
      starting = restart().finally(() => (starting = undefined));
    }, delay);
  }

  async function restart(): Promise<void> {
    if (stopping) return;
    try {
      const next = await launch(listen);
      current = next;
      startedAt = Date.now();
      restarts++;
      if (next.uri !== uri) log.error({ was: uri, now: next.uri }, 'FerretDB came back on another address; connections will not find it');
      log.warn({ pid: next.pid, restarts, downMs: startedAt - (downSince ?? startedAt) }, 'embedded FerretDB restarted on the same data and port');
      downSince = undefined;
      if (stopping) await next.stop();
    } catch (err) {
      log.error({ err, failures }, 'embedded FerretDB could not be restarted');
      // A failed start counts like a quick exit: the next wait is longer.
      startedAt = Date.now();
      scheduleRestart(startedAt);
    }
  }

  return {
    uri,
    get pid() {
      return current.pid;
    },
    get restarts() {
      return restarts;
    },
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      await starting;
      await current.stop();
    },
  };
}

/** `host:port` of the launcher's `mongodb://host:port/` URI: a restart listens there again. */
function listenAddressOf(uri: string): string {
  const { hostname, port } = new URL(uri);
  if (!port) throw new Error(`FerretDB printed a URI without a port: ${uri}`);
  return `${hostname}:${port}`;
}
