import type { Collection, Db } from 'mongodb';
import type { Logger } from 'pino';
import { KeyedMutex } from '../sync/keyed-mutex.js';
import { bucketId, daysBetween, monthFirstDay, monthLastDay, monthOf, rowKey } from './report-calendar.js';
import { sameStoredFact, storedFact, type Fact, type StoredFact } from './report-facts.js';
import { decodeKeyedRowsText, decodeRowsText, encodeDays, encodeKeyedRows, encodeRows } from './row-codec.js';
import { addMetrics, emptyMetrics, metricsOf, type Metrics, type RollupRow } from './rollup-metrics.js';
import { slotOf } from './report-slots.js';

export type { RollupRow };

/**
 * `report_buckets` holds two kinds of document (see `report-slots.ts` for why a bucket is split):
 * - a bucket's facts of one slot, `_id` = `<bucket id>|<slot>`, with `slot` and `facts`;
 * - the bucket itself, `_id` = `<bucket id>`, with `slots`: each slot's metrics, so a flush that rewrote
 *   one slot sums the bucket's row without reading the others. (Before slots it held all of the bucket's
 *   facts in `facts`; such a document is spread into slots the first time the bucket is written again.)
 */
export interface BucketDoc {
  _id: string;
  day: string;
  inbox: string;
  channel: string;
  dept: string;
  agent: string;
  /** On a slot's document: which one. */
  slot?: string;
  /**
   * Facts by fact id (a fact seen again overwrites itself: idempotent), as the JSON text of a
   * `Record<factId, StoredFact>`. Text, not a sub-document: FerretDB 1.24 decodes a document at ~30 µs per
   * field, so a bucket of 40 facts as fields cost milliseconds to read; one string is cheap.
   */
  facts?: string;
  /** On the bucket's document: each slot's metrics, as rows keyed by slot (`encodeKeyedRows`). */
  slots?: string;
}

/** A day or month document; `rows` is the JSON text of `Record<rowKey, RollupRow>` (see `facts` above). */
export interface PeriodDoc {
  _id: string;
  rows: string;
}

/**
 * A month's rows summed (`report_months`), and apart from it (`report_month_days`) each day's rows of
 * the month (`days`: JSON of Record<day, rows>): FerretDB reads a whole document even for a projection,
 * so the small summed rows (full months of a range) and the large per-day rows (its partial months, or a
 * report by day or week) are separate documents.
 */
export interface MonthDoc {
  _id: string;
  rows: string;
}
export interface MonthDaysDoc {
  _id: string;
  days: string;
}

export const decodeRows = (doc: PeriodDoc | null | undefined): Record<string, RollupRow> => (doc ? decodeRowsText(doc.rows) : {});

export const REPORT_COLLECTIONS = { buckets: 'report_buckets', days: 'report_days', months: 'report_months', monthDays: 'report_month_days' } as const;

export interface RollupStoreOptions {
  /** Facts wait this long for company before their buckets are written (one write per bucket). */
  flushDelayMs?: number;
  /** Month documents are recomputed from their days at most this often. */
  monthDelayMs?: number;
}

/**
 * The rollup documents and the only code that writes them.
 *
 * - `report_buckets`: a bucket (`<day>|<inbox>|<dept>|<agent>`) keeps its facts by fact id in slots, one
 *   document each (`BucketDoc`, `report-slots.ts`); a slot's metrics are recomputed from its whole set on
 *   every write, so a duplicate or a late fact cannot count twice or be counted in the wrong order, and
 *   the bucket's metrics are its slots' summed.
 * - `report_days` `_id` = `<day>` holds one row per bucket of the day (the bucket's metrics, replaced
 *   whole); `report_months` `_id` = `<YYYY-MM>` one row per (inbox, dept, agent), summed from the days.
 *   Reports read only these two, by `_id`.
 *
 * FerretDB applies updates as read-modify-write, so `$inc` is never used: every write of a day's buckets
 * and day document runs under that day's mutex in this process (one writer per day), and a month is
 * recomputed from its days under its own mutex. Facts wait in memory up to `flushDelayMs`; what a crash
 * loses there is restored by `npm run reports:rebuild`.
 */
export class RollupStore {
  readonly buckets: Collection<BucketDoc>;
  readonly days: Collection<PeriodDoc>;
  readonly months: Collection<MonthDoc>;
  readonly monthDays: Collection<MonthDaysDoc>;
  private readonly dayLocks = new KeyedMutex();
  private readonly monthLocks = new KeyedMutex();
  private pending = new Map<string, Map<string, Fact>>();
  private flushTimer: NodeJS.Timeout | undefined;
  private monthTimer: NodeJS.Timeout | undefined;
  private readonly dirtyMonths = new Set<string>();
  private running: Promise<void> = Promise.resolve();
  private readonly flushDelayMs: number;
  private readonly monthDelayMs: number;
  /** Called with the days whose documents changed (the live board's trend, tests). */
  onDaysWritten: ((days: string[]) => void) | undefined;

  constructor(
    db: Db,
    private readonly logger: Logger,
    opts: RollupStoreOptions = {},
  ) {
    this.buckets = db.collection<BucketDoc>(REPORT_COLLECTIONS.buckets);
    this.days = db.collection<PeriodDoc>(REPORT_COLLECTIONS.days);
    this.months = db.collection<MonthDoc>(REPORT_COLLECTIONS.months);
    this.monthDays = db.collection<MonthDaysDoc>(REPORT_COLLECTIONS.monthDays);
    // Each flush reads and rewrites every bucket it touched (its slot and its own document) and the day,
    // each month recomputation reads the month's 31 days. At 200 messages/s into 25 buckets a flush every
    // second was 0.5 database commands per message, 15% of all the ingest's (`bench:realtime
    // --profile-commands`, 2026-12-05); every 5 s it is 0.1. Reports asked in this process flush first, so
    // these delays only make other processes' figures (and the live board's trend) lag.
    this.flushDelayMs = opts.flushDelayMs ?? 5_000;
    this.monthDelayMs = opts.monthDelayMs ?? 10_000;
  }

  /** Queues facts; they are written within `flushDelayMs`. */
  add(facts: Fact[]): void {
    for (const f of facts) {
      const day = this.pending.get(f.day) ?? new Map<string, Fact>();
      day.set(f.id, f);
      this.pending.set(f.day, day);
    }
    // The timer writes days only: months follow on their own (slower) timer, each recomputation reading
    // the month's 31 days.
    if (facts.length) this.flushTimer ??= setTimeout(() => void this.writePending(false).catch((err: unknown) => this.logger.error({ err }, 'report flush failed')), this.flushDelayMs);
  }

  /** Writes every queued fact, then every month touched; resolves when all of it is stored. */
  flush(): Promise<void> {
    return this.writePending(true);
  }

  private writePending(withMonths: boolean): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const batch = this.pending;
    this.pending = new Map();
    const run = this.running.then(async () => {
      await Promise.all([...batch].map(([day, facts]) => this.dayLocks.run(day, () => this.writeDay(day, [...facts.values()]))));
      if (withMonths) await this.flushMonths();
    });
    this.running = run.catch(() => undefined);
    return run;
  }

  /** Months touched since their last recomputation (a report reading one of them flushes first). */
  hasDirtyMonths(): boolean {
    return this.dirtyMonths.size > 0 || this.pending.size > 0;
  }

  async flushMonths(): Promise<void> {
    clearTimeout(this.monthTimer);
    this.monthTimer = undefined;
    const months = [...this.dirtyMonths];
    this.dirtyMonths.clear();
    await Promise.all(months.map((m) => this.monthLocks.run(m, () => this.recomputeMonth(m))));
  }

  async idle(): Promise<void> {
    await this.running;
  }

  stop(): Promise<void> {
    return this.flush();
  }

  private async writeDay(day: string, facts: Fact[]): Promise<void> {
    const byBucket = new Map<string, Fact[]>();
    for (const f of facts) {
      const id = bucketId(f.day, f.inbox, f.dept, f.agent);
      byBucket.set(id, [...(byBucket.get(id) ?? []), f]);
    }
    const changed = (await Promise.all([...byBucket].map(([id, list]) => this.writeBucket(id, day, list)))).filter((r) => r !== undefined);
    if (!changed.length) return;
    const rows = decodeRows(await this.days.findOne({ _id: day }));
    for (const r of changed) rows[rowKey(r.inbox, r.dept, r.agent)] = r;
    await this.days.replaceOne({ _id: day }, { rows: encodeRows(rows) }, { upsert: true });
    this.dirtyMonths.add(monthOf(day));
    this.monthTimer ??= setTimeout(() => void this.flushMonths().catch((err: unknown) => this.logger.error({ err }, 'report month flush failed')), this.monthDelayMs);
    this.onDaysWritten?.([day]);
  }

  /**
   * Writes a bucket's new facts into their slots, then the bucket's slot metrics; returns the bucket's day
   * row, or undefined when nothing changed. A slot is recomputed from its whole fact set, so a duplicate or
   * late fact cannot count twice; a slot the bucket's document does not list yet (a crash between the two
   * writes) is recomputed when next written.
   */
  private async writeBucket(id: string, day: string, list: Fact[]): Promise<RollupRow | undefined> {
    const { inbox, channel, dept, agent } = list[0]!;
    const dims = { day, inbox, channel, dept, agent };
    const bucket = await this.buckets.findOne({ _id: id });
    const slots = bucket?.slots ? decodeKeyedRowsText(bucket.slots) : {};
    // Written before slots: its facts go to their slots along with the new ones (which win).
    const incoming = new Map<string, Record<string, StoredFact>>();
    const put = (factId: string, fact: StoredFact) => {
      const slot = slotOf(factId, day);
      const inSlot = incoming.get(slot) ?? {};
      inSlot[factId] = fact;
      incoming.set(slot, inSlot);
    };
    const legacy = bucket?.facts ? (JSON.parse(bucket.facts) as Record<string, StoredFact>) : {};
    for (const [factId, fact] of Object.entries(legacy)) put(factId, fact);
    for (const f of list) put(f.id, storedFact(f));
    let dirty = bucket?.facts !== undefined;
    await Promise.all(
      [...incoming].map(async ([slot, add]) => {
        const slotId = `${id}|${slot}`;
        const stored = await this.buckets.findOne({ _id: slotId });
        const facts = stored?.facts ? (JSON.parse(stored.facts) as Record<string, StoredFact>) : {};
        let added = false;
        for (const [factId, fact] of Object.entries(add)) {
          if (sameStoredFact(facts[factId], fact)) continue;
          facts[factId] = fact;
          added = true;
        }
        if (!added && slots[slot]) return;
        if (added) await this.buckets.replaceOne({ _id: slotId }, { ...dims, slot, facts: JSON.stringify(facts) }, { upsert: true });
        slots[slot] = { inbox, channel, dept, agent, ...metricsOf(Object.values(facts)) };
        dirty = true;
      }),
    );
    if (!dirty) return undefined;
    await this.buckets.replaceOne({ _id: id }, { ...dims, slots: encodeKeyedRows(slots) }, { upsert: true });
    return { inbox, channel, dept, agent, ...sumMetrics(Object.values(slots)) };
  }

  private async recomputeMonth(month: string): Promise<void> {
    const days = daysBetween(monthFirstDay(month), monthLastDay(month));
    const docs = await Promise.all(days.map((d) => this.days.findOne({ _id: d })));
    const byDay = Object.fromEntries(docs.flatMap((d) => (d ? [[d._id, decodeRows(d)]] : [])));
    const doc = monthDoc(byDay);
    await Promise.all([
      this.months.replaceOne({ _id: month }, { rows: doc.rows }, { upsert: true }),
      this.monthDays.replaceOne({ _id: month }, { days: doc.days }, { upsert: true }),
    ]);
  }

  /**
   * Replaces every rollup with ones computed from `facts` (rebuild, seeding): buckets, days and months
   * written in bulk. Live writes are held (day and month mutexes are not involved: run it on a stopped
   * hub, or accept that facts arriving meanwhile wait for the next rebuild).
   */
  async replaceAll(facts: Iterable<Fact>, onProgress?: (what: string, n: number) => void): Promise<{ buckets: number; days: number; months: number }> {
    const buckets = new Map<string, OpenBucket>();
    for (const f of facts) {
      const id = bucketId(f.day, f.inbox, f.dept, f.agent);
      let b = buckets.get(id);
      if (!b) {
        b = { _id: id, day: f.day, inbox: f.inbox, channel: f.channel, dept: f.dept, agent: f.agent, slots: new Map() };
        buckets.set(id, b);
      }
      const slot = slotOf(f.id, f.day);
      const inSlot = b.slots.get(slot) ?? {};
      inSlot[f.id] = storedFact(f);
      b.slots.set(slot, inSlot);
    }
    const dayRows = new Map<string, Record<string, RollupRow>>();
    const bucketDocs: BucketDoc[] = [];
    for (const b of buckets.values()) {
      const { slots, ...dims } = b;
      const slotRows: Record<string, RollupRow> = {};
      for (const [slot, inSlot] of slots) {
        bucketDocs.push({ ...dims, _id: `${b._id}|${slot}`, slot, facts: JSON.stringify(inSlot) });
        slotRows[slot] = { inbox: b.inbox, channel: b.channel, dept: b.dept, agent: b.agent, ...metricsOf(Object.values(inSlot)) };
      }
      bucketDocs.push({ ...dims, slots: encodeKeyedRows(slotRows) });
      const rows = dayRows.get(b.day) ?? {};
      rows[rowKey(b.inbox, b.dept, b.agent)] = { inbox: b.inbox, channel: b.channel, dept: b.dept, agent: b.agent, ...sumMetrics(Object.values(slotRows)) };
      dayRows.set(b.day, rows);
    }
    const byMonth = new Map<string, Record<string, Record<string, RollupRow>>>();
    for (const [day, rows] of dayRows) byMonth.set(monthOf(day), { ...(byMonth.get(monthOf(day)) ?? {}), [day]: rows });
    const monthDocs = [...byMonth].map(([m, byDay]) => ({ _id: m, ...monthDoc(byDay) }));
    const dayDocs = [...dayRows].map(([d, rows]) => ({ _id: d, rows: encodeRows(rows) }));
    await Promise.all([this.buckets.deleteMany({}), this.days.deleteMany({}), this.months.deleteMany({}), this.monthDays.deleteMany({})]);
    await insertInChunks(this.buckets, bucketDocs, (n) => onProgress?.('bucket documents', n));
    await insertInChunks(this.days, dayDocs, (n) => onProgress?.('days', n));
    await insertInChunks(this.months, monthDocs.map((m) => ({ _id: m._id, rows: m.rows })), (n) => onProgress?.('months', n));
    await insertInChunks(this.monthDays, monthDocs.map((m) => ({ _id: m._id, days: m.days })), (n) => onProgress?.('month days', n));
    return { buckets: buckets.size, days: dayDocs.length, months: monthDocs.length };
  }
}

function monthDoc(byDay: Record<string, Record<string, RollupRow>>): { rows: string; days: string } {
  return { rows: encodeRows(sumRows(Object.values(byDay))), days: encodeDays(byDay) };
}

/** A bucket being rebuilt: its facts by slot. */
type OpenBucket = Omit<BucketDoc, 'facts' | 'slot' | 'slots'> & { slots: Map<string, Record<string, StoredFact>> };

/** Metrics of several rows (a bucket's slots) summed. */
function sumMetrics(rows: Metrics[]): Metrics {
  const out = emptyMetrics();
  for (const r of rows) addMetrics(out, r);
  return out;
}

/** Rows of several period documents summed per (inbox, dept, agent). */
export function sumRows(docs: Array<Record<string, RollupRow>>): Record<string, RollupRow> {
  const out: Record<string, RollupRow> = {};
  for (const d of docs) {
    for (const [k, r] of Object.entries(d)) {
      const into = (out[k] ??= { inbox: r.inbox, channel: r.channel, dept: r.dept, agent: r.agent, ...emptyMetrics() });
      addMetrics(into, r);
    }
  }
  return out;
}

async function insertInChunks<T extends { _id: string }>(c: Collection<T>, docs: T[], progress: (n: number) => void): Promise<void> {
  for (let i = 0; i < docs.length; i += 500) {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    await c.insertMany(docs.slice(i, i + 500) as any[], { ordered: false });
    progress(Math.min(docs.length, i + 500));
  }
}
