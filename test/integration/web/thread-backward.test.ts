import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { listThread } from '../../../src/core/tickets/thread-queries.js';
import { createInbox, createUser, smsEvent } from '../../support/test-core.js';
import { startWebHarness, type ApiClient, type WebHarness } from './web-harness.js';

/**
 * A long thread read from its end (the console opens a ticket at its newest messages and reads older pages as
 * the agent scrolls up): `before=end`, then `before=<prevCursor>` until null. 1,000 messages with one and the
 * same timestamp, so every page boundary is a tie that only the message id breaks.
 */
const COUNT = 1000;
let h: WebHarness;
let agent: ApiClient;
let ticket: string;
let expected: string[];

type Page = { items: Array<{ id: string; text: string }>; nextCursor: string | null; prevCursor: string | null };

beforeAll(async () => {
  h = await startWebHarness();
  const inbox = String((await createInbox(h.t.core, 'sms'))._id);
  const at = new Date(Date.now() - 60_000);
  // One batch through the ingest, as a busy conversation would have it; every message at the same millisecond.
  await h.t.core.ingest.accept(Array.from({ length: COUNT }, (_, i) => smsEvent(inbox, { sid: `SM-back-${i}`, from: '+5511970000001', text: `m${i}`, at })));
  await h.t.core.ingest.drain();
  const rows = await modelsOf(h.t.core).Message.find({ providerKey: /^sms:SM-back-/ }, { _id: 1, ticketId: 1 }).lean();
  expect(rows).toHaveLength(COUNT);
  ticket = String(rows[0]!.ticketId);
  expect(new Set(rows.map((r) => String(r.ticketId)))).toEqual(new Set([ticket]));
  // Thread order: (occurredAt, _id); the timestamps are equal, so the ids decide.
  expected = rows.map((r) => String(r._id)).sort();
  agent = await h.login(await createUser(h.t.core, 'admin'));
}, 120_000);
afterAll(async () => {
  await h?.stop();
});

async function readBackward(limit: number): Promise<{ ids: string[]; pages: number }> {
  const pages: Page[] = [];
  let before: string | null = 'end';
  while (before) {
    const res = await agent.get(`/api/tickets/${ticket}/messages?before=${encodeURIComponent(before)}&limit=${limit}`);
    expect(res.status).toBe(200);
    const page = res.body as Page;
    expect(page.nextCursor).toBeNull();
    expect(page.items.length).toBeGreaterThan(0);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    pages.unshift(page);
    before = page.prevCursor;
    expect(pages.length).toBeLessThanOrEqual(Math.ceil(COUNT / limit));
  }
  return { ids: pages.flatMap((p) => p.items.map((m) => m.id)), pages: pages.length };
}

describe('a thread read backward', () => {
  it('the newest page first, in chronological order, with a cursor to the page before it', async () => {
    const res = await agent.get(`/api/tickets/${ticket}/messages?before=end&limit=50`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((m: { id: string }) => m.id)).toEqual(expected.slice(-50));
    expect(res.body.prevCursor).toMatch(/^\d+_[0-9a-f]{24}$/);
    expect(res.body.prevCursor.endsWith(`_${expected.at(-50)}`)).toBe(true);
    // The page before it ends where this one starts.
    const before = await agent.get(`/api/tickets/${ticket}/messages?before=${res.body.prevCursor}&limit=50`);
    expect(before.body.items.map((m: { id: string }) => m.id)).toEqual(expected.slice(-100, -50));
  });

  it('pages back through 1,000 messages at one timestamp: every message once, none missed, the same as forward', async () => {
    const { ids, pages } = await readBackward(200);
    expect(pages).toBe(5);
    expect(new Set(ids).size).toBe(COUNT);
    expect(ids).toEqual(expected);
    const forward: string[] = [];
    let after: string | null = null;
    do {
      const res: { body: Page } = await agent.get(`/api/tickets/${ticket}/messages?limit=200${after ? `&after=${after}` : ''}`);
      expect(res.body.prevCursor).toBeNull();
      forward.push(...res.body.items.map((m) => m.id));
      after = res.body.nextCursor;
    } while (after);
    expect(forward).toEqual(expected);
  });

  it("the query (MongoDB's path, and the embedded database's for a thread without complete entries) pages the same", async () => {
    const m = modelsOf(h.t.core);
    const t = (await m.Ticket.findById(ticket).lean())!;
    const ids: string[] = [];
    let before: string | null = 'end';
    // A limit that does not divide the thread: the last page read (the first of the thread) is a short one.
    while (before) {
      const page = await listThread(m, t, { before, limit: 150 });
      ids.unshift(...page.items.map((x) => String(x._id)));
      before = page.prevCursor;
    }
    expect(ids).toEqual(expected);
  });

  it('a short thread: one page, no cursor back', async () => {
    const inbox = String((await createInbox(h.t.core, 'sms'))._id);
    await h.t.core.ingest.accept([smsEvent(inbox, { sid: 'SM-short-1', from: '+5511970000002', at: new Date(Date.now() - 2000) }), smsEvent(inbox, { sid: 'SM-short-2', from: '+5511970000002' })]);
    await h.t.core.ingest.drain();
    const short = String((await modelsOf(h.t.core).Message.findOne({ providerKey: 'sms:SM-short-1' }).lean())!.ticketId);
    const res = await agent.get(`/api/tickets/${short}/messages?before=end`);
    expect(res.body.items.map((m: { text: string }) => m.text)).toEqual(['hello SM-short-1', 'hello SM-short-2']);
    expect(res.body.prevCursor).toBeNull();
    const exact = await agent.get(`/api/tickets/${short}/messages?before=end&limit=2`);
    expect(exact.body.items).toHaveLength(2);
    expect(exact.body.prevCursor).toBeNull();
  });

  it('a bad `before`, or `before` with `after`, is a 400 naming `before`', async () => {
    const id = expected[0]!;
    const cursor = `${Date.now()}_${id}`;
    for (const q of [
      'before=',
      'before=start',
      'before=END',
      `before=${encodeURIComponent(' _' + id)}`,
      `before=99999999999999999_${id}`,
      `before=1_${id}_x`,
      'before=1_aaaaaaaaaaaa',
      `before=-5_${id}`,
      `before=end&after=${cursor}`,
      `before=${cursor}&after=${cursor}`,
    ]) {
      const res = await agent.get(`/api/tickets/${ticket}/messages?${q}`);
      expect({ q, status: res.status, code: res.body?.error?.code }).toEqual({ q, status: 400, code: 'VALIDATION_FAILED' });
      expect({ q, paths: res.body.error.details.issues.map((i: { path: string }) => i.path) }).toEqual({ q, paths: ['before'] });
    }
  });

  it('the OpenAPI document describes `before`', async () => {
    const doc = (await h.anon.get('/api/openapi.json')).body;
    const params: Array<{ name: string; description?: string; schema: { description?: string } }> = doc.paths['/api/tickets/{id}/messages'].get.parameters;
    const before = params.find((p) => p.name === 'before');
    expect(before?.schema.description ?? before?.description).toMatch(/`end`: the newest page/);
    expect(doc.paths['/api/tickets/{id}/messages'].get.responses['200'].content['application/json'].schema.properties.prevCursor).toBeDefined();
  });
});
