import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Connection } from 'mongoose';
import { connectMongoose, disconnect } from '../../src/core/db/connect.js';
import { startDatabase, type DatabaseKind } from '../../src/core/db/start-database.js';
import { loadConfig } from '../../src/core/config/config.js';
import { createLogger, type Logger } from '../../src/core/logging/logger.js';

/**
 * One FerretDB per test file, on a fresh temp dir, started through the same
 * starter as the app. Typical use:
 *
 *   let db: TestDatabase;
 *   beforeAll(async () => { db = await startTestDatabase(); });
 *   afterAll(async () => { await db.stop(); });
 */

export interface TestDatabase {
  uri: string;
  connection: Connection;
  dataDir: string;
  /** The embedded server's process (for benchmarks' CPU accounting). */
  pid: number | undefined;
  kind: DatabaseKind;
  stop(): Promise<void>;
  /** Cores started on it so far (test-core.ts): a second one tells the first it no longer owns the database. */
  cores?: Array<{ shareDatabase(): void }>;
}

/**
 * `uri` (benchmarks only): use that server instead of an embedded one; the
 * database it names is dropped on stop, so it must be one made for the run.
 */
export async function startTestDatabase(opts: { logger?: Logger; uri?: string | undefined; monitorCommands?: boolean } = {}): Promise<TestDatabase> {
  const logger = opts.logger ?? createLogger('silent');
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ponte-test-'));
  try {
    // FERRETDB_BINARY (a prebuilt launcher) is honoured; MONGODB_URI deliberately is not.
    const { ferretdbBinary } = loadConfig().database;
    const db = await startDatabase({ uri: opts.uri, dataDir, embedded: 'ferretdb', ferretdbBinary, logger });
    const connection = await connectMongoose(db.uri, logger, { monitorCommands: opts.monitorCommands ?? false }).catch(async (err: unknown) => {
      await db.stop();
      throw err;
    });
    let stopped: Promise<void> | undefined;
    return {
      uri: db.uri,
      connection,
      dataDir,
      // The current process: the embedded FerretDB gets a new one when restarted after a crash.
      get pid() {
        return db.pid;
      },
      kind: db.kind,
      stop: () =>
        (stopped ??= (async () => {
          if (opts.uri) await connection.dropDatabase();
          await disconnect(connection);
          await db.stop();
          await fs.rm(dataDir, { recursive: true, force: true });
        })()),
    };
  } catch (err) {
    await fs.rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}
