import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelRuntime, type ChannelHost } from '../../../src/channels/channel-runtime.js';
import type { ChannelAdapter } from '../../../src/core/domain/channel-adapter.js';
import { createLogger } from '../../../src/core/logging/logger.js';
import { createUser, smsEvent } from '../../support/test-core.js';
import { eventually, startWebHarness, type ApiClient, type WebHarness } from './web-harness.js';
import { modelsOf } from '../../../src/core/models/models-of.js';

/**
 * `DELETE /api/inboxes/:id`: admins only; refused with 409 INBOX_HAS_TICKETS while tickets belong to the inbox
 * (disabling stays possible); a deleted inbox is stopped by the channel runtime, as `main.ts` wires it.
 */
let h: WebHarness;
let admin: ApiClient;
let agent: ApiClient;
const running = new Set<string>();

/** A stand-in adapter that only records whether it runs. */
function fakeAdapter(inboxId: string): ChannelAdapter {
  const adapter: ChannelAdapter = {
    kind: 'sms',
    start: async () => void running.add(inboxId),
    stop: async () => void running.delete(inboxId),
    send: async () => ({ providerMessageId: 'x', sentAt: new Date() }),
    checkHealth: async () => ({ status: 'ok', checkedAt: new Date() }),
  };
  return adapter;
}

beforeAll(async () => {
  const runtime = new ChannelRuntime({ sms: fakeAdapter }, createLogger('silent'));
  h = await startWebHarness({}, { channels: runtime });
  const core = h.t.core;
  const host: ChannelHost = { listInboxes: () => core.inboxes.list(), channelContext: (id) => core.channelContext(id) };
  core.bus.subscribe((event) => {
    if (event.type === 'inbox.changed') void runtime.reload(host, event.inboxId);
  });
  admin = await h.login(await createUser(core, 'admin'));
  agent = await h.login(await createUser(core, 'agent'));
});
afterAll(async () => {
  await h?.stop();
});

describe('deleting an inbox', () => {
  it('admins delete an inbox without tickets: 204, gone from the API, its adapter stopped', async () => {
    const created = await admin.post('/api/inboxes', { kind: 'sms', name: 'Spare number', settings: { fromNumber: '+15550001' } });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await eventually(async () => (running.has(id) ? true : undefined));

    const forbidden = await agent.delete(`/api/inboxes/${id}`);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe('FORBIDDEN');

    const changes: string[] = [];
    const off = h.t.core.bus.subscribe((e) => void (e.type === 'inbox.changed' && changes.push(e.inboxId)));
    const res = await admin.delete(`/api/inboxes/${id}`);
    off();
    expect(res.status).toBe(204);
    expect(changes).toEqual([id]);
    expect((await admin.get(`/api/inboxes/${id}`)).status).toBe(404);
    expect((await admin.get('/api/inboxes')).body.items.map((i: { id: string }) => i.id)).not.toContain(id);
    await eventually(async () => (running.has(id) ? undefined : true));
    expect((await admin.delete(`/api/inboxes/${id}`)).status).toBe(404);
  });

  it('an inbox with tickets is refused with 409 INBOX_HAS_TICKETS and kept; disabling it still works', async () => {
    const created = await admin.post('/api/inboxes', { kind: 'sms', name: 'Main number', settings: { fromNumber: '+15550002' } });
    const id = created.body.id as string;
    await h.t.core.ingest.accept([smsEvent(id, { sid: 'DEL1', from: '+5511912349999', text: 'hello' })]);
    await h.t.core.ingest.drain();
    expect(await modelsOf(h.t.core).Ticket.countDocuments({ inboxId: id })).toBe(1);

    const refused = await admin.delete(`/api/inboxes/${id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('INBOX_HAS_TICKETS');
    expect((await admin.get(`/api/inboxes/${id}`)).body).toMatchObject({ id, name: 'Main number', enabled: true });

    const disabled = await admin.patch(`/api/inboxes/${id}`, { enabled: false });
    expect(disabled.body.enabled).toBe(false);
    await eventually(async () => (running.has(id) ? undefined : true));
  });

  it('a ticket created between the check and the delete puts the inbox back and refuses (no orphaned tickets)', async () => {
    const created = await admin.post('/api/inboxes', { kind: 'sms', name: 'Racing number', settings: { fromNumber: '+15550003' } });
    const id = created.body.id as string;
    const model = modelsOf(h.t.core).Inbox;
    const original = model.deleteOne.bind(model);
    // The first message of a new customer lands exactly while the inbox is being deleted.
    model.deleteOne = (async (...args: Parameters<typeof original>) => {
      await h.t.core.ingest.accept([smsEvent(id, { sid: 'RACE1', from: '+5511912348888', text: 'just now' })]);
      await h.t.core.ingest.drain();
      return original(...args);
    }) as typeof model.deleteOne;
    try {
      const refused = await admin.delete(`/api/inboxes/${id}`);
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('INBOX_HAS_TICKETS');
    } finally {
      model.deleteOne = original;
    }
    const ticket = await modelsOf(h.t.core).Ticket.findOne({ inboxId: id }).lean();
    expect(ticket).not.toBeNull();
    expect((await admin.get(`/api/inboxes/${id}`)).body).toMatchObject({ id, name: 'Racing number', secretKeys: ['webhookSecret'] });
  });
});
