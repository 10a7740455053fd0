import { rawCollection } from '../../db/raw-collection.js';
import { WriteBatcher } from '../../db/write-batcher.js';
import type { MessageReceived } from '../../domain/inbound-event.js';
import type { Models } from '../../models/registry.js';
import type { Ticket } from '../../models/ticket.js';
import type { TicketLocks } from '../../tickets/ticket-locks.js';
import { messagePreview } from '../../tickets/message-preview.js';
import { participantsOf } from './participants.js';

export interface Touched {
  ticket: Ticket;
  /** The status a waiting ticket had before the customer's message opened it again. */
  wokeFrom: Ticket['status'] | undefined;
}

/** Ticket updates on their way at once (WriteBatcher): one ticket's are never two at a time, they run under its lock. */
const UPDATE_COMMANDS_IN_FLIGHT = 4;

/** Customer activity on a ticket: timestamps move forward only; a waiting ticket becomes open again. */
export class TicketToucher {
  /** By the driver (so `updatedAt`, mongoose's timestamp, is set here), batched with other tickets' under load. */
  private readonly ticketWrites = new WriteBatcher<Ticket>(() => rawCollection(this.models.Ticket), { inFlight: UPDATE_COMMANDS_IN_FLIGHT });

  constructor(
    private readonly models: Models,
    private readonly locks: TicketLocks,
  ) {}

  /** `readStamp`: when placement read `ticket` (undefined: read it again). Idempotent: a re-run may repeat it. */
  async touch(ticket: Ticket, readStamp: number | undefined, event: MessageReceived): Promise<Touched> {
    const at = event.occurredAt;
    const key = String(ticket._id);
    return this.locks.run(key, async () => {
      // Placement's copy is as good as a re-read unless a ticket write of this process ran since it was read.
      const reusable = readStamp !== undefined && this.locks.unchangedSince(key, readStamp);
      const current = reusable ? ticket : (await rawCollection(this.models.Ticket).findOne({ _id: ticket._id }))!;
      const set: Record<string, unknown> = {};
      if (at > current.lastMessageAt) set.lastMessageAt = at;
      // The list's preview follows the newest message; a new ticket's first message already wrote it (no extra write).
      const preview = messagePreview(event.text, event.attachments);
      if (at >= current.lastMessageAt && current.lastMessagePreview !== preview) set.lastMessagePreview = preview;
      // Our own message typed on the phone is not customer activity: it neither counts as such nor wakes.
      if (!event.fromUs && (!current.lastCustomerMessageAt || at > current.lastCustomerMessageAt)) set.lastCustomerMessageAt = at;
      const newParticipants = participantsOf(event).filter((p) => !current.participants.includes(p));
      if (newParticipants.length) set.participants = [...current.participants, ...newParticipants];
      const wakes = !event.fromUs && (current.status === 'pending' || current.status === 'on-hold');
      if (wakes) set.status = 'open';
      const update: Record<string, unknown> = {};
      if (Object.keys(set).length) update.$set = set;
      if (current.snoozedUntil) update.$unset = { snoozedUntil: 1 };
      if (Object.keys(update).length === 0) {
        this.locks.leaves(key, current);
        return { ticket: current, wokeFrom: undefined };
      }
      const updatedAt = new Date();
      await this.ticketWrites.updateById(ticket._id, { ...update, $set: { ...set, updatedAt } });
      const fresh = { ...current, ...(set as Partial<Ticket>), updatedAt } as Ticket;
      if (current.snoozedUntil) delete fresh.snoozedUntil;
      this.locks.leaves(key, fresh);
      return { ticket: fresh, wokeFrom: wakes ? current.status : undefined };
    });
  }
}
