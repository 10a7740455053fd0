import { isDuplicateKeyError } from '../db/duplicate-key.js';
import type { Models } from '../models/registry.js';
import type { Lane } from './lane.js';

export type SlotClaim = { outcome: 'claimed'; slotId: string } | { outcome: 'full' } | { outcome: 'ticket_taken' };

/**
 * An agent's capacity as numbered slots (`<agent>:<lane>:<i>`, i < limit).
 * Claiming is a unique insert, atomic on MongoDB and FerretDB alike: however
 * many processes assign at once, an agent never holds more than `limit`
 * tickets in a lane, and a ticket never holds two slots (unique `ticketId`).
 */
export class CapacitySlots {
  constructor(private readonly models: Models) {}

  /** Held slots per agent and lane, for the agents given. The collection holds only assigned work: small. */
  async held(agentIds: string[]): Promise<Map<string, { chat: number[]; email: number[] }>> {
    const out = new Map<string, { chat: number[]; email: number[] }>(agentIds.map((id) => [id, { chat: [], email: [] }]));
    if (agentIds.length === 0) return out;
    for (const s of await this.models.AssignmentSlot.find({ agentId: { $in: agentIds } }, { _id: 1, agentId: 1, lane: 1 }).lean()) {
      out.get(s.agentId)?.[s.lane].push(Number(s._id.split(':')[2]));
    }
    return out;
  }

  async claim(agentId: string, lane: Lane, limit: number, known: number[], ticket: { ticketId: string; departmentId: string }): Promise<SlotClaim> {
    for (let i = 0; i < limit; i++) {
      if (known.includes(i)) continue;
      const _id = `${agentId}:${lane}:${i}`;
      try {
        await this.models.AssignmentSlot.insertMany([{ _id, agentId, lane, ticketId: ticket.ticketId, departmentId: ticket.departmentId, claimedAt: new Date() }]);
        return { outcome: 'claimed', slotId: _id };
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        // Either another process took this slot (try the next) or this ticket already holds one.
        if (await this.models.AssignmentSlot.exists({ ticketId: ticket.ticketId })) return { outcome: 'ticket_taken' };
        known.push(i);
      }
    }
    return { outcome: 'full' };
  }

  /** The slot this ticket holds, if any. */
  async ofTicket(ticketId: string) {
    return this.models.AssignmentSlot.findOne({ ticketId }).lean();
  }

  async releaseSlot(slotId: string): Promise<void> {
    await this.models.AssignmentSlot.deleteOne({ _id: slotId });
  }

  async ofAgent(agentId: string, lane?: Lane) {
    return this.models.AssignmentSlot.find({ agentId, ...(lane ? { lane } : {}) }).lean();
  }
}
