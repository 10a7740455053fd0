import { Types, type Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { DomainEventBus } from '../events/event-bus.js';
import type { Models } from '../models/registry.js';
import { dayBucket } from '../time/day-bucket.js';
import type { Viewer } from '../users/viewer.js';
import { factsFromHistory, type TicketHistory } from './facts-from-history.js';
import { LiveBoard, type LiveSnapshot, type LiveSource } from './live-board.js';
import { assertReportRange, FIRST_REPORT_DAY } from './report-range.js';
import { addDays, type Granularity } from './report-calendar.js';
import type { Fact } from './report-facts.js';
import { ReportFeed } from './report-feed.js';
import { agentReport, channelReport, type AgentReport, type ChannelReport } from './report-query.js';
import type { Backlog, ReportLabels } from './report-types.js';
import { AvailabilityLog, availabilityFacts } from './availability-log.js';
import { checkFilters, scopeFor, type ReportFilters } from './report-scope.js';
import { RollupStore, type RollupStoreOptions } from './rollup-store.js';

const maxDay = (a: string, b: string) => (a > b ? a : b);

export interface ReportQuery extends ReportFilters {
  from?: string | undefined;
  to?: string | undefined;
  granularity?: Granularity | undefined;
}

/**
 * Supervisor reports: facts from domain events → rollups (`rollup-store.ts`) → reports read by `_id`;
 * plus the live board of open work. See `README.md` in this folder and docs/architecture.md.
 */
export class ReportsService {
  readonly store: RollupStore;
  readonly board = new LiveBoard();
  readonly availability: AvailabilityLog;
  private readonly feed: ReportFeed;
  private unsubscribe: (() => void) | undefined;
  private readonly liveListeners = new Set<() => void>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    connection: Connection,
    private readonly models: Models,
    private readonly bus: DomainEventBus,
    readonly timeZone: string,
    private readonly logger: Logger,
    opts: RollupStoreOptions = {},
  ) {
    this.store = new RollupStore(connection.db!, logger, opts);
    this.availability = new AvailabilityLog(connection.db!);
    this.feed = new ReportFeed(models, timeZone, logger, this.availability);
  }

  private openTickets: () => Promise<LiveSource[] | undefined> = async () => undefined;

  /** Where the board's start-up load takes the open tickets from (the open-work projection), before `start`. */
  useOpenTickets(source: () => Promise<LiveSource[] | undefined>): void {
    this.openTickets = source;
  }

  start(): void {
    this.unsubscribe = this.bus.subscribe((event) => {
      if (this.board.apply(event)) for (const l of this.liveListeners) l();
      const p = this.feed
        .factsOf(event)
        .then((facts) => this.store.add(facts))
        .catch((err: unknown) => this.logger.error({ err, type: event.type }, 'report facts not recorded; run reports:rebuild'));
      this.inFlight.add(p);
      void p.finally(() => this.inFlight.delete(p));
    });
    // The open tickets once; the board is complete once it has them (events meanwhile are kept).
    this.board.load(this.models, this.openTickets).catch((err: unknown) => this.logger.error({ err }, 'live board not loaded'));
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await this.flush();
  }

  /** Waits for events being turned into facts and writes everything queued (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.inFlight]);
    await this.store.flush();
  }

  /** Records facts directly (tests of duplicate and out-of-order processing, seeding). */
  record(facts: Fact[]): void {
    this.store.add(facts);
  }

  onLiveChange(listener: () => void): () => void {
    this.liveListeners.add(listener);
    return () => this.liveListeners.delete(listener);
  }

  today(now = new Date()): string {
    return dayBucket(now, this.timeZone);
  }

  private range(q: ReportQuery, defaultDays = 30) {
    const today = this.today();
    const to = q.to ?? today;
    // The default start never falls before the first day: `to` alone near it is a shorter report, not a 400 on `from`.
    const from = q.from ?? maxDay(addDays(to, -(defaultDays - 1)), FIRST_REPORT_DAY);
    assertReportRange(from, to, today);
    return { from, to };
  }

  async channelReport(viewer: Viewer, q: ReportQuery): Promise<ChannelReport & { backlog: Backlog }> {
    const scope = scopeFor(viewer);
    checkFilters(scope, q);
    const { from, to } = this.range(q);
    const report = await channelReport(this.store, { from, to, granularity: q.granularity ?? 'day' }, scope, q, this.today());
    const live = this.board.snapshot(scope, q);
    const now: Record<string, number> = {};
    for (const byStatus of Object.values(live.open)) for (const [s, n] of Object.entries(byStatus)) now[s] = (now[s] ?? 0) + n;
    // Backlog at the end of each period = open now − what flowed in after that period.
    let open = live.openTotal - report.flowAfter;
    const trend: Array<{ period: string; open: number }> = [];
    for (let i = report.flows.length - 1; i >= 0; i--) {
      trend.unshift({ period: report.flows[i]!.period, open: Math.max(0, open) });
      open -= report.flows[i]!.net;
    }
    return { ...report, backlog: { now, trend } };
  }

  async agentReport(viewer: Viewer, q: ReportQuery): Promise<AgentReport> {
    const scope = scopeFor(viewer);
    checkFilters(scope, q);
    return agentReport(this.store, this.range(q), scope, q, async (depts) => {
      const ids = depts.filter((d) => Types.ObjectId.isValid(d));
      const users = await this.models.User.find({ departmentIds: { $in: ids } }, { _id: 1 }).lean();
      return new Set(users.map((u) => String(u._id)));
    });
  }

  /** Names for the ids in reports (inboxes, departments, agents): small collections, read whole. */
  async labels(): Promise<ReportLabels> {
    const [inboxes, departments, users] = await Promise.all([
      this.models.Inbox.find({}, { name: 1 }).lean(),
      this.models.Department.find({}, { name: 1 }).lean(),
      this.models.User.find({}, { name: 1 }).lean(),
    ]);
    const map = (xs: Array<{ _id: unknown; name: string }>) => Object.fromEntries(xs.map((x) => [String(x._id), x.name]));
    return { inboxes: map(inboxes), departments: map(departments), agents: map(users) };
  }

  live(viewer: Viewer, filters: ReportFilters = {}): LiveSnapshot {
    const scope = scopeFor(viewer);
    checkFilters(scope, filters);
    return this.board.snapshot(scope, filters);
  }

  /**
   * Recomputes every fact from tickets, messages and audit history and replaces all rollups (the repair
   * for facts lost in a crash). Reads each collection once (on FerretDB a read is a scan anyway).
   */
  async rebuild(onProgress?: (what: string, n: number) => void): Promise<{ tickets: number; facts: number; buckets: number; days: number; months: number }> {
    await this.flush();
    const histories = new Map<string, TicketHistory>();
    let n = 0;
    for await (const t of this.models.Ticket.find({}, { inboxId: 1, channel: 1, departmentId: 1, assigneeId: 1, sla: 1, firstResponseAt: 1, createdAt: 1 }).lean().cursor()) {
      histories.set(String(t._id), { ticket: t, messages: [], audit: [] });
      if (++n % 10_000 === 0) onProgress?.('tickets read', n);
    }
    n = 0;
    for await (const m of this.models.Message.find({ kind: 'message' }, { ticketId: 1, direction: 1, kind: 1, author: 1, occurredAt: 1 }).lean().cursor()) {
      histories.get(String(m.ticketId))?.messages.push(m);
      if (++n % 10_000 === 0) onProgress?.('messages read', n);
    }
    n = 0;
    for await (const a of this.models.AuditEvent.find({}, { ticketId: 1, seq: 1, type: 1, dataJson: 1, ref: 1, at: 1 }).lean().cursor()) {
      histories.get(String(a.ticketId))?.audit.push(a);
      if (++n % 10_000 === 0) onProgress?.('audit events read', n);
    }
    const facts: Fact[] = [];
    for (const h of histories.values()) facts.push(...factsFromHistory(h, this.timeZone));
    for (const i of await this.availability.all()) facts.push(...availabilityFacts(i, this.timeZone));
    const written = await this.store.replaceAll(facts, onProgress);
    this.logger.info({ tickets: histories.size, facts: facts.length, ...written }, 'report rollups rebuilt');
    return { tickets: histories.size, facts: facts.length, ...written };
  }
}
