import type { Logger } from 'pino';
import type { Models } from '../models/registry.js';
import type { Clock } from '../time/clock.js';
import type { AssignmentService } from './assignment-service.js';

/**
 * Moves the tickets that waited in a department's queue longer than its overflow time to the overflow
 * department, run by the agenda job `timers.sweep` (every few seconds, in whichever hub holds it). Until
 * 2026-12-05 each waiting ticket had its own agenda job; on the embedded FerretDB every poll and every enqueue
 * (each reply's delivery) read all pending jobs, so a busy queue slowed every reply
 * (`npm run bench:jobs -- --pending 200`: a reply's delivery started 64 ms after it was sent instead of 7).
 *
 * Reads the departments with an overflow set and their queues (`queue_entries` holds only waiting tickets; on
 * MongoDB the `{departmentId, enqueuedAt}` index serves it). A ticket counts from `queuedAt`, when it entered
 * this department's queue (`enqueuedAt` is its place in line, which a returned ticket keeps); entries of older
 * versions have only `enqueuedAt`. The department's current setting applies, so a changed overflow time
 * applies to the tickets already waiting. `AssignmentService.overflow` re-checks the ticket under its lock,
 * so a ticket taken or moved meanwhile stays, and a second run moves nothing.
 */
export class OverflowSweep {
  constructor(
    private readonly models: Models,
    private readonly assignment: Pick<AssignmentService, 'overflow'>,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Ids of the tickets moved by this run. */
  async run(): Promise<string[]> {
    const now = this.clock.now().getTime();
    const departments = await this.models.Department.find(
      { 'assignment.overflowDepartmentId': { $ne: null }, 'assignment.overflowAfterMinutes': { $gt: 0 } },
      { assignment: 1 },
    ).lean();
    const moved: string[] = [];
    for (const d of departments) {
      const departmentId = String(d._id);
      const cutoff = now - d.assignment!.overflowAfterMinutes! * 60_000;
      const waiting = await this.models.QueueEntry.find({ departmentId }, { _id: 1, queuedAt: 1, enqueuedAt: 1 }).lean();
      for (const e of waiting) {
        if ((e.queuedAt ?? e.enqueuedAt).getTime() > cutoff) continue;
        try {
          if (await this.assignment.overflow(e._id, departmentId)) moved.push(e._id);
        } catch (err) {
          this.logger.error({ err, ticketId: e._id, departmentId }, 'waiting ticket not moved to the overflow department; the next run tries again');
        }
      }
    }
    return moved;
  }
}
