/** One ticket as a stop snapshot keeps it (an object: FerretDB stores no arrays in arrays). */
export interface ContactTicketRow {
  ticket: string;
  contact: string;
  department?: string;
  assignee?: string;
}

/** What decides who may see a ticket (`canSee`): its department and assignee. */
export interface TicketAccess {
  departmentId?: string | undefined;
  assigneeId?: string | undefined;
}

/**
 * Which tickets each contact has, every ticket of any status, held in memory beside the open-work
 * projection (which keeps it: built from the same read of the tickets at start, kept by the same changes).
 * The contact page asks it instead of querying the tickets by `contactId`, which the embedded FerretDB
 * answers by reading every ticket (7.7 s at 20,000); with each ticket's department and assignee, the
 * contacts list finds the contacts an agent may see (37.6 s at 50,000 by query). ~150 bytes a ticket.
 */
export class ContactTickets {
  private readonly byContact = new Map<string, Set<string>>();
  private readonly contactOf = new Map<string, string>();
  private readonly access = new Map<string, TicketAccess>();

  /** The ticket now belongs to `contactId` (undefined: it is gone, or has no contact), with this department and assignee. */
  set(ticketId: string, contactId: string | undefined, access: TicketAccess = {}): void {
    if (contactId === undefined) this.access.delete(ticketId);
    else this.access.set(ticketId, { departmentId: access.departmentId, assigneeId: access.assigneeId });
    const before = this.contactOf.get(ticketId);
    if (before === contactId) return;
    if (before !== undefined) {
      const set = this.byContact.get(before);
      set?.delete(ticketId);
      if (set?.size === 0) this.byContact.delete(before);
    }
    if (contactId === undefined) {
      this.contactOf.delete(ticketId);
      return;
    }
    this.contactOf.set(ticketId, contactId);
    let set = this.byContact.get(contactId);
    if (!set) this.byContact.set(contactId, (set = new Set()));
    set.add(ticketId);
  }

  /** Whether the ticket is held with this contact, department and assignee. */
  holds(ticketId: string, contactId: string | undefined, access: TicketAccess): boolean {
    if (this.contactOf.get(ticketId) !== contactId) return false;
    if (contactId === undefined) return true;
    const held = this.access.get(ticketId);
    return held?.departmentId === access.departmentId && held?.assigneeId === access.assigneeId;
  }

  /** Every ticket with a contact, for a stop snapshot. */
  rows(): ContactTicketRow[] {
    return [...this.contactOf].map(([ticketId, contactId]) => {
      const a = this.access.get(ticketId);
      const row: ContactTicketRow = { ticket: ticketId, contact: contactId };
      if (a?.departmentId) row.department = a.departmentId;
      if (a?.assigneeId) row.assignee = a.assigneeId;
      return row;
    });
  }

  /** The tickets with contacts held, for the verification of a restored snapshot. */
  ticketIds(): string[] {
    return [...this.contactOf.keys()];
  }

  clear(): void {
    this.byContact.clear();
    this.contactOf.clear();
    this.access.clear();
  }

  /** Contacts with at least one ticket `sees` lets through (one pass over every ticket, in memory). */
  contactsWith(sees: (t: TicketAccess) => boolean): Set<string> {
    const out = new Set<string>();
    for (const [ticketId, contactId] of this.contactOf) {
      if (out.has(contactId)) continue;
      if (sees(this.access.get(ticketId) ?? {})) out.add(contactId);
    }
    return out;
  }

  /** Ticket ids of these contacts. */
  of(contactIds: string[]): string[] {
    return contactIds.flatMap((c) => [...(this.byContact.get(c) ?? [])]);
  }
}
