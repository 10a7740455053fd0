import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { startDatabase } from '../../src/core/db/start-database.js';
import { createLogger } from '../../src/core/logging/logger.js';

/**
 * DATA_DIR is whatever folder the operator chose: "My Data", "ponte#2", "50%", "données". The launcher used to
 * paste it into FerretDB's SQLite `file:` URI unescaped, where `%` starts an escape, `?` the query and `#` a
 * fragment: the embedded database did not start, or wrote its files somewhere else.
 */
const logger = createLogger('silent');
const roots: string[] = [];
afterAll(async () => {
  for (const root of roots) await fs.rm(root, { recursive: true, force: true });
});

async function writeThenReadAfterRestart(dataDir: string): Promise<void> {
  const start = () => startDatabase({ dataDir, embedded: 'ferretdb', ferretdbBinary: process.env.FERRETDB_BINARY, logger });
  const first = await start();
  try {
    const client = await MongoClient.connect(first.uri);
    try {
      await client.db().collection('notes').insertOne({ _id: 'kept' as never, text: `in ${dataDir}` });
    } finally {
      await client.close();
    }
  } finally {
    await first.stop();
  }
  // The files are where the operator asked, not in a folder cut short at the first `?` or `#`.
  expect(existsSync(path.join(dataDir, 'ferretdb', 'ponte.sqlite'))).toBe(true);

  const second = await start();
  try {
    const client = await MongoClient.connect(second.uri);
    try {
      expect(await client.db().collection('notes').findOne({ _id: 'kept' as never })).toMatchObject({ text: `in ${dataDir}` });
    } finally {
      await client.close();
    }
  } finally {
    await second.stop();
  }
  // The launcher's _id index keeper (scripts/ferretdb/id_index.go) found the file too: it indexes existing
  // tables before the second start is ready, and SQLite keeps the index's CREATE statement as text (in the
  // database file, or in its write-ahead log until a checkpoint).
  const files = ['ponte.sqlite', 'ponte.sqlite-wal'].map((name) => fs.readFile(path.join(dataDir, 'ferretdb', name)).catch(() => Buffer.alloc(0)));
  expect(Buffer.concat(await Promise.all(files)).toString('latin1')).toContain('_ponte_id_path');
}

describe('embedded FerretDB on a DATA_DIR with characters that mean something in a URI', () => {
  // One folder per character class, each under its own root so one cannot read the other's files.
  for (const name of ['with space', 'percent%41and%', 'hash#frag', 'question?mark=1&x', 'données-ü-日本', 'brackets[1]*', 'all %20#?é ']) {
    it(JSON.stringify(name), async () => {
      const root = await fs.mkdtemp(path.join(os.tmpdir(), 'ponte-dir-path-'));
      roots.push(root);
      await writeThenReadAfterRestart(path.join(root, name, 'data'));
      // Nothing was written beside it (a path cut at `#` or `?` would have put the database in `root`).
      expect(await fs.readdir(root)).toEqual([name]);
    }, 60_000);
  }
});
