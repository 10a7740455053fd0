import type { Logger } from 'pino';
import type { Models } from '../models/registry.js';
import type { Clock } from '../time/clock.js';
import type { OpenWork } from './open-work.js';
import type { TicketService } from './ticket-service.js';

/** Tickets woken per run on MongoDB (the query's page); the next run takes the rest. */
const MONGODB_PAGE = 500;

/**
 * Wakes snoozed tickets whose time has come, run by the agenda job `timers.sweep` (every few seconds, in whichever
 * hub holds the job). Until 2026-12-05 each snooze had its own agenda job; on the embedded FerretDB every poll
 * (one query per job name) and every enqueue (a reply's delivery) read all of them inside the write lock, so an
 * install with a few thousand snoozed tickets took longer than the poll interval to find due deliveries
 * (`npm run bench:jobs -- --pending 2000 --pending-name ticket.unsnooze`).
 *
 * Candidates: on FerretDB the open-work projection (in memory, every ticket not closed); on MongoDB the
 * `snoozedUntil` index. Closed tickets are not woken (the projection does not hold them; the query leaves them
 * out). Lists already treat a snooze whose time has passed as woken, so the few seconds until the next run
 * only delay the `ticket.snooze_ended` history entry and the console's update. `endSnooze` re-reads the ticket
 * under its lock: a ticket snoozed again or woken meanwhile is left alone.
 */
export class SnoozeWake {
  constructor(
    private readonly models: Models,
    private readonly tickets: Pick<TicketService, 'endSnooze'>,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly openWork?: Pick<OpenWork, 'dueScan'>,
  ) {}

  /** Ids of the tickets woken by this run. */
  async run(): Promise<string[]> {
    const now = this.clock.now();
    const due = await this.due(now);
    const woken: string[] = [];
    for (const { id, until } of due) {
      try {
        await this.tickets.endSnooze(id, until);
        woken.push(id);
      } catch (err) {
        this.logger.error({ err, ticketId: id }, 'snoozed ticket not woken; the next run tries again');
      }
    }
    if (woken.length) this.logger.info({ woken: woken.length }, 'snoozed tickets woken');
    return woken;
  }

  private async due(now: Date): Promise<Array<{ id: string; until: Date }>> {
    const entries = await this.openWork?.dueScan((e) => Boolean(e.snoozedUntil && e.snoozedUntil.getTime() <= now.getTime()));
    if (entries) return entries.map((e) => ({ id: String(e._id), until: e.snoozedUntil! }));
    const docs = await this.models.Ticket.find({ snoozedUntil: { $lte: now }, status: { $ne: 'closed' } }, { _id: 1, snoozedUntil: 1 })
      .sort({ snoozedUntil: 1 })
      .limit(MONGODB_PAGE)
      .lean();
    return docs.map((d) => ({ id: String(d._id), until: d.snoozedUntil! }));
  }
}
