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
import { modelsOf } from '../../../src/core/models/models-of.js';
import { createUser } from '../../support/test-core.js';
import { eventually, startWebHarness, type ApiClient, type WebHarness } from '../web/web-harness.js';

/**
 * An agent starts a WhatsApp conversation on an inbox whose session is the `fake` driver (a FakeWhatsAppClient
 * with whatsapp-web.js's events and methods, played over loopback HTTP by scripts/simulate/whatsapp.ts): the
 * first message goes to the number's chat, and the customer's answer from that chat lands in the same ticket.
 * WhatsApp Web is a linked device: no template or 24-hour rule applies to writing first.
 */
let h: WebHarness;
let runtime: ChannelRuntime;
let agent: ApiClient;
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

const sent = async () => (await (await fetch(`http://127.0.0.1:${port}/sent`)).json()) as Array<{ id: string; body: string; chatId: string }>;
const models = () => modelsOf(h.t.core);

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ponte-wa-start-'));
  port = await freePort();
  runtime = new ChannelRuntime({ whatsapp: () => new WhatsAppAdapter({ dataDir: dir, ackGraceMs: 50 }) }, createLogger('silent'));
  h = await startWebHarness({ INGEST_SWEEP_INTERVAL_MS: '200', INGEST_SWEEP_MIN_AGE_MS: '0' }, { channels: runtime });
  const admin = await createUser(h.t.core, 'admin');
  agent = await h.login(await createUser(h.t.core, 'agent'));
  inboxId = (await h.t.core.inboxes.create(admin, { kind: 'whatsapp', name: 'WhatsApp', enabled: true, settings: { driver: 'fake', fakePort: port }, secrets: {}, departmentId: null })).id;
  const host: ChannelHost = { listInboxes: () => h.t.core.inboxes.list(), channelContext: (id) => h.t.core.channelContext(id) };
  await runtime.reload(host, inboxId);
  const health = async () => (await models().Inbox.findById(inboxId).lean())!.health;
  await eventually(async () => ((await health()).qr ? true : undefined));
  await run(['scan', '--port', String(port)]);
  await eventually(async () => ((await health()).status === 'ok' ? true : undefined));
}, 60_000);

afterAll(async () => {
  await runtime?.stopAll();
  await h?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('starting a WhatsApp conversation', () => {
  it("sends to the number's chat; the answer from that chat lands in the same ticket", async () => {
    const res = await agent.post('/api/tickets', { inboxId, to: '+55 11 98765-0101', text: 'Oi Carla, sua encomenda saiu para entrega.', subject: 'Entrega #8812' });
    expect(res.status, res.text).toBe(201);
    const { ticket, messageId } = res.body;
    expect(ticket).toMatchObject({ channel: 'whatsapp', status: 'open', subject: 'Entrega #8812', contact: { phone: '+5511987650101', identities: ['phone:+5511987650101'] } });

    const out = await eventually(async () => (await sent()).find((m) => m.body === 'Oi Carla, sua encomenda saiu para entrega.'));
    expect(out.chatId).toBe('5511987650101@c.us');
    await eventually(async () => ((await models().Message.findById(messageId).lean())?.delivery.status === 'sent' ? true : undefined));

    await run(['message', '--port', String(port), '--from', '5511987650101', '--name', 'Carla', '--text', 'Que ótimo, obrigada!']);
    const answer = await eventually(async () => (await models().Message.findOne({ inboxId, text: 'Que ótimo, obrigada!' }).lean()) ?? undefined);
    expect(String(answer.ticketId)).toBe(ticket.id);
    const contact = (await models().Contact.findById(ticket.contact.id).lean())!;
    expect(contact.identities.sort()).toEqual(['phone:+5511987650101', 'whatsapp:5511987650101@c.us']);
    expect(await models().Ticket.countDocuments({ inboxId })).toBe(1);
  });

  it("a customer known from an older chat id (Brazil's 8-digit form) is written in that chat, and answers there", async () => {
    await run(['message', '--port', String(port), '--from', '551187650202', '--name', 'Davi', '--text', 'Oi']);
    const first = await eventually(async () => (await models().Message.findOne({ inboxId, text: 'Oi' }).lean()) ?? undefined);
    expect((await agent.patch(`/api/tickets/${first.ticketId}`, { status: 'solved' })).status).toBe(200);

    const res = await agent.post('/api/tickets', { inboxId, to: '+5511987650202', text: 'Davi, seu reembolso foi aprovado.' });
    expect(res.status, res.text).toBe(201);
    expect(res.body.ticket.previousTicketId).toBe(String(first.ticketId));
    const out = await eventually(async () => (await sent()).find((m) => m.body === 'Davi, seu reembolso foi aprovado.'));
    expect(out.chatId).toBe('551187650202@c.us');
    await run(['message', '--port', String(port), '--from', '551187650202', '--name', 'Davi', '--text', 'Valeu!']);
    const answer = await eventually(async () => (await models().Message.findOne({ inboxId, text: 'Valeu!' }).lean()) ?? undefined);
    expect(String(answer.ticketId)).toBe(res.body.ticket.id);
  });

  it('an invalid number is a 400 and an open chat a 409', async () => {
    const invalid = await agent.post('/api/tickets', { inboxId, to: '987650101', text: 'x' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details.issues).toEqual([{ path: 'to', message: expect.stringContaining('international format') }]);
    const open = await agent.post('/api/tickets', { inboxId, to: '+5511987650101', text: 'again' });
    expect(open.status).toBe(409);
    expect(open.body.error.code).toBe('CONVERSATION_OPEN');
  });
});
