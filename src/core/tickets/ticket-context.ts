import type { Ticket } from '../models/ticket.js';
import type { Models } from '../models/registry.js';

/**
 * What the detail pane shows around a ticket: its contact and the names of its inbox, department and
 * assignee. The caller has already checked that the viewer may see the ticket.
 */
export class TicketContext {
  constructor(private readonly models: Models) {}

  async of(t: Ticket) {
    const { Contact, Inbox, Department, User } = this.models;
    const [contact, inbox, department, assignee] = await Promise.all([
      Contact.findById(t.contactId).lean(),
      Inbox.findById(t.inboxId, { name: 1, kind: 1 }).lean(),
      t.departmentId ? Department.findById(t.departmentId, { name: 1 }).lean() : null,
      t.assigneeId ? User.findById(t.assigneeId, { name: 1 }).lean() : null,
    ]);
    return { contact, inbox, department, assignee };
  }
}
