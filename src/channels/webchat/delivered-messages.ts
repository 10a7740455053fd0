/** How long a delivered reply may still be marked read, after its delivery (a tab left open in the background). */
const TTL_MS = 60 * 60_000;
/** Once the visitor's last socket here is gone: long enough for a reload or a phone unlocked a while later. */
const AFTER_DISCONNECT_MS = 10 * 60_000;
/** Replies remembered in all (a few MB at most); beyond, the rooms delivered to longest ago go first. */
const MAX_MESSAGES = 20_000;
/** Per visitor room: a page marks at most 200 read per event (ReadSchema). */
const MAX_PER_ROOM = 200;
/** Expired rooms are looked for at most this often (a pass over all of them). */
const SWEEP_EVERY_MS = 10_000;

interface Entry {
  ids: Set<string>;
  expiresAt: number;
}

/**
 * Replies delivered to a visitor room and not yet marked read by it: only these may be marked read by that
 * visitor, once each (a page repeating `read` in a loop stores one receipt). In memory, per process, and
 * bounded: a reply leaves when read, a room when it has none left, when its last delivery is `TTL_MS` old or
 * `AFTER_DISCONNECT_MS` after its last socket here closed, and the rooms delivered to longest ago when
 * `MAX_MESSAGES` are held — the unbounded map of every visitor ever answered grew for the process's life.
 */
export class DeliveredMessages {
  /** In order of last delivery: the first are the first to go. */
  private readonly rooms = new Map<string, Entry>();
  private messages = 0;
  private sweptAt = 0;

  constructor(private readonly limits = { ttlMs: TTL_MS, afterDisconnectMs: AFTER_DISCONNECT_MS, maxMessages: MAX_MESSAGES, maxPerRoom: MAX_PER_ROOM }) {}

  add(room: string, messageId: string, now = Date.now()): void {
    this.sweep(now);
    const entry = this.rooms.get(room) ?? { ids: new Set<string>(), expiresAt: 0 };
    this.rooms.delete(room);
    this.rooms.set(room, entry);
    entry.expiresAt = now + this.limits.ttlMs;
    if (!entry.ids.has(messageId)) {
      entry.ids.add(messageId);
      this.messages += 1;
    }
    if (entry.ids.size > this.limits.maxPerRoom) this.drop(entry, entry.ids.values().next().value!);
    for (const [key, oldest] of this.rooms) {
      if (this.messages <= this.limits.maxMessages) break;
      this.remove(key, oldest);
    }
  }

  /** The ids of `ids` delivered to `room` and not read yet, now counted as read (each is returned once). */
  take(room: string, ids: Iterable<string>, now = Date.now()): string[] {
    this.sweep(now);
    const entry = this.rooms.get(room);
    if (!entry) return [];
    const taken: string[] = [];
    for (const id of ids) if (entry.ids.has(id)) taken.push(this.drop(entry, id));
    if (entry.ids.size === 0) this.rooms.delete(room);
    return taken;
  }

  /** The room's last socket in this process closed. */
  disconnected(room: string, now = Date.now()): void {
    const entry = this.rooms.get(room);
    if (entry) entry.expiresAt = Math.min(entry.expiresAt, now + this.limits.afterDisconnectMs);
    this.sweep(now);
  }

  get size(): { rooms: number; messages: number } {
    return { rooms: this.rooms.size, messages: this.messages };
  }

  private sweep(now: number): void {
    if (now - this.sweptAt < SWEEP_EVERY_MS) return;
    this.sweptAt = now;
    for (const [key, entry] of this.rooms) if (entry.expiresAt <= now) this.remove(key, entry);
  }

  private drop(entry: Entry, id: string): string {
    if (entry.ids.delete(id)) this.messages -= 1;
    return id;
  }

  private remove(key: string, entry: Entry): void {
    this.messages -= entry.ids.size;
    this.rooms.delete(key);
  }
}
