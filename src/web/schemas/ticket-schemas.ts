import { z } from 'zod';
import { ticketPriorities, ticketStatuses } from '../../core/tickets/ticket-enums.js';
import { TagSchema } from '../../core/tickets/tag.js';
import { ObjectIdSchema } from './common-schemas.js';

/** Any subset of ticket fields; each one goes through its own TicketService operation (one audit event each). */
export const TicketPatchSchema = z
  .object({
    status: z.enum(ticketStatuses).optional(),
    priority: z.enum(ticketPriorities).optional(),
    type: z.string().trim().min(1).max(60).nullable().optional(),
    addTags: z.array(TagSchema).max(50).optional(),
    removeTags: z.array(TagSchema).max(50).optional(),
    snoozedUntil: z.iso.datetime({ offset: true }).nullable().optional(),
    /** `null` unassigns. */
    assigneeId: ObjectIdSchema.nullable().optional(),
    /** `null` moves the ticket to the shared triage queue. */
    departmentId: ObjectIdSchema.nullable().optional(),
  })
  .strict()
  .refine((patch) => Object.values(patch).some((v) => v !== undefined), { message: 'must change at least one field' });
export type TicketPatch = z.infer<typeof TicketPatchSchema>;

/** A thread position as the API writes it in `nextCursor`/`prevCursor`: `<epoch ms>_<message id>`. */
const threadCursor = /^\d{1,15}_[0-9a-fA-F]{24}$/;

/**
 * A page of a thread: forward (`after`, none: from the first message) or backward (`before`), never both.
 * The console opens a ticket with `before=end` and reads older pages as the agent scrolls up.
 */
export const ThreadQuerySchema = z
  .object({
    after: z.string().min(1).max(200).optional().describe('`nextCursor` of the page before: the page after it, oldest first'),
    before: z
      .string()
      .max(200)
      .refine((v) => v === 'end' || threadCursor.test(v), { message: 'must be `end` or a `prevCursor` returned by this API' })
      .optional()
      .describe(
        '`end`: the newest page; a `prevCursor`: the page just before it. Still in chronological order; `prevCursor` ' +
          'of the answer reads the page before that (null at the first message). Not with `after`',
      ),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .superRefine((q, ctx) => {
    if (q.after !== undefined && q.before !== undefined) ctx.addIssue({ code: 'custom', path: ['before'], message: 'not with after: a page is read one way' });
  });

export const AuditQuerySchema = z.object({
  /** Events with a greater sequence number (a reconnecting console passes the last seq it saw). */
  afterSeq: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});
