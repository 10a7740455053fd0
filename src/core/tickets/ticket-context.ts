import type { Ticket } from '../models/ticket.js';
import type { Models } from '../models/registry.js';
import type { Viewer } from '../users/viewer.js';
import { seesLinkedTicket } from './linked-ticket.js';

/**
 * What the detail pane shows around a ticket: its contact, the names of its inbox, department and
 * assignee, and whether the viewer may see the ticket it follows up. The caller has already checked that
 * the viewer may see the ticket itself.
 */
export class TicketContext {
  constructor(private readonly models: Models) {}

  async of(t: Ticket, viewer: Viewer) {
    const { Contact, Inbox, Department, User } = this.models;
    const [contact, inbox, department, assignee, previousVisible] = await Promise.all([
      Contact.findById(t.contactId).lean(),
      Inbox.findById(t.inboxId, { name: 1, kind: 1 }).lean(),
      t.departmentId ? Department.findById(t.departmentId, { name: 1 }).lean() : null,
      t.assigneeId ? User.findById(t.assigneeId, { name: 1 }).lean() : null,
      seesLinkedTicket(this.models, viewer, t.previousTicketId),
    ]);
    return { contact, inbox, department, assignee, previousVisible };
  }
}
