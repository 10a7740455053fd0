import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { signCsatToken } from '../../../src/core/csat/csat-token.js';
import { ScriptedAdapter } from '../../support/fake-channel.js';
import { createInbox, createUser, emailEvent, smsEvent, startTestCore, TEST_SECRET, type TestCore } from '../../support/test-core.js';
import { startTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { DAY_MS, TestClock } from '../../support/test-clock.js';

/**
 * Rating after solve: asked once per solve (two hubs on one database), answered by a chat reply that does
 * not reopen the ticket, by the signed link (forged → 404, expired → 410), replaced only within the window.
 */
let db: TestDatabase;
let a: TestCore;
let b: TestCore;
const clock = new TestClock();
let seq = 0;

beforeAll(async () => {
  db = await startTestDatabase();
  a = await startTestCore({}, db, undefined, clock);
  b = await startTestCore({}, db, undefined, clock);
});
afterAll(async () => {
  await a.stop();
  await b.stop();
  await db.stop();
});

async function smsTicket(text = 'olá, não consigo entrar na minha conta') {
  const inbox = await createInbox(a.core, 'sms');
  const adapter = new ScriptedAdapter();
  a.registry.adapters.set(String(inbox._id), adapter);
  b.registry.adapters.set(String(inbox._id), adapter);
  await a.core.automationSettings.put(String(inbox._id), { csat: { enabled: true, windowDays: 3 } });
  const from = `+5511977${String(++seq).padStart(6, '0')}`;
  await a.core.ingest.accept([smsEvent(String(inbox._id), { sid: `SM-csat-${seq}`, from, text })]);
  await a.core.ingest.drain();
  const ticket = (await modelsOf(a.core).Ticket.findOne({ inboxId: inbox._id }).lean())!;
  return { inbox, adapter, from, ticket, ticketId: String(ticket._id) };
}

const auditTypes = async (ticketId: string) => (await modelsOf(a.core).AuditEvent.find({ ticketId }).sort({ seq: 1 }).lean()).map((e) => e.type);
const outbound = (ticketId: string) => modelsOf(a.core).Message.find({ ticketId, direction: 'outbound' }).lean();
async function waitFor<T>(check: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('CSAT on a chat app (SMS)', () => {
  it('a solve asks once, in the customer language; a "4 …" reply is the rating and does not reopen', async () => {
    const { ticketId, from, inbox, adapter } = await smsTicket();
    const agent = await createUser(a.core, 'admin');
    await a.core.tickets.assign(agent, ticketId, agent.id);
    await a.core.tickets.setStatus(agent, ticketId, 'solved');
    const request = await waitFor(async () => (await outbound(ticketId)).find((m) => m.automatic));
    expect(request.text).toMatch(/Responda com um número de 1 \(mau\) a 5/);
    await waitFor(async () => (adapter.sent.length ? true : undefined));
    // The other hub (or a replayed event) asking again for the same solve changes nothing.
    expect(await b.core.csat.requestFor(ticketId)).toBe('already');
    expect(await a.core.csat.requestFor(ticketId)).toBe('already');
    expect((await outbound(ticketId)).filter((m) => m.automatic)).toHaveLength(1);
    expect(a.events.filter((e) => e.type === 'ticket.csat_requested' && e.scope.ticketId === ticketId)).toEqual([
      expect.objectContaining({ type: 'ticket.csat_requested', channel: 'sms' }),
    ]);

    await a.core.ingest.accept([smsEvent(String(inbox._id), { sid: `SM-csat-r-${seq}`, from, text: '4 - rápido e simpático' })]);
    await a.core.ingest.drain();
    const rated = (await modelsOf(a.core).Ticket.findById(ticketId).lean())!;
    expect(rated.status).toBe('solved');
    // Who had the ticket when asked stays with the answer: the reports count the rating for them.
    expect(rated.csat).toMatchObject({ rating: 4, comment: 'rápido e simpático', assigneeId: agent.id, departmentId: null });
    expect(rated.csat?.ratedAt).toBeInstanceOf(Date);
    expect(await modelsOf(a.core).Message.countDocuments({ ticketId, direction: 'inbound' })).toBe(1);
    const ratedEvent = a.events.find((e) => e.type === 'ticket.csat_rated' && e.scope.ticketId === ticketId);
    expect(ratedEvent).toMatchObject({ rating: 4, comment: 'rápido e simpático' });
    expect(await auditTypes(ticketId)).toEqual(expect.arrayContaining(['csat.requested', 'csat.rated']));

    // Only the next answer counts: a later "5" is a normal message that reopens the solved ticket.
    await a.core.ingest.accept([smsEvent(String(inbox._id), { sid: `SM-csat-r2-${seq}`, from, text: '5' })]);
    await a.core.ingest.drain();
    const after = (await modelsOf(a.core).Ticket.findById(ticketId).lean())!;
    expect(after.csat?.rating).toBe(4);
    expect(after.status).toBe('open');
  });

  it('after the customer reopened the ticket, a later "3" (an answer to the agent) is a message, not a rating of the old solve', async () => {
    const { ticketId, from, inbox } = await smsTicket('hello, my parcel never arrived');
    const agent = await createUser(a.core, 'admin');
    await a.core.tickets.setStatus(agent, ticketId, 'solved');
    await waitFor(async () => (await outbound(ticketId)).find((m) => m.automatic));
    // Not a rating: the customer reopens the ticket.
    await a.core.ingest.accept([smsEvent(String(inbox._id), { sid: `SM-csat-reopen-${seq}`, from, text: 'it still has not arrived' })]);
    await a.core.ingest.drain();
    expect((await modelsOf(a.core).Ticket.findById(ticketId).lean())!.status).toBe('open');
    // The web chat would no longer draw the rating buttons after a reload, nor take them.
    expect(await a.core.csat.pendingFor(String(inbox._id), from)).toBeNull();
    await expect(a.core.csat.rateConversation(String(inbox._id), from, { rating: 1, comment: null })).rejects.toMatchObject({ code: 'CSAT_SUPERSEDED' });
    // The agent asks how many boxes were missing; the customer answers.
    await a.core.ingest.accept([smsEvent(String(inbox._id), { sid: `SM-csat-answer-${seq}`, from, text: '3' })]);
    await a.core.ingest.drain();
    const after = (await modelsOf(a.core).Ticket.findById(ticketId).lean())!;
    expect(after.csat?.rating).toBeUndefined();
    expect((await modelsOf(a.core).Message.find({ ticketId, direction: 'inbound' }).lean()).map((m) => m.text)).toContain('3');
  });

  it('two hubs reacting to the same solve at once send one request', async () => {
    const { ticketId } = await smsTicket('hello, my order is late');
    await modelsOf(a.core).Ticket.updateOne({ _id: ticketId }, { $set: { status: 'solved', solvedAt: new Date() } });
    const outcomes = await Promise.all([a.core.csat.requestFor(ticketId), b.core.csat.requestFor(ticketId), a.core.csat.requestFor(ticketId), b.core.csat.requestFor(ticketId)]);
    expect(outcomes.filter((o) => o === 'requested')).toHaveLength(1);
    const sent = (await outbound(ticketId)).filter((m) => m.automatic);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.text).toMatch(/Reply with a number from 1 \(poor\) to 5/);
  });

  it('a solve whose request was never made (the solving hub stopped) is asked by the next sweep, once', async () => {
    const { ticketId } = await smsTicket('hello, my order is late');
    // Solved without the event (as if the process died right after the write).
    await modelsOf(a.core).Ticket.updateOne({ _id: ticketId }, { $set: { status: 'solved', solvedAt: new Date() } });
    expect(await outbound(ticketId)).toHaveLength(0);
    // The restart after that death rebuilds the open-work projection from the tickets (the embedded
    // database's sweeps find their candidates there).
    for (const hub of [a, b]) {
      await hub.core.openWork.rebuildInBackground();
      await hub.core.openWork.whenReady();
    }
    await Promise.all([a.core.automationSweep(), b.core.automationSweep()]);
    await a.core.automationSweep();
    expect((await outbound(ticketId)).filter((m) => m.automatic)).toHaveLength(1);
    expect((await modelsOf(a.core).Ticket.findById(ticketId).lean())!.csat?.requestedAt).toBeInstanceOf(Date);
  });

  it('an inbox with CSAT off asks nothing', async () => {
    const { ticketId, inbox } = await smsTicket();
    await a.core.automationSettings.put(String(inbox._id), {});
    await b.core.automationSettings.put(String(inbox._id), {});
    await modelsOf(a.core).Ticket.updateOne({ _id: ticketId }, { $set: { status: 'solved', solvedAt: new Date() } });
    expect(await a.core.csat.requestFor(ticketId)).toBe('off');
    expect(await outbound(ticketId)).toHaveLength(0);
  });
});

describe('CSAT by link (email)', () => {
  it('signed link: forged → 404, answer recorded, replaced within the window, expired → 410', async () => {
    const inbox = await createInbox(a.core, 'email');
    a.registry.adapters.set(String(inbox._id), new ScriptedAdapter());
    await a.core.automationSettings.put(String(inbox._id), { csat: { enabled: true, windowDays: 2 }, defaultLanguage: 'es' });
    await a.core.ingest.accept([emailEvent(String(inbox._id), { messageId: `<csat-${Date.now()}@x>`, from: 'ana@example.com', subject: 'Factura', text: 'x' })]);
    await a.core.ingest.drain();
    const ticket = (await modelsOf(a.core).Ticket.findOne({ inboxId: inbox._id }).lean())!;
    const ticketId = String(ticket._id);
    const agent = await createUser(a.core, 'admin');
    await a.core.tickets.setStatus(agent, ticketId, 'solved');
    const request = await waitFor(async () => (await outbound(ticketId)).find((m) => m.automatic));
    // Nothing in the customer's words tells the language: the inbox default (es) is used.
    expect(request.text).toMatch(/^Su solicitud #\d+ fue resuelta/);
    const token = /\/csat\/([A-Za-z0-9_.-]+)/.exec(request.text)![1]!;

    await expect(a.core.csat.page(signCsatToken('another-secret'.padEnd(48, 'y'), `${ticketId}:1`))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(a.core.csat.page(`${token.split('.')[0]}.AAAA`)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const solvedAt = (await modelsOf(a.core).Ticket.findById(ticketId).lean())!.solvedAt!;
    expect(token).toBe(signCsatToken(TEST_SECRET, `${ticketId}:${solvedAt.getTime()}`));

    const page = await a.core.csat.rateByToken(token, { rating: 2, comment: 'lento' });
    expect(page).toMatchObject({ rating: 2, comment: 'lento', language: 'es' });
    clock.advance(DAY_MS);
    await b.core.csat.rateByToken(token, { rating: 5, comment: null });
    const replaced = (await modelsOf(a.core).Ticket.findById(ticketId).lean())!;
    expect(replaced.csat).toMatchObject({ rating: 5 });
    expect(replaced.csat?.comment).toBeUndefined();
    const rated = await modelsOf(a.core).AuditEvent.find({ ticketId, type: 'csat.rated' }).sort({ seq: 1 }).lean();
    expect(rated.map((e) => JSON.parse(e.dataJson).replaced)).toEqual([null, { rating: 2, comment: 'lento' }]);

    clock.advance(2 * DAY_MS);
    await expect(a.core.csat.rateByToken(token, { rating: 1, comment: null })).rejects.toMatchObject({ code: 'CSAT_EXPIRED' });
    expect((await modelsOf(a.core).Ticket.findById(ticketId).lean())!.csat?.rating).toBe(5);
  });
});
