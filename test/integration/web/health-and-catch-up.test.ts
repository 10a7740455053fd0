import { once } from 'node:events';
import fs from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InboundEventSchema } from '../../../src/core/domain/inbound-event.js';
import { orderingKey } from '../../../src/core/ingest/event-intake.js';
import { createLogger } from '../../../src/core/logging/logger.js';
import { createWebApp } from '../../../src/web/create-web-app.js';
import { createInbox, smsEvent, startTestCore, type TestCore } from '../../support/test-core.js';
import { startTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { ApiClient, eventually } from './web-harness.js';
import { modelsOf } from '../../../src/core/models/models-of.js';

/**
 * After a crash the hub serves first and catches up in the background (it used to process the whole backlog
 * before listening); /api/health reports each part, pings the database with a deadline and answers 503 when
 * the database does not answer.
 */
const PENDING = 520;
const CONVERSATIONS = 40;
let db: TestDatabase;
let t: TestCore | undefined;
let server: Server | undefined;

beforeAll(async () => {
  db = await startTestDatabase();
});
afterAll(async () => {
  server?.closeAllConnections();
  server?.close();
  await t?.stop();
  await db?.stop();
});

async function serve(core: TestCore['core']): Promise<ApiClient> {
  const app = createWebApp({ core, logger: createLogger('silent'), databaseKind: 'ferretdb' });
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return new ApiClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
}

describe('start-up with a backlog', () => {
  it(`${PENDING} events left pending by a crash: health answers within 5 s with the backlog; each event processed once, in order`, async () => {
    // Stored as intake stores them, as if the hub died right after acknowledging the platform.
    const setup = await startTestCore({}, db);
    const inbox = String((await createInbox(setup.core))._id);
    await setup.core.stop();
    const events = Array.from({ length: PENDING }, (_, i) =>
      InboundEventSchema.parse(
        smsEvent(inbox, { sid: `SM-backlog-${i}`, from: `+55119700${String(i % CONVERSATIONS).padStart(5, '0')}`, text: `message ${Math.floor(i / CONVERSATIONS)}` }),
      ),
    );
    const base = Date.now() - 60_000;
    await db.connection.collection('inbound_events').insertMany(
      events.map((e, i) => ({
        _id: e.providerKey as never,
        inboxId: inbox,
        type: e.type,
        payloadJson: JSON.stringify(e),
        conversationKey: orderingKey(e),
        status: 'pending',
        attempts: 0,
        receivedAt: new Date(base + i),
      })),
    );

    const restartedAt = Date.now();
    t = await startTestCore({}, db);
    const api = await serve(t.core);
    const first = await api.get('/api/health');
    const firstSeconds = (Date.now() - restartedAt) / 1000;
    expect(first.status).toBe(200);
    expect(first.body.parts.ingest.backlog.catchingUp).toBe(true);
    // The backlog's size is known once it has been listed (one query).
    const health = await eventually(async () => {
      const res = await api.get('/api/health');
      return res.body.parts.ingest.backlog.listing ? undefined : res;
    }, 5_000, 50);
    const seconds = (Date.now() - restartedAt) / 1000;
    expect(seconds).toBeLessThan(5);
    expect(health.status).toBe(200);
    expect(health.body.parts.ingest.backlog.total).toBe(PENDING);
    expect(health.body.parts.ingest.backlog.pending).toBeGreaterThan(0);
    expect(health.body.status).toBe('degraded');
    console.log(
      `health answered ${firstSeconds.toFixed(2)} s after restart; backlog reported after ${seconds.toFixed(2)} s: ` +
        `${health.body.parts.ingest.backlog.pending} of ${PENDING} pending`,
    );

    // A live message of a conversation still behind waits for its backlog (order per conversation).
    const live = smsEvent(inbox, { sid: 'SM-backlog-live', from: `+55119700${String(CONVERSATIONS - 1).padStart(5, '0')}`, text: 'live' });
    await t.core.ingest.accept([live]);

    const done = await eventually(async () => {
      const res = await api.get('/api/health');
      return res.body.parts.ingest.backlog.catchingUp === false ? res : undefined;
    }, 240_000, 250);
    console.log(`caught up ${((Date.now() - restartedAt) / 1000).toFixed(1)} s after restart`);
    expect(done.body.status).toBe('ok');
    await t.core.ingest.drain();

    const keys = [...events.map((e) => e.providerKey), 'sms:SM-backlog-live'];
    const messages = await modelsOf(t.core).Message.find({ providerKey: { $in: keys } }, { providerKey: 1, ticketId: 1, text: 1, _id: 1 }).lean();
    expect(messages).toHaveLength(PENDING + 1);
    expect(new Set(messages.map((m) => m.providerKey)).size).toBe(PENDING + 1);
    expect(await modelsOf(t.core).InboundEvent.countDocuments({ _id: { $in: keys }, status: 'processed' })).toBe(PENDING + 1);
    // Each announced once.
    const announced = t.events.filter((e) => e.type === 'message.created' && e.message.direction === 'inbound');
    expect(announced).toHaveLength(PENDING + 1);
    // In order per conversation: announced in the order received, the live message after its backlog.
    const byTicket = new Map<string, string[]>();
    for (const e of announced) {
      if (e.type !== 'message.created') continue;
      byTicket.set(e.message.ticketId, [...(byTicket.get(e.message.ticketId) ?? []), e.message.text ?? '']);
    }
    expect(byTicket.size).toBe(CONVERSATIONS);
    for (const list of byTicket.values()) {
      const numbers = list.filter((x) => x !== 'live').map((x) => Number(x.split(' ')[1]));
      expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    }
    const withLive = [...byTicket.values()].find((list) => list.includes('live'))!;
    expect(withLive.at(-1)).toBe('live');
  }, 300_000);
});

/**
 * kill() returns once SIGSTOP is queued; the process's threads stop one by one as each is next scheduled, and on a
 * loaded machine a running thread answered a ping in that window (CI, 2026-12-05). Wait until every thread is stopped.
 */
async function allThreadsStopped(pid: number): Promise<void> {
  await eventually(async () => {
    const tasks = await fs.readdir(`/proc/${pid}/task`);
    for (const task of tasks) {
      const stat = await fs.readFile(`/proc/${pid}/task/${task}/stat`, 'utf8').catch(() => '');
      // The state follows the parenthesised command name, which may itself contain spaces or parentheses.
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (stat && state !== 'T' && state !== 't') return undefined;
    }
    return true;
  }, 5_000, 5);
}

describe('health', () => {
  it('a frozen database: 503 with the database part down, within the ping deadline; ok again when it thaws', async () => {
    t ??= await startTestCore({}, db); // when run alone
    const api = await serve(t.core);
    expect((await api.get('/api/health')).status).toBe(200);
    process.kill(db.pid!, 'SIGSTOP');
    try {
      await allThreadsStopped(db.pid!);
      const asked = Date.now();
      const res = await api.get('/api/health');
      expect(Date.now() - asked).toBeLessThan(4_000);
      expect(res.status, JSON.stringify(res.body)).toBe(503);
      expect(res.body.status).toBe('down');
      expect(res.body.parts.database.status).toBe('down');
    } finally {
      process.kill(db.pid!, 'SIGCONT');
    }
    await eventually(async () => ((await api.get('/api/health')).status === 200 ? true : undefined), 20_000);
  });
});
