import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { factsFromHistory } from '../../../src/core/reports/facts-from-history.js';
import { ScriptedAdapter } from '../../support/fake-channel.js';
import { createInbox, createUser, smsEvent } from '../../support/test-core.js';
import { eventually, startWebHarness, type ApiClient, type WebHarness } from '../web/web-harness.js';

/** Macros over HTTP: admins manage them, agents run them; one run is one audited change plus the reply. */
let h: WebHarness;
let admin: ApiClient;
let agent: ApiClient;
let inboxId: string;
const adapter = new ScriptedAdapter();

beforeAll(async () => {
  h = await startWebHarness();
  inboxId = String((await createInbox(h.t.core, 'sms'))._id);
  h.t.registry.adapters.set(inboxId, adapter);
  admin = await h.login(await createUser(h.t.core, 'admin'));
  agent = await h.login(await createUser(h.t.core, 'agent'));
});
afterAll(async () => {
  await h.stop();
});

const solveWithReply = { name: 'Solved: refund sent', actions: { status: 'solved', priority: 'low', tagsAdd: ['Refund', 'billing'], tagsRemove: ['urgent-check'], reply: 'Hi {{contact.name}}, your refund for #{{ticket.number}} is on its way. — {{agent.name}}' } };

describe('macros', () => {
  it('admins create, change and delete; agents only list; bad input is 400, a duplicate name 409', async () => {
    expect((await agent.post('/api/macros', solveWithReply)).status).toBe(403);
    expect((await admin.post('/api/macros', { name: 'Nothing', actions: {} })).status).toBe(400);
    expect((await admin.post('/api/macros', { name: 'Close', actions: { status: 'closed' } })).status).toBe(400);
    const created = await admin.post('/api/macros', solveWithReply);
    expect(created.status).toBe(201);
    expect(created.body.actions.tagsAdd).toEqual(['refund', 'billing']);
    expect((await admin.post('/api/macros', solveWithReply)).status).toBe(409);
    const tmp = await admin.post('/api/macros', { name: 'Tmp', actions: { priority: 'high' } });
    expect((await admin.put(`/api/macros/${tmp.body.id}`, { name: 'Tmp 2', actions: { priority: 'urgent' } })).body).toMatchObject({ name: 'Tmp 2', actions: { priority: 'urgent' } });
    expect((await agent.delete(`/api/macros/${tmp.body.id}`)).status).toBe(403);
    expect((await admin.delete(`/api/macros/${tmp.body.id}`)).status).toBe(204);
    expect((await agent.get('/api/macros')).body.items.map((m: { name: string }) => m.name)).toEqual(['Solved: refund sent']);
  });

  it('an agent runs it: the reply goes to the customer, status/priority/tags change as one macro.applied event', async () => {
    await h.t.core.ingest.accept([{ ...smsEvent(inboxId, { sid: `SM-macro-${Date.now()}`, from: '+5511944400001', text: 'where is my refund?' }), sender: { handle: '+5511944400001', phone: '+5511944400001', displayName: 'Carla Dias' } }]);
    await h.t.core.ingest.drain();
    const ticket = (await modelsOf(h.t.core).Ticket.findOne({ inboxId }).lean())!;
    const ticketId = String(ticket._id);
    expect((await agent.patch(`/api/tickets/${ticketId}`, { addTags: ['urgent-check'] })).status).toBe(200);
    const macroId = (await agent.get('/api/macros')).body.items[0].id;
    const auditBefore = await modelsOf(h.t.core).AuditEvent.countDocuments({ ticketId });

    const res = await agent.post(`/api/tickets/${ticketId}/macros/${macroId}`);
    expect(res.status).toBe(200);
    expect(res.body.ticket).toMatchObject({ status: 'solved', priority: 'low' });
    expect(res.body.ticket.tags.sort()).toEqual(['billing', 'refund']);
    const reply = await eventually(async () => adapter.sent.find((m) => m.messageId === res.body.replyId));
    expect(reply.text).toMatch(new RegExp(`^Hi Carla, your refund for #${ticket.number} is on its way\\. — User \\d+$`));

    // (The delivery worker records the reply's progress in between: not part of the question.)
    const audit = (await modelsOf(h.t.core).AuditEvent.find({ ticketId, seq: { $gt: auditBefore } }).sort({ seq: 1 }).lean()).filter((e) => !e.type.startsWith('message.delivery'));
    // The reply is its own message event (and the agent's reply opens the new ticket); the macro's ticket changes are one event.
    expect(audit.map((e) => e.type)).toEqual(['message.reply_queued', 'ticket.status_changed', 'macro.applied']);
    expect(JSON.parse(audit[1]!.dataJson)).toMatchObject({ from: 'new', to: 'open', reason: 'agent replied' });
    const applied = JSON.parse(audit[2]!.dataJson);
    expect(applied).toMatchObject({ macroId, name: 'Solved: refund sent', from: 'open', to: 'solved', changes: { status: { from: 'open', to: 'solved' }, priority: { from: 'normal', to: 'low' }, tags: { added: ['refund', 'billing'], removed: ['urgent-check'] } } });
    expect(audit[2]!.actor).toMatchObject({ type: 'user' });

    // A solve by macro is a resolution for the reports' rebuild, like a solve by hand.
    const after = (await modelsOf(h.t.core).Ticket.findById(ticketId).lean())!;
    const messages = await modelsOf(h.t.core).Message.find({ ticketId }).lean();
    const allAudit = await modelsOf(h.t.core).AuditEvent.find({ ticketId }).sort({ seq: 1 }).lean();
    expect(factsFromHistory({ ticket: after, messages, audit: allAudit }, 'UTC').filter((f) => f.kind === 'resolved')).toHaveLength(1);

    // Nothing left to change: the same macro again sends its reply but records no ticket change.
    const again = await agent.post(`/api/tickets/${ticketId}/macros/${macroId}`);
    expect(again.status).toBe(200);
    expect(await modelsOf(h.t.core).AuditEvent.countDocuments({ ticketId, type: 'macro.applied' })).toBe(1);
    expect((await agent.post(`/api/tickets/${ticketId}/macros/000000000000000000000000`)).status).toBe(404);
  });

  it('the reply of a macro fills every variable the canned-responses page offers; one without a value is left out, not sent as typed', async () => {
    await h.t.core.ingest.accept([smsEvent(inboxId, { sid: `SM-macro-novars-${Date.now()}`, from: '+5511944400002', text: 'hello?' })]);
    await h.t.core.ingest.drain();
    const ticket = (await modelsOf(h.t.core).Ticket.findOne({ inboxId, 'replyTo.handle': '+5511944400002' }).lean())!;
    const macro = await admin.post('/api/macros', { name: 'Greeting', actions: { reply: 'Hi {{contact.first_name}}, about “{{ticket.subject}}”: write to us from {{contact.email}} when you like. {{agent.first_name}}' } });
    expect(macro.status).toBe(201);
    const res = await agent.post(`/api/tickets/${String(ticket._id)}/macros/${macro.body.id}`);
    expect(res.status).toBe(200);
    const reply = await eventually(async () => adapter.sent.find((m) => m.messageId === res.body.replyId));
    expect(reply.text).not.toContain('{{');
    // No name (an SMS number), no email: "Hi," — the agent's first name closes it.
    expect(reply.text).toMatch(/^Hi, about “.+”: write to us from when you like\. User$/);
  });

  it('a run resent with the same clientMessageId (a retried or doubled POST) sends the reply once and records one change', async () => {
    await h.t.core.ingest.accept([smsEvent(inboxId, { sid: `SM-macro-once-${Date.now()}`, from: '+5511944400003', text: 'refund please' })]);
    await h.t.core.ingest.drain();
    const ticketId = String((await modelsOf(h.t.core).Ticket.findOne({ inboxId, 'replyTo.handle': '+5511944400003' }).lean())!._id);
    const macroId = (await agent.get('/api/macros')).body.items.find((m: { name: string }) => m.name === 'Solved: refund sent').id;
    const url = `/api/tickets/${ticketId}/macros/${macroId}`;
    const clientMessageId = `macro-${Date.now()}`;
    const runs = await Promise.all([agent.post(url, { clientMessageId }), agent.post(url, { clientMessageId })]);
    const later = await agent.post(url, { clientMessageId });
    for (const r of [...runs, later]) expect(r.status, r.text).toBe(200);
    expect(new Set([...runs, later].map((r) => r.body.replyId)).size).toBe(1);
    await eventually(async () => adapter.sent.find((m) => m.messageId === later.body.replyId));
    expect(await modelsOf(h.t.core).Message.countDocuments({ ticketId, direction: 'outbound' })).toBe(1);
    expect(adapter.sent.filter((m) => m.to.handle === '+5511944400003')).toHaveLength(1);
    expect(await modelsOf(h.t.core).AuditEvent.countDocuments({ ticketId, type: 'macro.applied' })).toBe(1);
    expect((await agent.post(url, { clientMessageId: 'no spaces allowed' })).status).toBe(400);
  });

  it('a macro whose reply names a variable that does not exist is refused (400), not sent to customers as typed', async () => {
    const res = await admin.post('/api/macros', { name: 'Typo', actions: { reply: 'Hi {{contact.nmae}}, thanks!' } });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.error)).toContain('contact.nmae');
  });
});
