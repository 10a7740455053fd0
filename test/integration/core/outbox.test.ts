import { Types } from 'mongoose';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawCollection } from '../../../src/core/db/raw-collection.js';
import { ChannelError } from '../../../src/core/errors/app-error.js';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { OUTBOX_BACKFILLED_ID } from '../../../src/core/models/outbox-entry.js';
import { Outbox } from '../../../src/core/outbound/outbox.js';
import type { Viewer } from '../../../src/core/users/viewer.js';
import { ScriptedAdapter } from '../../support/fake-channel.js';
import { createInbox, createUser, smsEvent, startTestCore, type TestCore } from '../../support/test-core.js';
import { eventually } from '../../support/eventually.js';

/**
 * The messages still to deliver are the outbox's entries (read whole, their messages by `_id`) on the embedded
 * database, instead of a query over every message: what a restart gives a job again.
 */
let t: TestCore;
let admin: Viewer;
beforeAll(async () => {
  t = await startTestCore();
  admin = await createUser(t.core, 'admin');
});
afterAll(async () => {
  await t?.stop();
});

const models = () => modelsOf(t.core);
const silent = pino({ level: 'silent' });
const entryOf = (id: unknown) => models().OutboxEntry.findById(String(id)).lean();

let phone = 0;
async function ticketOn(adapter: ScriptedAdapter) {
  const inbox = await createInbox(t.core);
  t.registry.adapters.set(String(inbox._id), adapter);
  const sid = `OB-${++phone}`;
  await t.core.ingest.accept([smsEvent(String(inbox._id), { sid, from: `+551190000${String(8000 + phone)}` })]);
  await t.core.ingest.drain();
  const m = (await models().Message.findOne({ providerKey: `sms:${sid}` }).lean())!;
  return { inbox, ticketId: String(m.ticketId) };
}

/** An adapter whose platform asks to come back in ten minutes: the reply stays queued, its job far away. */
const later = () =>
  new ScriptedAdapter().then(() => {
    throw Object.assign(new ChannelError('RATE_LIMITED', 'come back later', true), { retryAfterMs: 600_000 });
  });

describe('outbox', () => {
  it('a reply has an entry while it waits and none once sent', async () => {
    const { ticketId } = await ticketOn(new ScriptedAdapter());
    const reply = await t.core.compose.reply(admin, ticketId, { text: 'hello', attachments: [] });
    const sent = await eventually(() => models().Message.findById(reply._id).lean(), (m) => m?.delivery.status === 'sent');
    expect(sent!.delivery.status).toBe('sent');
    expect(await eventually(() => entryOf(reply._id), (e) => e === null)).toBeNull();
  });

  it('a queued reply whose job is far away is given a job again by the next start, and sent once', async () => {
    const first = later();
    const { inbox, ticketId } = await ticketOn(first);
    const reply = await t.core.compose.reply(admin, ticketId, { text: 'waiting', attachments: [] });
    const queued = await eventually(() => models().Message.findById(reply._id).lean(), (m) => m?.delivery.attempts === 1 && m.delivery.status === 'queued');
    expect(queued!.delivery.status).toBe('queued');
    expect(await entryOf(reply._id)).not.toBeNull();
    expect((await new Outbox(models(), silent).waiting(0)).map((m) => String(m._id))).toContain(String(reply._id));

    // Another hub starts on the database (a restart): its recovery finds the reply through the outbox.
    const next = await startTestCore({}, t.db);
    try {
      const adapter = new ScriptedAdapter();
      next.registry.adapters.set(String(inbox._id), adapter);
      const sent = await eventually(() => models().Message.findById(reply._id).lean(), (m) => m?.delivery.status === 'sent');
      expect(sent!.delivery).toMatchObject({ status: 'sent', attempts: 2 });
      // Either hub's job runner may take the new job (they share the job queue): one send in all.
      expect(first.sent.length + adapter.sent.length).toBe(1);
      expect(await eventually(() => entryOf(reply._id), (e) => e === null)).toBeNull();
    } finally {
      await next.stop();
    }
  });

  it('entries too many are dropped: a delivered message, a message never written (once old)', async () => {
    const { ticketId } = await ticketOn(new ScriptedAdapter());
    const reply = await t.core.compose.reply(admin, ticketId, { text: 'done', attachments: [] });
    await eventually(() => models().Message.findById(reply._id).lean(), (m) => m?.delivery.status === 'sent');
    await eventually(() => entryOf(reply._id), (e) => e === null);
    const young = new Types.ObjectId();
    const old = new Types.ObjectId();
    await rawCollection(models().OutboxEntry).insertMany([
      { _id: String(reply._id), at: new Date() },
      { _id: String(young), at: new Date() },
      { _id: String(old), at: new Date(Date.now() - 10 * 60_000) },
    ]);
    const waiting = await new Outbox(models(), silent).waiting(0);
    expect(waiting.map((m) => String(m._id))).not.toContain(String(reply._id));
    expect(await entryOf(reply._id)).toBeNull();
    expect(await entryOf(old)).toBeNull();
    // Perhaps a message being written right now: kept for later.
    expect(await entryOf(young)).not.toBeNull();
  });

  it('an upgraded hub gives the messages queued before the outbox entries, once', async () => {
    const { ticketId } = await ticketOn(later());
    const reply = await t.core.compose.reply(admin, ticketId, { text: 'from before', attachments: [] });
    await eventually(() => models().Message.findById(reply._id).lean(), (m) => m?.delivery.attempts === 1 && m.delivery.status === 'queued');
    // As before the outbox: no entries and no record that they were written.
    await rawCollection(models().OutboxEntry).deleteMany({});
    const outbox = new Outbox(models(), silent);
    expect((await outbox.waiting(0)).map((m) => String(m._id))).toContain(String(reply._id));
    expect(await entryOf(reply._id)).not.toBeNull();
    expect(await models().OutboxEntry.exists({ _id: OUTBOX_BACKFILLED_ID })).toBeTruthy();

    // From now on the entries are the answer: a queued message written behind the hub's back, with no
    // entry, is not found (the old query would have).
    await rawCollection(models().OutboxEntry).deleteOne({ _id: String(reply._id) });
    expect((await outbox.waiting(0)).map((m) => String(m._id))).not.toContain(String(reply._id));
  });
});
