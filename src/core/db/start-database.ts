import path from 'node:path';
import type { Logger } from '../logging/logger.js';
import { ensureFerretDbBinary, launchFerretDb } from './ferretdb-launcher.js';
import { findMongoBinary, startMemoryServer } from './memory-server.js';

/**
 * Picks the database: MONGODB_URI when given; otherwise an embedded one under
 * dataDir — mongodb-memory-server (real mongod) when a binary is at hand, else
 * FerretDB/SQLite. Each embedded kind keeps its own subfolder, so data persists
 * across restarts as long as the same kind is chosen.
 */

export type EmbeddedMode = 'auto' | 'memory-server' | 'ferretdb';
export type DatabaseKind = 'mongodb' | 'mongodb-memory-server' | 'ferretdb';

export interface StartedDatabase {
  uri: string;
  kind: DatabaseKind;
  /** Why this database was chosen and why the others were not; also logged. */
  reason: string;
  /** The embedded server's process, when we started one (benchmarks read its CPU time). */
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
 * (seen at 200 msg/s in scripts/bench/realtime.ts). SQLite writes one
 * transaction at a time anyway, so a small pool costs no throughput.
 */
const FERRETDB_MAX_POOL = 16;

function withPoolLimit(uri: string): string {
  const url = new URL(uri);
  if (!url.searchParams.has('maxPoolSize')) url.searchParams.set('maxPoolSize', String(FERRETDB_MAX_POOL));
  return url.toString();
}

export async function startDatabase(opts: StartDatabaseOptions): Promise<StartedDatabase> {
  const log = opts.logger.child({ module: 'database' });
  const dbName = opts.dbName ?? 'ponte';

  if (opts.uri) {
    const reason = 'MONGODB_URI is set; no embedded database started';
    log.info({ kind: 'mongodb', reason }, 'using external MongoDB');
    return { uri: opts.uri, kind: 'mongodb', reason, stop: async () => {} };
  }

  let notMemoryServer: string;
  if (opts.embedded === 'ferretdb') {
    notMemoryServer = 'memory-server not tried: EMBEDDED_DB=ferretdb';
  } else {
    const lookup = await findMongoBinary();
    // Explicit memory-server mode may download MongoDB; auto never does (offline machines would hang on it).
    if (lookup.found || opts.embedded === 'memory-server') {
      const dbPath = path.join(opts.dataDir, 'mongodb');
      const why = lookup.found
        ? `MongoDB binary found at ${lookup.where}`
        : `EMBEDDED_DB=memory-server (binary download allowed; ${lookup.why})`;
      try {
        const started = Date.now();
        const server = await startMemoryServer({ dbPath, systemBinary: lookup.found ? lookup.systemBinary : undefined });
        const reason = `${why}; data in ${dbPath}`;
        log.info({ kind: 'mongodb-memory-server', reason, ms: Date.now() - started }, 'embedded MongoDB started');
        return { uri: withDbName(server.uri, dbName), kind: 'mongodb-memory-server', reason, stop: server.stop };
      } catch (err) {
        if (opts.embedded === 'memory-server') throw err;
        notMemoryServer = `memory-server failed to start (${(err as Error).message})`;
        log.warn({ err }, 'memory-server failed to start; falling back to FerretDB');
      }
    } else {
      notMemoryServer = `memory-server not used: ${lookup.why}; auto mode does not download MongoDB`;
    }
  }

  const dir = path.join(opts.dataDir, 'ferretdb');
  const binary = await ensureFerretDbBinary({ configured: opts.ferretdbBinary, logger: log });
  const started = Date.now();
  const ferret = await launchFerretDb({ binary, dir, logger: log });
  const reason = `${notMemoryServer}; FerretDB (SQLite) data in ${dir}`;
  log.info({ kind: 'ferretdb', reason, ms: Date.now() - started, pid: ferret.pid }, 'embedded FerretDB started');
  return { uri: withPoolLimit(withDbName(ferret.uri, dbName)), kind: 'ferretdb', reason, pid: ferret.pid, stop: ferret.stop };
}
