import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInbox, createUser, emailEvent, smsEvent, startTestCore, type TestCore } from '../../support/test-core.js';
import { modelsOf } from '../../../src/core/models/models-of.js';

let t: TestCore;
beforeAll(async () => {
  t = await startTestCore();
});
afterAll(async () => {
  await t.stop();
});

async function ingest(...events: Parameters<TestCore['core']['ingest']['accept']>[0]) {
  await t.core.ingest.accept(events);
  await t.core.ingest.drain();
}
const ticketOf = async (providerKey: string) => {
  const m = await modelsOf(t.core).Message.findOne({ providerKey }).lean();
  return (await modelsOf(t.core).Ticket.findById(m!.ticketId).lean())!;
};

describe('threading against the database', () => {
  it('a reply with In-Reply-To to a stored customer mail joins the same ticket, and says why', async () => {
    const inbox = String((await createInbox(t.core, 'email'))._id);
    await ingest(emailEvent(inbox, { messageId: '<a1@cust.example>', from: 'ana@cust.example', subject: 'Printer broken' }));
    await ingest(emailEvent(inbox, { messageId: '<a2@cust.example>', from: 'ana@cust.example', subject: 'Re: Printer broken', inReplyTo: '<a1@cust.example>', references: ['<a1@cust.example>'] }));
    const first = await ticketOf(`mail:${inbox}:<a1@cust.example>`);
    const second = await ticketOf(`mail:${inbox}:<a2@cust.example>`);
    expect(String(second._id)).toBe(String(first._id));
    const m2 = await modelsOf(t.core).Message.findOne({ providerKey: `mail:${inbox}:<a2@cust.example>` }).lean();
    expect(m2!.threadReason).toMatchObject({ rule: 'reference' });
  });

  it('a reply to our own signed Message-ID joins the ticket even with a new conversation root', async () => {
    const inbox = String((await createInbox(t.core, 'email'))._id);
    await ingest(emailEvent(inbox, { messageId: '<b1@cust.example>', from: 'bia@cust.example', subject: 'Invoice' }));
    const ticket = await ticketOf(`mail:${inbox}:<b1@cust.example>`);
    const admin = await createUser(t.core, 'admin');
    const reply = await t.core.compose.reply(admin, String(ticket._id), { text: 'Here it is', attachments: [] });
    expect(reply.emailMessageId).toMatch(/^<ponte\./);
    expect(reply.threading.inReplyTo).toBe('<b1@cust.example>');
    // The customer's client dropped References; only In-Reply-To to our id remains.
    await ingest(emailEvent(inbox, { messageId: '<b2@cust.example>', from: 'bia@cust.example', subject: 'Re: Invoice', inReplyTo: reply.emailMessageId! }));
    const m = await modelsOf(t.core).Message.findOne({ providerKey: `mail:${inbox}:<b2@cust.example>` }).lean();
    expect(String(m!.ticketId)).toBe(String(ticket._id));
  });

  it('[#N] from a participant joins ticket N; from a stranger it opens a new ticket', async () => {
    const inbox = String((await createInbox(t.core, 'email'))._id);
    await ingest(emailEvent(inbox, { messageId: '<c1@cust.example>', from: 'carla@cust.example', subject: 'Refund', to: ['support@example.com', 'boss@cust.example'] }));
    const ticket = await ticketOf(`mail:${inbox}:<c1@cust.example>`);
    // Cc'd colleague writes a fresh mail (no headers) with the token: participant → same ticket.
    await ingest(emailEvent(inbox, { messageId: '<c2@cust.example>', from: 'boss@cust.example', subject: `About refund [#${ticket.number}]` }));
    expect(String((await ticketOf(`mail:${inbox}:<c2@cust.example>`))._id)).toBe(String(ticket._id));
    // A stranger forwards something carrying the same token → new ticket, reason recorded.
    await ingest(emailEvent(inbox, { messageId: '<x1@evil.example>', from: 'mallory@evil.example', subject: `Fwd: Refund [#${ticket.number}]` }));
    const strangers = await ticketOf(`mail:${inbox}:<x1@evil.example>`);
    expect(String(strangers._id)).not.toBe(String(ticket._id));
    const m = await modelsOf(t.core).Message.findOne({ providerKey: `mail:${inbox}:<x1@evil.example>` }).lean();
    expect(m!.threadReason!.detail).toContain('not a participant');
  });

  it('a new ticket is titled from the subject without [#N] and reply/forward prefixes, single-spaced', async () => {
    const inbox = String((await createInbox(t.core, 'email'))._id);
    await ingest(emailEvent(inbox, { messageId: '<title1@cust.example>', from: 'sara@cust.example', subject: 'RE: Res:  [#99999] Pedido  55 atrasado' }));
    expect((await ticketOf(`mail:${inbox}:<title1@cust.example>`)).subject).toBe('Pedido 55 atrasado');
    await ingest(emailEvent(inbox, { messageId: '<title2@cust.example>', from: 'sara@cust.example', subject: 'RV: Fwd: Factura de marzo' }));
    expect((await ticketOf(`mail:${inbox}:<title2@cust.example>`)).subject).toBe('Factura de marzo');
  });

  it('Reply-To of a person: answers go to the shared mailbox, the author and identity stay From', async () => {
    const inbox = String((await createInbox(t.core, 'email'))._id);
    const event = emailEvent(inbox, { messageId: '<rt1@cust.example>', from: 'marcos@cust.example', subject: 'Cotação' });
    await ingest({ ...event, sender: { ...event.sender, replyTo: 'compras@cust.example' } });
    const ticket = await ticketOf(`mail:${inbox}:<rt1@cust.example>`);
    expect(ticket.replyTo).toMatchObject({ handle: 'marcos@cust.example', email: 'compras@cust.example' });
    const contact = (await modelsOf(t.core).Contact.findById(ticket.contactId).lean())!;
    expect(contact.identities).toEqual(['email:marcos@cust.example']);
  });

  it('a solved ticket within the reopen window is reopened, and the audit shows it', async () => {
    const inbox = String((await createInbox(t.core, 'sms'))._id);
    const admin = await createUser(t.core, 'admin');
    await ingest(smsEvent(inbox, { sid: 'SM-r1', from: '+5511911110001' }));
    const ticket = await ticketOf('sms:SM-r1');
    await t.core.tickets.setStatus(admin, String(ticket._id), 'solved');
    await ingest(smsEvent(inbox, { sid: 'SM-r2', from: '+5511911110001' }));
    const after = await ticketOf('sms:SM-r2');
    expect(String(after._id)).toBe(String(ticket._id));
    expect(after).toMatchObject({ status: 'open', reopenCount: 1 });
    const trail = await t.core.tickets.auditTrail(admin, String(ticket._id));
    expect(trail.map((e) => e.type)).toContain('ticket.reopened');
  });

  it('a closed ticket → the next message opens a new ticket linked to the old one; later messages follow it', async () => {
    const inbox = String((await createInbox(t.core, 'sms'))._id);
    const admin = await createUser(t.core, 'admin');
    await ingest(smsEvent(inbox, { sid: 'SM-c1', from: '+5511911110002' }));
    const old = await ticketOf('sms:SM-c1');
    await t.core.tickets.setStatus(admin, String(old._id), 'closed');
    await ingest(smsEvent(inbox, { sid: 'SM-c2', from: '+5511911110002' }));
    const next = await ticketOf('sms:SM-c2');
    expect(String(next._id)).not.toBe(String(old._id));
    expect(String(next.previousTicketId)).toBe(String(old._id));
    await ingest(smsEvent(inbox, { sid: 'SM-c3', from: '+5511911110002' }));
    expect(String((await ticketOf('sms:SM-c3'))._id)).toBe(String(next._id));
    const oldTrail = await t.core.tickets.auditTrail(admin, String(old._id));
    expect(oldTrail.map((e) => e.type)).toContain('ticket.follow_up_created');
  });

  it('a solved ticket outside the reopen window → follow-up ticket', async () => {
    const inbox = await createInbox(t.core, 'sms');
    await modelsOf(t.core).Inbox.updateOne({ _id: inbox._id }, { $set: { reopenWindowDays: 0 } });
    const admin = await createUser(t.core, 'admin');
    await ingest(smsEvent(String(inbox._id), { sid: 'SM-w1', from: '+5511911110003' }));
    const old = await ticketOf('sms:SM-w1');
    await t.core.tickets.setStatus(admin, String(old._id), 'solved');
    await new Promise((r) => setTimeout(r, 5));
    await ingest(smsEvent(String(inbox._id), { sid: 'SM-w2', from: '+5511911110003' }));
    const next = await ticketOf('sms:SM-w2');
    expect(String(next.previousTicketId)).toBe(String(old._id));
  });

  it('messages of a merged ticket follow the merge', async () => {
    const inbox = String((await createInbox(t.core, 'sms'))._id);
    const admin = await createUser(t.core, 'admin');
    await ingest(smsEvent(inbox, { sid: 'SM-m1', from: '+5511911110004' }), smsEvent(inbox, { sid: 'SM-m2', from: '+5511911110005' }));
    const a = await ticketOf('sms:SM-m1');
    const b = await ticketOf('sms:SM-m2');
    await t.core.tickets.merge(admin, String(a._id), String(b._id));
    await ingest(smsEvent(inbox, { sid: 'SM-m3', from: '+5511911110004' }));
    expect(String((await ticketOf('sms:SM-m3'))._id)).toBe(String(b._id));
    const source = await modelsOf(t.core).Ticket.findById(a._id).lean();
    expect(source).toMatchObject({ status: 'closed' });
    // Both histories stay intact.
    expect((await t.core.tickets.verifyAudit(admin, String(a._id))).intact).toBe(true);
    expect((await t.core.tickets.verifyAudit(admin, String(b._id))).intact).toBe(true);
  });

  it('a pending ticket becomes open again when the customer writes', async () => {
    const inbox = String((await createInbox(t.core, 'sms'))._id);
    const admin = await createUser(t.core, 'admin');
    await ingest(smsEvent(inbox, { sid: 'SM-p1', from: '+5511911110006' }));
    const ticket = await ticketOf('sms:SM-p1');
    await t.core.tickets.setStatus(admin, String(ticket._id), 'pending');
    await ingest(smsEvent(inbox, { sid: 'SM-p2', from: '+5511911110006' }));
    expect((await ticketOf('sms:SM-p2')).status).toBe('open');
  });

  it('an email joining by reference with an unrelated subject is flagged; a plain reply is not', async () => {
    const inbox = String((await createInbox(t.core, 'email'))._id);
    await ingest(emailEvent(inbox, { messageId: '<s1@cust.example>', from: 'sara@cust.example', subject: 'Invoice 2291 missing' }));
    await ingest(emailEvent(inbox, { messageId: '<s2@cust.example>', from: 'sara@cust.example', subject: 'RE: Invoice 2291 missing', inReplyTo: '<s1@cust.example>' }));
    await ingest(emailEvent(inbox, { messageId: '<s3@cust.example>', from: 'sara@cust.example', subject: 'New laptop for the Lisbon office', inReplyTo: '<s2@cust.example>' }));
    const m2 = await modelsOf(t.core).Message.findOne({ providerKey: `mail:${inbox}:<s2@cust.example>` }).lean();
    const m3 = await modelsOf(t.core).Message.findOne({ providerKey: `mail:${inbox}:<s3@cust.example>` }).lean();
    expect(String(m3!.ticketId)).toBe(String(m2!.ticketId));
    expect(m2!.subjectChanged).toBeFalsy();
    expect(m3!.subjectChanged).toBe(true);
  });

  it('our own outbound message coming back in is dropped, not stored twice', async () => {
    const inbox = String((await createInbox(t.core, 'email'))._id);
    const admin = await createUser(t.core, 'admin');
    await ingest(emailEvent(inbox, { messageId: '<e1@cust.example>', from: 'eva@cust.example', subject: 'Echo test' }));
    const ticket = await ticketOf(`mail:${inbox}:<e1@cust.example>`);
    const reply = await t.core.compose.reply(admin, String(ticket._id), { text: 'hello', attachments: [] });
    // A customer's forwarding rule sends our own mail back to the support mailbox.
    await ingest(emailEvent(inbox, { messageId: reply.emailMessageId!, from: 'eva@cust.example', subject: 'Re: Echo test' }));
    expect(await modelsOf(t.core).Message.countDocuments({ ticketId: ticket._id })).toBe(2);
    const record = await modelsOf(t.core).InboundEvent.findById(`mail:${inbox}:${reply.emailMessageId}`).lean();
    expect(record!.result?.outcome).toBe('own-echo');
  });

  it('HTML from any channel is sanitised by the core before it is stored', async () => {
    const inbox = String((await createInbox(t.core, 'messenger'))._id);
    const event = { ...smsEvent(inbox, { sid: 'x' }), providerKey: 'fb:mid.html-1', html: '<p onclick="steal()">Hi<script>alert(1)</script><img src="x" onerror="steal()"><a href="javascript:steal()">x</a></p>' };
    await ingest(event);
    const m = await modelsOf(t.core).Message.findOne({ providerKey: 'fb:mid.html-1' }).lean();
    expect(m!.html).toContain('Hi');
    expect(m!.html).not.toMatch(/script|onerror|onclick|javascript:/i);
  });

  it.each([
    ['within the reopen window', undefined],
    ['past the reopen window', 0],
  ])('an auto-reply (vacation notice, bounce) to a solved ticket is kept there without reopening it, %s', async (_label, windowDays) => {
    const inbox = await createInbox(t.core, 'email');
    if (windowDays !== undefined) await modelsOf(t.core).Inbox.updateOne({ _id: inbox._id }, { $set: { reopenWindowDays: windowDays } });
    const inboxId = String(inbox._id);
    const admin = await createUser(t.core, 'admin');
    const tag = `w${windowDays ?? 'd'}`;
    await ingest(emailEvent(inboxId, { messageId: `<${tag}-1@cust.example>`, from: 'vera@cust.example', subject: 'Refund' }));
    const ticket = await ticketOf(`mail:${inboxId}:<${tag}-1@cust.example>`);
    await t.core.tickets.setStatus(admin, String(ticket._id), 'solved');
    await new Promise((r) => setTimeout(r, 5));
    // "I am out of the office", answering each of our mails (some responders do, every time).
    for (const n of [1, 2]) {
      const key = `<${tag}-ooo${n}@cust.example>`;
      const refs = { inReplyTo: `<${tag}-1@cust.example>`, references: [`<${tag}-1@cust.example>`] };
      await ingest({ ...emailEvent(inboxId, { messageId: key, from: 'vera@cust.example', subject: 'Automatic reply: Refund', ...refs }), automated: true });
      const after = await ticketOf(`mail:${inboxId}:${key}`);
      expect(String(after._id)).toBe(String(ticket._id));
      expect(after).toMatchObject({ status: 'solved' });
      expect(after.reopenCount ?? 0).toBe(0);
      const m = await modelsOf(t.core).Message.findOne({ providerKey: `mail:${inboxId}:${key}` }).lean();
      expect(m!.threadReason!.detail).toContain('not reopened');
    }
    expect(await modelsOf(t.core).Ticket.countDocuments({ previousTicketId: ticket._id })).toBe(0);

    // A person writing again still reopens it (or opens its follow-up) as before.
    await ingest(emailEvent(inboxId, { messageId: `<${tag}-2@cust.example>`, from: 'vera@cust.example', subject: 'Re: Refund', inReplyTo: `<${tag}-1@cust.example>` }));
    const again = await ticketOf(`mail:${inboxId}:<${tag}-2@cust.example>`);
    if (windowDays === 0) expect(String(again.previousTicketId)).toBe(String(ticket._id));
    else expect(again).toMatchObject({ _id: ticket._id, status: 'open', reopenCount: 1 });
  });
});
