import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARCHIVE_STATE_KEY, SessionArchiveStore, type ArchivePointer } from '../../../src/channels/whatsapp/archive-store.js';
import { WhatsAppAdapter } from '../../../src/channels/whatsapp/adapter.js';
import { FakeWhatsAppClient } from '../../../src/channels/whatsapp/fake-client.js';
import { writeStoredZip } from '../../../src/channels/whatsapp/zip-archive.js';
import { ChannelRuntime, type ChannelHost } from '../../../src/channels/channel-runtime.js';
import type { LeaseHandle } from '../../../src/channels/session-keeper.js';
import type { Core } from '../../../src/core/create-core.js';
import type { ChannelError } from '../../../src/core/errors/app-error.js';
import { createLogger } from '../../../src/core/logging/logger.js';
import { createInbox, createUser, smsEvent, startTestCore, type TestCore } from '../../support/test-core.js';
import { eventually, startWebHarness, type ApiClient, type WebHarness } from '../web/web-harness.js';
import { asMessage, reactionFixture, waFixture } from '../../channels/whatsapp/fixtures.js';
import { modelsOf } from '../../../src/core/models/models-of.js';

/**
 * The WhatsApp channel through the whole hub, twice: two hub processes (two cores and two ChannelRuntimes
 * with session leases on one FerretDB), each WhatsApp session a FakeWhatsAppClient with the events and
 * methods of whatsapp-web.js's Client, fed with whatsapp-web.js Message fixtures. Session archives go
 * through our RemoteAuth store into GridFS exactly as with the real client.
 */
type Hub = 'A' | 'B';
const ENV = { SESSION_LEASE_TTL_MS: '3000', INGEST_SWEEP_INTERVAL_MS: '200', INGEST_SWEEP_MIN_AGE_MS: '0' };
const CUSTOMER = '5511987654321@c.us';

const clients: Record<Hub, FakeWhatsAppClient[]> = { A: [], B: [] };
const refusedClaims: Record<Hub, number> = { A: 0, B: 0 };
/** While set, new sessions wait for it before their client exists (a reconnect held back by the test). */
let gate: Promise<void> | undefined;

let h: WebHarness;
let b: TestCore;
let runtimeA: ChannelRuntime;
let runtimeB: ChannelRuntime;
let hostA: ChannelHost;
let hostB: ChannelHost;
let agent: ApiClient;
let admin: Awaited<ReturnType<typeof createUser>>;
let inboxId: string;
let smsInboxId: string;
let ticketId: string;
const dirs: string[] = [];

function runtimeFor(hub: Hub, dataDir: string): ChannelRuntime {
  return new ChannelRuntime(
    {
      whatsapp: () =>
        new WhatsAppAdapter({
          dataDir,
          clientFactory: async (init) => {
            await gate;
            const client = new FakeWhatsAppClient(init);
            clients[hub].push(client);
            return client;
          },
          reconnect: { initialMs: 100, maxMs: 400 },
          controlPollMs: 100,
          ackGraceMs: 100,
          retryAfterMs: 50,
        }),
    },
    createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
  );
}

function hostFor(core: Core, hub: Hub): ChannelHost {
  const leases = core.leases;
  return {
    listInboxes: () => core.inboxes.list(),
    channelContext: (id) => core.channelContext(id),
    leases: {
      holderId: leases.holderId,
      ttlMs: leases.ttlMs,
      tryClaim: async (id) => {
        const lease = await leases.tryClaim(id);
        if (!lease) refusedClaims[hub]++;
        return lease;
      },
      renew: (lease: LeaseHandle) => leases.renew(lease as never),
      release: (lease: LeaseHandle) => leases.release(lease as never),
    },
  };
}

/** The client of the session running now (whichever hub holds it). */
const live = (): FakeWhatsAppClient => {
  const running = [...clients.A, ...clients.B].filter((c) => !c.destroyed);
  if (running.length !== 1) throw new Error(`expected one running WhatsApp client, found ${running.length}`);
  return running[0]!;
};
const models = () => modelsOf(h.t.core);
/**
 * Domain events of both hubs: the one holding the session publishes what it takes in, and under load (a lease of
 * 3 s renewed late) the session may move to hub B between two steps of a test.
 */
const events = () => [...h.t.events, ...b.events];
const health = async () => (await models().Inbox.findById(inboxId).lean())!.health as { status: string; detail?: string; qr?: string };
const byKey = (providerKey: string) => eventually(async () => (await models().Message.findOne({ providerKey }).lean()) ?? undefined);
const pointer = async () => ((await (await h.t.core.channelContext(inboxId)).state.get<ArchivePointer>(ARCHIVE_STATE_KEY)) ?? {}) as ArchivePointer;

beforeAll(async () => {
  dirs.push(await mkdtemp(path.join(os.tmpdir(), 'ponte-wa-a-')), await mkdtemp(path.join(os.tmpdir(), 'ponte-wa-b-')));
  runtimeA = runtimeFor('A', dirs[0]!);
  runtimeB = runtimeFor('B', dirs[1]!);
  h = await startWebHarness(ENV, { channels: runtimeA });
  b = await startTestCore(ENV, h.t.db, runtimeB);
  hostA = hostFor(h.t.core, 'A');
  hostB = hostFor(b.core, 'B');
  admin = await createUser(h.t.core, 'admin');
  agent = await h.login(admin);
  const inbox = await h.t.core.inboxes.create(admin, {
    kind: 'whatsapp',
    name: 'WhatsApp Vendas',
    enabled: true,
    settings: { sendWaitSeconds: 1 },
    secrets: {},
    departmentId: null,
  });
  inboxId = inbox.id;
  smsInboxId = String((await createInbox(h.t.core, 'sms'))._id);
  // In main.ts the runtimes reload on inbox.changed; here directly, hub A first.
  await runtimeA.reload(hostA, inboxId);
  await runtimeB.reload(hostB, inboxId);
}, 120_000);

afterAll(async () => {
  gate = undefined;
  await runtimeA?.stopAll();
  await runtimeB?.stopAll();
  await b?.core.stop();
  await h?.stop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('WhatsApp through two hub processes (fake whatsapp-web.js client, FerretDB)', () => {
  it('one session for two hubs; the QR code waits in the inbox health; after the scan the session archive is in GridFS', async () => {
    const paired = await eventually(async () => ((await health()).qr ? await health() : undefined));
    expect(paired).toMatchObject({ status: 'degraded', detail: 'Scan the QR code' });
    expect(paired.qr).toMatch(/^2@fake-/);
    // Hub B keeps trying for the lease (a positive signal that it ran), and never starts a session.
    await eventually(async () => (refusedClaims.B >= 3 ? true : undefined));
    expect(clients.B).toHaveLength(0);
    expect(clients.A).toHaveLength(1);
    expect(runtimeA.holdsSession(inboxId)).toBe(true);
    expect(runtimeB.holdsSession(inboxId)).toBe(false);
    // A reply that lands on hub B is sent back to the queue, without using up its attempts.
    const elsewhere = (await runtimeB
      .adapterFor(inboxId)!
      .send({ messageId: 'x', ticketId: 'x', ticketNumber: 1, inboxId, to: { handle: '+5511987654321' }, text: 'x', attachments: [], threading: {} })
      .catch((e: unknown) => e)) as ChannelError;
    expect(elsewhere).toMatchObject({ code: 'SESSION_ELSEWHERE', retryable: true, name: 'ChannelWaitError' });

    await clients.A[0]!.scan();
    const ready = await eventually(async () => ((await health()).status === 'ok' ? await health() : undefined));
    expect(ready.detail).toBe('Connected as +5511900000000');
    expect(ready.qr).toBeUndefined();
    const { current } = await pointer();
    expect(current!.size).toBeGreaterThan(4096);
    const stored = await h.t.core.blobs.get(current!.blobId);
    expect(createHash('sha256').update(stored).digest('hex')).toBe(current!.sha256);
  });

  it('inbound → ticket → agent reply via REST → sendMessage → its echo dropped → acks move the ticks; a colleague on the phone is stored as outbound', async () => {
    live().receive(waFixture('text'));
    const first = await byKey(`wa:false_${CUSTOMER}_3A6C1E0F7B2D4E5A9C11`);
    ticketId = String(first.ticketId);
    expect(first).toMatchObject({ direction: 'inbound', text: 'Olá! Meu pedido #4471 ainda não chegou.' });
    const contact = await models().Contact.findById((await models().Ticket.findById(ticketId).lean())!.contactId).lean();
    expect(contact!.identities).toEqual(expect.arrayContaining(['phone:+5511987654321', `whatsapp:${CUSTOMER}`]));

    const reply = await agent.post(`/api/tickets/${ticketId}/reply`, { text: 'Oi Ana, vamos verificar agora.' });
    expect(reply.status).toBe(202);
    const sent = await eventually(async () => live().sent[0]);
    expect(sent.chatId).toBe(CUSTOMER);
    expect(sent.content).toBe('Oi Ana, vamos verificar agora.');
    const waId = sent.message.id._serialized;
    const out = await eventually(async () => {
      const m = await models().Message.findById(reply.body.id).lean();
      return m?.delivery.status === 'sent' ? m : undefined;
    });
    expect(out.providerMessageId).toBe(waId);

    live().ack(waId, 2);
    await eventually(async () => ((await models().Message.findById(reply.body.id).lean())?.delivery.status === 'delivered' ? true : undefined));
    live().ack(waId, 3);
    await eventually(async () => ((await models().Message.findById(reply.body.id).lean())?.delivery.status === 'read' ? true : undefined));
    const ticks = () => events().filter((e) => e.type === 'message.status_changed' && e.messageId === reply.body.id).map((e) => (e as { status: string }).status);
    await eventually(async () => (ticks().includes('read') ? true : undefined));
    expect(ticks()).toEqual(expect.arrayContaining(['sent', 'delivered', 'read']));

    // Typed on the phone after our reply: handled after the echo (one queue), so once it is stored the
    // echo has been decided on.
    live().receive(waFixture('phone-typed'));
    const typed = await byKey(`wa:true_${CUSTOMER}_3EB0A1B2C3D4E5F60718`);
    expect(typed).toMatchObject({ direction: 'outbound', fromPhone: true, author: { type: 'agent', name: 'Phone' } });
    expect(String(typed.ticketId)).toBe(ticketId);
    const outbound = await models().Message.find({ ticketId, direction: 'outbound' }).lean();
    expect(outbound.map((m) => m.text).sort()).toEqual(['Oi Ana, aqui é o Pedro da loja, já verifiquei.', 'Oi Ana, vamos verificar agora.']);
    expect(await models().Message.countDocuments({ providerKey: `wa:${waId}` })).toBe(0);
  });

  it('a quoted reply joins the ticket; a reaction is shown on the message (no new ticket); a revoke marks it; an edit updates it', async () => {
    const original = waFixture('text');
    const textId = original.id._serialized;
    live().receive(waFixture('reply'));
    const reply = await byKey(`wa:false_${CUSTOMER}_3A7E6D5C4B3A29180BB1`);
    expect(String(reply.ticketId)).toBe(ticketId);
    expect(reply.threading.quotedProviderMessageId).toBe(textId);

    live().emit('message_reaction', reactionFixture());
    const reacted = await eventually(async () => {
      const m = await models().Message.findOne({ providerMessageId: textId }).lean();
      return m?.reactions?.length ? m : undefined;
    });
    expect(reacted.reactions!.map((r) => [r.by, r.emoji])).toEqual([['+5511987654321', '👍']]);
    expect(await models().Ticket.countDocuments({ inboxId })).toBe(1);

    const revoked = { ...asMessage(original), type: 'revoked', body: '' };
    live().emit('message_revoke_everyone', revoked, asMessage(original));
    const marked = await eventually(async () => {
      const m = await models().Message.findOne({ providerMessageId: textId }).lean();
      return m?.revokedAt ? m : undefined;
    });
    expect(marked.text).toBe('Olá! Meu pedido #4471 ainda não chegou.');
    // Announced after the write: the consoles redraw the message struck through, with its reaction.
    const annotated = await eventually(async () => events().find((e) => e.type === 'message.annotated' && e.revoked));
    expect(annotated).toMatchObject({ revoked: true, reactions: [{ by: '+5511987654321', emoji: '👍' }], messageId: String(marked._id) });

    const replyMsg = asMessage(waFixture('reply'));
    live().emit('message_edit', { ...replyMsg, latestEditSenderTimestampMs: Date.now() }, 'Sim, é o pedido 4471.', replyMsg.body);
    await eventually(async () => ((await models().Message.findById(reply._id).lean())?.text === 'Sim, é o pedido 4471.' ? true : undefined));
  });

  it('media is downloaded in the session and stored as an attachment, within the size limit', async () => {
    const image = waFixture('image');
    live().receive(image);
    const m = await byKey(`wa:${image.id._serialized}`);
    expect(m.text).toBe('Foto da caixa amassada');
    expect(m.attachments).toHaveLength(1);
    expect(m.attachments[0]).toMatchObject({ mimeType: 'image/png', fileName: 'image-3A0B9F2C5D8E1A7B6C22.png' });
    expect((await h.t.core.blobs.get(m.attachments[0]!.blobId)).equals(Buffer.from(image._media!.data, 'base64'))).toBe(true);

    // Over the inbox's limit (16 MB by default): not downloaded; the message is kept with a note.
    const big = waFixture('document-too-large');
    live().receive(big);
    const kept = await byKey(`wa:${big.id._serialized}`);
    expect(kept.attachments).toEqual([]);
    expect(kept.text).toBe('[document "backup.zip" not downloaded: 143.1 MB, limit 16.0 MB]');
  });

  it('one customer on WhatsApp (old 8-digit number) and SMS (with and without the ninth digit) is one contact', async () => {
    const contactOf = async (providerKey: string) => (await models().Ticket.findById((await byKey(providerKey)).ticketId).lean())!.contactId;
    const old = waFixture('old-number');
    live().receive(old);
    const wa = await contactOf(`wa:${old.id._serialized}`);
    await h.t.core.ingest.accept([smsEvent(smsInboxId, { sid: 'SMwith9', from: '+5511987654321' })]);
    await h.t.core.ingest.accept([smsEvent(smsInboxId, { sid: 'SMwithout9', from: '+551187654321' })]);
    const sms9 = await contactOf('sms:SMwith9');
    const sms8 = await contactOf('sms:SMwithout9');
    const firstWa = (await models().Ticket.findById(ticketId).lean())!.contactId;
    expect([String(sms9), String(sms8), String(firstWa)]).toEqual([String(wa), String(wa), String(wa)]);
  });

  it('replies written while disconnected wait, then go out in order, once each, after the reconnect — restored from the database without a QR', async () => {
    let open!: () => void;
    gate = new Promise<void>((r) => (open = r));
    const before = live();
    const sentBefore = before.sent.length;
    const texts = ['um', 'dois', 'três'];
    const ids: string[] = [];
    try {
      before.drop('NAVIGATION');
      await eventually(async () => ((await health()).status === 'down' ? true : undefined));
      for (const text of texts) ids.push((await agent.post(`/api/tickets/${ticketId}/reply`, { text })).body.id);
      // The first has been tried and is waiting (NOT_READY); the others wait behind the one before them
      // (their conversation's order, docs/architecture.md "Outbound order"); none failed.
      await eventually(async () => {
        const ms = new Map((await models().Message.find({ _id: { $in: ids } }).lean()).map((m) => [String(m._id), m]));
        const [first, ...later] = ids.map((id) => ms.get(id));
        const waiting = later.every((m) => m?.delivery.status === 'queued' && m.delivery.lastError?.startsWith('WAITING_FOR_EARLIER_REPLY'));
        return first?.delivery.lastError?.startsWith('NOT_READY') && waiting ? true : undefined;
      }, 40_000);
    } finally {
      // Even when this test fails: a gate left shut would hold every later session back (and fail those tests too).
      open();
      gate = undefined;
    }
    const after = await eventually(async () => [...clients.A, ...clients.B].find((c) => !c.destroyed && c.ready));
    expect(after).not.toBe(before);
    expect(after.qr).toBeUndefined(); // restored from the archive: no QR shown
    // One after the other: a waiter in the other hub looks again within 5 s of the one before it going.
    await eventually(async () => (after.sent.length >= 3 ? true : undefined), 30_000);
    expect(after.sent.map((s) => s.content)).toEqual(texts);
    const stored = await eventually(async () => {
      const ms = await models().Message.find({ _id: { $in: ids } }).lean();
      return ms.every((m) => m.delivery.status === 'sent') ? ms : undefined;
    });
    const byId = new Map(stored.map((m) => [String(m._id), m.providerMessageId]));
    expect(ids.map((id) => byId.get(id))).toEqual(after.sent.map((s) => s.message.id._serialized));
    expect(before.sent.length).toBe(sentBefore);
    expect((await health()).status).toBe('ok');
  });

  it('"log out / new QR" by REST on the holding hub: a new QR at once, the archive gone', async () => {
    const before = live();
    const res = await agent.post(`/api/inboxes/${inboxId}/session/reset`);
    expect(res.status).toBe(202);
    const fresh = await eventually(async () => {
      const c = [...clients.A, ...clients.B].find((x) => !x.destroyed && x.qr);
      return c && c !== before ? c : undefined;
    });
    await eventually(async () => ((await health()).qr === fresh.qr ? true : undefined));
    expect(await pointer()).toEqual({});
    await fresh.scan();
    await eventually(async () => ((await health()).status === 'ok' ? true : undefined));
  });

  it('"log out / new QR" asked on the other hub: the holder logs out, drops the archive and shows a new QR', async () => {
    const before = live();
    await runtimeB.adapterFor(inboxId)!.resetSession!();
    const fresh = await eventually(async () => {
      const c = [...clients.A, ...clients.B].find((x) => !x.destroyed && x.qr);
      return c && c !== before ? c : undefined;
    });
    const shown = await eventually(async () => ((await health()).qr === fresh.qr ? await health() : undefined));
    expect(shown.status).toBe('degraded');
    expect(await pointer()).toEqual({});
    await fresh.scan();
    await eventually(async () => ((await health()).status === 'ok' ? true : undefined));
    expect((await pointer()).current).toBeDefined();
  });

  it('an empty newest archive is never stored over a good one', async () => {
    const good = await pointer();
    const ctx = await h.t.core.channelContext(inboxId);
    const notes: Array<string | undefined> = [];
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ponte-wa-save-'));
    dirs.push(dir);
    const store = new SessionArchiveStore(ctx, dir, (n) => notes.push(n));
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'RemoteAuth-x.zip'), writeStoredZip([]));
    await store.save({ session: 'RemoteAuth-x' });
    expect(notes[0]).toContain('not stored because it was unusable (22 bytes');
    expect(await pointer()).toEqual(good);
  });

  it('an empty newest archive found at start is reported and the previous good one restores the session', async () => {
    const ctx = await h.t.core.channelContext(inboxId);
    const good = (await pointer()).current!;
    const empty = writeStoredZip([]);
    const blobId = await h.t.core.blobs.put('RemoteAuth.zip', 'application/zip', empty);
    const sha256 = createHash('sha256').update(empty).digest('hex');
    await ctx.state.set(ARCHIVE_STATE_KEY, { current: { blobId, sha256, size: empty.length, entries: 0, savedAt: new Date().toISOString() }, previous: good });
    const before = live();
    before.drop('NAVIGATION');
    const after = await eventually(async () => [...clients.A, ...clients.B].find((c) => c !== before && !c.destroyed && c.ready));
    expect(after.qr).toBeUndefined();
    const shown = await eventually(async () => ((await health()).status === 'ok' && (await health()).detail?.includes('Session backup') ? await health() : undefined));
    expect(shown.detail).toContain('The newest session backup was unusable (newest: 22 bytes, expected at least 4096); restored the previous one');
    expect((await pointer()).current).toEqual(good);
    await expect(h.t.core.blobs.get(blobId)).rejects.toThrow();
  });

  it('with no usable archive left, the health says so and a new QR is shown', async () => {
    const ctx = await h.t.core.channelContext(inboxId);
    const good = (await pointer()).current!;
    await ctx.state.set(ARCHIVE_STATE_KEY, { current: { ...good, sha256: '0'.repeat(64) } });
    const before = live();
    before.drop('NAVIGATION');
    const shown = await eventually(async () => ((await health()).qr ? await health() : undefined));
    expect(shown.detail).toContain('No usable session backup (newest: checksum does not match the one recorded at save)');
    await live().scan();
    await eventually(async () => ((await health()).status === 'ok' ? true : undefined));
  });

  it('a hub stopping hands the session to the other hub, restored from the database without a QR', async () => {
    await runtimeA.stopAll();
    const moved = await eventually(async () => clients.B.find((c) => !c.destroyed && c.ready));
    expect(moved.qr).toBeUndefined();
    expect(runtimeB.holdsSession(inboxId)).toBe(true);
    await eventually(async () => ((await health()).status === 'ok' ? true : undefined));
    const next = waFixture('text', { id: '3A6C1E0F7B2D4E5A9C99', body: 'Chegou, obrigada!' });
    moved.receive(next);
    const m = await byKey(`wa:${next.id._serialized}`);
    expect(String(m.ticketId)).toBe(ticketId);
  });
});
