import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DryMongoBinary } from 'mongodb-memory-server-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFerretDbBinary } from '../../src/core/db/ferretdb-launcher.js';
import { startMemoryServer } from '../../src/core/db/memory-server.js';
import { createLogger } from '../../src/core/logging/logger.js';
import { alive, expectBackAfterKill } from '../support/killed-database.js';

/**
 * The embedded mongod (mongodb-memory-server, the default wherever MongoDB can be had) is supervised as the
 * embedded FerretDB is: started again on the same dbPath and port when it exits on its own, in a process group
 * of its own. No MongoDB binary can be had here, so the real library runs `test/standins/fake-mongod.mjs`,
 * which speaks the wire protocol through FerretDB and behaves as mongod does at its edges (`--version`, the
 * "Waiting for connections" line, exit 0 on SIGINT, exit 1 when it crashes).
 */
const logger = createLogger('silent');
const fakeMongod = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'standins', 'fake-mongod.mjs');
const groupOf = (pid: number): number => Number(execFileSync('ps', ['-o', 'pgid=', '-p', String(pid)], { encoding: 'utf8' }).trim());

const dirs: string[] = [];
beforeAll(async () => {
  process.env.PONTE_FAKE_MONGOD_FERRETDB = await ensureFerretDbBinary({ configured: process.env.FERRETDB_BINARY, logger });
  process.env.PONTE_FAKE_MONGOD_VERSION = DryMongoBinary.getEnsuredOptions().version;
});
afterAll(async () => {
  for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
});

async function start() {
  const dbPath = await fs.mkdtemp(path.join(os.tmpdir(), 'ponte-mongod-restart-'));
  dirs.push(dbPath);
  return startMemoryServer({ dbPath, systemBinary: fakeMongod, logger, restartDelaysMs: [200, 500, 1_000] });
}

describe('embedded mongod supervision', () => {
  it('killed: restarted on the same port with what was committed; the same connection reads and writes again', async () => {
    const db = await start();
    await expectBackAfterKill(db, `${db.uri}ponte`, 30_000);
    expect(db.restarts).toBe(1);
  }, 60_000);

  it('runs in a process group of its own, so a terminal Ctrl+C reaches only the hub', async () => {
    const db = await start();
    try {
      expect(groupOf(db.pid!)).toBe(db.pid);
      expect(groupOf(db.pid!)).not.toBe(groupOf(process.pid));
    } finally {
      await db.stop();
    }
  }, 60_000);

  it('stopped: not started again, and its process is gone', async () => {
    const db = await start();
    const pid = db.pid!;
    await db.stop();
    await new Promise((r) => setTimeout(r, 1_000));
    expect(db.restarts).toBe(0);
    expect(db.pid).toBe(pid);
    expect(alive(pid)).toBe(false);
  }, 60_000);
});
