import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelAdapter, ChannelHealth, OutboundMessage, SendResult } from '../../../src/core/domain/channel-adapter.js';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { eventually } from '../../support/eventually.js';
import { createInbox, createUser, smsEvent, startTestCore, type TestCore } from '../../support/test-core.js';
import { startTestDatabase, type TestDatabase } from '../../support/test-database.js';

/**
 * The order of a conversation's replies lives in the database, not in a process: a hub that dies while sending
 * the first reply leaves the second waiting behind it, and another hub (or the same one restarted) sends both,
 * in order. Two hubs on one database, each delivering through its own adapter; what the customer got is what
 * any adapter completed.
 */

/** What the customer received, across every hub. */
const received: string[] = [];

/**
 * A channel whose first send of `hangOn` never returns: that hub is as good as dead in the middle of the send
 * (it still runs jobs: a later attempt it takes goes through, like the same hub restarted).
 */
class HubChannel implements ChannelAdapter {
  readonly kind = 'sms' as const;
  readonly calls: string[] = [];
  private release: (() => void) | undefined;
  constructor(private readonly hangOn?: string) {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async checkHealth(): Promise<ChannelHealth> {
    return { status: 'ok', checkedAt: new Date() };
  }
  async send(out: OutboundMessage): Promise<SendResult> {
    this.calls.push(out.text);
    if (out.text === this.hangOn && !this.release) await new Promise<void>((r) => (this.release = r));
    else received.push(out.text);
    return { providerMessageId: `sm-${out.messageId}-${this.calls.length}`, sentAt: new Date() };
  }
  /** Ends the hung send (test teardown); what it records then no longer matters. */
  unhang(): void {
    this.release?.();
  }
}

let db: TestDatabase;
let dying: TestCore;
let survivor: TestCore | undefined;
const dyingChannel = new HubChannel('Vou verificar…');
beforeAll(async () => {
  db = await startTestDatabase();
  dying = await startTestCore({}, db);
});
afterAll(async () => {
  dyingChannel.unhang();
  await survivor?.stop();
  await dying.stop();
  await db.stop();
});

const messageOf = (id: unknown) => modelsOf(dying.core).Message.findById(id).lean();

describe('order across a hub dying mid-send and another hub', () => {
  it('the second reply waits for the first, which the other hub sends again; then the second goes', async () => {
    const inbox = await createInbox(dying.core);
    dying.registry.adapters.set(String(inbox._id), dyingChannel);
    await dying.core.ingest.accept([smsEvent(String(inbox._id), { sid: 'SM-order-1', from: '+5511988887777' })]);
    await dying.core.ingest.drain();
    const ticketId = String((await modelsOf(dying.core).Message.findOne({ providerKey: 'sms:SM-order-1' }).lean())!.ticketId);
    const agent = await createUser(dying.core, 'admin');

    const first = await dying.core.compose.reply(agent, ticketId, { text: 'Vou verificar…', attachments: [] });
    await eventually(() => messageOf(first._id), (m) => m?.delivery.status === 'sending');
    const second = await dying.core.compose.reply(agent, ticketId, { text: 'Resolvido.', attachments: [] });
    // Either it went (the bug), or it says it waits for the first.
    await eventually(
      () => messageOf(second._id),
      (m) => received.includes('Resolvido.') || Boolean(m?.delivery.lastError?.startsWith('WAITING_FOR_EARLIER_REPLY')),
    );

    // Another hub starts (or this one restarts): its recovery finds the first `sending`, the second `queued`.
    survivor = await startTestCore({}, db);
    survivor.registry.adapters.set(String(inbox._id), new HubChannel());
    await eventually(() => messageOf(second._id), (m) => m?.delivery.status === 'sent', 20_000);
    expect(received).toEqual(['Vou verificar…', 'Resolvido.']);
    expect((await messageOf(first._id))?.delivery).toMatchObject({ status: 'sent', attempts: 2 });
  });
});
