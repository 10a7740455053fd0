import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DryMongoBinary } from 'mongodb-memory-server-core';
import { Schema, type Connection } from 'mongoose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectMongoose, disconnect } from '../../src/core/db/connect.js';
import { ensureFerretDbBinary } from '../../src/core/db/ferretdb-launcher.js';
import { findMongoBinary } from '../../src/core/db/memory-server.js';
import { startDatabase, type StartedDatabase } from '../../src/core/db/start-database.js';
import { createLogger } from '../../src/core/logging/logger.js';
import { startMongoDownloadStandIn } from '../standins/mongodb-download.js';

const logger = createLogger('silent');

interface Note {
  key: string;
  body: string;
}
const noteSchema = new Schema<Note>({ key: { type: String, required: true, unique: true }, body: String });

async function withDatabase<T>(
  dataDir: string,
  embedded: 'auto' | 'ferretdb',
  fn: (db: StartedDatabase, conn: Connection) => Promise<T>,
): Promise<T> {
  const db = await startDatabase({ dataDir, embedded, logger });
  try {
    const conn = await connectMongoose(db.uri, logger);
    try {
      return await fn(db, conn);
    } finally {
      await disconnect(conn);
    }
  } finally {
    await db.stop();
  }
}

/** The MongoDB driver reports server errors with a numeric `code`; assert on it, not on messages. */
async function errorCode(p: Promise<unknown>): Promise<unknown> {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected the operation to fail').toBeDefined();
  return (err as { code?: unknown }).code;
}

describe('startDatabase with FerretDB', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ponte-db-starter-'));
  });
  afterAll(async () => {
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('keeps data across a stop and a restart on the same data dir', async () => {
    await withDatabase(dataDir, 'ferretdb', async (db, conn) => {
      expect(db.kind).toBe('ferretdb');
      expect(db.reason).toContain('EMBEDDED_DB=ferretdb');
      expect(new URL(db.uri).pathname).toBe('/ponte');
      const Note = conn.model('Note', noteSchema);
      await Note.createIndexes();
      await Note.create({ key: 'persist', body: 'written before restart' });
    });

    await withDatabase(dataDir, 'ferretdb', async (_db, conn) => {
      const Note = conn.model('Note', noteSchema);
      const found = await Note.findOne({ key: 'persist' }).lean();
      expect(found?.body).toBe('written before restart');
    });
  });

  it('reports a unique index violation on insert as code 11000', async () => {
    await withDatabase(dataDir, 'ferretdb', async (_db, conn) => {
      const Note = conn.model('Note', noteSchema);
      await Note.createIndexes();
      await Note.create({ key: 'dup', body: 'first' });
      expect(await errorCode(Note.create({ key: 'dup', body: 'second' }))).toBe(11000);
      // An upsert that inserts a duplicate is an insert too (the unique-key patterns rely on this).
      const upsert = Note.updateOne({ body: 'no such body' }, { $set: { key: 'dup' } }, { upsert: true });
      expect(await errorCode(upsert)).toBe(11000);
    });
  });

  it('pins a FerretDB 1.24 quirk: a non-upsert update breaking a unique index fails with code 1, not 11000', async () => {
    await withDatabase(dataDir, 'ferretdb', async (_db, conn) => {
      const Note = conn.model('Note', noteSchema);
      await Note.createIndexes();
      await Note.create([{ key: 'a' }, { key: 'b' }]);
      // MongoDB says 11000 here; code that must run on both treats any failure of such an update as a conflict.
      expect(await errorCode(Note.updateOne({ key: 'b' }, { $set: { key: 'a' } }))).toBe(1);
    });
  });

  it('pins FerretDB 1.24 quirks that give silently wrong answers', async () => {
    await withDatabase(dataDir, 'ferretdb', async (_db, conn) => {
      // $group computes only its FIRST accumulator; later ones come back 0 (FerretDB issue #4616).
      // Use one accumulator per $group, or rollup documents.
      const g = conn.collection('quirk_group');
      await g.insertMany([{ n: 1 }, { n: 2 }]);
      const [row] = await g.aggregate([{ $group: { _id: null, sum: { $sum: '$n' }, count: { $sum: 1 } } }]).toArray();
      expect(row).toMatchObject({ sum: 3, count: 0 });

      // A unique index on an array field compares whole arrays, not elements: overlapping
      // identity arrays are accepted. Unique identities need one document per key (_id = key).
      const ids = conn.collection('quirk_ids');
      await ids.createIndex({ identities: 1 }, { unique: true });
      await ids.insertOne({ identities: ['phone:+1', 'email:a@x'] });
      await ids.insertOne({ identities: ['email:a@x'] });
      expect(await ids.countDocuments({ identities: 'email:a@x' })).toBe(2);
    });
  });
});

describe('startDatabase in auto mode', () => {
  it('uses an external URI as is, with a no-op stop', async () => {
    const db = await startDatabase({ uri: 'mongodb://db.example:27017/x', dataDir: '/nonexistent', embedded: 'auto', logger });
    expect(db).toMatchObject({ uri: 'mongodb://db.example:27017/x', kind: 'mongodb' });
    await db.stop();
  });

  it('picks memory-server when a MongoDB binary is present, otherwise FerretDB after a failed download, and says why', async () => {
    const lookup = await findMongoBinary();
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ponte-db-auto-'));
    // Never the real download site: a stand-in on 127.0.0.1 that has no archive (see database-choice.test.ts).
    const site = await startMongoDownloadStandIn('fail', path.join(dataDir, 'mongodb-binaries'));
    for (const [k, v] of Object.entries(site.env)) vi.stubEnv(k, v);
    try {
      const started = Date.now();
      await withDatabase(dataDir, 'auto', async (db) => {
        if (lookup.found) {
          // A machine with mongod legitimately starts memory-server (or falls back with the reason why).
          expect(['mongodb-memory-server', 'ferretdb']).toContain(db.kind);
          expect(db.reason.length).toBeGreaterThan(0);
        } else {
          expect(db.kind).toBe('ferretdb');
          expect(db.reason).toMatch(/memory-server not used: no MongoDB binary present.*MongoDB download failed/);
        }
      });
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      vi.unstubAllEnvs();
      await site.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });

  describe('with a MongoDB binary that cannot start', () => {
    let dataDir: string;
    afterEach(async () => {
      vi.unstubAllEnvs();
      await fs.rm(dataDir, { recursive: true, force: true });
    });

    it('tries memory-server, then falls back to FerretDB and says why', async () => {
      dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ponte-db-fallback-'));
      // A stand-in mongod: answers --version (memory-server checks it), refuses to serve.
      const fakeMongod = path.join(dataDir, 'mongod');
      await fs.writeFile(fakeMongod, '#!/bin/sh\n[ "$1" = --version ] && echo "db version v7.0.24" && exit 0\nexit 14\n', {
        mode: 0o755,
      });
      // memory-server reads MONGOMS_SYSTEM_BINARY itself; with it set it never downloads.
      vi.stubEnv('MONGOMS_SYSTEM_BINARY', fakeMongod);
      await withDatabase(dataDir, 'auto', async (db) => {
        expect(db.kind).toBe('ferretdb');
        expect(db.reason).toMatch(/^memory-server failed to start/);
      });
    });
  });

  it('with a MongoDB binary that serves: starts it under memory-server on DATA_DIR/mongodb and keeps the data across a restart', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ponte-db-mongod-'));
    // A mongod stand-in speaking the wire protocol through FerretDB (see the file): no MongoDB binary here.
    vi.stubEnv('MONGOMS_SYSTEM_BINARY', path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'standins', 'fake-mongod.mjs'));
    vi.stubEnv('PONTE_FAKE_MONGOD_FERRETDB', await ensureFerretDbBinary({ configured: process.env.FERRETDB_BINARY, logger }));
    vi.stubEnv('PONTE_FAKE_MONGOD_VERSION', DryMongoBinary.getEnsuredOptions().version);
    try {
      await withDatabase(dataDir, 'auto', async (db, conn) => {
        expect(db.kind).toBe('mongodb-memory-server');
        expect(db.reason).toContain(path.join(dataDir, 'mongodb'));
        expect(db.pid).toBeGreaterThan(0);
        await conn.model('Note', noteSchema).create({ key: 'kept', body: 'across a restart' });
      });
      await withDatabase(dataDir, 'auto', async (db, conn) => {
        expect(db.kind).toBe('mongodb-memory-server');
        expect((await conn.model('Note', noteSchema).findOne({ key: 'kept' }).lean())?.body).toBe('across a restart');
      });
    } finally {
      vi.unstubAllEnvs();
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});
