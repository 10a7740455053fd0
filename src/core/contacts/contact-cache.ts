import type { Contact } from '../models/contact.js';

// Long enough for a conversation's next message to find its contact (at 5 s, every other message of a
// chat answered every few seconds cost two reads), short enough to bound the staleness described below.
const TTL_MS = 30_000;
const MAX_ENTRIES = 20_000;

/**
 * Recently resolved contacts by identity key, for the ingest hot path (two
 * reads per message otherwise). A contact change made in this process (merge)
 * clears it; the TTL (30 s) bounds how long another process's merge goes unseen
 * — meanwhile a message lands on the merged-away contact, exactly as if it had
 * arrived before the merge, and its ticket still follows the merge.
 */
export class ContactCache {
  private readonly entries = new Map<string, { contact: Contact; until: number }>();

  /** The contact owning every one of `keys`, if all are cached and agree. */
  get(keys: string[]): Contact | undefined {
    const now = Date.now();
    let found: Contact | undefined;
    for (const key of keys) {
      const hit = this.entries.get(key);
      if (!hit || hit.until <= now) return undefined;
      if (found && String(found._id) !== String(hit.contact._id)) return undefined;
      found = hit.contact;
    }
    return found;
  }

  set(keys: string[], contact: Contact): void {
    if (this.entries.size + keys.length > MAX_ENTRIES) this.entries.clear();
    const until = Date.now() + TTL_MS;
    for (const key of keys) this.entries.set(key, { contact, until });
  }

  clear(): void {
    this.entries.clear();
  }
}
