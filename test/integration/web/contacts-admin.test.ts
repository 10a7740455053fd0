import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInbox, createUser, smsEvent } from '../../support/test-core.js';
import { startWebHarness, type ApiClient, type WebHarness } from './web-harness.js';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { ContactService } from '../../../src/core/contacts/contact-service.js';
import { ContactCache } from '../../../src/core/contacts/contact-cache.js';
import { TicketLocks } from '../../../src/core/tickets/ticket-locks.js';
import { createLogger } from '../../../src/core/logging/logger.js';

/** Contacts page gaps: accent- and case-insensitive search, edit, merge preview, merge recorded, undo. */
let h: WebHarness;
let supervisor: ApiClient;
let agent: ApiClient;
let inboxId: string;

async function customer(sid: string, phone: string, name: string) {
  await h.t.core.ingest.accept([{ ...smsEvent(inboxId, { sid, from: phone, text: `hi from ${name}` }), sender: { handle: phone, displayName: name } }]);
  await h.t.core.ingest.drain();
  const message = (await modelsOf(h.t.core).Message.findOne({ providerKey: `sms:${sid}` }).lean())!;
  const ticket = (await modelsOf(h.t.core).Ticket.findById(message.ticketId).lean())!;
  return { contactId: String(ticket.contactId), ticketId: String(ticket._id) };
}
const names = (res: { body: { items: Array<{ name?: string }> } }) => res.body.items.map((c) => c.name).sort();

beforeAll(async () => {
  h = await startWebHarness();
  // A department inbox the agent is not in: the agent sees none of these customers.
  const [billing] = await modelsOf(h.t.core).Department.insertMany([{ name: 'Billing' }]);
  inboxId = String((await createInbox(h.t.core, 'sms', { departmentId: billing!._id }))._id);
  supervisor = await h.login(await createUser(h.t.core, 'supervisor'));
  agent = await h.login(await createUser(h.t.core, 'agent'));
});
afterAll(async () => {
  await h?.stop();
});

describe('contact search', () => {
  it('finds "María" from maria, MARÍA, mar and the phone in any form', async () => {
    await customer('CS-1', '+5511944440001', 'María Pérez');
    await customer('CS-2', '+5511944440002', 'Mario Souza');
    await customer('CS-3', '+5511944440003', 'João Ñandú');
    expect(names(await supervisor.get('/api/contacts?q=maria'))).toEqual(['María Pérez']);
    expect(names(await supervisor.get('/api/contacts?q=MARÍA'))).toEqual(['María Pérez']);
    expect(names(await supervisor.get('/api/contacts?q=mar'))).toEqual(['Mario Souza', 'María Pérez']);
    expect(names(await supervisor.get('/api/contacts?q=perez%20mar'))).toEqual(['María Pérez']);
    expect(names(await supervisor.get('/api/contacts?q=joao%20nandu'))).toEqual(['João Ñandú']);
    expect(names(await supervisor.get('/api/contacts?q=%2B55%2011%2094444-0003'))).toEqual(['João Ñandú']);
    expect(names(await supervisor.get('/api/contacts?q=944440003'))).toEqual(['João Ñandú']);
    expect(names(await supervisor.get('/api/contacts?q=zzz'))).toEqual([]);
    // A contact stored before search terms existed is found too (filled in once, on the first search).
    await modelsOf(h.t.core).Contact.collection.insertOne({ name: 'Ângela Old', identities: ['phone:+5511944449999'], createdAt: new Date(), updatedAt: new Date() });
    const fresh = await startWebHarnessLikeRestart();
    expect(names(await fresh.get('/api/contacts?q=angela'))).toEqual(['Ângela Old']);
  });

  it('folds ß, ø, ł, æ as the ticket search does, also for contacts whose terms an older folding stored', async () => {
    await customer('CS-10', '+5511944440010', 'Jürgen Strauß');
    await customer('CS-11', '+5511944440011', 'Søren Ærø');
    await customer('CS-12', '+5511944440012', 'Paweł Łódź');
    expect(names(await supervisor.get('/api/contacts?q=strauss'))).toEqual(['Jürgen Strauß']);
    expect(names(await supervisor.get(`/api/contacts?q=${encodeURIComponent('STRAUẞ')}`))).toEqual(['Jürgen Strauß']);
    expect(names(await supervisor.get('/api/contacts?q=soren%20aero'))).toEqual(['Søren Ærø']);
    expect(names(await supervisor.get('/api/contacts?q=pawel%20lodz'))).toEqual(['Paweł Łódź']);
    // Stored before the folding knew these letters (terms as the old folding wrote them): found after the refresh
    // the first search of a process starts; the others are left as they are.
    const m = modelsOf(h.t.core);
    const { insertedId } = await m.Contact.collection.insertOne({ name: 'Gößmann Old', identities: ['phone:+5511944449998'], searchTerms: ['gößmann', 'old', '5511944449998'], createdAt: new Date(), updatedAt: new Date() });
    const untouched = (await m.Contact.findOne({ name: 'Jürgen Strauß' }).lean())!;
    const fresh = new ContactService(m, new TicketLocks(), new ContactCache(), createLogger('silent'));
    const viewer = { id: '0'.repeat(24), name: 's', email: 's@x', role: 'supervisor' as const, departmentIds: [] };
    await fresh.search(viewer, 'anything', 5);
    await fresh.termsRefreshed();
    const terms = (await m.Contact.findById(insertedId).lean())!.searchTerms;
    expect(terms).toContain('gossmann');
    expect(terms).not.toContain('gößmann');
    expect((await fresh.search(viewer, 'gossm', 5)).map((c) => c.name)).toEqual(['Gößmann Old']);
    expect((await m.Contact.findById(untouched._id).lean())!.updatedAt).toEqual(untouched.updatedAt);
  });

  it('an edit is searchable at once; invalid input is a 400 naming the field', async () => {
    const { contactId } = await customer('CS-4', '+5511944440004', 'Zé Antigo');
    const edited = await supervisor.patch(`/api/contacts/${contactId}`, { name: 'José Novo', email: 'Jose@Example.com', notes: 'VIP' });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ name: 'José Novo', email: 'jose@example.com', notes: 'VIP' });
    expect(names(await supervisor.get('/api/contacts?q=jose'))).toEqual(['José Novo']);
    expect(names(await supervisor.get('/api/contacts?q=antigo'))).toEqual([]);
    expect(names(await supervisor.get('/api/contacts?q=example.com'))).toEqual(['José Novo']);
    const bad = await supervisor.patch(`/api/contacts/${contactId}`, { email: 'not an email', phone: 'abc' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues.map((i: { path: string }) => i.path).sort()).toEqual(['email', 'phone']);
    expect((await supervisor.patch(`/api/contacts/${contactId}`, { role: 'x' })).status).toBe(400);
    // An agent who sees none of this contact's tickets cannot edit it either (404, not disclosed).
    expect((await agent.patch(`/api/contacts/${contactId}`, { notes: 'x' })).status).toBe(404);
  });
});

describe('contact merge', () => {
  it('preview, merge recorded with its evidence, undo restores both contacts, identities and tickets; once', async () => {
    const a = await customer('CM-1', '+5511955550001', 'Ana Web');
    const b = await customer('CM-2', '+5511955550002', 'Ana Phone');
    const preview = await supervisor.get(`/api/contacts/${a.contactId}/merge-preview?targetId=${b.contactId}`);
    expect(preview.status).toBe(200);
    expect(preview.body.identities).toEqual(['phone:+5511955550001']);
    expect(preview.body.tickets.map((t: { id: string }) => t.id)).toEqual([a.ticketId]);
    expect((await agent.get(`/api/contacts/${a.contactId}/merge-preview?targetId=${b.contactId}`)).status).toBe(403);
    // The preview moved nothing.
    expect((await modelsOf(h.t.core).ContactIdentity.findById('phone:+5511955550001').lean())!.contactId.toString()).toBe(a.contactId);

    const merged = await supervisor.post(`/api/contacts/${a.contactId}/merge`, { targetId: b.contactId });
    expect(merged.status).toBe(200);
    expect(merged.body.identities.sort()).toEqual(['phone:+5511955550001', 'phone:+5511955550002']);
    const mergeId = merged.body.mergeId as string;
    const detail = await supervisor.get(`/api/contacts/${b.contactId}`);
    expect(detail.body.tickets.map((t: { id: string }) => t.id).sort()).toEqual([a.ticketId, b.ticketId].sort());
    expect(detail.body.merges[0]).toMatchObject({ id: mergeId, sourceId: a.contactId, identities: ['phone:+5511955550001'], ticketIds: [a.ticketId], undoneAt: null });
    // A new message from the merged-away number lands on the surviving contact.
    await customer('CM-3', '+5511955550001', 'Ana Web');
    expect(names(await supervisor.get('/api/contacts?q=955550001'))).toEqual(['Ana Phone']);

    const undone = await supervisor.post(`/api/contact-merges/${mergeId}/undo`);
    expect(undone.status).toBe(200);
    expect(undone.body.source).toMatchObject({ id: a.contactId, name: 'Ana Web', identities: ['phone:+5511955550001'], mergedInto: null });
    expect(undone.body.target.identities).toEqual(['phone:+5511955550002']);
    expect(String((await modelsOf(h.t.core).Ticket.findById(a.ticketId).lean())!.contactId)).toBe(a.contactId);
    expect(String((await modelsOf(h.t.core).ContactIdentity.findById('phone:+5511955550001').lean())!.contactId)).toBe(a.contactId);
    expect(names(await supervisor.get('/api/contacts?q=ana'))).toEqual(['Ana Phone', 'Ana Web']);
    // The identity is routed to its own contact again.
    await customer('CM-4', '+5511955550001', 'Ana Web');
    const again = (await modelsOf(h.t.core).Message.findOne({ providerKey: 'sms:CM-4' }).lean())!;
    expect(String((await modelsOf(h.t.core).Ticket.findById(again.ticketId).lean())!.contactId)).toBe(a.contactId);
    const twice = await supervisor.post(`/api/contact-merges/${mergeId}/undo`);
    expect([twice.status, twice.body.error.code]).toEqual([409, 'MERGE_UNDONE']);
    expect((await supervisor.get(`/api/contacts/${b.contactId}`)).body.merges[0].undoneAt).toEqual(expect.any(String));
  });
});

/** A second contact service on the same database (a restarted hub: it has not backfilled yet). */
async function startWebHarnessLikeRestart(): Promise<ApiClient> {
  const fresh = new ContactService(modelsOf(h.t.core), new TicketLocks(), new ContactCache(), createLogger('silent'));
  const viewer = { id: '0'.repeat(24), name: 's', email: 's@x', role: 'supervisor' as const, departmentIds: [] };
  return {
    get: async (path: string) => {
      const q = new URL(path, 'http://x').searchParams.get('q') ?? undefined;
      return { body: { items: await fresh.search(viewer, q, 25) } };
    },
  } as unknown as ApiClient;
}

describe('concurrent contact merges', () => {
  it('X into Y and Y into X at once: one merge wins, the other is a 409, no contact lost', async () => {
    const merged = (id: string) => modelsOf(h.t.core).Contact.findById(id, { mergedInto: 1 }).lean();
    const [x, y, z] = [await customer('CC-1', '+5511966660001', 'Xavier'), await customer('CC-2', '+5511966660002', 'Yara'), await customer('CC-3', '+5511966660003', 'Zeca')];
    const crossed = await Promise.all([
      supervisor.post(`/api/contacts/${x.contactId}/merge`, { targetId: y.contactId }),
      supervisor.post(`/api/contacts/${y.contactId}/merge`, { targetId: x.contactId }),
    ]);
    expect(crossed.map((r) => r.status).sort()).toEqual([200, 409]);
    expect([(await merged(x.contactId))!.mergedInto, (await merged(y.contactId))!.mergedInto].filter(Boolean)).toHaveLength(1);
    const survivor = (await merged(x.contactId))!.mergedInto ? y : x;
    const loser = survivor === x ? y : x;
    const twice = await Promise.all([
      supervisor.post(`/api/contacts/${survivor.contactId}/merge`, { targetId: z.contactId }),
      supervisor.post(`/api/contacts/${z.contactId}/merge`, { targetId: survivor.contactId }),
    ]);
    expect(twice.map((r) => r.status).sort()).toEqual([200, 409]);
    // Every phone still belongs to one contact that is not merged away.
    for (const phone of ['+5511966660001', '+5511966660002', '+5511966660003']) {
      const owner = (await modelsOf(h.t.core).ContactIdentity.findById(`phone:${phone}`).lean())!;
      expect((await merged(String(owner.contactId)))!.mergedInto).toBeUndefined();
    }
    expect(loser.contactId).not.toBe(survivor.contactId);
  });
});

describe('a contact named twice (its id in upper and lower case)', () => {
  it('is not merged into itself: 400, the contact stays listed and unmerged', async () => {
    const { contactId } = await customer('CT-1', '+5511977770001', 'Tereza Twice');
    const res = await supervisor.post(`/api/contacts/${contactId.toUpperCase()}/merge`, { targetId: contactId });
    expect([res.status, res.body.error?.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect((await modelsOf(h.t.core).Contact.findById(contactId, { mergedInto: 1 }).lean())!.mergedInto).toBeUndefined();
    expect(names(await supervisor.get('/api/contacts?q=tereza'))).toEqual(['Tereza Twice']);
  });
});
