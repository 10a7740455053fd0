import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Types } from 'mongoose';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { RoutingRuleInputSchema } from '../../../src/core/routing/routing-rule-service.js';
import { ticketIdFromOurMessageId } from '../../../src/core/threading/message-id.js';
import { ScriptedAdapter } from '../../support/fake-channel.js';
import { TEST_SECRET, createInbox, createUser, emailEvent } from '../../support/test-core.js';
import { eventually, startWebHarness, type ApiClient, type WebHarness } from './web-harness.js';

/**
 * "New conversation": an agent writes first. The ticket is created with an outbound first message on the
 * durable outbound path, in the inbox's department, audited and announced; an address an existing contact
 * owns joins that contact; the customer's answer (In-Reply-To our signed Message-ID) threads into the ticket.
 */
let h: WebHarness;
let agent: ApiClient;
let outsider: ApiClient;
let supervisor: ApiClient;
let agentId: string;
let emailInbox: string;
let disabledInbox: string;
let telegramInbox: string;
const adapter = new ScriptedAdapter();
const models = () => modelsOf(h.t.core);

beforeAll(async () => {
  h = await startWebHarness();
  const core = h.t.core;
  const [dept] = await models().Department.insertMany([{ name: `Support ${Date.now()}` }]);
  const [other] = await models().Department.insertMany([{ name: `Sales ${Date.now()}` }]);
  emailInbox = String((await createInbox(core, 'email', { departmentId: dept!._id })).id);
  h.t.registry.adapters.set(emailInbox, adapter);
  const disabled = await createInbox(core, 'email', { departmentId: dept!._id });
  await models().Inbox.updateOne({ _id: disabled._id }, { $set: { enabled: false } });
  disabledInbox = String(disabled._id);
  telegramInbox = String((await createInbox(core, 'telegram', { departmentId: dept!._id }))._id);
  const a = await createUser(core, 'agent', [dept!._id]);
  agentId = a.id;
  agent = await h.login(a);
  outsider = await h.login(await createUser(core, 'agent', [other!._id]));
  const sup = await createUser(core, 'supervisor', []);
  supervisor = await h.login(sup);
  // A rule that would tag any new ticket of the email inbox: an agent-started ticket is not routed.
  const admin = await createUser(core, 'admin', []);
  await core.routingRules.create(admin, RoutingRuleInputSchema.parse({ name: 'Tag mail', conditions: { inboxIds: [emailInbox] }, actions: { tags: ['routed'] } }));
});
afterAll(async () => {
  await h?.stop();
});

const body = (over: Record<string, unknown> = {}) => ({ inboxId: emailInbox, to: 'new.customer@example.com', subject: 'Your order', text: 'Hello, about your order…', ...over });

describe('start a conversation', () => {
  it('creates the ticket with an outbound first message, delivered, audited, announced; the reply threads into it', async () => {
    const seen = h.t.events.length;
    const res = await agent.post('/api/tickets', body({ to: ' New.Customer@Example.com ', name: 'Nina Novak', attachments: [{ fileName: 'a.txt', mimeType: 'text/plain', contentBase64: Buffer.from('hi').toString('base64') }] }));
    expect(res.status, res.text).toBe(201);
    const { ticket, messageId } = res.body;
    expect(ticket).toMatchObject({ subject: 'Your order', status: 'open', channel: 'email', assignee: { id: agentId }, contact: { name: 'Nina Novak', email: 'new.customer@example.com' } });
    expect(ticket.department).not.toBeNull();
    expect(ticket.firstResponseAt).not.toBeNull();

    const sent = await eventually(async () => adapter.sent.find((m) => m.messageId === messageId));
    expect(sent.to.email).toBe('new.customer@example.com');
    expect(sent.subject).toBe('Your order');
    expect(sent.attachments.map((a) => a.fileName)).toEqual(['a.txt']);
    expect(sent.threading.inReplyTo).toBeUndefined();
    expect(ticketIdFromOurMessageId(TEST_SECRET, sent.threading.messageId!)).toBe(ticket.id);
    await eventually(async () => ((await models().Message.findById(messageId).lean())?.delivery.status === 'sent' ? true : undefined));

    const audit = await models().AuditEvent.find({ ticketId: new Types.ObjectId(ticket.id) }).sort({ seq: 1 }).lean();
    expect(audit.map((e) => e.type).slice(0, 2)).toEqual(['ticket.created', 'message.reply_queued']);
    expect(JSON.parse(audit[0]!.dataJson)).toMatchObject({ startedBy: { id: agentId }, to: 'new.customer@example.com' });
    expect(audit[0]!.actor).toMatchObject({ type: 'user', id: agentId });
    const announced = h.t.events.slice(seen).filter((e) => 'scope' in e && e.scope.ticketId === ticket.id).map((e) => e.type);
    expect(announced.slice(0, 2)).toEqual(['ticket.created', 'message.created']);

    // The customer answers: In-Reply-To our signed Message-ID puts it in the same ticket.
    const reply = emailEvent(emailInbox, { messageId: `<answer-${Date.now()}@example.com>`, from: 'new.customer@example.com', subject: `Re: Your order [#${ticket.number}]`, inReplyTo: sent.threading.messageId!, text: 'Thanks, got it' });
    await h.t.core.ingest.accept([reply]);
    await h.t.core.ingest.drain();
    const stored = (await models().Message.findOne({ providerKey: reply.providerKey }).lean())!;
    expect(String(stored.ticketId)).toBe(ticket.id);
    expect(await models().Ticket.countDocuments({ contactId: new Types.ObjectId(ticket.contact.id) })).toBe(1);
    await h.t.core.router.idle();
    expect((await models().Ticket.findById(ticket.id).lean())!.tags).not.toContain('routed');
    const thread = await agent.get(`/api/tickets/${ticket.id}/messages`);
    expect(thread.body.items.map((m: { direction: string }) => m.direction)).toEqual(['outbound', 'inbound']);
  });

  it('an address an existing contact owns joins that contact', async () => {
    const first = await agent.post('/api/tickets', body({ to: 'known@example.com' }));
    const second = await supervisor.post('/api/tickets', body({ to: 'KNOWN@example.com', subject: 'Another thing' }));
    expect(second.status, second.text).toBe(201);
    expect(second.body.ticket.contact.id).toBe(first.body.ticket.contact.id);
    expect(await models().Contact.countDocuments({ identities: 'email:known@example.com' })).toBe(1);
  });

  it('refuses bad input with clear messages', async () => {
    const invalid = await agent.post('/api/tickets', body({ to: 'not-an-address' }));
    expect(invalid.status).toBe(400);
    expect(invalid.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { issues: [{ path: 'to', message: 'must be an email address' }] } });
    const empty = await agent.post('/api/tickets', body({ subject: ' ' }));
    expect(empty.status).toBe(400);
    const disabled = await agent.post('/api/tickets', body({ inboxId: disabledInbox }));
    expect(disabled.status).toBe(409);
    expect(disabled.body.error.code).toBe('INBOX_DISABLED');
    const telegram = await agent.post('/api/tickets', body({ inboxId: telegramInbox }));
    expect(telegram.status).toBe(409);
    expect(telegram.body.error).toMatchObject({ code: 'CANNOT_START_CONVERSATION', message: expect.stringContaining('email, SMS and WhatsApp') });
    const noSubject = await agent.post('/api/tickets', body({ subject: undefined }));
    expect(noSubject.status).toBe(400);
    expect(noSubject.body.error.details.issues).toEqual([{ path: 'subject', message: 'must not be empty' }]);
    const missing = await agent.post('/api/tickets', body({ inboxId: String(new Types.ObjectId()) }));
    expect(missing.status).toBe(404);
    const foreign = await outsider.post('/api/tickets', body());
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.message).toContain('department');
    expect((await h.anon.post('/api/tickets', body())).status).toBe(401);
  });

  it('a file it would refuse (an empty one) is refused before anything is written: no contact, no conversation claim', async () => {
    const whatsapp = String((await createInbox(h.t.core, 'whatsapp', { departmentId: (await models().Inbox.findById(emailInbox).lean())!.departmentId! }))._id);
    const empty = [{ fileName: 'empty.txt', mimeType: 'text/plain', contentBase64: ' ' }];
    const mail = await agent.post('/api/tickets', body({ to: 'never.written@example.com', attachments: empty }));
    expect(mail.status).toBe(400);
    expect(mail.body.error.details.issues[0].path).toBe('attachments.0');
    const chat = await agent.post('/api/tickets', { inboxId: whatsapp, to: '+5511977770001', text: 'Hello', attachments: empty });
    expect(chat.status).toBe(400);
    expect(await models().ContactIdentity.countDocuments({ _id: { $in: ['email:never.written@example.com', 'phone:+5511977770001'] } })).toBe(0);
    expect(await models().Contact.countDocuments({ identities: { $in: ['email:never.written@example.com', 'phone:+5511977770001'] } })).toBe(0);
    expect(await models().ConversationKey.countDocuments({ _id: { $regex: `^conv:${whatsapp}:` } })).toBe(0);
    expect(await models().Ticket.countDocuments({ inboxId: new Types.ObjectId(whatsapp) })).toBe(0);
  });
});
