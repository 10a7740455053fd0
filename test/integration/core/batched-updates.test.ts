import type { Collection } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchedUpdates } from '../../../src/core/db/batched-updates.js';
import { createLogger } from '../../../src/core/logging/logger.js';
import { startTestDatabase, type TestDatabase } from '../../support/test-database.js';

interface Mark {
  _id: string;
  n?: number;
  status?: string;
}

let db: TestDatabase;
let coll: Collection<Mark>;
beforeAll(async () => {
  db = await startTestDatabase();
  coll = db.connection.collection<Mark>('marks') as unknown as Collection<Mark>;
});
afterAll(async () => {
  await db.stop();
});

describe('BatchedUpdates (on FerretDB)', () => {
  it('writes hundreds of queued updates in one flush without stalling the server', async () => {
    // One update command per statement chunk: a single command of 300 statements would hold 300 of
    // FerretDB's 100 SQLite connections and never finish.
    await coll.insertMany(Array.from({ length: 300 }, (_, i) => ({ _id: `m${i}`, status: 'pending' })));
    const marks = new BatchedUpdates(coll, createLogger('silent'), { delayMs: 60_000 });
    for (let i = 0; i < 300; i++) marks.queue(`m${i}`, { $set: { status: 'done' } });
    expect(marks.size).toBe(300);
    await marks.flush();
    expect(marks.size).toBe(0);
    expect(await coll.countDocuments({ status: 'done' })).toBe(300);
  });

  it('keeps the later of two updates of one id, and writes on its own after the delay', async () => {
    await coll.insertOne({ _id: 'h1', n: 0 });
    const marks = new BatchedUpdates(coll, createLogger('silent'), { delayMs: 5 });
    marks.queue('h1', { $set: { n: 3 } });
    marks.queue('h1', { $set: { n: 7 } });
    expect(marks.size).toBe(1);
    await expect.poll(async () => (await coll.findOne({ _id: 'h1' }))?.n, { timeout: 5_000 }).toBe(7);
  });

  it('keeps a batch that failed and writes it on a later flush', async () => {
    const marks = new BatchedUpdates(coll, createLogger('silent'), { delayMs: 60_000 });
    await coll.insertOne({ _id: 'f1', status: 'pending' });
    marks.queue('f1', { $set: { status: 'done' } });
    marks.queue('f2', { $bogus: { status: 'x' } } as never); // the server refuses the unknown operator
    await expect(marks.flush()).rejects.toThrow();
    expect(marks.size).toBe(2);
    marks.queue('f2', { $set: { status: 'fixed' } }); // a later update for the same id replaces the bad one
    await marks.flush();
    expect((await coll.findOne({ _id: 'f1' }))?.status).toBe('done');
  });
});
