import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/core/logging/logger.js';
import { bucketId, rowKey } from '../../../src/core/reports/report-calendar.js';
import { storedFact, type Fact } from '../../../src/core/reports/report-facts.js';
import { decodeRows, RollupStore, type BucketDoc } from '../../../src/core/reports/rollup-store.js';
import { encodeRows } from '../../../src/core/reports/row-codec.js';
import { metricsOf } from '../../../src/core/reports/rollup-metrics.js';
import { startTestDatabase, type TestDatabase } from '../../support/test-database.js';

/**
 * A bucket's facts live in hourly slots: a flush rewrites the slot it adds to, not the whole day's facts,
 * and the day's row is the same as counting every fact once.
 */
let db: TestDatabase;
let store: RollupStore;
beforeAll(async () => {
  db = await startTestDatabase();
  store = new RollupStore(db.connection.db!, createLogger('silent'), { flushDelayMs: 60_000 });
});
afterAll(async () => {
  await store.stop();
  await db.stop();
});

const DAY = '2026-12-05';
const dims = { day: DAY, inbox: 'inbox-1', channel: 'sms', dept: 'dep-1', agent: '-' };
/** A fresh ObjectId whose moment is ten past `hour` (UTC) on DAY, as a message received then has. */
const idInHour = (hour: number) => {
  const at = Types.ObjectId.createFromTime(Date.parse(`${DAY}T${String(hour).padStart(2, '0')}:10:00Z`) / 1000).toHexString();
  return at.slice(0, 8) + new Types.ObjectId().toHexString().slice(8);
};
const inbound = (hour: number, n: number): Fact[] => Array.from({ length: n }, () => ({ ...dims, id: `in:${idInHour(hour)}`, kind: 'in' as const }));
const dayRow = async () => decodeRows(await store.days.findOne({ _id: DAY }))[rowKey(dims.inbox, dims.dept, dims.agent)];
const bucketDocs = () => store.buckets.find({ _id: { $regex: `^${DAY}\\|` } }).toArray() as Promise<BucketDoc[]>;

describe('rollup slots', () => {
  it('facts of several hours: one document per hour, a flush rewrites only the hour it adds to, every fact counted once', async () => {
    const nine = inbound(9, 30);
    const ten = inbound(10, 20);
    store.add([...nine, ...ten]);
    await store.flush();
    expect((await dayRow())?.inbound).toBe(50);
    const before = new Map((await bucketDocs()).map((d) => [d._id, JSON.stringify(d)]));
    const id = bucketId(DAY, dims.inbox, dims.dept, dims.agent);
    expect([...before.keys()].sort()).toEqual([id, `${id}|09`, `${id}|10`]);
    expect(JSON.parse((await store.buckets.findOne({ _id: `${id}|09` }))!.facts!)).toHaveProperty([nine[0]!.id]);

    // Later in the day: the 11 o'clock slot is new; the 9 and 10 o'clock documents are not rewritten.
    const eleven = inbound(11, 5);
    store.add([...eleven, ten[0]!, nine[3]!]); // two facts seen again
    await store.flush();
    expect((await dayRow())?.inbound).toBe(55);
    const after = new Map((await bucketDocs()).map((d) => [d._id, JSON.stringify(d)]));
    expect(after.get(`${id}|09`)).toBe(before.get(`${id}|09`));
    expect(after.get(`${id}|10`)).toBe(before.get(`${id}|10`));
    expect(after.has(`${id}|11`)).toBe(true);
    expect(after.get(id)).not.toBe(before.get(id));
  });

  it('a bucket written before slots (all facts in one document) is spread into slots when next written, nothing counted twice', async () => {
    const legacyDims = { ...dims, agent: 'agent-legacy' };
    const id = bucketId(DAY, legacyDims.inbox, legacyDims.dept, legacyDims.agent);
    const old = inbound(8, 12).map((f) => ({ ...f, agent: legacyDims.agent }));
    const facts = Object.fromEntries(old.map((f) => [f.id, storedFact(f)]));
    await store.buckets.insertOne({ _id: id, ...legacyDims, facts: JSON.stringify(facts) });
    const rows = decodeRows(await store.days.findOne({ _id: DAY }));
    rows[rowKey(legacyDims.inbox, legacyDims.dept, legacyDims.agent)] = { ...legacyDims, ...metricsOf(Object.values(facts)) };
    await store.days.replaceOne({ _id: DAY }, { rows: encodeRows(rows) }, { upsert: true });

    const fresh = inbound(12, 3).map((f) => ({ ...f, agent: legacyDims.agent }));
    store.add([...fresh, old[0]!]);
    await store.flush();
    const row = decodeRows(await store.days.findOne({ _id: DAY }))[rowKey(legacyDims.inbox, legacyDims.dept, legacyDims.agent)];
    expect(row?.inbound).toBe(15);
    const bucket = (await store.buckets.findOne({ _id: id }))!;
    expect(bucket.facts).toBeUndefined();
    expect(bucket.slots).toBeDefined();
    expect(Object.keys(JSON.parse((await store.buckets.findOne({ _id: `${id}|08` }))!.facts!))).toHaveLength(12);
    expect(Object.keys(JSON.parse((await store.buckets.findOne({ _id: `${id}|12` }))!.facts!))).toHaveLength(3);
  });

  it('a rebuild writes the same slots and rows as the live writes', async () => {
    const live = await bucketDocs();
    const liveRow = await dayRow();
    const all: Fact[] = [];
    for (const d of live.filter((d) => d.slot)) {
      for (const [id, f] of Object.entries(JSON.parse(d.facts!) as Record<string, { k: Fact['kind'] }>)) all.push({ id, kind: f.k, day: d.day, inbox: d.inbox, channel: d.channel, dept: d.dept, agent: d.agent });
    }
    await store.replaceAll(all);
    const rebuilt = await bucketDocs();
    const facts = (ds: BucketDoc[]) => Object.fromEntries(ds.filter((d) => d.slot).map((d) => [d._id, Object.keys(JSON.parse(d.facts!)).sort()]));
    expect(facts(rebuilt)).toEqual(facts(live));
    expect(await dayRow()).toEqual(liveRow);
  });
});
