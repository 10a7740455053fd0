import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logging/logger.js';
import { lockDataDir } from './data-dir-lock.js';
import { ferretDbAvailability } from './ferretdb-availability.js';
import { ensureFerretDbBinary } from './ferretdb-launcher.js';
import { superviseFerretDb } from './ferretdb-supervisor.js';
import { findMongoBinary, startMemoryServer } from './memory-server.js';
import { downloadMongoBinary } from './mongodb-download.js';

/**
 * Picks the database: MONGODB_URI when given; otherwise an embedded one under dataDir, in this
 * order (auto):
 *   1. data already in <dataDir>/ferretdb and none in <dataDir>/mongodb → FerretDB again (switching
 *      would hide the user's tickets; `npm run migrate` is the way to move);
 *   2. a MongoDB binary at hand (mongod on PATH, MONGOMS_SYSTEM_BINARY, the memory-server cache) →
 *      mongodb-memory-server, a real mongod on a persistent dbPath;
 *   3. otherwise download MongoDB, bounded by a timeout, with progress lines → mongodb-memory-server;
 *   4. otherwise (offline, download failed) FerretDB/SQLite when it can run (launcher built, or Go ≥ 1.24);
 *   5. otherwise one error naming the two ways out (MONGODB_URI, or Go).
 * Each embedded kind keeps its own subfolder, so data persists across restarts as long as the same
 * kind is chosen.
 */

export type EmbeddedMode = 'auto' | 'memory-server' | 'ferretdb';
export type DatabaseKind = 'mongodb' | 'mongodb-memory-server' | 'ferretdb';

export interface StartedDatabase {
  uri: string;
  kind: DatabaseKind;
  /** Why this database was chosen and why the others were not; also logged. */
  reason: string;
  /** The embedded server's current process, when we started one (benchmarks read its CPU time; FerretDB gets a new one when restarted after a crash). */
  pid?: number;
  stop(): Promise<void>;
}

export interface StartDatabaseOptions {
  uri?: string | undefined;
  dataDir: string;
  embedded: EmbeddedMode;
  ferretdbBinary?: string | undefined;
  logger: Logger;
  /** Database name put into embedded URIs (they come without one). */
  dbName?: string;
  /** Bound on the first-run MongoDB download (auto and memory-server modes); default 3 minutes. */
  downloadTimeoutMs?: number | undefined;
  /** Where the FerretDB launcher is built (tests point it at an empty folder); default scripts/ferretdb. */
  ferretdbLauncherDir?: string;
}

const DEFAULT_DOWNLOAD_TIMEOUT_MS = 180_000;

/** Thrown when no database can be had: the message is what the user reads, with the two ways out. */
export class NoDatabaseError extends Error {
  override name = 'NoDatabaseError';
}

export function noDatabaseMessage(notMongo: string, notFerret: string): string {
  return [
    'No database available for Ponte.',
    `  MongoDB (embedded): ${notMongo}.`,
    `  FerretDB (embedded): ${notFerret}.`,
    'Two ways out:',
    '  1. Point Ponte at a MongoDB 6+ server: MONGODB_URI=mongodb://host:27017/ponte npm start',
    '  2. Install Go 1.24 or newer (https://go.dev/dl/) and start again: the embedded FerretDB is built from source on first start.',
    '(Or allow the MongoDB download: network access to fastdl.mongodb.org, or MONGOMS_DOWNLOAD_MIRROR for a mirror.)',
  ].join('\n');
}

/** A data folder with anything in it: an earlier start used that embedded kind. */
function hasData(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).length > 0;
}

/** Embedded servers hand out `mongodb://host:port/`; give them a database name so we don't write to `test`. */
function withDbName(uri: string, dbName: string): string {
  const url = new URL(uri);
  if (url.pathname === '' || url.pathname === '/') url.pathname = `/${dbName}`;
  return url.toString();
}

/**
 * At most this many operations in flight to the embedded FerretDB. Its SQLite
 * backend has 100 connections, and an update holds one for its read while it
 * waits for a second to write: with ~100 concurrent updates every connection
 * is held by a reader waiting for a writer's connection, and the server stops
 * (seen at 200 msg/s in scripts/bench/realtime.ts). Every FerretDB transaction
 * takes SQLite's write lock up front (`_txlock=immediate`, see the launcher);
 * the launcher's FerretDB hands that lock from one transaction to the next
 * through a Go turn (scripts/ferretdb/patch-ferretdb.mjs) instead of leaving
 * the waiters asleep in SQLite's busy handler, so commands in flight no longer
 * cost idle lock time. With it, 8 beat 4 at 200 msg/s (p99 579 against 924 ms
 * in one run each, docs/benchmarks.md); without it the two were within the
 * machine's noise. Eight still leave SQLite's 100 connections nearly all free.
 */
const FERRETDB_MAX_POOL = 8;

function withPoolLimit(uri: string): string {
  const url = new URL(uri);
  if (!url.searchParams.has('maxPoolSize')) url.searchParams.set('maxPoolSize', String(FERRETDB_MAX_POOL));
  return url.toString();
}

export async function startDatabase(opts: StartDatabaseOptions): Promise<StartedDatabase> {
  const log = opts.logger.child({ module: 'database' });

  if (opts.uri) {
    const reason = 'MONGODB_URI is set; no embedded database started';
    log.info({ kind: 'mongodb', reason }, 'using external MongoDB');
    return { uri: opts.uri, kind: 'mongodb', reason, stop: async () => {} };
  }

  // Before anything reads or starts on DATA_DIR: a second process there would run a second server on the same files.
  const lock = await lockDataDir(opts.dataDir);
  let started: StartedDatabase;
  try {
    started = await startEmbedded(opts, log);
  } catch (err) {
    await lock.release();
    throw err;
  }
  return {
    uri: started.uri,
    kind: started.kind,
    reason: started.reason,
    // Not copied: a restart after a crash has another process.
    get pid() {
      return started.pid;
    },
    stop: async () => {
      try {
        await started.stop();
      } finally {
        await lock.release();
      }
    },
  };
}

async function startEmbedded(opts: StartDatabaseOptions, log: Logger): Promise<StartedDatabase> {
  const dbName = opts.dbName ?? 'ponte';

  const mongoDir = path.join(opts.dataDir, 'mongodb');
  const ferretDir = path.join(opts.dataDir, 'ferretdb');
  let notMemoryServer: string;
  if (opts.embedded === 'ferretdb') {
    notMemoryServer = 'memory-server not tried: EMBEDDED_DB=ferretdb';
  } else if (opts.embedded === 'auto' && hasData(ferretDir) && !hasData(mongoDir)) {
    notMemoryServer = `memory-server not tried: ${ferretDir} holds this install's data (npm run migrate -- --to mongodb://… moves it to a MongoDB)`;
  } else {
    const attempt = await tryMemoryServer(opts, log, mongoDir);
    if (attempt.started) {
      const started = attempt.started;
      // Not spread: `pid` is a getter (a restart after a crash has another process).
      return {
        uri: withDbName(started.uri, dbName),
        kind: started.kind,
        reason: started.reason,
        get pid() {
          return started.pid;
        },
        stop: () => started.stop(),
      };
    }
    notMemoryServer = attempt.why;
  }

  const ferretdb = await ferretDbAvailability({ configured: opts.ferretdbBinary, ...(opts.ferretdbLauncherDir ? { launcherDir: opts.ferretdbLauncherDir } : {}) });
  if (!ferretdb.available) {
    const message = noDatabaseMessage(notMemoryServer, ferretdb.why);
    log.error({ notMemoryServer, notFerretDb: ferretdb.why }, message);
    throw new NoDatabaseError(message);
  }
  const binary = await ensureFerretDbBinary({ configured: opts.ferretdbBinary, logger: log });
  const started = Date.now();
  const ferret = await superviseFerretDb({ binary, dir: ferretDir, logger: log });
  const reason = `${notMemoryServer}; FerretDB (SQLite) data in ${ferretDir}`;
  log.info({ kind: 'ferretdb', reason, ms: Date.now() - started, pid: ferret.pid }, 'embedded FerretDB started');
  return {
    uri: withPoolLimit(withDbName(ferret.uri, dbName)),
    kind: 'ferretdb',
    reason,
    // The current process: a restart after a crash has another.
    get pid() {
      return ferret.pid;
    },
    stop: () => ferret.stop(),
  };
}

/** Steps 2 and 3: a present binary, else a bounded download; `why` says why not when it did not start. */
async function tryMemoryServer(
  opts: StartDatabaseOptions,
  log: Logger,
  dbPath: string,
): Promise<{ started: StartedDatabase; why?: never } | { started?: never; why: string }> {
  const lookup = await findMongoBinary();
  let systemBinary: string | undefined;
  let why: string;
  if (lookup.found) {
    systemBinary = lookup.systemBinary;
    why = `MongoDB binary found at ${lookup.where}`;
  } else {
    const download = await downloadMongoBinary({ timeoutMs: opts.downloadTimeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS, logger: log });
    if (!download.ok) {
      const notMongo = `memory-server not used: ${lookup.why}, and ${download.why}`;
      if (opts.embedded === 'memory-server') throw new Error(`EMBEDDED_DB=memory-server: ${notMongo}`);
      log.warn({ why: notMongo }, 'MongoDB could not be had; trying the embedded FerretDB');
      return { why: notMongo };
    }
    systemBinary = download.binary;
    why = `MongoDB downloaded in ${Math.round(download.ms / 1000)} s to ${download.binary}`;
  }
  try {
    const started = Date.now();
    const server = await startMemoryServer({ dbPath, systemBinary, logger: log });
    const reason = `${why}; data in ${dbPath}`;
    log.info({ kind: 'mongodb-memory-server', reason, ms: Date.now() - started, pid: server.pid }, 'embedded MongoDB started');
    return {
      started: {
        uri: server.uri,
        kind: 'mongodb-memory-server',
        reason,
        // The current process: a restart after a crash has another.
        get pid() {
          return server.pid;
        },
        stop: () => server.stop(),
      },
    };
  } catch (err) {
    if (opts.embedded === 'memory-server') throw err;
    log.warn({ err }, 'memory-server failed to start; falling back to FerretDB');
    return { why: `memory-server failed to start (${(err as Error).message})` };
  }
}
