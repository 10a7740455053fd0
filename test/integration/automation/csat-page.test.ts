import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { ScriptedAdapter } from '../../support/fake-channel.js';
import { createInbox, createUser, emailEvent } from '../../support/test-core.js';
import { eventually, startWebHarness, type ApiClient, type WebHarness } from '../web/web-harness.js';

/** The public rating page behind an email's link, and the admin's per-inbox switch, over HTTP. */
let h: WebHarness;
let admin: ApiClient;
let agent: ApiClient;
let inboxId: string;

beforeAll(async () => {
  h = await startWebHarness();
  const inbox = await createInbox(h.t.core, 'email');
  inboxId = String(inbox._id);
  h.t.registry.adapters.set(inboxId, new ScriptedAdapter());
  admin = await h.login(await createUser(h.t.core, 'admin'));
  agent = await h.login(await createUser(h.t.core, 'agent'));
});
afterAll(async () => {
  await h.stop();
});

const form = (fields: Record<string, string>) => ({ raw: new URLSearchParams(fields).toString(), contentType: 'application/x-www-form-urlencoded' });

describe('rating page', () => {
  it('admins switch CSAT on per inbox; agents may not; bad settings are 400', async () => {
    expect((await admin.get(`/api/inboxes/${inboxId}/automation`)).body).toMatchObject({ csat: { enabled: false, windowDays: 7 }, autoCloseDays: null });
    expect((await agent.put(`/api/inboxes/${inboxId}/automation`, { csat: { enabled: true } })).status).toBe(403);
    expect((await admin.put(`/api/inboxes/${inboxId}/automation`, { csat: { enabled: true, windowDays: 0 } })).status).toBe(400);
    expect((await admin.put(`/api/inboxes/000000000000000000000000/automation`, {})).status).toBe(404);
    const put = await admin.put(`/api/inboxes/${inboxId}/automation`, { csat: { enabled: true, windowDays: 5 }, defaultLanguage: 'pt' });
    expect(put.status).toBe(200);
    expect(put.body.csat).toEqual({ enabled: true, windowDays: 5 });
  });

  it('the link opens a PT page, records 1–5 + comment, shows it to the agent; forged 404, bad 400, expired 410', async () => {
    await h.t.core.ingest.accept([emailEvent(inboxId, { messageId: `<page-${Date.now()}@x>`, from: 'joao@example.com', subject: 'Pedido atrasado', text: 'Olá, o meu pedido não chegou' })]);
    await h.t.core.ingest.drain();
    const ticket = (await modelsOf(h.t.core).Ticket.findOne({ inboxId }).lean())!;
    const ticketId = String(ticket._id);
    expect((await admin.patch(`/api/tickets/${ticketId}`, { status: 'solved' })).status).toBe(200);
    const request = await eventually(async () => (await modelsOf(h.t.core).Message.findOne({ ticketId, automatic: true }).lean()) ?? undefined);
    const path = new URL(/https?:\/\/\S+\/csat\/\S+/.exec(request.text)![0]).pathname;

    const page = await h.anon.get(path);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.text).toContain('<html lang="pt">');
    expect(page.text).toContain(`pedido #${ticket.number}`);
    expect(page.text).toContain('name="rating" value="5"');

    expect((await h.anon.get(`${path.slice(0, -3)}xyz`)).status).toBe(404);
    expect((await h.anon.get('/csat/bm90LWEtcmVxdWVzdA.abcdefabcdefabcdefabcdefabcdefab')).status).toBe(404);
    const bad = await h.anon.request('POST', path, form({ rating: '9' }));
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Escolha uma nota de 1 a 5');

    const ok = await h.anon.request('POST', path, form({ rating: '4', comment: 'Resolveram <b>rápido</b>' }));
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('A sua avaliação foi registada');
    expect(ok.text).toContain('Resolveram &#60;b&#62;rápido&#60;/b&#62;'); // escaped, never markup
    // A department-less ticket is in every agent's triage queue: the agent sees the rating in the detail.
    const seen = await agent.get(`/api/tickets/${ticketId}`);
    expect(seen.body.csat).toMatchObject({ rating: 4, comment: 'Resolveram <b>rápido</b>' });
    expect(seen.body.csat.ratedAt).toEqual(expect.any(String));

    await h.t.db.connection.collection('csat_requests').updateOne({ ticketId }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await h.anon.get(path)).status).toBe(410);
    const late = await h.anon.request('POST', path, form({ rating: '1' }));
    expect(late.status).toBe(410);
    expect(late.text).toContain('expirou');
    expect((await admin.get(`/api/tickets/${ticketId}`)).body.csat.rating).toBe(4);
  });
});
