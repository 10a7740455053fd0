import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config/config.js';
import { startDatabase } from '../../src/core/db/start-database.js';
import { describeStartFailure } from '../../src/core/errors/start-failure.js';
import { createLogger } from '../../src/core/logging/logger.js';

/** DATA_DIR/ferretdb/ponte.sqlite damaged (a crash, a full disk): the operator reads what and where, and what to do. */
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ponte-damaged-'));
  await mkdir(path.join(dataDir, 'ferretdb'));
  await writeFile(path.join(dataDir, 'ferretdb', 'ponte.sqlite'), Buffer.alloc(8192, 0x5a));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('an embedded database whose files are damaged', () => {
  it('fails the start with a message naming the folder and the way out, printed without a stack', async () => {
    const failure = await startDatabase({ dataDir, embedded: 'ferretdb', ferretdbBinary: loadConfig().database.ferretdbBinary, logger: createLogger('silent') }).then(
      async (db) => {
        await db.stop();
        return undefined;
      },
      (err: unknown) => err,
    );
    const told = describeStartFailure(failure, { port: 3000, host: '127.0.0.1', dataDir });
    expect(told).toContain(`the embedded database (FerretDB) on ${path.join(dataDir, 'ferretdb')} did not start`);
    expect(told).toContain('file is not a database');
    expect(told).toContain('restore DATA_DIR from your backup');
  });
});
