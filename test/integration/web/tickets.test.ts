import { deliveryClaims, deliveryJobsSettled } from '../../support/delivery-jobs.js';
import type { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelError } from '../../../src/core/errors/app-error.js';
import { ScriptedAdapter } from '../../support/fake-channel.js';
import { createInbox, createUser, smsEvent } from '../../support/test-core.js';
import { eventually, startWebHarness, type ApiClient, type WebHarness } from './web-harness.js';
import { modelsOf } from '../../../src/core/models/models-of.js';

let h: WebHarness;
let depA: Types.ObjectId;
let depB: Types.ObjectId;
let inboxA: string;
let inboxB: string;
const adapterA = new ScriptedAdapter();
const adapterB = new ScriptedAdapter();
let agentA: ApiClient;
let agentB: ApiClient;
let supervisor: ApiClient;
let ticketA: string;
let ticketB: string;
let phoneSeq = 0;

async function newTicket(inboxId: string): Promise<string> {
  const sid = `SM-${++phoneSeq}-${Date.now()}`;
  await h.t.core.ingest.accept([smsEvent(inboxId, { sid, from: `+55119${String(phoneSeq).padStart(8, '0')}` })]);
  await h.t.core.ingest.drain();
  const m = await modelsOf(h.t.core).Message.findOne({ providerKey: `sms:${sid}` }).lean();
  return String(m!.ticketId);
}

const auditCount = (ticketId: string) => modelsOf(h.t.core).AuditEvent.countDocuments({ ticketId });
const messageCount = (ticketId: string) => modelsOf(h.t.core).Message.countDocuments({ ticketId });

beforeAll(async () => {
  h = await startWebHarness();
  const { core } = h.t;
  const deps = await modelsOf(core).Department.insertMany([{ name: 'Sales' }, { name: 'Billing' }]);
  [depA, depB] = [deps[0]!._id, deps[1]!._id];
  inboxA = String((await createInbox(core, 'sms', { departmentId: depA }))._id);
  inboxB = String((await createInbox(core, 'sms', { departmentId: depB }))._id);
  h.t.registry.adapters.set(inboxA, adapterA);
  h.t.registry.adapters.set(inboxB, adapterB);
  ticketA = await newTicket(inboxA);
  ticketB = await newTicket(inboxB);
  agentA = await h.login(await createUser(core, 'agent', [depA]));
  agentB = await h.login(await createUser(core, 'agent', [depB]));
  supervisor = await h.login(await createUser(core, 'supervisor'));
});
afterAll(async () => {
  await h?.stop();
});

describe('visibility', () => {
  it("an agent of department A never sees department B's ticket: absent from the list, 404 everywhere, nothing written", async () => {
    const list = await agentA.get('/api/tickets?limit=100');
    expect(list.status).toBe(200);
    const ids = list.body.items.map((t: { id: string }) => t.id);
    expect(ids).toContain(ticketA);
    expect(ids).not.toContain(ticketB);

    const [audits, messages] = [await auditCount(ticketB), await messageCount(ticketB)];
    const attempts = await Promise.all([
      agentA.get(`/api/tickets/${ticketB}`),
      agentA.get(`/api/tickets/${ticketB}/messages`),
      agentA.get(`/api/tickets/${ticketB}/audit`),
      agentA.get(`/api/tickets/${ticketB}/audit/verify`),
      agentA.post(`/api/tickets/${ticketB}/reply`, { text: 'hi' }),
      agentA.post(`/api/tickets/${ticketB}/note`, { text: 'psst' }),
      agentA.patch(`/api/tickets/${ticketB}`, { priority: 'urgent' }),
      agentA.patch(`/api/tickets/${ticketB}`, { assigneeId: null, departmentId: String(depA) }),
      agentA.post(`/api/tickets/${ticketB}/merge`, { targetId: ticketA }),
      agentA.post(`/api/tickets/${ticketA}/merge`, { targetId: ticketB }),
    ]);
    for (const res of attempts) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
    expect(await auditCount(ticketB)).toBe(audits);
    expect(await messageCount(ticketB)).toBe(messages);
    expect(adapterB.calls).toHaveLength(0);
  });

  it('the agent of department B and a supervisor see it, with SLA times, contact and inbox name', async () => {
    for (const client of [agentB, supervisor]) {
      const list = await client.get('/api/tickets?limit=100');
      expect(list.body.items.map((t: { id: string }) => t.id)).toContain(ticketB);
      const detail = await client.get(`/api/tickets/${ticketB}`);
      expect(detail.status).toBe(200);
      expect(detail.body).toMatchObject({
        id: ticketB,
        status: 'new',
        priority: 'normal',
        departmentId: String(depB),
        department: { name: 'Billing' },
        inbox: { id: inboxB, kind: 'sms' },
        contact: { phone: expect.stringMatching(/^\+55119/) },
        sla: { policy: 'default:normal', firstResponseDueAt: expect.any(String), resolutionDueAt: expect.any(String) },
      });
      expect(detail.body.inbox.name).toMatch(/^sms-/);
      expect(Date.parse(detail.body.slaDueAt)).toBe(Date.parse(detail.body.sla.firstResponseDueAt));
    }
  });

  it('a supervisor sees both; paging with the cursor returns each ticket once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: { items: { id: string }[]; nextCursor: string | null } } = await supervisor.get(
        `/api/tickets?limit=1&sort=created${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((t) => t.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(expect.arrayContaining([ticketA, ticketB]));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('filters: status, department, assignee=unassigned', async () => {
    const res = await supervisor.get(`/api/tickets?status=new,open&departmentId=${String(depB)}&assignee=unassigned`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((t: { id: string }) => t.id)).toEqual([ticketB]);
  });
});

describe('validation', () => {
  it('bad input is a 400 VALIDATION_FAILED with field-level paths', async () => {
    const cases: Array<[Promise<{ status: number; body: any }>, string]> = [
      [agentA.patch(`/api/tickets/${ticketA}`, { priority: 'extreme' }), 'priority'],
      [agentA.patch(`/api/tickets/${ticketA}`, { snoozedUntil: 'tomorrow' }), 'snoozedUntil'],
      [agentA.patch(`/api/tickets/${ticketA}`, { assigneeId: 'bob' }), 'assigneeId'],
      [agentA.patch(`/api/tickets/${ticketA}`, { addTags: ['ok', ''] }), 'addTags.1'],
      [agentA.patch(`/api/tickets/${ticketA}`, { prority: 'high' }), 'prority'],
      [agentA.patch(`/api/tickets/${ticketA}`, {}), ''],
      [agentA.post(`/api/tickets/${ticketA}/reply`, { text: '   ' }), 'text'],
      [agentA.post(`/api/tickets/${ticketA}/note`, { text: 'x', attachments: [{ fileName: 'a/b', mimeType: 'text/plain', contentBase64: 'aGk=' }] }), 'attachments.0.fileName'],
      [agentA.get('/api/tickets?status=bogus'), 'status'],
      [agentA.get('/api/tickets?limit=1000'), 'limit'],
      [agentA.get(`/api/tickets/${ticketA}/messages?limit=0`), 'limit'],
      [agentA.get(`/api/tickets/${ticketA}/audit?afterSeq=-1`), 'afterSeq'],
      [agentA.post(`/api/tickets/${ticketA}/merge`, { targetId: 42 }), 'targetId'],
    ];
    for (const [request, path] of cases) {
      const res = await request;
      expect(res.status, path).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      const paths: string[] = res.body.error.details.issues.map((i: { path: string }) => i.path);
      expect(paths.some((p) => p === path || p.startsWith(`${path}.`)), `${path} in ${paths.join(', ')}`).toBe(true);
      for (const issue of res.body.error.details.issues) expect(typeof issue.message).toBe('string');
    }
  });

  it('service-level validation keeps its field path (unknown assignee, snooze in the past)', async () => {
    const unknown = await agentA.patch(`/api/tickets/${ticketA}`, { assigneeId: '0123456789abcdef01234567' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details.issues[0].path).toBe('assigneeId');
    const past = await agentA.patch(`/api/tickets/${ticketA}`, { snoozedUntil: '2001-01-01T00:00:00Z', priority: 'low' });
    expect(past.status).toBe(400);
    expect(past.body.error.details.issues[0].path).toBe('snoozedUntil');
    // Checked before anything else was applied.
    expect((await agentA.get(`/api/tickets/${ticketA}`)).body.priority).toBe('normal');
  });

  it('an unknown or inactive assignee or an unknown department refuses the whole PATCH: nothing changed, nothing audited', async () => {
    const ticket = await newTicket(inboxA);
    const inactive = await createUser(h.t.core, 'agent', [depA]);
    await modelsOf(h.t.core).User.updateOne({ _id: inactive.id }, { $set: { active: false } });
    const before = await auditCount(ticket);
    const changes = { status: 'pending', priority: 'high', type: 'question', addTags: ['vip'] };
    for (const wrong of [{ assigneeId: '0123456789abcdef01234567' }, { assigneeId: inactive.id }, { departmentId: '0123456789abcdef01234567' }]) {
      const res = await agentA.patch(`/api/tickets/${ticket}`, { ...changes, ...wrong });
      expect(res.status).toBe(400);
      expect(res.body.error.details.issues[0].path).toBe(Object.keys(wrong)[0]);
    }
    const after = (await agentA.get(`/api/tickets/${ticket}`)).body;
    expect({ status: after.status, priority: after.priority, type: after.type, tags: after.tags }).toEqual({ status: 'new', priority: 'normal', type: null, tags: [] });
    expect(await auditCount(ticket)).toBe(before);
  });
});

describe('thread cursor', () => {
  it('pages with the cursor it gave; anything else in `after` is a 400, never a page', async () => {
    const ticket = await newTicket(inboxA);
    await agentA.post(`/api/tickets/${ticket}/note`, { text: 'second' });
    const first = await agentA.get(`/api/tickets/${ticket}/messages?limit=1`);
    expect(first.body.items).toHaveLength(1);
    const second = await agentA.get(`/api/tickets/${ticket}/messages?limit=1&after=${first.body.nextCursor}`);
    expect(second.body.items.map((m: { text: string }) => m.text)).toEqual(['second']);
    const id = first.body.items[0].id;
    for (const after of ['99999999999999999_' + id, 'Infinity_' + id, '1e400_' + id, ' _' + id, '-5_' + id, '1_' + id + '_x', '1_aaaaaaaaaaaa']) {
      const res = await agentA.get(`/api/tickets/${ticket}/messages?after=${encodeURIComponent(after)}`);
      expect({ after, status: res.status }).toEqual({ after, status: 400 });
      expect(res.body.error.details.issues[0].path).toBe('after');
    }
  });
});

describe('ticket operations', () => {
  it('PATCH applies each change through its service operation, one audit event each', async () => {
    const id = await newTicket(inboxA);
    const me = (await agentA.get('/api/auth/me')).body as { id: string };
    const snoozedUntil = new Date(Date.now() + 3600_000).toISOString();
    const res = await agentA.patch(`/api/tickets/${id}`, {
      status: 'pending',
      priority: 'high',
      type: 'question',
      addTags: ['VIP', 'refund'],
      snoozedUntil,
      assigneeId: me.id,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'pending',
      priority: 'high',
      type: 'question',
      tags: ['vip', 'refund'],
      assigneeId: me.id,
      assignee: { id: me.id },
      snoozedUntil,
      sla: { policy: 'default:high' },
    });
    const trail = await agentA.get(`/api/tickets/${id}/audit`);
    // Pending pauses the clock: the resolution and first-response due times go (sla.changed, reason given);
    // the priority change while paused moves none.
    const slaEvents = trail.body.items.filter((e: { type: string }) => e.type === 'sla.changed');
    expect(slaEvents.map((e: { data: { target: string; to: string | null; reason: string } }) => [e.data.target, e.data.to, e.data.reason])).toEqual([
      ['firstResponse', null, 'status new → pending'],
      ['resolution', null, 'status new → pending'],
    ]);
    expect(trail.body.items.map((e: { type: string }) => e.type).filter((t: string) => t !== 'sla.changed').slice(-6)).toEqual([
      'ticket.status_changed',
      'ticket.priority_changed',
      'ticket.type_changed',
      'ticket.tags_changed',
      'ticket.snoozed',
      'ticket.assigned',
    ]);
    const after = await agentA.patch(`/api/tickets/${id}`, { assigneeId: null, removeTags: ['vip'], snoozedUntil: null, type: null });
    expect(after.body).toMatchObject({ assigneeId: null, assignee: null, tags: ['refund'], snoozedUntil: null, type: null });
    const verify = await agentA.get(`/api/tickets/${id}/audit/verify`);
    expect(verify.body).toMatchObject({ intact: true, events: trail.body.items.length + 4 });
    const since = await agentA.get(`/api/tickets/${id}/audit?afterSeq=${trail.body.items.length}`);
    expect(since.body.items.map((e: { seq: number }) => e.seq)).toEqual([1, 2, 3, 4].map((n) => n + trail.body.items.length));
  });

  it('a transfer to another department comes last and takes the ticket out of the agent’s sight', async () => {
    const id = await newTicket(inboxA);
    const res = await agentA.patch(`/api/tickets/${id}`, { departmentId: String(depB), priority: 'urgent' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ priority: 'urgent', departmentId: String(depB) });
    expect((await agentA.get(`/api/tickets/${id}`)).status).toBe(404);
    expect((await agentB.get(`/api/tickets/${id}`)).status).toBe(200);
  });

  it('concurrent merges cannot make a cycle or merge one ticket into two: one wins, the other is a 409', async () => {
    const merged = (id: string) => modelsOf(h.t.core).Ticket.findById(id, { mergedInto: 1, mergedTicketIds: 1 }).lean();
    for (let round = 0; round < 3; round++) {
      // A into B and B into A at once.
      const [a, b] = [await newTicket(inboxA), await newTicket(inboxA)];
      const crossed = await Promise.all([agentA.post(`/api/tickets/${a}/merge`, { targetId: b }), agentA.post(`/api/tickets/${b}/merge`, { targetId: a })]);
      expect(crossed.map((r) => r.status).sort()).toEqual([200, 409]);
      const [ta, tb] = [(await merged(a))!, (await merged(b))!];
      expect(Boolean(ta.mergedInto) !== Boolean(tb.mergedInto)).toBe(true);
      // C into D and C into E at once.
      const [c, d, e] = [await newTicket(inboxA), await newTicket(inboxA), await newTicket(inboxA)];
      const twice = await Promise.all([agentA.post(`/api/tickets/${c}/merge`, { targetId: d }), agentA.post(`/api/tickets/${c}/merge`, { targetId: e })]);
      expect(twice.map((r) => r.status).sort()).toEqual([200, 409]);
      const listing = [(await merged(d))!, (await merged(e))!].filter((t) => t.mergedTicketIds.some((x) => String(x) === c));
      expect(listing).toHaveLength(1);
      expect(String((await merged(c))!.mergedInto)).toBe(String(listing[0]!._id));
    }
  });

  it('merge keeps both histories; the target lists both threads', async () => {
    const [source, target] = [await newTicket(inboxA), await newTicket(inboxA)];
    const res = await agentA.post(`/api/tickets/${source}/merge`, { targetId: target });
    expect(res.status).toBe(200);
    expect(res.body.mergedTicketIds).toContain(source);
    const src = await agentA.get(`/api/tickets/${source}`);
    expect(src.body).toMatchObject({ status: 'closed', mergedInto: target });
    const thread = await agentA.get(`/api/tickets/${target}/messages`);
    expect(new Set(thread.body.items.map((m: { ticketId: string }) => m.ticketId))).toEqual(new Set([source, target]));
    const again = await agentA.post(`/api/tickets/${source}/merge`, { targetId: target });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('TICKET_MERGED');
  });
});

describe('a ticket named twice (its id in upper and lower case)', () => {
  it('is not merged into itself nor split into itself: 400, nothing changed or audited', async () => {
    const id = await newTicket(inboxA);
    await agentA.post(`/api/tickets/${id}/note`, { text: 'a second message, so one can move' });
    const messages = (await agentA.get(`/api/tickets/${id}/messages`)).body.items.map((m: { id: string }) => m.id);
    const [audits, before] = [await auditCount(id), (await agentA.get(`/api/tickets/${id}`)).body.status];
    const attempts = [
      await agentA.post(`/api/tickets/${id}/split`, { messageIds: [messages[1]], targetTicketId: id.toUpperCase() }),
      await agentA.post(`/api/tickets/${id.toUpperCase()}/merge`, { targetId: id }),
      await agentA.post(`/api/tickets/${id}/merge`, { targetId: id.toUpperCase() }),
    ];
    expect(attempts.map((r) => [r.status, r.body.error?.code])).toEqual([
      [400, 'VALIDATION_FAILED'],
      [400, 'VALIDATION_FAILED'],
      [400, 'VALIDATION_FAILED'],
    ]);
    const after = await agentA.get(`/api/tickets/${id}`);
    expect(after.body).toMatchObject({ status: before, mergedInto: null, mergedTicketIds: [] });
    expect((await agentA.get(`/api/tickets/${id}/messages`)).body.items.map((m: { id: string }) => m.id)).toEqual(messages);
    expect(await auditCount(id)).toBe(audits);
  });
});

describe('audit trail is append-only over HTTP', () => {
  it('no route alters or deletes audit events, and the chain is unchanged afterwards', async () => {
    await supervisor.patch(`/api/tickets/${ticketB}`, { addTags: ['audited'] });
    const before = await supervisor.get(`/api/tickets/${ticketB}/audit`);
    expect(before.body.items.length).toBeGreaterThan(0);
    const paths = [`/api/tickets/${ticketB}/audit`, `/api/tickets/${ticketB}/audit/1`, `/api/tickets/${ticketB}/audit/verify`, `/api/audit`, `/api/audit/1`];
    const forged = { seq: 1, type: 'ticket.deleted', data: {}, hash: '0'.repeat(64) };
    for (const path of paths) {
      for (const method of ['PUT', 'PATCH', 'DELETE', 'POST']) {
        const res = await supervisor.request(method, path, { body: forged });
        expect([404, 405], `${method} ${path}`).toContain(res.status);
        expect(res.body.error.code).toMatch(/^(NOT_FOUND|METHOD_NOT_ALLOWED)$/);
      }
    }
    const after = await supervisor.get(`/api/tickets/${ticketB}/audit`);
    expect(after.body).toEqual(before.body);
    expect((await supervisor.get(`/api/tickets/${ticketB}/audit/verify`)).body).toMatchObject({ intact: true, problems: [] });
  });

  it('a known path with a method it lacks is a 405 with Allow', async () => {
    const res = await supervisor.delete(`/api/tickets/${ticketB}/audit`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
  });
});

describe('replies and notes', () => {
  it('a reply is 202 queued, then delivered by the adapter; a note never reaches the adapter', async () => {
    const reply = await agentB.post(`/api/tickets/${ticketB}/reply`, { text: 'We are on it' });
    expect(reply.status).toBe(202);
    expect(reply.body).toMatchObject({ kind: 'message', direction: 'outbound', deliveryStatus: 'queued', text: 'We are on it', delivery: { status: 'queued' } });
    const note = await agentB.post(`/api/tickets/${ticketB}/note`, { text: 'customer is VIP' });
    expect(note.status).toBe(202);
    expect(note.body).toMatchObject({ kind: 'note', direction: 'internal', deliveryStatus: 'none' });

    const sent = await eventually(async () => {
      const page = await agentB.get(`/api/tickets/${ticketB}/messages`);
      const m = page.body.items.find((x: { id: string }) => x.id === reply.body.id);
      return m?.deliveryStatus === 'sent' ? m : undefined;
    });
    expect(sent.delivery.history.map((h: { status: string }) => h.status)).toEqual(expect.arrayContaining(['queued', 'sent']));
    expect(sent.providerMessageId).toMatch(/^prov-/);
    expect(adapterB.sent.map((o) => o.messageId)).toEqual([reply.body.id]);

    // The reply's jobs are done and no attempt was ever made for the note: it is never handed to any adapter.
    await deliveryJobsSettled(h.t.db.connection, reply.body.id);
    expect(await deliveryClaims(h.t.db.connection, note.body.id)).toEqual([]);
    expect([...adapterA.calls, ...adapterB.calls].map((o) => o.messageId)).not.toContain(note.body.id);
    const thread = await agentB.get(`/api/tickets/${ticketB}/messages`);
    expect(thread.body.items.find((m: { id: string }) => m.id === note.body.id)).toMatchObject({ kind: 'note', text: 'customer is VIP', html: null });
    expect((await agentB.get(`/api/tickets/${ticketB}`)).body.status).toBe('open');
  });

  it('a permanently failed reply can be retried by an agent who sees the ticket', async () => {
    const id = await newTicket(inboxA);
    adapterA.then(() => {
      throw new ChannelError('RECIPIENT_BLOCKED', 'blocked', false);
    });
    const reply = await agentA.post(`/api/tickets/${id}/reply`, { text: 'hello?' });
    const failed = await eventually(async () => {
      const page = await agentA.get(`/api/tickets/${id}/messages`);
      const m = page.body.items.find((x: { id: string }) => x.id === reply.body.id);
      return m?.deliveryStatus === 'failed' ? m : undefined;
    });
    expect(failed.delivery.lastError).toMatch(/blocked|RECIPIENT_BLOCKED/);
    expect((await agentB.post(`/api/messages/${reply.body.id}/retry`)).status).toBe(404);
    const retry = await agentA.post(`/api/messages/${reply.body.id}/retry`);
    expect(retry.status).toBe(202);
    expect(retry.body.deliveryStatus).toBe('queued');
    await eventually(async () => {
      const page = await agentA.get(`/api/tickets/${id}/messages`);
      return page.body.items.find((x: { id: string; deliveryStatus: string }) => x.id === reply.body.id && x.deliveryStatus === 'sent');
    });
    const notRetryable = await agentA.post(`/api/messages/${reply.body.id}/retry`);
    expect(notRetryable.status).toBe(409);
    expect(notRetryable.body.error.code).toBe('NOT_RETRYABLE');
  });
});

describe('attachments', () => {
  const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
  const html = Buffer.from('<script>alert(1)</script>');

  it('downloads only for viewers of the ticket, with safe headers', async () => {
    const note = await agentB.post(`/api/tickets/${ticketB}/note`, {
      text: 'files',
      attachments: [
        { fileName: 'pixel.png', mimeType: 'image/png', contentBase64: png.toString('base64') },
        { fileName: 'página "x".html', mimeType: 'text/html', contentBase64: html.toString('base64') },
      ],
    });
    expect(note.status).toBe(202);
    const [pngBlob, htmlBlob] = note.body.attachments.map((a: { blobId: string }) => a.blobId);

    const image = await fetch(`${h.baseUrl}/api/attachments/${pngBlob}`, { headers: { cookie: agentB.cookie! } });
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(image.headers.get('content-disposition')).toMatch(/^inline; filename="pixel.png"/);
    expect(image.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await image.arrayBuffer()).equals(png)).toBe(true);

    const page = await fetch(`${h.baseUrl}/api/attachments/${htmlBlob}`, { headers: { cookie: supervisor.cookie! } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-disposition')).toBe(`attachment; filename="p_gina _x_.html"; filename*=UTF-8''p%C3%A1gina%20_x_.html`);
    expect(page.headers.get('content-security-policy')).toContain('sandbox');
    expect(Buffer.from(await page.arrayBuffer()).equals(html)).toBe(true);

    for (const blob of [pngBlob, htmlBlob]) {
      const hidden = await agentA.get(`/api/attachments/${blob}`);
      expect(hidden.status).toBe(404);
      expect(hidden.body.error.code).toBe('NOT_FOUND');
    }
    expect((await agentB.get('/api/attachments/0123456789abcdef01234567')).status).toBe(404);
    expect((await agentB.get('/api/attachments/not-an-id')).status).toBe(404);
    expect((await h.anon.get(`/api/attachments/${pngBlob}`)).status).toBe(401);
  });

  it('a file of a ticket merged into one the agent sees downloads like the rest of that thread; it stays hidden from others', async () => {
    const [source, target] = [await newTicket(inboxB), await newTicket(inboxA)];
    const note = await agentB.post(`/api/tickets/${source}/note`, { text: 'file', attachments: [{ fileName: 'pixel.png', mimeType: 'image/png', contentBase64: png.toString('base64') }] });
    const blob = note.body.attachments[0].blobId;
    expect((await agentA.get(`/api/attachments/${blob}`)).status).toBe(404);
    expect((await supervisor.post(`/api/tickets/${source}/merge`, { targetId: target })).status).toBe(200);
    // Agent A reads the merged thread, this file included…
    const thread = await agentA.get(`/api/tickets/${target}/messages`);
    expect(thread.body.items.find((m: { id: string }) => m.id === note.body.id)?.attachments[0].blobId).toBe(blob);
    const file = await fetch(`${h.baseUrl}/api/attachments/${blob}`, { headers: { cookie: agentA.cookie! } });
    expect(file.status).toBe(200);
    expect(Buffer.from(await file.arrayBuffer()).equals(png)).toBe(true);
    // …an agent who sees neither ticket still gets nothing (the source moved out of department B for the check).
    const outsider = await h.login(await createUser(h.t.core, 'agent', [depB]));
    await modelsOf(h.t.core).Ticket.updateOne({ _id: source }, { $set: { departmentId: depA } });
    expect((await outsider.get(`/api/attachments/${blob}`)).status).toBe(404);
  });

  it('a failed reply of a ticket merged into one the agent sees can be retried from that thread; not by an outsider', async () => {
    const [source, target] = [await newTicket(inboxB), await newTicket(inboxA)];
    const reply = await agentB.post(`/api/tickets/${source}/reply`, { text: 'sent from B' });
    expect(reply.status).toBe(202);
    // Failed for good (how it failed does not matter here).
    await eventually(async () => ((await modelsOf(h.t.core).Message.findById(reply.body.id).lean())?.delivery.status !== 'queued' ? true : undefined));
    await modelsOf(h.t.core).Message.updateOne({ _id: reply.body.id }, { $set: { 'delivery.status': 'failed' } });
    expect((await agentA.post(`/api/messages/${reply.body.id}/retry`)).status).toBe(404);
    expect((await supervisor.post(`/api/tickets/${source}/merge`, { targetId: target })).status).toBe(200);
    const shown = (await agentA.get(`/api/tickets/${target}/messages`)).body.items.find((m: { id: string }) => m.id === reply.body.id);
    expect(shown?.deliveryStatus).toBe('failed');
    const retry = await agentA.post(`/api/messages/${reply.body.id}/retry`);
    expect(retry.status, retry.text).toBe(202);
    expect(retry.body.deliveryStatus).toBe('queued');
    const outsider = await h.login(await createUser(h.t.core, 'agent', [depB]));
    await modelsOf(h.t.core).Ticket.updateOne({ _id: source }, { $set: { departmentId: depA } });
    expect((await outsider.post(`/api/messages/${reply.body.id}/retry`)).status).toBe(404);
  });
});
