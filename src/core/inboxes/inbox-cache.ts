import { Types } from 'mongoose';
import type { DomainEventBus } from '../events/event-bus.js';
import type { Inbox } from '../models/inbox.js';
import type { Models } from '../models/registry.js';

const TTL_MS = 5_000;
const MAX_ENTRIES = 1_000;

/**
 * Inbox documents for the ingest hot path, which needs one per inbound event.
 * A change made in this process (`inbox.changed`) drops the entry at once; the
 * short TTL bounds how long another process's change (or a deletion) goes
 * unseen. Holds the stored document, secrets still encrypted.
 */
export class InboxCache {
  private readonly entries = new Map<string, { inbox: Inbox | null; until: number }>();

  constructor(
    private readonly models: Models,
    bus: DomainEventBus,
  ) {
    bus.subscribe((e) => {
      if (e.type === 'inbox.changed') this.entries.delete(e.inboxId);
    });
  }

  async get(id: string): Promise<Inbox | null> {
    if (!Types.ObjectId.isValid(id)) return null;
    const key = String(new Types.ObjectId(id));
    const hit = this.entries.get(key);
    if (hit && hit.until > Date.now()) return hit.inbox;
    const inbox = await this.models.Inbox.findById(key).lean();
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(key, { inbox, until: Date.now() + TTL_MS });
    return inbox;
  }
}
