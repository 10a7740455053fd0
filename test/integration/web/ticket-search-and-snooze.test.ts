import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { createInbox, createUser, smsEvent } from '../../support/test-core.js';
import { startWebHarness, type ApiClient, type WebHarness } from './web-harness.js';

let h: WebHarness;
let agent: ApiClient;
let ticket: { id: string; number: number };
let other: { id: string; number: number };

async function newTicket(inboxId: string, sid: string, from: string, text: string) {
  await h.t.core.ingest.accept([smsEvent(inboxId, { sid, from, text })]);
  await h.t.core.ingest.drain();
  const m = await modelsOf(h.t.core).Message.findOne({ providerKey: `sms:${sid}` }).lean();
  const t = await modelsOf(h.t.core).Ticket.findById(m!.ticketId).lean();
  return { id: String(t!._id), number: t!.number };
}

beforeAll(async () => {
  h = await startWebHarness();
  const inbox = String((await createInbox(h.t.core, 'sms'))._id);
  ticket = await newTicket(inbox, 'SM-web-search-1', '+5511977770001', 'A impressora não liga desde ontem');
  other = await newTicket(inbox, 'SM-web-search-2', '+5511977770002', 'Quero cancelar a assinatura');
  await h.t.core.search.settled();
  agent = await h.login(await createUser(h.t.core, 'agent'));
});
afterAll(async () => {
  await h.stop();
});

describe('GET /api/search/tickets', () => {
  it('finds by body words (accents, case, prefixes) and answers ticket summaries', async () => {
    const res = await agent.get(`/api/search/tickets?q=${encodeURIComponent('IMPRESS nao')}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ items: [{ id: ticket.id, number: ticket.number, channel: 'sms' }], partial: false });
  });

  it('bad input is a 400 with the field, no session a 401', async () => {
    const empty = await agent.get('/api/search/tickets?q=%20');
    expect(empty.status).toBe(400);
    expect(empty.body.error.details.issues[0].path).toBe('q');
    expect((await agent.get(`/api/search/tickets?q=x&limit=1000`)).status).toBe(400);
    expect((await h.anon.get('/api/search/tickets?q=impressora')).status).toBe(401);
  });
});

describe('snoozed tickets', () => {
  const listed = async (snoozed: 'only' | 'exclude') =>
    ((await agent.get(`/api/tickets?status=new,open,pending,on-hold&snoozed=${snoozed}`)).body.items as Array<{ id: string; snoozedUntil: string | null }>).map((x) => x.id);

  it('leave the open-work list while snoozed, are listed by snoozed=only, and come back when woken', async () => {
    expect(await listed('exclude')).toEqual(expect.arrayContaining([ticket.id, other.id]));
    expect(await listed('only')).toEqual([]);
    const until = new Date(Date.now() + 3_600_000).toISOString();
    expect((await agent.patch(`/api/tickets/${ticket.id}`, { snoozedUntil: until })).status).toBe(200);
    expect(await listed('exclude')).toEqual([other.id]);
    expect(await listed('only')).toEqual([ticket.id]);
    const page = await agent.get(`/api/tickets?snoozed=only`);
    expect(page.body.items[0].snoozedUntil).toBe(until);
    // The un-snooze job (what runs at `until`) brings it back.
    await h.t.core.tickets.endSnooze(ticket.id, new Date(Date.now() + 3_600_000));
    expect(await listed('only')).toEqual([]);
    expect(await listed('exclude')).toEqual(expect.arrayContaining([ticket.id, other.id]));
  });

  it('a snooze whose time has passed counts as woken even before the job ran', async () => {
    await modelsOf(h.t.core).Ticket.updateOne({ _id: other.id }, { $set: { snoozedUntil: new Date(Date.now() - 1000) } });
    expect(await listed('exclude')).toContain(other.id);
    expect(await listed('only')).not.toContain(other.id);
  });
});

describe('ticket list preview', () => {
  it("shows the newest message's text on one line, shortened; an agent reply replaces it", async () => {
    const inbox = String((await createInbox(h.t.core, 'sms'))._id);
    const t = await newTicket(inbox, 'SM-preview-1', '+5511977770009', 'primeira');
    await h.t.core.ingest.accept([smsEvent(inbox, { sid: 'SM-preview-2', from: '+5511977770009', text: `segunda\n\nlinha ${'x'.repeat(300)}` })]);
    await h.t.core.ingest.drain();
    const row = async () => ((await agent.get('/api/tickets?status=new,open,pending,on-hold&limit=100')).body.items as Array<{ id: string; preview?: string }>).find((x) => x.id === t.id);
    const preview = (await row())!.preview!;
    expect(preview.startsWith('segunda linha xxx')).toBe(true);
    expect(preview.length).toBe(140);
    expect(preview.endsWith('…')).toBe(true);
    expect((await agent.post(`/api/tickets/${t.id}/reply`, { text: 'Olá! Já verifico.' })).status).toBeLessThan(300);
    expect((await row())!.preview).toBe('Olá! Já verifico.');
  });
});
