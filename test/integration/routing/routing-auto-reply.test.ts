import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { createInbox, createUser, emailEvent, smsEvent } from '../../support/test-core.js';
import { eventually, startWebHarness, type ApiClient, type WebHarness } from '../web/web-harness.js';

/** A routing rule's canned auto-reply goes out with nobody reading it first: what the customer receives. */
let h: WebHarness;
let admin: ApiClient;
let smsInboxId: string;
let mailInboxId: string;

beforeAll(async () => {
  h = await startWebHarness();
  admin = await h.login(await createUser(h.t.core, 'admin'));
  smsInboxId = String((await createInbox(h.t.core, 'sms'))._id);
  mailInboxId = String((await createInbox(h.t.core, 'email'))._id);
  const canned = await admin.post('/api/canned-responses', {
    shortcut: 'welcome',
    title: 'Welcome',
    // The variables the canned-responses page offers.
    body: 'Hi {{contact.first_name}}, we got your message about “{{ticket.subject}}” (#{{ticket.number}}). Write from {{contact.email}} anytime.',
  });
  expect(canned.status).toBe(201);
  expect((await admin.post('/api/routing-rules', { name: 'Welcome all', actions: { tags: ['welcomed'], cannedResponseId: canned.body.id } })).status).toBe(201);
});
afterAll(async () => {
  await h?.stop();
});

async function settle() {
  await h.t.core.ingest.drain();
  await h.t.core.router.idle();
  await h.t.core.assignment.idle();
}

describe('routing auto-reply', () => {
  it('fills the variables the console documents; one without a value never reaches the customer as {{…}}', async () => {
    await h.t.core.ingest.accept([smsEvent(smsInboxId, { sid: 'SM-auto-1', from: '+5511900000101', text: 'hello there' })]);
    await settle();
    const m = await modelsOf(h.t.core).Message.findOne({ providerKey: 'sms:SM-auto-1' }).lean();
    const ticket = (await modelsOf(h.t.core).Ticket.findById(m!.ticketId).lean())!;
    expect(ticket.tags).toEqual(['welcomed']);
    const out = await eventually(async () => (await modelsOf(h.t.core).Message.findOne({ ticketId: ticket._id, direction: 'outbound' }).lean()) ?? undefined);
    expect(out.text).not.toContain('{{');
    expect(out.text).toContain(`(#${ticket.number})`);
  });

  it('an email autoresponder opening a ticket is routed but gets no auto-reply (two helpdesks answering each other forever)', async () => {
    const ev = emailEvent(mailInboxId, { messageId: '<ooo-1@other-helpdesk.example>', from: 'noreply@other-helpdesk.example', subject: 'Automatic reply: we received your request', text: 'Thank you, ticket 8812 opened.' });
    await h.t.core.ingest.accept([{ ...ev, automated: true }]);
    await settle();
    const m = await modelsOf(h.t.core).Message.findOne({ providerKey: ev.providerKey }).lean();
    const ticket = (await modelsOf(h.t.core).Ticket.findById(m!.ticketId).lean())!;
    expect(ticket.tags).toEqual(['welcomed']);
    // The router stores a rule's reply before it is idle.
    expect(await modelsOf(h.t.core).Message.countDocuments({ ticketId: ticket._id, direction: 'outbound' })).toBe(0);
  });

  it('an autoresponder that neither says so nor threads gets one auto-reply an hour, not one per ticket it opens; others still get theirs', async () => {
    const repliesTo = async (from: string) => {
      const contact = await modelsOf(h.t.core).Contact.findOne({ email: from }).lean();
      const tickets = await modelsOf(h.t.core).Ticket.find({ contactId: contact!._id }, { _id: 1 }).lean();
      return modelsOf(h.t.core).Message.countDocuments({ ticketId: { $in: tickets.map((t) => t._id) }, direction: 'outbound' });
    };
    // Each of our replies makes it open a new ticket here (a fresh subject, no references): a loop, unless we stop.
    for (let i = 1; i <= 3; i++) {
      await h.t.core.ingest.accept([emailEvent(mailInboxId, { messageId: `<loop-${i}@bot.example>`, from: 'desk@bot.example', subject: `Request ${8000 + i} received`, text: 'We got it.' })]);
      await settle();
    }
    await h.t.core.ingest.accept([emailEvent(mailInboxId, { messageId: '<person-1@people.example>', from: 'ana@people.example', subject: 'Invoice question', text: 'Hello' })]);
    await settle();
    await eventually(async () => ((await repliesTo('ana@people.example')) === 1 ? true : undefined));
    expect(await modelsOf(h.t.core).Ticket.countDocuments({ subject: /^Request 800\d received$/ })).toBe(3);
    expect(await repliesTo('desk@bot.example')).toBe(1);
  });
});

describe('what a rule or a canned response refers to must exist', () => {
  it('a rule naming a canned response that does not exist, or someone\'s personal one, is refused (400), not saved to send nothing', async () => {
    const missing = await admin.post('/api/routing-rules', { name: 'Ghost reply', actions: { cannedResponseId: 'ffffffffffffffffffffffff' } });
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.body.error.details)).toContain('actions.cannedResponseId');
    const personal = await admin.post('/api/canned-responses', { shortcut: 'my-own', title: 'Mine', body: 'personal words', personal: true });
    expect(personal.status).toBe(201);
    expect((await admin.post('/api/routing-rules', { name: 'Personal reply', actions: { cannedResponseId: personal.body.id } })).status).toBe(400);
  });

  it('a canned response for a department that does not exist is refused (400): no agent would ever see it', async () => {
    const res = await admin.post('/api/canned-responses', { shortcut: 'lost', title: 'Lost', body: 'x', departmentId: 'ffffffffffffffffffffffff' });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.error.details)).toContain('departmentId');
    const ok = await admin.post('/api/canned-responses', { shortcut: 'found', title: 'Found', body: 'x' });
    expect((await admin.patch(`/api/canned-responses/${ok.body.id}`, { departmentId: 'ffffffffffffffffffffffff' })).status).toBe(400);
  });
});
