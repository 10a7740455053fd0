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
  private readonly reading = new Map<string, Promise<Inbox | null>>();
  private changes = 0;

  constructor(
    private readonly models: Models,
    bus: DomainEventBus,
  ) {
    bus.subscribe((e) => {
      if (e.type !== 'inbox.changed') return;
      this.entries.delete(e.inboxId);
      // A read begun before the change may return the old document: it is not kept, and the next get reads again.
      this.reading.delete(e.inboxId);
      this.changes++;
    });
  }

  async get(id: string): Promise<Inbox | null> {
    if (!Types.ObjectId.isValid(id)) return null;
    const key = String(new Types.ObjectId(id));
    const hit = this.entries.get(key);
    if (hit && hit.until > Date.now()) return hit.inbox;
    // Every event arriving while the entry is being read again waits for that one read (under load,
    // dozens would each have asked the database for the same inbox when the entry expired).
    let reading = this.reading.get(key);
    if (!reading) {
      const started = this.read(key).finally(() => {
        if (this.reading.get(key) === started) this.reading.delete(key);
      });
      reading = started;
      this.reading.set(key, reading);
    }
    return reading;
  }

  private async read(key: string): Promise<Inbox | null> {
    const changes = this.changes;
    const inbox = await this.models.Inbox.findById(key).lean();
    if (changes !== this.changes) return inbox;
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(key, { inbox, until: Date.now() + TTL_MS });
    return inbox;
  }
}
