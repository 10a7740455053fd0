import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../src/core/config/config.js';
import { createCore, type Core } from '../../../src/core/create-core.js';
import { InboundEventSchema } from '../../../src/core/domain/inbound-event.js';
import { EventIntake, orderingKey } from '../../../src/core/ingest/event-intake.js';
import { createLogger } from '../../../src/core/logging/logger.js';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { OpenWork } from '../../../src/core/tickets/open-work.js';
import { StopSnapshots } from '../../../src/core/sync/stop-snapshots.js';
import { Types } from 'mongoose';
import { MapRegistry } from '../../support/fake-channel.js';
import { createInbox, createUser, smsEvent, startTestCore, TEST_SECRET } from '../../support/test-core.js';
import { startTestDatabase, type TestDatabase } from '../../support/test-database.js';

/**
 * A hub that owns its database hands what it holds in memory to its next start (`sync/stop-snapshots.ts`): the
 * open-work projection, the contacts' order and the inbound events still pending, so the start reads none of
 * the whole collections it otherwise rebuilds them from. The snapshot serves one start, only a start that owns
 * the database, and what it restores is verified against the collections in the background.
 */
let db: TestDatabase;
const config = () => loadConfig({ LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', JOBS_POLL_MS: '100', INGEST_SWEEP_INTERVAL_MS: '600000', DATA_DIR: db.dataDir });

/** A core that owns `db`, as `npm start` runs one on the embedded database. */
async function owningCore(): Promise<Core> {
  const core = createCore({ config: config(), connection: db.connection, logger: createLogger('silent'), secret: TEST_SECRET, channels: new MapRegistry(), ownsDatabase: true });
  await core.start();
  return core;
}

const head = () => db.connection.db!.collection<{ _id: string; version?: number }>('stop_snapshots').findOne({ _id: 'head' });
const entryOf = async (core: Core, id: string) => (await core.openWork.entries()).find((e) => String(e._id) === id);
const untilListed = async (core: Core) => {
  await vi.waitFor(() => expect(core.ingest.backlogProgress().catchingUp).toBe(false), { timeout: 10_000 });
  await core.ingest.drain();
};

let inbox: string;
let tickets: string[];

beforeAll(async () => {
  db = await startTestDatabase();
});
afterAll(async () => {
  await db.stop();
});

describe('a clean stop hands its state to the next start', () => {
  it('restores open work, contacts order and pending events; verifies them; serves one start only', async () => {
    const a = await owningCore();
    inbox = String((await createInbox(a, 'sms'))._id);
    await a.ingest.accept(Array.from({ length: 5 }, (_, i) => smsEvent(inbox, { sid: `SNAP-${i}`, from: `+5511977700${i}` })));
    await a.ingest.drain();
    const m = modelsOf(a);
    tickets = (await m.Ticket.find({}, { _id: 1 }).sort({ number: 1 }).lean()).map((x) => String(x._id));
    const admin = await createUser(a, 'admin');
    await a.tickets.setPriority(admin, tickets[0]!, 'high');
    // A receipt for a message nobody knows yet: it stays pending, to be tried again.
    await a.ingest.accept([{ type: 'message.status', providerKey: 'sms:status:SNAP-X', inboxId: inbox, occurredAt: new Date(), providerMessageId: 'SNAP-X', status: 'delivered' }]);
    await a.ingest.drain();
    expect((await m.InboundEvent.findById('sms:status:SNAP-X').lean())!.status).toBe('pending');
    const before = (await a.openWork.entries()).map((e) => String(e._id)).sort();
    const contactsBefore = await a.contactOrder.newest(10);
    expect(before).toHaveLength(5);
    await a.stop();
    expect(await head()).not.toBeNull();

    // Behind the hub's back while it is down (nothing does this to an embedded database; here it shows what
    // was restored and what was read): a ticket changed, and an inbound event stored pending.
    await m.Ticket.updateOne({ _id: tickets[1] }, { $set: { priority: 'urgent' } });
    const behind = InboundEventSchema.parse(JSON.parse(JSON.stringify(smsEvent(inbox, { sid: 'SNAP-BEHIND', from: '+55119777009' }))));
    await m.InboundEvent.create({ _id: behind.providerKey, inboxId: inbox, type: behind.type, payloadJson: JSON.stringify(behind), conversationKey: orderingKey(behind), status: 'pending', attempts: 0, receivedAt: new Date() });

    // The verification is held until the restored state has been looked at.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const proto = OpenWork.prototype as unknown as { verify(): Promise<void> };
    const verify = proto.verify;
    const spy = vi.spyOn(proto, 'verify').mockImplementation(async function (this: OpenWork) {
      await gate;
      return verify.call(this);
    });
    const b = await owningCore();
    try {
      expect(await b.openWork.whenReady()).toBe(true);
      expect(await head()).toBeNull(); // taken: a crash of this process cannot bring it back
      expect((await b.openWork.entries()).map((e) => String(e._id)).sort()).toEqual(before);
      expect((await entryOf(b, tickets[0]!))!.priority).toBe('high');
      // Restored, not rebuilt: the change made behind its back is not seen yet…
      expect((await entryOf(b, tickets[1]!))!.priority).toBe('normal');
      expect(await b.contactOrder.newest(10)).toEqual(contactsBefore);
      release();
      await b.openWork.verified();
      await b.openWork.settled();
      // …until the verification, which read every ticket and re-read the one that differed.
      expect((await entryOf(b, tickets[1]!))!.priority).toBe('urgent');
      await b.contactOrder.verified();

      // The pending receipt was in the snapshot and tried again; the event stored behind its back was not listed.
      await untilListed(b);
      expect((await m.InboundEvent.findById('sms:status:SNAP-X').lean())!.attempts).toBe(2);
      expect((await m.InboundEvent.findById(behind.providerKey).lean())!.attempts).toBe(0);
      // The periodic full sweep of a hub that owns its database reads what it knows pending, by `_id`: the
      // receipt is tried once more, the event it was never told of waits for a start that lists (below).
      await b.ingest.sweep(0);
      expect((await m.InboundEvent.findById('sms:status:SNAP-X').lean())!.attempts).toBe(3);
      expect((await m.InboundEvent.findById(behind.providerKey).lean())!.status).toBe('pending');
    } finally {
      spy.mockRestore();
      release();
    }
    // A stop that writes no snapshot (as a kill): the next start rebuilds from the tickets.
    b.shareDatabase();
    await b.stop();
    expect(await head()).toBeNull();
    await m.Ticket.updateOne({ _id: tickets[2] }, { $set: { priority: 'low' } });
    const c = await owningCore();
    await c.openWork.whenReady();
    expect((await entryOf(c, tickets[2]!))!.priority).toBe('low');
    await untilListed(c);
    expect((await m.InboundEvent.findById('sms:status:SNAP-X').lean())!.attempts).toBe(4);
    expect((await m.InboundEvent.findById(behind.providerKey).lean())!.status).toBe('processed');
    await c.stop();
    expect(await head()).not.toBeNull();
  });

  it('hands on the conversation pointers: the next message of a known conversation is not taken for a new one', async () => {
    const a = await owningCore();
    const sms = String((await createInbox(a, 'sms'))._id);
    await a.ingest.accept([smsEvent(sms, { sid: 'PTR-1', from: '+5511966600001' }), smsEvent(sms, { sid: 'PTR-2', from: '+5511966600002' })]);
    await a.ingest.drain();
    const next = (n: number) => smsEvent(sms, { sid: `PTR-NEXT-${n}`, from: `+551196660000${n}` });
    const claims = (core: Core, n: number) => core.placement.claimsConversation(InboundEventSchema.parse(next(n)) as Parameters<Core['placement']['claimsConversation']>[0]);
    expect(claims(a, 1)).toBe(false);
    await a.stop();

    const b = await owningCore();
    await untilListed(b);
    expect(b.placement.restored).toBeGreaterThanOrEqual(2);
    expect(claims(b, 1)).toBe(false);
    expect(claims(b, 2)).toBe(false);
    expect(claims(b, 3)).toBe(true); // never seen: still the new-conversation path
    // The message joins its conversation's ticket, and no contact was made and removed on the way.
    const contactsBefore = await modelsOf(b).Contact.countDocuments();
    await b.ingest.accept([next(1)]);
    await b.ingest.drain();
    const m = modelsOf(b);
    const [first, second] = await Promise.all([m.Message.findOne({ providerKey: 'sms:PTR-1' }).lean(), m.Message.findOne({ providerKey: 'sms:PTR-NEXT-1' }).lean()]);
    expect(String(second!.ticketId)).toBe(String(first!.ticketId));
    expect(await m.Contact.countDocuments()).toBe(contactsBefore);
    // A start without a snapshot (after a kill) knows none.
    b.shareDatabase();
    await b.stop();
    const c = await owningCore();
    await untilListed(c);
    expect(c.placement.restored).toBe(0);
    expect(claims(c, 2)).toBe(true);
    // Its first message there finds the conversation taken, and from then on it is known.
    await c.ingest.accept([next(2)]);
    await c.ingest.drain();
    expect(claims(c, 2)).toBe(false);
    await c.stop();
  });

  it('a start that does not own the database removes the snapshot', async () => {
    expect(await head()).not.toBeNull();
    const shared = await startTestCore({}, db);
    expect(await head()).toBeNull();
    await shared.stop();
    expect(await head()).toBeNull();
  });

  it('a snapshot of another version is not used', async () => {
    const a = await owningCore();
    await a.stop();
    await db.connection.db!.collection<{ _id: string; version: number }>('stop_snapshots').updateOne({ _id: 'head' }, { $set: { version: 0 } });
    await modelsOf(a).Ticket.updateOne({ _id: tickets[3] }, { $set: { priority: 'urgent' } });
    const b = await owningCore();
    await b.openWork.whenReady();
    expect(await head()).toBeNull();
    expect((await entryOf(b, tickets[3]!))!.priority).toBe('urgent');
    await b.stop();
  });
});

describe('the pending events a hub that owns its database knows', () => {
  it('an event stored by an insert whose reply was lost is found by the full sweep, by `_id`, and stored once', async () => {
    const a = await owningCore();
    await untilListed(a); // a sweep while the start's catch-up runs leaves the work to it
    const store = EventIntake.prototype.store;
    const spy = vi.spyOn(EventIntake.prototype, 'store').mockImplementationOnce(async function (this: EventIntake, event) {
      await store.call(this, event);
      throw new Error('connection reset (the insert landed, its reply did not)');
    });
    try {
      await expect(a.ingest.accept([smsEvent(inbox, { sid: 'SNAP-LOST', from: '+55119777011' })])).rejects.toThrow('connection reset');
    } finally {
      spy.mockRestore();
    }
    // The platform retries: a duplicate now, so nothing processes it on this path.
    expect((await a.ingest.accept([smsEvent(inbox, { sid: 'SNAP-LOST', from: '+55119777011' })])).duplicates).toBe(1);
    await a.ingest.drain();
    const m = modelsOf(a);
    expect((await m.InboundEvent.findById('sms:SNAP-LOST').lean())!.status).toBe('pending');
    await a.ingest.sweep(0);
    expect((await m.InboundEvent.findById('sms:SNAP-LOST').lean())!.status).toBe('processed');
    expect(await m.Message.countDocuments({ providerKey: 'sms:SNAP-LOST' })).toBe(1);
    // Done: the next stop does not hand it on.
    expect(a.ingest.snapshotParts()!['ingest.pending']).not.toContain('sms:SNAP-LOST');
    await a.stop();
  });
});

describe('StopSnapshots', () => {
  it('keeps ids, dates and large parts whole across chunks, and serves one take', async () => {
    const snapshots = new StopSnapshots(db.connection, createLogger('silent'));
    const id = new Types.ObjectId();
    const at = new Date('2026-01-02T03:04:05.678Z');
    const many = Array.from({ length: 25_000 }, (_, i) => ({ n: i, id, at }));
    // 20 MiB of text: more than a document may hold, so chunks are split by size too.
    const big = Array.from({ length: 20 }, (_, i) => ({ text: String(i).padEnd(1024 * 1024, 'x') }));
    await snapshots.write({ many, big, empty: [], left: undefined });
    const chunks = await db.connection.db!.collection('stop_snapshots').countDocuments({ _id: { $ne: 'head' } as never });
    expect(chunks).toBeGreaterThanOrEqual(3 + 3 + 1);
    const parts = (await snapshots.take())!;
    expect([...parts.keys()].sort()).toEqual(['big', 'empty', 'many']);
    const restored = parts.get('many') as typeof many;
    expect(restored).toHaveLength(25_000);
    expect(restored[24_999]!.n).toBe(24_999);
    expect(restored[0]!.id).toBeInstanceOf(Types.ObjectId);
    expect(restored[0]!.id.equals(id)).toBe(true);
    expect(restored[0]!.at).toEqual(at);
    expect((parts.get('big') as typeof big).map((b) => b.text)).toEqual(big.map((b) => b.text));
    expect(parts.get('empty')).toEqual([]);
    expect(await snapshots.take()).toBeUndefined();
  });

  it('in stages: the parts asked for first, alone, before the rest is read; nothing when there is no snapshot', async () => {
    const snapshots = new StopSnapshots(db.connection, createLogger('silent'));
    const big = Array.from({ length: 12 }, (_, i) => ({ text: String(i).padEnd(1024 * 1024, 'x') }));
    await snapshots.write({ big, small: ['a', 'b'], other: [1] });
    const order: string[] = [];
    const staged = snapshots.takeInStages(['small', 'absent']);
    const [first, all] = await Promise.all([staged.first.then((p) => (order.push('first'), p)), staged.all.then((p) => (order.push('all'), p))]);
    expect(order).toEqual(['first', 'all']);
    expect([...first!.keys()]).toEqual(['small']);
    expect(first!.get('small')).toEqual(['a', 'b']);
    expect([...all!.keys()].sort()).toEqual(['big', 'other', 'small']);
    const none = snapshots.takeInStages(['small']);
    expect(await none.first).toBeUndefined();
    expect(await none.all).toBeUndefined();
  });
});
