import type { Logger } from '../logging/logger.js';
import { launchFerretDb, type RunningFerretDb } from './ferretdb-launcher.js';
import { RestartOnExit } from './restart-on-exit.js';

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
 * (see RestartOnExit). SQLite recovers its write-ahead log on open, so what was committed is there; what
 * failed meanwhile is retried as after any transient error (inbound events stay pending until processed;
 * callers of the REST API got a 5xx and may retry).
 */
export async function superviseFerretDb(opts: { binary: string; dir: string; logger: Logger; startTimeoutMs?: number; restartDelaysMs?: number[] }): Promise<SupervisedFerretDb> {
  /** The first run listens on a free port; every restart on that one. */
  let listen: string | undefined;
  let uri: string | undefined;
  let supervisor: RestartOnExit<RunningFerretDb> | undefined;
  /** An exit between the first run's start and the supervisor's existence, handed over below. */
  let exitedEarly = false;
  supervisor = await RestartOnExit.start({
    what: 'embedded FerretDB',
    logger: opts.logger,
    context: { dir: opts.dir },
    ...(opts.restartDelaysMs ? { delaysMs: opts.restartDelaysMs } : {}),
    start: async () => {
      const run = await launchFerretDb({
        binary: opts.binary,
        dir: opts.dir,
        logger: opts.logger,
        ...(opts.startTimeoutMs !== undefined ? { startTimeoutMs: opts.startTimeoutMs } : {}),
        ...(listen ? { listen } : {}),
        onUnexpectedExit: () => (supervisor ? supervisor.exited() : (exitedEarly = true)),
      });
      if (uri && run.uri !== uri) opts.logger.error({ was: uri, now: run.uri }, 'FerretDB came back on another address; connections will not find it');
      return run;
    },
  });
  uri = supervisor.current.uri;
  listen = listenAddressOf(uri);
  if (exitedEarly) supervisor.exited();
  const running = supervisor;
  return {
    uri,
    get pid() {
      return running.current.pid;
    },
    get restarts() {
      return running.restarts;
    },
    stop: () => running.stop(),
  };
}

/** `host:port` of the launcher's `mongodb://host:port/` URI: a restart listens there again. */
function listenAddressOf(uri: string): string {
  const { hostname, port } = new URL(uri);
  if (!port) throw new Error(`FerretDB printed a URI without a port: ${uri}`);
  return `${hostname}:${port}`;
}
