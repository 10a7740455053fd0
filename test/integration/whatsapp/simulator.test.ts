import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../scripts/simulate/whatsapp.js';
import { ChannelRuntime, type ChannelHost } from '../../../src/channels/channel-runtime.js';
import { WhatsAppAdapter } from '../../../src/channels/whatsapp/adapter.js';
import { createLogger } from '../../../src/core/logging/logger.js';
import { createUser, startTestCore, type TestCore } from '../../support/test-core.js';
import { eventually } from '../web/web-harness.js';
import { modelsOf } from '../../../src/core/models/models-of.js';

/** `npm run simulate -- whatsapp …` against an inbox whose driver is `fake`: pairing, a message in, a reply out. */
let t: TestCore;
let runtime: ChannelRuntime;
let dir: string;
let port: number;
let inboxId: string;

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const p = (server.address() as AddressInfo).port;
  await new Promise((r) => server.close(r));
  return p;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ponte-wa-sim-'));
  port = await freePort();
  runtime = new ChannelRuntime({ whatsapp: () => new WhatsAppAdapter({ dataDir: dir, ackGraceMs: 50 }) }, createLogger('silent'));
  t = await startTestCore({ INGEST_SWEEP_INTERVAL_MS: '200', INGEST_SWEEP_MIN_AGE_MS: '0' }, undefined, runtime);
  const admin = await createUser(t.core, 'admin');
  inboxId = (await t.core.inboxes.create(admin, { kind: 'whatsapp', name: 'Sim', enabled: true, settings: { driver: 'fake', fakePort: port }, secrets: {}, departmentId: null })).id;
  const host: ChannelHost = { listInboxes: () => t.core.inboxes.list(), channelContext: (id) => t.core.channelContext(id) };
  await runtime.reload(host, inboxId);
});

afterAll(async () => {
  await runtime?.stopAll();
  await t?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('WhatsApp simulator (fake driver + scripts/simulate/whatsapp.ts)', () => {
  it('pairs, pushes a realistic message into the hub, and sees the reply and its ack', async () => {
    const health = async () => (await modelsOf(t.core).Inbox.findById(inboxId).lean())!.health;
    await eventually(async () => ((await health()).qr ? true : undefined));
    await run(['scan', '--port', String(port)]);
    await eventually(async () => ((await health()).status === 'ok' ? true : undefined));

    await run(['message', '--port', String(port), '--from', '551187654321', '--name', 'Ana', '--text', 'Oi, simulador']);
    const m = await eventually(async () => (await modelsOf(t.core).Message.findOne({ inboxId, text: 'Oi, simulador' }).lean()) ?? undefined);
    const ticket = (await modelsOf(t.core).Ticket.findById(m.ticketId).lean())!;
    const contact = await modelsOf(t.core).Contact.findById(ticket.contactId).lean();
    expect(contact!.identities).toContain('phone:+5511987654321');

    const admin = await createUser(t.core, 'admin');
    const reply = await t.core.compose.reply(admin, String(ticket._id), { text: 'Olá Ana!', attachments: [] });
    const sent = await eventually(async () => {
      const res = (await (await fetch(`http://127.0.0.1:${port}/sent`)).json()) as Array<{ id: string; body: string; chatId: string }>;
      return res[0];
    });
    expect(sent).toMatchObject({ body: 'Olá Ana!', chatId: '551187654321@c.us' });
    await run(['ack', sent.id, '3', '--port', String(port)]);
    await eventually(async () => ((await modelsOf(t.core).Message.findById(reply._id).lean())?.delivery.status === 'read' ? true : undefined));
  });
});
