/**
 * Which tickets each contact has, every ticket of any status, held in memory beside the open-work
 * projection (which keeps it: built from the same read of the tickets at start, kept by the same changes).
 * The contact page asks it instead of querying the tickets by `contactId`, which the embedded FerretDB
 * answers by reading every ticket (7.7 s at 20,000). ~100 bytes a ticket.
 */
export class ContactTickets {
  private readonly byContact = new Map<string, Set<string>>();
  private readonly contactOf = new Map<string, string>();

  /** The ticket now belongs to `contactId` (undefined: it is gone, or has no contact). */
  set(ticketId: string, contactId: string | undefined): void {
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

  clear(): void {
    this.byContact.clear();
    this.contactOf.clear();
  }

  /** Ticket ids of these contacts. */
  of(contactIds: string[]): string[] {
    return contactIds.flatMap((c) => [...(this.byContact.get(c) ?? [])]);
  }
}
