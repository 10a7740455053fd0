import { describe, expect, it } from 'vitest';
import { ReadThroughCache } from '../../../src/core/cache/read-through-cache.js';
import { JustWritten } from '../../../src/core/events/just-written.js';
import type { Contact } from '../../../src/core/models/contact.js';
import type { Ticket } from '../../../src/core/models/ticket.js';

const deferred = <T>() => {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
};

describe('ReadThroughCache', () => {
  it('reads once per key within the TTL (concurrent misses share the read) and again after it', async () => {
    let clock = 0;
    let reads = 0;
    const cache = new ReadThroughCache<number>(1_000, 100, () => clock);
    const load = async () => ++reads;
    expect(await Promise.all([cache.get('a', load), cache.get('a', load)])).toEqual([1, 1]);
    clock = 999;
    expect(await cache.get('a', load)).toBe(1);
    clock = 1_000;
    expect(await cache.get('a', load)).toBe(2);
    expect(await cache.get('b', load)).toBe(3);
  });

  it('forget drops the entry, a read already under way included: the next caller sees the change', async () => {
    const cache = new ReadThroughCache<string>(60_000);
    const before = deferred<string>();
    const stale = cache.get('k', () => before.promise);
    cache.forget('k');
    before.resolve('old');
    expect(await stale).toBe('old');
    expect(await cache.get('k', async () => 'new')).toBe('new');
    cache.clear();
    expect(await cache.get('k', async () => 'newer')).toBe('newer');
  });

  it('does not remember a failed read', async () => {
    const cache = new ReadThroughCache<string>(60_000);
    await expect(cache.get('k', async () => Promise.reject(new Error('database down')))).rejects.toThrow('database down');
    expect(await cache.get('k', async () => 'ok')).toBe('ok');
  });

  it('starts again empty past its size bound', async () => {
    let reads = 0;
    const cache = new ReadThroughCache<number>(60_000, 2);
    const load = async () => ++reads;
    await cache.get('a', load);
    await cache.get('b', load);
    await cache.get('c', load);
    expect(await cache.get('c', load)).toBe(3);
    expect(await cache.get('a', load)).toBe(4);
  });
});

describe('JustWritten', () => {
  const ticket = (id: string) => ({ _id: id, contactId: 'c' }) as unknown as Ticket;
  const contact = { _id: 'c', name: 'Ana' } as unknown as Contact;

  it('hands a new ticket and its contact to the subscribers for a while, then forgets it', () => {
    let clock = 0;
    const j = new JustWritten(() => clock);
    j.remember(ticket('t1'), contact);
    expect(j.ticket('t1')?.contact.name).toBe('Ana');
    expect(j.ticket('t2')).toBeUndefined();
    clock = 30_000;
    expect(j.ticket('t1')).toBeUndefined();
  });

  it('stays bounded: the oldest go first', () => {
    const j = new JustWritten(() => 0);
    for (let i = 0; i < 2_001; i++) j.remember(ticket(`t${i}`), contact);
    expect(j.ticket('t0')).toBeUndefined();
    expect(j.ticket('t2000')).toBeDefined();
  });
});
