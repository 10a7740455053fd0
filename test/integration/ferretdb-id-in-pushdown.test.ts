import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './web/web-harness.js';
import { startTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * The embedded FerretDB is built with `{_id: {$in: [...]}}` pushed down to its `_id` index
 * (scripts/ferretdb/patch-ferretdb.mjs): thread entries, audit trails and lists of ids are read in one command
 * instead of one per id. The pushdown only narrows what is read; the answers must stay exactly MongoDB's.
 */
let db: TestDatabase;
beforeAll(async () => {
  db = await startTestDatabase();
  const c = db.connection.db!;
  await c.collection('probe_strings').insertMany(Array.from({ length: 1_200 }, (_, i) => ({ _id: `t:${i}`, n: i })) as never[]);
  await c.collection('probe_ids').insertMany([{ _id: new Types.ObjectId('6b13174000000000000000a1'), n: 1 }, { _id: '6b13174000000000000000a2', n: 2 }, { _id: 7, n: 3 }] as never[]);
});
afterAll(async () => {
  await db?.stop();
});

const explain = async (collection: string, filter: Record<string, unknown>) =>
  (await db.connection.db!.command({ explain: { find: collection, filter } })) as { filterPushdown?: boolean; queryPlanner?: { Plan?: string[] } };

describe('FerretDB {_id: {$in}} pushdown', () => {
  it('is pushed down to the _id index for strings and ObjectIds, up to 1,000 of them', async () => {
    const some = await explain('probe_strings', { _id: { $in: ['t:1', 't:2', 'nope'] } });
    expect(some.filterPushdown).toBe(true);
    // The launcher indexes a new collection within 250 ms (id_index.go); a connection sees the new index once it
    // reads again (EXPLAIN alone does not reload SQLite's schema), and from then on SQLite searches that index.
    await eventually(async () => {
      await db.connection.db!.collection('probe_strings').findOne({ _id: 't:1' } as never);
      const plan = JSON.stringify((await explain('probe_strings', { _id: { $in: ['t:1', 't:2'] } })).queryPlanner?.Plan);
      return /USING INDEX \S+_ponte_id_path/.test(plan) ? true : undefined;
    }, 5_000, 50);
    expect((await explain('probe_ids', { _id: { $in: [new Types.ObjectId(), 'x'] } })).filterPushdown).toBe(true);
    const thousand = Array.from({ length: 1_000 }, (_, i) => `t:${i}`);
    expect((await explain('probe_strings', { _id: { $in: thousand } })).filterPushdown).toBe(true);
  });

  it('is not pushed down for what it cannot express: over 1,000 ids, other kinds of values, other operators', async () => {
    expect((await explain('probe_strings', { _id: { $in: Array.from({ length: 1_001 }, (_, i) => `t:${i}`) } })).filterPushdown).toBe(false);
    expect((await explain('probe_strings', { _id: { $in: ['t:1', null] } })).filterPushdown).toBe(false);
    expect((await explain('probe_strings', { _id: { $in: ['t:1', /t:2/] } })).filterPushdown).toBe(false);
    expect((await explain('probe_strings', { _id: { $in: ['t:1'], $ne: 't:2' } })).filterPushdown).toBe(false);
    expect((await explain('probe_strings', { _id: { $nin: ['t:1'] } })).filterPushdown).toBe(false);
  });

  it('answers exactly as the filter says, pushed down or not', async () => {
    const c = db.connection.db!;
    const ns = async (collection: string, filter: Record<string, unknown>) =>
      (await c.collection(collection).find(filter as never).toArray()).map((d) => d.n as number).sort((a, b) => a - b);
    expect(await ns('probe_strings', { _id: { $in: ['t:5', 't:3', 't:3', 'absent'] } })).toEqual([3, 5]);
    // An ObjectId and a string of the same hex look alike in SQLite's JSON: the type still tells them apart.
    expect(await ns('probe_ids', { _id: { $in: [new Types.ObjectId('6b13174000000000000000a1')] } })).toEqual([1]);
    expect(await ns('probe_ids', { _id: { $in: ['6b13174000000000000000a1', new Types.ObjectId('6b13174000000000000000a2')] } })).toEqual([]);
    expect(await ns('probe_ids', { _id: { $in: ['6b13174000000000000000a2', new Types.ObjectId('6b13174000000000000000a1')] } })).toEqual([1, 2]);
    expect(await ns('probe_ids', { _id: { $in: [7, '6b13174000000000000000a2'] } })).toEqual([2, 3]);
    expect(await ns('probe_strings', { _id: { $in: Array.from({ length: 1_100 }, (_, i) => `t:${i * 2}`) } })).toHaveLength(600);
    // Updates and deletes go through the same read.
    await c.collection('probe_strings').updateMany({ _id: { $in: ['t:10', 't:11'] } } as never, { $set: { touched: true } });
    expect((await c.collection('probe_strings').find({ touched: true }).toArray()).map((d) => d._id)).toEqual(['t:10', 't:11']);
    await c.collection('probe_strings').deleteMany({ _id: { $in: ['t:10', 'absent'] } } as never);
    expect(await c.collection('probe_strings').countDocuments()).toBe(1_199);
  });
});
