import { NotFoundError } from '../errors/app-error.js';
import type { Models } from '../models/registry.js';
import type { Viewer } from '../users/viewer.js';
import type { TicketService } from './ticket-service.js';

/** Tickets followed along `mergedInto` from a message's own (as many as ticket search follows). */
const MAX_MERGE_HOPS = 5;

/**
 * Whether the viewer reads a thread that shows this ticket's messages: the ticket itself is visible, or a ticket
 * it was merged into is. A merged ticket keeps its department, so an agent reading the target's thread sees
 * messages of a ticket merged in from another department — and must be able to act on them (download a file,
 * retry a failed reply) rather than get a 404 for what is on their screen.
 */
export async function inVisibleThread(models: Models, tickets: TicketService, viewer: Viewer, ticketId: string): Promise<boolean> {
  let id: string | undefined = ticketId;
  for (let hop = 0; id && hop <= MAX_MERGE_HOPS; hop++) {
    const visible = await tickets.get(viewer, id).then(
      () => true,
      (err: unknown) => {
        if (err instanceof NotFoundError) return false;
        throw err;
      },
    );
    if (visible) return true;
    const ticket: { mergedInto?: unknown } | null = await models.Ticket.findById(id, { mergedInto: 1 }).lean();
    id = ticket?.mergedInto ? String(ticket.mergedInto) : undefined;
  }
  return false;
}
