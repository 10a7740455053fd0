import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Types } from 'mongoose';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { sendFingerprint, sendKeyId } from '../../../src/core/outbound/send-once.js';
import { ScriptedAdapter } from '../../support/fake-channel.js';
import { deliveryClaims, deliveryJobsSettled } from '../../support/delivery-jobs.js';
import { createInbox, createUser, smsEvent } from '../../support/test-core.js';
import { startWebHarness, type ApiClient, type WebHarness } from './web-harness.js';

/**
 * An agent's reply, note or new conversation is stored and sent once per `clientMessageId`, whatever the network
 * does: the answer to the first POST is lost (reload, proxy timeout, retry, double click) and the console sends
 * the same text again with the same key. The second request answers with the first message; nothing is stored,
 * queued, audited or announced twice — also when the two requests race.
 */
let h: WebHarness;
let agent: ApiClient;
let colleague: ApiClient;
let inbox: string;
let ticketA: string;
let ticketB: string;
const adapter = new ScriptedAdapter();
const models = () => modelsOf(h.t.core);
let sid = 0;

async function newTicket(from: string): Promise<string> {
  const ev = smsEvent(inbox, { sid: `SM-idem-${++sid}-${Date.now()}`, from, text: 'Where is my parcel?' });
  await h.t.core.ingest.accept([ev]);
  await h.t.core.ingest.drain();
  return String((await models().Message.findOne({ providerKey: ev.providerKey }).lean())!.ticketId);
}

const stored = (ticketId: string, text: string) => models().Message.find({ ticketId: new Types.ObjectId(ticketId), text }).lean();
const announced = (messageId: string) => h.t.events.filter((e) => e.type === 'message.created' && e.message.id === messageId).length;
const audited = async (ticketId: string, type: string, messageId: string) =>
  (await models().AuditEvent.find({ ticketId: new Types.ObjectId(ticketId), type }).lean()).filter((e) => JSON.parse(e.dataJson).messageId === messageId).length;
// Finished delivery jobs are removed: what a job did is its delivery claim (one per attempt) and the adapter's send.
const deliveryAttempts = async (messageId: string) => (await deliveryClaims(h.t.db.connection, messageId)).length;
const key = () => `k-${new Types.ObjectId().toHexString()}`;

beforeAll(async () => {
  h = await startWebHarness();
  inbox = String((await createInbox(h.t.core, 'sms'))._id);
  h.t.registry.adapters.set(inbox, adapter);
  agent = await h.login(await createUser(h.t.core, 'admin'));
  colleague = await h.login(await createUser(h.t.core, 'admin'));
  ticketA = await newTicket('+5511955560001');
  ticketB = await newTicket('+5511955560002');
});
afterAll(async () => {
  await h?.stop();
});

describe('replies with a clientMessageId', () => {
  it('the same key sent again answers with the first reply: one message, one delivery job, one send, one audit entry, one event', async () => {
    const clientMessageId = key();
    const text = 'Your parcel left Lisbon this morning';
    const first = await agent.post(`/api/tickets/${ticketA}/reply`, { text, clientMessageId });
    expect(first.status, first.text).toBe(202);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    await deliveryJobsSettled(h.t.db.connection, first.body.id);

    const again = await agent.post(`/api/tickets/${ticketA}/reply`, { text, clientMessageId });
    expect(again.status, again.text).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    expect(again.body).toMatchObject({ text, direction: 'outbound', kind: 'message' });

    expect((await stored(ticketA, text)).map((m) => String(m._id))).toEqual([first.body.id]);
    expect(await deliveryAttempts(first.body.id)).toBe(1);
    expect(adapter.sent.filter((o) => o.text === text)).toHaveLength(1);
    expect(await audited(ticketA, 'message.reply_queued', first.body.id)).toBe(1);
    expect(announced(first.body.id)).toBe(1);
  });

  it('two requests with the same key at the same moment make one reply, and both answer with it', async () => {
    const clientMessageId = key();
    const text = 'Racing: sent from two tabs at once';
    const answers = await Promise.all([1, 2, 3].map(() => agent.post(`/api/tickets/${ticketA}/reply`, { text, clientMessageId })));
    for (const a of answers) expect(a.status, a.text).toBe(202);
    const ids = new Set(answers.map((a) => a.body.id));
    expect(ids.size).toBe(1);
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(2);
    const [id] = [...ids] as [string];
    await deliveryJobsSettled(h.t.db.connection, id);
    expect(await stored(ticketA, text)).toHaveLength(1);
    expect(await deliveryAttempts(id)).toBe(1);
    expect(adapter.sent.filter((o) => o.text === text)).toHaveLength(1);
    expect(await audited(ticketA, 'message.reply_queued', id)).toBe(1);
    expect(announced(id)).toBe(1);
  });

  it('the same key with another text is refused with 409 and stores nothing', async () => {
    const clientMessageId = key();
    const first = await agent.post(`/api/tickets/${ticketA}/reply`, { text: 'Version one', clientMessageId });
    expect(first.status).toBe(202);
    const other = await agent.post(`/api/tickets/${ticketA}/reply`, { text: 'Version two', clientMessageId });
    expect(other.status, other.text).toBe(409);
    expect(other.body.error.code).toBe('CLIENT_MESSAGE_ID_REUSED');
    expect(other.body.error.message).toMatch(/clientMessageId was already used for a different message/);
    // A note is other content too.
    const asNote = await agent.post(`/api/tickets/${ticketA}/note`, { text: 'Version one', clientMessageId });
    expect(asNote.status, asNote.text).toBe(409);
    expect(await stored(ticketA, 'Version two')).toHaveLength(0);
  });

  it('a malformed key is a 400 naming the field', async () => {
    for (const bad of ['short', 'x'.repeat(65), '../../etc/passwd', 'key with spaces', 'ключ-ключ-ключ', 12345678]) {
      const res = await agent.post(`/api/tickets/${ticketA}/reply`, { text: 'Bad key', clientMessageId: bad });
      expect(res.status, `${String(bad)}: ${res.text}`).toBe(400);
      expect(res.body.error.details.issues.map((i: { path: string }) => i.path)).toEqual(['clientMessageId']);
    }
    expect(await stored(ticketA, 'Bad key')).toHaveLength(0);
  });

  it('without a key, every request is a new reply (as before)', async () => {
    const text = 'No key, sent twice on purpose';
    const a = await agent.post(`/api/tickets/${ticketA}/reply`, { text });
    const b = await agent.post(`/api/tickets/${ticketA}/reply`, { text });
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(a.body.id).not.toBe(b.body.id);
    expect(await stored(ticketA, text)).toHaveLength(2);
  });

  it("keys of another author or another ticket never collide", async () => {
    const clientMessageId = key();
    const text = 'Same key, same text, elsewhere';
    const mine = await agent.post(`/api/tickets/${ticketA}/reply`, { text, clientMessageId });
    const theirs = await colleague.post(`/api/tickets/${ticketA}/reply`, { text, clientMessageId });
    const otherTicket = await agent.post(`/api/tickets/${ticketB}/reply`, { text, clientMessageId });
    for (const r of [mine, theirs, otherTicket]) {
      expect(r.status, r.text).toBe(202);
      expect(r.headers.get('idempotent-replayed')).toBeNull();
    }
    expect(new Set([mine.body.id, theirs.body.id, otherTicket.body.id]).size).toBe(3);
    expect(await stored(ticketA, text)).toHaveLength(2);
    expect(await stored(ticketB, text)).toHaveLength(1);
  });

  it('a send refused before it was stored gives its key back: the same key is judged anew once the cause is gone', async () => {
    const clientMessageId = key();
    const text = 'Sent while the inbox was off';
    await models().Inbox.updateOne({ _id: inbox }, { $set: { enabled: false } });
    const refused = await agent.post(`/api/tickets/${ticketB}/reply`, { text, clientMessageId });
    expect(refused.status, refused.text).toBe(409);
    expect(refused.body.error.code).toBe('INBOX_DISABLED');
    await models().Inbox.updateOne({ _id: inbox }, { $set: { enabled: true } });
    const accepted = await agent.post(`/api/tickets/${ticketB}/reply`, { text, clientMessageId });
    expect(accepted.status, accepted.text).toBe(202);
    expect(accepted.headers.get('idempotent-replayed')).toBeNull();
    expect(await stored(ticketB, text)).toHaveLength(1);
  });
});

describe('a key whose first request died before storing its message', () => {
  const orphan = async (clientMessageId: string, text: string, ageMs: number) => {
    // What SendOnce.run leaves when its process dies between taking the key and storing the message.
    const me = (await agent.get('/api/auth/me')).body;
    const messageId = new Types.ObjectId();
    const keyId = sendKeyId({ ticketId: ticketB, userId: me.id }, clientMessageId);
    await models().SendKey.collection.insertOne({
      _id: keyId,
      fingerprint: sendFingerprint({ what: 'reply', text, attachments: [], recipientId: null }),
      messageId,
      at: new Date(Date.now() - ageMs),
    } as never);
    return { messageId: String(messageId), keyId };
  };

  it('is waited for while recent (409 CLIENT_MESSAGE_ID_IN_USE after the wait), then taken over with the same message id once stale', async () => {
    const clientMessageId = key();
    const text = 'Sent by a request that crashed';
    const { messageId, keyId } = await orphan(clientMessageId, text, 0);
    const waiting = await agent.post(`/api/tickets/${ticketB}/reply`, { text, clientMessageId });
    expect(waiting.status, waiting.text).toBe(409);
    expect(waiting.body.error.code).toBe('CLIENT_MESSAGE_ID_IN_USE');
    expect(await stored(ticketB, text)).toHaveLength(0);

    await models().SendKey.updateOne({ _id: keyId }, { $set: { at: new Date(Date.now() - 5 * 60_000) } });
    const taken = await agent.post(`/api/tickets/${ticketB}/reply`, { text, clientMessageId });
    expect(taken.status, taken.text).toBe(202);
    expect(taken.body.id).toBe(messageId);
    const again = await agent.post(`/api/tickets/${ticketB}/reply`, { text, clientMessageId });
    expect(again.body.id).toBe(messageId);
    expect(await stored(ticketB, text)).toHaveLength(1);
  }, 30_000);
});

describe('notes with a clientMessageId', () => {
  it('a resent note is stored, audited and announced once', async () => {
    const clientMessageId = key();
    const text = 'Customer is a VIP';
    const [a, b] = await Promise.all([agent.post(`/api/tickets/${ticketB}/note`, { text, clientMessageId }), agent.post(`/api/tickets/${ticketB}/note`, { text, clientMessageId })]);
    expect([a!.status, b!.status]).toEqual([202, 202]);
    expect(a!.body.id).toBe(b!.body.id);
    const c = await agent.post(`/api/tickets/${ticketB}/note`, { text, clientMessageId });
    expect(c.body.id).toBe(a!.body.id);
    expect(await stored(ticketB, text)).toHaveLength(1);
    expect(await audited(ticketB, 'message.note_added', a!.body.id)).toBe(1);
    expect(announced(a!.body.id)).toBe(1);
  });
});

describe('a new conversation with a clientMessageId', () => {
  it('a retried start makes one ticket and one first message', async () => {
    const mail = String((await createInbox(h.t.core, 'email'))._id);
    h.t.registry.adapters.set(mail, adapter);
    const clientMessageId = key();
    const body = { inboxId: mail, to: 'idem.customer@example.com', subject: 'Your refund', text: 'Your refund was approved', clientMessageId };
    const first = await agent.post('/api/tickets', body);
    expect(first.status, first.text).toBe(201);
    const [again, racing] = await Promise.all([agent.post('/api/tickets', body), agent.post('/api/tickets', body)]);
    for (const r of [again!, racing!]) {
      expect(r.status, r.text).toBe(201);
      expect(r.headers.get('idempotent-replayed')).toBe('true');
      expect(r.body).toMatchObject({ messageId: first.body.messageId, ticket: { id: first.body.ticket.id, number: first.body.ticket.number } });
    }
    await deliveryJobsSettled(h.t.db.connection, first.body.messageId);
    expect(await models().Ticket.countDocuments({ inboxId: new Types.ObjectId(mail) })).toBe(1);
    expect(adapter.sent.filter((o) => o.text === 'Your refund was approved')).toHaveLength(1);

    const changed = await agent.post('/api/tickets', { ...body, subject: 'Another subject' });
    expect(changed.status, changed.text).toBe(409);
    expect(changed.body.error.code).toBe('CLIENT_MESSAGE_ID_REUSED');
  });
});

describe('the OpenAPI document', () => {
  it('documents the optional clientMessageId of replies, notes and new conversations with its bounds', async () => {
    const doc = (await agent.get('/api/openapi.json')).body;
    for (const path of ['/api/tickets/{id}/reply', '/api/tickets/{id}/note', '/api/tickets']) {
      const schema = doc.paths[path].post.requestBody.content['application/json'].schema;
      expect(schema.required ?? []).not.toContain('clientMessageId');
      expect(schema.properties.clientMessageId).toMatchObject({ type: 'string', minLength: 8, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
      expect(schema.properties.clientMessageId.description).toMatch(/idempotency key/);
    }
  });
});

