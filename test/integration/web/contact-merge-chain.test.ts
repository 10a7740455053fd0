import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInbox, createUser, smsEvent } from '../../support/test-core.js';
import { startWebHarness, type ApiClient, type WebHarness } from './web-harness.js';
import { modelsOf } from '../../../src/core/models/models-of.js';

/** Undo of a contact merge whose target was merged on since (X → Y, then Y → Z; undo X → Y). */
let h: WebHarness;
let supervisor: ApiClient;
let inboxId: string;

async function customer(sid: string, phone: string, name: string) {
  await h.t.core.ingest.accept([{ ...smsEvent(inboxId, { sid, from: phone, text: `hi from ${name}` }), sender: { handle: phone, displayName: name } }]);
  await h.t.core.ingest.drain();
  const message = (await modelsOf(h.t.core).Message.findOne({ providerKey: `sms:${sid}` }).lean())!;
  const ticket = (await modelsOf(h.t.core).Ticket.findById(message.ticketId).lean())!;
  return { contactId: String(ticket.contactId), ticketId: String(ticket._id) };
}

beforeAll(async () => {
  h = await startWebHarness();
  inboxId = String((await createInbox(h.t.core, 'sms'))._id);
  supervisor = await h.login(await createUser(h.t.core, 'supervisor'));
});
afterAll(async () => {
  await h?.stop();
});

describe('undo of a merge in a chain', () => {
  it('is refused (409) while its target is merged into another contact, and changes nothing; after the later undo it works', async () => {
    const x = await customer('CMC-1', '+5511966660001', 'Xavier');
    const y = await customer('CMC-2', '+5511966660002', 'Yara');
    const z = await customer('CMC-3', '+5511966660003', 'Zoe');
    const first = await supervisor.post(`/api/contacts/${x.contactId}/merge`, { targetId: y.contactId });
    expect(first.status).toBe(200);
    const second = await supervisor.post(`/api/contacts/${y.contactId}/merge`, { targetId: z.contactId });
    expect(second.status).toBe(200);

    const early = await supervisor.post(`/api/contact-merges/${first.body.mergeId}/undo`);
    expect(early.status).toBe(409);
    const m = modelsOf(h.t.core);
    expect(String((await m.Contact.findById(x.contactId).lean())!.mergedInto)).toBe(y.contactId);
    expect(String((await m.ContactIdentity.findById('phone:+5511966660001').lean())!.contactId)).toBe(z.contactId);
    expect(String((await m.Ticket.findById(x.ticketId).lean())!.contactId)).toBe(z.contactId);

    // Undone in the reverse order, each puts back its own.
    expect((await supervisor.post(`/api/contact-merges/${second.body.mergeId}/undo`)).status).toBe(200);
    expect((await supervisor.post(`/api/contact-merges/${first.body.mergeId}/undo`)).status).toBe(200);
    expect((await m.Contact.findById(x.contactId).lean())!.mergedInto).toBeUndefined();
    expect(String((await m.ContactIdentity.findById('phone:+5511966660001').lean())!.contactId)).toBe(x.contactId);
    expect(String((await m.Ticket.findById(x.ticketId).lean())!.contactId)).toBe(x.contactId);
  });
});
