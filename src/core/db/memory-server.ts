import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * mongodb-memory-server with a persistent dbPath: a real mongod when one can be had.
 * The package is imported lazily so the FerretDB path never pays for loading it.
 */

export type BinaryLookup = { found: true; systemBinary?: string; where: string } | { found: false; why: string };

export interface RunningMemoryServer {
  uri: string;
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
 * Starts mongod on `<dataDir>` with wiredTiger so data survives restarts.
 * Without `systemBinary` the library may download MongoDB (only reached when
 * EMBEDDED_DB=memory-server was asked for explicitly, or a cached binary exists).
 */
export async function startMemoryServer(opts: {
  dbPath: string;
  systemBinary?: string | undefined;
}): Promise<RunningMemoryServer> {
  const { MongoMemoryServer } = await import('mongodb-memory-server-core');
  await fs.mkdir(opts.dbPath, { recursive: true });
  const { systemBinary } = opts;
  const server = await MongoMemoryServer.create({
    instance: { dbPath: path.resolve(opts.dbPath), storageEngine: 'wiredTiger' },
    ...(systemBinary ? { binary: { systemBinary } } : {}),
  });
  return {
    uri: server.getUri(),
    async stop() {
      // doCleanup only removes a temp dir the library created itself; our dbPath is kept.
      await server.stop({ doCleanup: true, force: false });
    },
  };
}
