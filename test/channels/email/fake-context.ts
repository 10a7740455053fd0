import pino from 'pino';
import type { ChannelContext, ChannelHealth } from '../../../src/core/domain/channel-adapter.js';
import { InboundEventSchema, type InboundEvent, type InboundEventInput } from '../../../src/core/domain/inbound-event.js';

/**
 * An in-memory ChannelContext that behaves like the core where it matters: events
 * are validated, stored once per providerKey (a repeat is a duplicate), state and
 * blobs survive as long as the `FakeStore` does — across adapter restarts.
 */
export class FakeStore {
  readonly events = new Map<string, InboundEvent>();
  /** Every providerKey passed to emit, in order, repeats included. */
  readonly emitCalls: string[] = [];
  readonly state = new Map<string, string>();
  readonly blobs = new Map<string, { fileName: string; mimeType: string; content: Buffer }>();
  /** Blob ids are never reused, across contexts on this store (a deleted id must not come back). */
  blobSeq = 0;
  readonly health: Array<Omit<ChannelHealth, 'checkedAt'>> = [];
  private waiters: Array<() => void> = [];

  timesEmitted(providerKey: string): number {
    return this.emitCalls.filter((k) => k === providerKey).length;
  }

  received(): Array<Extract<InboundEvent, { type: 'message.received' }>> {
    return [...this.events.values()].filter((e): e is Extract<InboundEvent, { type: 'message.received' }> => e.type === 'message.received');
  }

  notify(): void {
    for (const w of this.waiters) w();
  }

  /** Resolves once `predicate` holds (checked after every emit), or rejects after timeoutMs. */
  async waitFor(predicate: () => boolean, timeoutMs = 20_000, what = 'condition'): Promise<void> {
    if (predicate()) return;
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (predicate()) {
          clearTimeout(timer);
          this.waiters = this.waiters.filter((w) => w !== check);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`timed out waiting for ${what}: ${this.events.size} events stored, ${this.emitCalls.length} emitted`));
      }, timeoutMs);
      this.waiters.push(check);
      check();
    });
  }
}

export interface FakeContextOptions {
  inboxId?: string;
  settings: Record<string, unknown>;
  /** Called before each emit is stored; throw to simulate a database failure. */
  beforeEmit?: (events: InboundEventInput[]) => Promise<void> | void;
  /** Called after each emit resolved. */
  afterEmit?: (events: InboundEventInput[]) => void;
}

/** A database answers in a later turn of the event loop, never in the same one. */
const roundTrip = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export function fakeContext(store: FakeStore, options: FakeContextOptions): ChannelContext {
  return {
    inboxId: options.inboxId ?? 'inbox-1',
    settings: options.settings,
    logger: pino({ level: process.env.EMAIL_TEST_LOG ?? 'silent' }),
    state: {
      async get<T>(key: string) {
        await roundTrip();
        const v = store.state.get(key);
        return v === undefined ? undefined : (JSON.parse(v) as T);
      },
      async set(key: string, value: unknown) {
        await roundTrip();
        store.state.set(key, JSON.stringify(value));
        store.notify();
      },
    },
    blobs: {
      async put(fileName, mimeType, content) {
        await roundTrip();
        store.blobSeq += 1;
        const id = `blob-${store.blobSeq}`;
        store.blobs.set(id, { fileName, mimeType, content: Buffer.from(content) });
        return id;
      },
      async get(id) {
        const b = store.blobs.get(id);
        if (!b) throw new Error(`no blob ${id}`);
        return b.content;
      },
      async delete(id) {
        store.blobs.delete(id);
      },
    },
    async emit(inputs) {
      await roundTrip();
      await options.beforeEmit?.(inputs);
      const events = inputs.map((i) => InboundEventSchema.parse(i));
      let accepted = 0;
      for (const e of events) {
        store.emitCalls.push(e.providerKey);
        if (!store.events.has(e.providerKey)) {
          store.events.set(e.providerKey, e);
          accepted += 1;
        }
      }
      options.afterEmit?.(inputs);
      store.notify();
      return { accepted, duplicates: events.length - accepted };
    },
    async reportHealth(h) {
      store.health.push(h);
      store.notify();
    },
  };
}
