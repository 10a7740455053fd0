/**
 * A busy day of report facts, flushed as the hub flushes them (every second while traffic flows), on the
 * embedded database: what one flush costs in the morning and in the evening, and how large the largest
 * `report_buckets` document it rewrites has grown.
 *
 *   npx tsx scripts/bench/report-flush.ts [--per-hour 3000] [--hours 12] [--buckets 4] [--per-flush 20]
 *
 * `--per-hour` customer messages an hour (one `in:` fact each, ids carrying the hour's moments) spread over
 * `--buckets` buckets (inbox × department × agent) of one day; a flush carries `--per-flush` facts (the
 * hub's flush is once a second: 20 facts ≈ 20 messages a second). Prints, per hour, the median and p95
 * flush time and the largest bucket document.
 */
import { parseArgs } from 'node:util';
import { Types } from 'mongoose';
import { createLogger } from '../../src/core/logging/logger.js';
import type { Fact } from '../../src/core/reports/report-facts.js';
import { RollupStore } from '../../src/core/reports/rollup-store.js';
import { startTestDatabase } from '../../test/support/test-database.js';

const { values } = parseArgs({
  options: {
    'per-hour': { type: 'string', default: '3000' },
    hours: { type: 'string', default: '12' },
    buckets: { type: 'string', default: '4' },
    'per-flush': { type: 'string', default: '20' },
  },
});
const perHour = Number(values['per-hour']);
const hours = Number(values.hours);
const buckets = Number(values.buckets);
const perFlush = Number(values['per-flush']);
const DAY = '2026-12-05';

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const idInHour = (hour: number) => {
  const second = Date.parse(`${DAY}T${String(hour).padStart(2, '0')}:00:00Z`) / 1000 + Math.floor(Math.random() * 3600);
  return Types.ObjectId.createFromTime(second).toHexString().slice(0, 8) + new Types.ObjectId().toHexString().slice(8);
};

const db = await startTestDatabase();
const store = new RollupStore(db.connection.db!, createLogger('silent'), { flushDelayMs: 3_600_000, monthDelayMs: 3_600_000 });
try {
  console.log(`report flushes: ${perHour} messages/hour over ${buckets} buckets, ${perFlush} facts per flush, ${hours} hours (${db.kind})`);
  for (let h = 8; h < 8 + hours; h++) {
    const times: number[] = [];
    for (let sent = 0; sent < perHour; sent += perFlush) {
      const facts: Fact[] = Array.from({ length: Math.min(perFlush, perHour - sent) }, (_, i) => ({
        id: `in:${idInHour(h)}`,
        kind: 'in',
        day: DAY,
        inbox: 'inbox',
        channel: 'webchat',
        dept: `dept-${(sent + i) % buckets}`,
        agent: '-',
      }));
      store.add(facts);
      const t0 = performance.now();
      await store.flush();
      times.push(performance.now() - t0);
    }
    const largest = Math.max(0, ...(await store.buckets.find({}).toArray()).map((d) => (d.facts ?? '').length + (d.slots ?? '').length));
    console.log(`hour ${String(h).padStart(2, '0')}  flush p50 ${pct(times, 50).toFixed(1)} ms  p95 ${pct(times, 95).toFixed(1)} ms  (n=${times.length})  largest bucket document ${(largest / 1024).toFixed(0)} KiB`);
  }
} finally {
  await store.stop();
  await db.stop();
}
