import type { Collection } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDuplicateKeyError } from '../../../src/core/db/duplicate-key.js';
import { WriteBatcher } from '../../../src/core/db/write-batcher.js';
import { startTestDatabase, type TestDatabase } from '../../support/test-database.js';

interface Row {
  _id: string;
  n: number;
  note?: string;
}

let db: TestDatabase;
let coll: Collection<Row>;
beforeAll(async () => {
  db = await startTestDatabase();
  coll = db.connection.collection<Row>('rows') as unknown as Collection<Row>;
});
afterAll(async () => {
  await db.stop();
});

/** The collection, counting the write commands sent through it. */
function counting() {
  const count = { commands: 0 };
  const proxy = new Proxy(coll, {
    get(target, prop, receiver) {
      if (prop === 'insertOne' || prop === 'insertMany' || prop === 'updateOne' || prop === 'bulkWrite') count.commands++;
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { collection: () => proxy, count };
}

describe('WriteBatcher (group commit, on FerretDB)', () => {
  it('stores every document of a burst, in fewer commands than documents', async () => {
    const { collection, count } = counting();
    const batcher = new WriteBatcher(collection);
    await Promise.all(Array.from({ length: 200 }, (_, i) => batcher.insert({ _id: `burst${i}`, n: i })));
    expect(await coll.countDocuments({ _id: { $regex: /^burst/ } })).toBe(200);
    // The first goes alone; the rest waited for it and went together (inserts are not held to 20 a command).
    expect(count.commands).toBeLessThanOrEqual(3);
  });

  it('updates go at most 20 to a command; with `inFlight`, several commands are on their way at once', async () => {
    await coll.insertMany(Array.from({ length: 60 }, (_, i) => ({ _id: `par${i}`, n: 0 })));
    const run = async (inFlight: number | undefined, value: number) => {
      let active = 0;
      let peak = 0;
      let commands = 0;
      const slow = new Proxy(coll, {
        get(target, prop, receiver) {
          const v = Reflect.get(target, prop, receiver) as unknown;
          if (typeof v !== 'function') return v;
          if (prop !== 'updateOne' && prop !== 'bulkWrite') return v.bind(target);
          return async (...args: unknown[]) => {
            commands++;
            peak = Math.max(peak, ++active);
            await new Promise((r) => setTimeout(r, 30));
            try {
              return await (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
            } finally {
              active--;
            }
          };
        },
      });
      const batcher = new WriteBatcher(() => slow, inFlight ? { inFlight } : {});
      await Promise.all(Array.from({ length: 60 }, (_, i) => batcher.updateById(`par${i}`, { $set: { n: value } })));
      expect(await coll.countDocuments({ _id: { $regex: /^par/ }, n: value })).toBe(60);
      return { peak, commands };
    };
    // One at a time by default: the first alone, then 20 a command.
    expect(await run(undefined, 1)).toEqual({ peak: 1, commands: 4 });
    const parallel = await run(3, 2);
    expect(parallel.peak).toBe(3);
    expect(parallel.commands).toBeGreaterThanOrEqual(3);
  });

  it('with a linger, writes trickling in one at a time still share commands', async () => {
    const { collection, count } = counting();
    const batcher = new WriteBatcher(collection, { lingerMs: 200 }); // long enough for a slow machine's timers
    const writes: Array<Promise<void>> = [];
    // Ten writes 5 ms apart: without a linger each would find nothing in flight and go alone.
    for (let i = 0; i < 10; i++) {
      writes.push(batcher.updateById(`burst${i}`, { $set: { note: 'lingered' } }));
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(writes);
    expect(await coll.countDocuments({ note: 'lingered' })).toBe(10);
    expect(count.commands).toBeLessThanOrEqual(2);
  });

  it('a lone document goes at once, alone', async () => {
    const { collection, count } = counting();
    const batcher = new WriteBatcher(collection);
    await batcher.insert({ _id: 'lone', n: 1 });
    expect(count.commands).toBe(1);
    expect(await coll.findOne({ _id: 'lone' })).toMatchObject({ n: 1 });
  });

  it('a duplicate in a batch fails alone, with the duplicate-key error; its neighbours are stored', async () => {
    await coll.insertOne({ _id: 'taken', n: 0 });
    const batcher = new WriteBatcher(() => coll);
    const outcomes = await Promise.allSettled([
      batcher.insert({ _id: 'first', n: 1 }), // goes alone; the next three wait and go as one batch
      batcher.insert({ _id: 'before', n: 2 }),
      batcher.insert({ _id: 'taken', n: 3 }),
      batcher.insert({ _id: 'after', n: 4 }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(isDuplicateKeyError((outcomes[2] as PromiseRejectedResult).reason)).toBe(true);
    expect((await coll.find({ _id: { $in: ['before', 'taken', 'after'] } }).sort({ _id: 1 }).toArray()).map((r) => [r._id, r.n])).toEqual([
      ['after', 4],
      ['before', 2],
      ['taken', 0],
    ]);
  });

  it('leaves undefined optional fields out instead of storing null', async () => {
    const batcher = new WriteBatcher(() => coll);
    await Promise.all([batcher.insert({ _id: 'u1', n: 1, note: undefined }), batcher.insert({ _id: 'u2', n: 2, note: undefined })]);
    const rows = await coll.find({ _id: { $in: ['u1', 'u2'] } }).toArray();
    expect(rows.map((r) => 'note' in r)).toEqual([false, false]);
  });

  it('hundreds of background updates by _id land, batched, without stalling the server; settled() waits for them', async () => {
    // A single command of 300 update statements would hold 300 of FerretDB's 100 SQLite connections and never finish.
    await coll.insertMany(Array.from({ length: 300 }, (_, i) => ({ _id: `up${i}`, n: 0 })));
    const { collection, count } = counting();
    const batcher = new WriteBatcher(collection);
    const before = count.commands;
    for (let i = 0; i < 300; i++) void batcher.updateById(`up${i}`, { $set: { n: i + 1 } });
    await batcher.settled();
    const rows = await coll.find({ _id: { $regex: /^up/ } }).toArray();
    expect(rows).toHaveLength(300);
    expect(rows.every((r) => r.n === Number(r._id.slice(2)) + 1)).toBe(true);
    expect(count.commands - before).toBeLessThan(300);
  });

  it('a refused update is reported to its caller; settled() still resolves', async () => {
    await coll.insertOne({ _id: 'r1', n: 0 });
    const batcher = new WriteBatcher(() => coll);
    const refused = batcher.updateById('r1', { $bogus: { n: 1 } } as never); // the server refuses the unknown operator
    await expect(refused).rejects.toThrow();
    await batcher.settled();
    await batcher.updateById('r1', { $set: { n: 2 } });
    expect((await coll.findOne({ _id: 'r1' }))?.n).toBe(2);
  });

  it('a command that never answers holds only its own callers; writes queued behind it go on', async () => {
    let calls = 0;
    const batcher = new WriteBatcher<Row>(() => {
      calls++;
      return calls === 1 ? ({ insertOne: () => new Promise(() => {}) } as unknown as Collection<Row>) : coll;
    });
    const stuck = batcher.insert({ _id: 'stuck', n: 0 });
    const next = batcher.insert({ _id: 'behind', n: 1 });
    await next; // within the stall allowance, not never
    expect(await coll.findOne({ _id: 'behind' })).toMatchObject({ n: 1 });
    expect(await Promise.race([stuck.then(() => 'done'), new Promise((r) => setTimeout(() => r('waiting'), 50))])).toBe('waiting');
  });

  it('a failed command rejects every document waiting on it, and the batcher keeps working', async () => {
    let broken = true;
    const reset = () => Promise.reject(new Error('connection reset'));
    const batcher = new WriteBatcher<Row>(() => (broken ? ({ insertOne: reset, bulkWrite: reset } as unknown as Collection<Row>) : coll));
    const failed = await Promise.allSettled([batcher.insert({ _id: 'x1', n: 1 }), batcher.insert({ _id: 'x2', n: 2 }), batcher.insert({ _id: 'x3', n: 3 })]);
    expect(failed.every((o) => o.status === 'rejected' && String(o.reason).includes('connection reset'))).toBe(true);
    broken = false;
    await batcher.insert({ _id: 'x4', n: 4 });
    expect(await coll.countDocuments({ _id: { $in: ['x1', 'x2', 'x3', 'x4'] } })).toBe(1);
  });
});
