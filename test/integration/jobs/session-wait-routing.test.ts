import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelWaitError } from '../../../src/core/errors/app-error.js';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { eventually } from '../../support/eventually.js';
import { ScriptedAdapter } from '../../support/fake-channel.js';
import { createInbox, createUser, smsEvent, startTestCore, type TestCore } from '../../support/test-core.js';
import { startTestDatabase, type TestDatabase } from '../../support/test-database.js';

/**
 * Two hub processes on one database; hub A holds the inbox's session lease. A reply waiting for A's session
 * to reconnect (`NOT_READY`, thrown by A itself) is retried on A: before, its retry was a job any process
 * ran, and whenever B took it, B only answered `SESSION_ELSEWHERE` and routed it back (whatsapp-hub.test.ts:
 * the waiting replies alternated between the two codes; see docs/architecture.md, Outbound).
 */
const RETRY_MS = 300;
let db: TestDatabase;
let a: TestCore;
let b: TestCore;
beforeAll(async () => {
  db = await startTestDatabase();
  // Agenda locks a job due within its next poll interval, and a job saved in this process is looked for at
  // once only if due within that interval too. With B polling less often (looking further ahead) and the
  // retries due after A's look-ahead, a retry any process may run lands on B nearly every time.
  a = await startTestCore({ JOBS_POLL_MS: '50' }, db);
  b = await startTestCore({ JOBS_POLL_MS: '500' }, db);
});
afterAll(async () => {
  await b?.stop();
  await a?.stop();
  await db?.stop();
});

describe('a reply waiting for a channel session', () => {
  it('is retried in the process holding the session, not bounced through the other one', async () => {
    const inboxId = String((await createInbox(a.core))._id);
    expect(await a.core.leases.tryClaim(inboxId)).toBeDefined();
    const waits = 10;
    const onA = new ScriptedAdapter();
    for (let i = 0; i < waits; i++) {
      onA.then(() => {
        throw new ChannelWaitError('NOT_READY', 'reconnecting', RETRY_MS);
      });
    }
    const onB = new ScriptedAdapter();
    for (let i = 0; i < 100; i++) {
      onB.then(() => {
        throw new ChannelWaitError('SESSION_ELSEWHERE', 'the session runs in another hub process', RETRY_MS);
      });
    }
    a.registry.adapters.set(inboxId, onA);
    b.registry.adapters.set(inboxId, onB);

    await a.core.ingest.accept([smsEvent(inboxId, { sid: 'SM-wait-1', from: '+5511987650001' })]);
    await a.core.ingest.drain();
    const inbound = await modelsOf(a.core).Message.findOne({ providerKey: 'sms:SM-wait-1' }).lean();
    const agent = await createUser(a.core, 'admin');
    const reply = await a.core.compose.reply(agent, String(inbound!.ticketId), { text: 'Já vamos ver', attachments: [] });

    const done = await eventually(
      () => modelsOf(a.core).Message.findById(reply._id).lean(),
      (m) => m?.delivery.status === 'sent',
      30_000,
    );
    expect(done!.delivery.status).toBe('sent');
    expect(onA.calls).toHaveLength(waits + 1);
    // Only the first attempt (a job any process runs) may land on B; every retry after a wait runs on A.
    expect(onB.calls.length).toBeLessThanOrEqual(1);
    const reasons = done!.delivery.history.map((h) => h.reason).filter((r): r is string => r !== undefined);
    const firstWait = reasons.findIndex((r) => r.startsWith('NOT_READY'));
    expect(reasons.slice(firstWait)).toEqual(Array.from({ length: waits }, () => expect.stringMatching(/^NOT_READY/)));
  });
});
