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

export const ThreadQuerySchema = z.object({
  /** `nextCursor` of the previous page. */
  after: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const AuditQuerySchema = z.object({
  /** Events with a greater sequence number (a reconnecting console passes the last seq it saw). */
  afterSeq: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});
