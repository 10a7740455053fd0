import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../logging/logger.js';
import { RestartOnExit } from './restart-on-exit.js';
import { makeDir } from '../fs/make-dir.js';

/**
 * mongodb-memory-server with a persistent dbPath: a real mongod when one can be had.
 * The package is imported lazily so the FerretDB path never pays for loading it.
 */

export type BinaryLookup = { found: true; systemBinary?: string; where: string } | { found: false; why: string };

export interface RunningMemoryServer {
  uri: string;
  /** The current mongod (a restart after a crash has another). */
  readonly pid: number | undefined;
  /** How many times it was started again after exiting on its own. */
  readonly restarts: number;
  stop(): Promise<void>;
}

/** Absolute path of `mongod` on PATH (memory-server needs it absolute), or undefined. */
function mongodOnPath(): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', 'command -v mongod'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.once('error', () => resolve(undefined));
    child.once('close', (code) => resolve(code === 0 && out.trim().startsWith('/') ? out.trim() : undefined));
  });
}

/**
 * Finds an already present MongoDB binary without downloading: `mongod` on PATH,
 * MONGOMS_SYSTEM_BINARY, or the memory-server cache (~/.cache/mongodb-binaries,
 * node_modules/.cache, MONGOMS_DOWNLOAD_DIR) — the last two via the library's own
 * DryMongoBinary, which reads its MONGOMS_* settings itself.
 */
export async function findMongoBinary(): Promise<BinaryLookup> {
  const { DryMongoBinary } = await import('mongodb-memory-server-core');
  const opts = DryMongoBinary.getEnsuredOptions();
  try {
    const cached = await DryMongoBinary.locateBinary(opts);
    if (cached) return { found: true, where: cached };
  } catch (err) {
    // MONGOMS_SYSTEM_BINARY points at a missing file.
    return { found: false, why: (err as Error).message };
  }
  const onPath = await mongodOnPath();
  if (onPath) return { found: true, systemBinary: onPath, where: onPath };
  return {
    found: false,
    why: `no MongoDB binary present (no mongod on PATH, MONGOMS_SYSTEM_BINARY unset, no MongoDB ${opts.version} in the memory-server cache)`,
  };
}

/**
 * Starts mongod on `<dataDir>` with wiredTiger so data survives restarts, supervised as the embedded FerretDB
 * is (RestartOnExit): a mongod that exits on its own starts again on the same dbPath and port. Without
 * `systemBinary` the library may download MongoDB (only reached when EMBEDDED_DB=memory-server was asked for
 * explicitly, or a cached binary exists).
 */
export async function startMemoryServer(opts: {
  dbPath: string;
  systemBinary?: string | undefined;
  logger: Logger;
  restartDelaysMs?: number[];
}): Promise<RunningMemoryServer> {
  const { MongoMemoryServer } = await import('mongodb-memory-server-core');
  await makeDir(opts.dbPath);
  const { systemBinary } = opts;
  const server = new MongoMemoryServer({
    instance: { dbPath: path.resolve(opts.dbPath), storageEngine: 'wiredTiger' },
    ...(systemBinary ? { binary: { systemBinary } } : {}),
    // A process group of its own, as the FerretDB launcher: a terminal's Ctrl+C (SIGINT to the whole
    // foreground group) reaches the hub only, whose clean stop still writes its stop snapshot and stops
    // mongod last. Should the hub die instead, the library's killer process ends mongod.
    spawn: { detached: true },
  });
  let stopping = false;
  let supervisor: RestartOnExit<{ pid: number | undefined; stop(): Promise<void> }> | undefined;
  let watched = false;
  /** An exit between the first run's start and the supervisor's existence, handed over below. */
  let exitedEarly = false;
  supervisor = await RestartOnExit.start({
    what: 'embedded MongoDB',
    logger: opts.logger,
    context: { dbPath: opts.dbPath },
    ...(opts.restartDelaysMs ? { delaysMs: opts.restartDelaysMs } : {}),
    start: async () => {
      const instance = server.instanceInfo?.instance;
      if (instance) {
        // Again after an exit: the library keeps the dead process's handle and refuses to start while it
        // has one; `start(true)` keeps the port, so the URI the hub holds stays right.
        await server.stop({ doCleanup: false, force: false });
        instance.mongodProcess = undefined;
        await server.start(true);
      } else {
        await server.start();
      }
      const started = server.instanceInfo!.instance;
      if (!watched) {
        watched = true;
        // The same instance object runs every mongod of this server: one listener.
        started.on('instanceClosed' as Parameters<typeof started.on>[0], (code: number | null, signal: string | null) => {
          if (stopping || supervisor?.restarting) return;
          opts.logger.error({ code, signal, dbPath: opts.dbPath }, 'embedded MongoDB exited unexpectedly');
          if (supervisor) supervisor.exited();
          else exitedEarly = true;
        });
      }
      return {
        pid: started.mongodProcess?.pid,
        stop: async () => {
          stopping = true;
          // doCleanup only removes a temp dir the library created itself; our dbPath is kept.
          await server.stop({ doCleanup: true, force: false });
        },
      };
    },
  });
  const running = supervisor;
  if (exitedEarly) running.exited();
  return {
    uri: server.getUri(),
    get pid() {
      return running.current.pid;
    },
    get restarts() {
      return running.restarts;
    },
    stop: () => running.stop(),
  };
}
