import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelError } from '../../../src/core/errors/app-error.js';
import { deliveryClaims, deliveryJobsSettled } from '../../support/delivery-jobs.js';
import { ScriptedAdapter } from '../../support/fake-channel.js';
import { createInbox, createUser, smsEvent, startTestCore, type TestCore } from '../../support/test-core.js';
import { startTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { eventually } from '../../support/eventually.js';

let db: TestDatabase;
let t: TestCore;
beforeAll(async () => {
  db = await startTestDatabase();
  t = await startTestCore({}, db);
});
afterAll(async () => {
  await t.stop();
  await db.stop();
});

async function ticketWithAdapter(core: TestCore, adapter: ScriptedAdapter, sid: string) {
  const inbox = await createInbox(core.core);
  core.registry.adapters.set(String(inbox._id), adapter);
  await core.core.ingest.accept([smsEvent(String(inbox._id), { sid, from: `+55119${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}` })]);
  await core.core.ingest.drain();
  const m = await modelsOf(core.core).Message.findOne({ providerKey: `sms:${sid}` }).lean();
  return { inbox, ticketId: String(m!.ticketId) };
}

const messageOf = (id: unknown) => modelsOf(t.core).Message.findById(id).lean();

describe('durable outbound delivery', () => {
  it('two retryable failures then success → sent exactly once', async () => {
    const adapter = new ScriptedAdapter()
      .then(() => {
        throw new ChannelError('RATE_LIMITED', 'slow down', true);
      })
      .then(() => {
        throw new ChannelError('UPSTREAM_5XX', 'bad gateway', true);
      });
    const { ticketId } = await ticketWithAdapter(t, adapter, 'SM-out-1');
    const agent = await createUser(t.core, 'admin');
    const reply = await t.core.compose.reply(agent, ticketId, { text: 'We are on it', attachments: [] });
    expect(reply.delivery.status).toBe('queued');
    const done = await eventually(() => messageOf(reply._id), (m) => m?.delivery.status === 'sent');
    expect(done!.delivery).toMatchObject({ status: 'sent', attempts: 3 });
    expect(done!.providerMessageId).toBeTruthy();
    expect(adapter.calls).toHaveLength(3);
    expect(adapter.sent).toHaveLength(1);
    // Every attempt's job finished and none is left: no fourth call can still come.
    const claims = await deliveryJobsSettled(t.db.connection, String(reply._id));
    expect(claims.map((c) => c.attempt).sort()).toEqual([1, 2, 3]);
    expect(adapter.calls).toHaveLength(3);
    const statuses = t.events.filter((e) => e.type === 'message.status_changed' && e.messageId === String(reply._id)).map((e) => (e as { status: string }).status);
    expect(statuses.at(-1)).toBe('sent');
  });

  it('a permanent error → failed with the reason; the agent can retry', async () => {
    const adapter = new ScriptedAdapter().then(() => {
      throw new ChannelError('INVALID_RECIPIENT', 'number is not on WhatsApp', false);
    });
    const { ticketId } = await ticketWithAdapter(t, adapter, 'SM-out-2');
    const agent = await createUser(t.core, 'admin');
    const reply = await t.core.compose.reply(agent, ticketId, { text: 'Hello?', attachments: [] });
    const failed = await eventually(() => messageOf(reply._id), (m) => m?.delivery.status === 'failed');
    expect(failed!.delivery.status).toBe('failed');
    expect(failed!.delivery.lastError).toContain('number is not on WhatsApp');
    expect(adapter.calls).toHaveLength(1);

    await t.core.compose.retry(agent, String(reply._id));
    const sent = await eventually(() => messageOf(reply._id), (m) => m?.delivery.status === 'sent');
    expect(sent!.delivery.status).toBe('sent');
    expect(adapter.calls).toHaveLength(2);
  });

  it('retryable errors stop after the configured attempts with failed', async () => {
    const adapter = new ScriptedAdapter();
    for (let i = 0; i < 10; i++) {
      adapter.then(() => {
        throw new ChannelError('TIMEOUT', 'upstream timeout', true);
      });
    }
    const { ticketId } = await ticketWithAdapter(t, adapter, 'SM-out-3');
    const agent = await createUser(t.core, 'admin');
    const reply = await t.core.compose.reply(agent, ticketId, { text: 'Anyone?', attachments: [] });
    const failed = await eventually(() => messageOf(reply._id), (m) => m?.delivery.status === 'failed', 30_000);
    expect(failed!.delivery).toMatchObject({ status: 'failed', attempts: t.config.outbound.maxAttempts });
    expect(adapter.calls).toHaveLength(t.config.outbound.maxAttempts);
  });

  it('an internal note never reaches the channel', async () => {
    const adapter = new ScriptedAdapter();
    const { ticketId } = await ticketWithAdapter(t, adapter, 'SM-out-4');
    const agent = await createUser(t.core, 'admin');
    const note = await t.core.compose.note(agent, ticketId, { text: 'customer sounds angry', attachments: [] });
    expect(note).toMatchObject({ kind: 'note', direction: 'internal' });
    // A reply made after the note is delivered: anything queued for the note would have gone first.
    const reply = await t.core.compose.reply(agent, ticketId, { text: 'after the note', attachments: [] });
    await eventually(() => messageOf(reply._id), (m) => m?.delivery.status === 'sent');
    await deliveryJobsSettled(t.db.connection, String(reply._id));
    expect(adapter.calls.map((o) => o.text)).toEqual(['after the note']);
    expect(await deliveryClaims(t.db.connection, String(note._id))).toEqual([]);
  });

  it('a queued message survives a restart of the hub and is delivered afterwards', async () => {
    const adapter = new ScriptedAdapter();
    const inbox = await createInbox(t.core);
    await t.core.ingest.accept([smsEvent(String(inbox._id), { sid: 'SM-out-5', from: '+5511955550005' })]);
    await t.core.ingest.drain();
    const ticketId = String((await modelsOf(t.core).Message.findOne({ providerKey: 'sms:SM-out-5' }).lean())!.ticketId);
    const agent = await createUser(t.core, 'admin');
    // No adapter is running for this inbox yet: the hub stops with the reply still queued.
    const reply = await t.core.compose.reply(agent, ticketId, { text: 'after restart', attachments: [] });
    await t.core.stop();

    t = await startTestCore({}, db);
    t.registry.adapters.set(String(inbox._id), adapter);
    const sent = await eventually(() => modelsOf(t.core).Message.findById(reply._id).lean(), (m) => m?.delivery.status === 'sent', 30_000);
    expect(sent!.delivery.status).toBe('sent');
    expect(adapter.sent.map((o) => o.text)).toEqual(['after restart']);
  });

  it('two schedulers racing on the same message send it once', async () => {
    const adapter = new ScriptedAdapter().then(async (out) => {
      await new Promise((r) => setTimeout(r, 200));
      return { providerMessageId: `slow-${out.messageId}`, sentAt: new Date() };
    });
    const { ticketId } = await ticketWithAdapter(t, adapter, 'SM-out-6');
    const agent = await createUser(t.core, 'admin');
    const reply = await t.core.compose.reply(agent, ticketId, { text: 'once', attachments: [] });
    await Promise.all([t.core.worker.deliver(String(reply._id), 1), t.core.worker.deliver(String(reply._id), 1)]);
    await eventually(() => messageOf(reply._id), (m) => m?.delivery.status === 'sent');
    // The queued job ran too (and found the attempt claimed): nothing else is left to call the adapter.
    await deliveryJobsSettled(t.db.connection, String(reply._id));
    expect(adapter.calls).toHaveLength(1);
  });
});

describe('a reply through a disabled inbox', () => {
  it('is refused when composed, and one queued before the disable fails at once with the reason, never sent', async () => {
    const adapter = new ScriptedAdapter().then(async (out) => {
      // An admin disables the inbox while the first attempt is out; the platform answers with a 5xx.
      await modelsOf(t.core).Inbox.updateOne({ _id: out.inboxId }, { $set: { enabled: false } });
      throw new ChannelError('UPSTREAM_5XX', 'bad gateway', true);
    });
    const { inbox, ticketId } = await ticketWithAdapter(t, adapter, 'SM-out-disabled');
    const agent = await createUser(t.core, 'admin');
    const reply = await t.core.compose.reply(agent, ticketId, { text: 'First', attachments: [] });
    const failed = await eventually(() => messageOf(reply._id), (m) => m?.delivery.status === 'failed');
    expect(failed!.delivery.lastError).toMatch(/^INBOX_DISABLED: Inbox ".+" is disabled/);
    await deliveryJobsSettled(t.db.connection, String(reply._id));
    expect(adapter.calls).toHaveLength(1);
    expect(adapter.sent).toHaveLength(0);

    await expect(t.core.compose.reply(agent, ticketId, { text: 'Second', attachments: [] })).rejects.toMatchObject({ code: 'INBOX_DISABLED' });
    expect(await modelsOf(t.core).Message.countDocuments({ ticketId: failed!.ticketId, text: 'Second' })).toBe(0);
    expect(String(inbox._id)).toBe(String(failed!.inboxId));
  });
});
