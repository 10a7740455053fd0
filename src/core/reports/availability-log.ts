import type { Collection, Db } from 'mongodb';
import { DateTime } from 'luxon';
import { isDuplicateKeyError } from '../db/duplicate-key.js';
import { KeyedMutex } from '../sync/keyed-mutex.js';
import { NONE, type Fact } from './report-facts.js';

type Counted = 'available' | 'away';

/** A closed stretch of an agent's availability: insert-only, `_id` = `<userId>:<from ISO>`. */
export interface AvailabilityInterval {
  _id: string;
  userId: string;
  state: Counted;
  from: Date;
  to: Date;
}

interface CurrentState {
  _id: string;
  state: Counted | 'offline';
  since: Date;
}

/**
 * Agents' available / away time for the agent report. The state each agent is in now is kept in
 * `report_presence` (`_id` = user id); when it changes, the stretch that ended is written once to
 * `report_availability` and becomes facts. Tickets' audit trails do not hold availability, so this log is
 * what `reports:rebuild` recomputes these facts from. A stretch counts once it ends (a state change or
 * going offline), not while it lasts.
 */
export class AvailabilityLog {
  readonly intervals: Collection<AvailabilityInterval>;
  private readonly current: Collection<CurrentState>;
  /** One agent's changes are applied in the order they arrived (the bus runs subscribers concurrently). */
  private readonly perUser = new KeyedMutex();

  constructor(db: Db) {
    this.intervals = db.collection<AvailabilityInterval>('report_availability');
    this.current = db.collection<CurrentState>('report_presence');
  }

  /** Records a change; returns the stretch it closed, or null (first state, same state, stale event). */
  change(userId: string, state: Counted | 'offline', at: Date): Promise<AvailabilityInterval | null> {
    return this.perUser.run(userId, () => this.apply(userId, state, at));
  }

  private async apply(userId: string, state: Counted | 'offline', at: Date): Promise<AvailabilityInterval | null> {
    const prev = await this.current.findOne({ _id: userId });
    if (prev && prev.since.getTime() >= at.getTime()) return null;
    if (prev?.state === state) return null;
    await this.current.replaceOne({ _id: userId }, { state, since: at }, { upsert: true });
    if (!prev || prev.state === 'offline') return null;
    const interval: AvailabilityInterval = { _id: `${userId}:${prev.since.toISOString()}`, userId, state: prev.state, from: prev.since, to: at };
    try {
      await this.intervals.insertOne(interval);
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
    return interval;
  }

  async all(): Promise<AvailabilityInterval[]> {
    return this.intervals.find({}).toArray();
  }
}

/** A stretch as facts: its seconds on each day it covers, days in the organisation's time zone. */
export function availabilityFacts(i: AvailabilityInterval, timeZone: string): Fact[] {
  const facts: Fact[] = [];
  let start = DateTime.fromJSDate(i.from, { zone: timeZone });
  const end = DateTime.fromJSDate(i.to, { zone: timeZone });
  while (start < end) {
    const nextDay = start.startOf('day').plus({ days: 1 });
    const stop = nextDay < end ? nextDay : end;
    const day = start.toISODate()!;
    const seconds = Math.round(stop.diff(start).as('seconds'));
    if (seconds > 0) facts.push({ id: `${i.state}:${i.userId}:${i.from.toISOString()}:${day}`, kind: i.state, day, inbox: NONE, channel: NONE, dept: NONE, agent: i.userId, seconds });
    start = stop;
  }
  return facts;
}
