import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createInbox, createUser, smsEvent, startTestCore, type TestCore } from '../../support/test-core.js';
import { ack, connected, record, refused, startHarness, until, type Harness } from './harness.js';
import { modelsOf } from '../../../src/core/models/models-of.js';

/**
 * Socket auth, server-side rooms and the projector, against a real core on FerretDB.
 * Departments: A (sales) and B (billing). Inbox A belongs to A; the triage inbox has none.
 */
let t: TestCore;
let h: Harness;
let depA: Types.ObjectId;
let depB: Types.ObjectId;
let inboxA: string;
let inboxTriage: string;
let agentA: Awaited<ReturnType<typeof createUser>>;
let agentA2: Awaited<ReturnType<typeof createUser>>;
let agentB: Awaited<ReturnType<typeof createUser>>;
let supervisor: Awaited<ReturnType<typeof createUser>>;
let sid = 0;

async function inbound(inboxId: string, from: string, text = 'hello') {
  await t.core.ingest.accept([smsEvent(inboxId, { sid: `rt-${++sid}`, from, text })]);
  await t.core.ingest.drain();
  const ticket = await modelsOf(t.core).Ticket.findOne({ 'replyTo.handle': from, inboxId }).lean();
  return ticket!;
}

/**
 * The positive signal that an event did NOT reach a socket: a later event every agent gets (a message in the
 * triage queue) has arrived. The projector emits in publish order and a socket receives in emit order, so an
 * event published before the fence would have arrived before it.
 */
async function fence(...gots: Array<Array<{ name: string; payload: any }>>): Promise<string> {
  const ticket = await inbound(inboxTriage, `+55119${String(++sid).padStart(8, '0')}`, 'fence');
  const id = String(ticket._id);
  for (const got of gots) await until(() => got.some((e) => e.name === 'message.created' && e.payload.scope.ticketId === id));
  return id;
}

beforeAll(async () => {
  t = await startTestCore();
  const deps = await modelsOf(t.core).Department.insertMany([{ name: 'Sales' }, { name: 'Billing' }]);
  depA = deps[0]!._id;
  depB = deps[1]!._id;
  inboxA = String((await createInbox(t.core, 'sms', { departmentId: depA, name: 'sales-sms' }))._id);
  inboxTriage = String((await createInbox(t.core, 'sms', { name: 'triage-sms' }))._id);
  agentA = await createUser(t.core, 'agent', [depA]);
  agentA2 = await createUser(t.core, 'agent', [depA]);
  agentB = await createUser(t.core, 'agent', [depB]);
  supervisor = await createUser(t.core, 'supervisor');
  h = await startHarness(t, { revalidateMs: 300 });
});

afterAll(async () => {
  await h?.close();
  await t?.stop();
});

describe('handshake', () => {
  it('refuses a socket without the session cookie, and ignores a token in the query string', async () => {
    const token = await h.login(agentA);
    const err = await refused(h.connect(undefined, { query: { token, ponte_session: token } }));
    expect(err.data?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses an unknown session token', async () => {
    const err = await refused(h.connect('not-a-real-session'));
    expect(err.data?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a cross-site origin even with a valid cookie (WebSocket hijacking)', async () => {
    const s = h.connect(await h.login(agentA), { origin: 'http://evil.example' });
    await expect(refused(s)).resolves.toBeTruthy();
  });

  it('accepts the cookie and says who the viewer is', async () => {
    const s = h.connect(await h.login(agentA), { origin: 'http://localhost:3000' });
    const hello = new Promise<any>((r) => s.once('session:hello', r));
    await connected(s);
    expect((await hello).viewer).toMatchObject({ id: agentA.id, role: 'agent', departmentIds: [String(depA)] });
    s.disconnect();
  });
});

describe('rooms and the projector', () => {
  it('routes ticket and message events only to sockets that may see the ticket', async () => {
    const names = ['ticket.created', 'message.created'];
    const [a, b, sup] = await Promise.all([agentA, agentB, supervisor].map(async (u) => h.connect(await h.login(u))));
    await Promise.all([a!, b!, sup!].map(connected));
    const [gotA, gotB, gotSup] = [a, b, sup].map((s) => record(s!, names));

    const salesTicket = await inbound(inboxA, '+5511900000001', 'sales question');
    const triageTicket = await inbound(inboxTriage, '+5511900000002', 'who handles this?');
    await until(() => gotSup!.filter((e) => e.name === 'message.created').length >= 2);
    await until(() => gotB!.some((e) => e.payload.scope.ticketId === String(triageTicket._id) && e.name === 'message.created'));
    const fenceId = await fence(gotA!, gotB!, gotSup!);

    const ticketsOf = (got: typeof gotA) => new Set(got!.map((e) => e.payload.scope.ticketId).filter((id) => id !== fenceId));
    expect(ticketsOf(gotA)).toEqual(new Set([String(salesTicket._id), String(triageTicket._id)]));
    expect(ticketsOf(gotSup)).toEqual(new Set([String(salesTicket._id), String(triageTicket._id)]));
    // Billing never hears of the sales ticket; triage (no department) is everyone's.
    expect(ticketsOf(gotB)).toEqual(new Set([String(triageTicket._id)]));
    const created = gotA!.find((e) => e.name === 'message.created' && e.payload.scope.ticketId === String(salesTicket._id))!.payload;
    expect(created.message.text).toBe('sales question');
    expect(created.seq).toBeGreaterThan(0);
    for (const s of [a, b, sup]) s!.disconnect();
  });

  it('tells every agent that users or departments changed, naming nobody (the console re-reads the lists it may read)', async () => {
    const admin = await createUser(t.core, 'admin');
    const b = h.connect(await h.login(agentB));
    await connected(b);
    const got = record(b, ['directory.changed']);
    await t.core.users.create(admin, { name: 'Secret Sales Hire', email: `hire-${Date.now()}@example.com`, role: 'agent', departmentIds: [String(depA)], password: 'a long enough password' });
    await t.core.departments.update(admin, String(depA), { name: 'Sales' });
    await until(() => got.length >= 2);
    expect(got.map((e) => e.name)).toEqual(['directory.changed', 'directory.changed']);
    expect(got.map((e) => Object.keys(e.payload).sort())).toEqual([['at', 'what'], ['at', 'what']]);
    expect(got.map((e) => e.payload.what)).toEqual(['users', 'departments']);
    b.disconnect();
  });

  it('refuses ticket:join for a ticket the agent may not see, with an error ack', async () => {
    const ticket = await inbound(inboxA, '+5511900000003');
    const b = h.connect(await h.login(agentB));
    await connected(b);
    const got = record(b, ['ticket:viewers', 'message.created']);
    const res = await ack(b, 'ticket:join', { ticketId: String(ticket._id) });
    expect(res).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'Ticket not found' } });
    // Not in the room: nothing about that ticket arrives, not even presence on it.
    await t.core.compose.note(supervisor, String(ticket._id), { text: 'internal only', attachments: [] });
    const fenceId = await fence(got);
    expect(got.filter((e) => e.payload?.scope?.ticketId !== fenceId)).toEqual([]);
    expect(await ack(b, 'ticket:join', { ticketId: 'nope' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    b.disconnect();
  });

  it('typing and activity on a ticket the agent could not join: refused, and its viewers never hear of them', async () => {
    const ticket = await inbound(inboxA, '+5511900000013');
    const id = String(ticket._id);
    const [a, b] = await Promise.all([agentA, agentB].map(async (u) => h.connect(await h.login(u))));
    await Promise.all([a!, b!].map(connected));
    expect(await ack(a!, 'ticket:join', { ticketId: id })).toMatchObject({ ok: true });
    const gotA = record(a!, ['ticket:viewers', 'agent:typing', 'message.created']);
    expect(await ack(b!, 'ticket:join', { ticketId: id })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await ack(b!, 'typing', { ticketId: id, mode: 'reply', typing: true })).toMatchObject({ ok: false, error: { code: 'NOT_JOINED' } });
    expect(await ack(b!, 'ticket:activity', { ticketId: id, activity: 'replying' })).toMatchObject({ ok: false, error: { code: 'NOT_JOINED' } });
    await fence(gotA);
    expect(gotA.filter((e) => e.name !== 'message.created')).toEqual([]);
    a!.disconnect();
    b!.disconnect();
  });

  it('tells agents who else is viewing and replying (collision) and relays typing', async () => {
    const ticket = await inbound(inboxA, '+5511900000004');
    const id = String(ticket._id);
    const [a, a2] = await Promise.all([agentA, agentA2].map(async (u) => h.connect(await h.login(u))));
    await Promise.all([a!, a2!].map(connected));
    const got2 = record(a2!, ['ticket:viewers', 'agent:typing']);
    expect(await ack(a2!, 'ticket:join', { ticketId: id })).toMatchObject({ ok: true });
    expect(await ack(a!, 'ticket:join', { ticketId: id })).toMatchObject({ ok: true });
    await until(() => got2.find((e) => e.name === 'ticket:viewers' && e.payload.viewers.length === 2));
    expect(await ack(a!, 'typing', { ticketId: id, mode: 'reply', typing: true })).toEqual({ ok: true });
    const typing = await until(() => got2.find((e) => e.name === 'agent:typing'));
    expect(typing.payload).toMatchObject({ ticketId: id, userId: agentA.id, name: agentA.name, mode: 'reply', typing: true });
    const viewers = await until(() => got2.filter((e) => e.name === 'ticket:viewers').at(-1)?.payload.viewers.find((v: any) => v.activity === 'replying'));
    expect(viewers).toMatchObject({ userId: agentA.id, activity: 'replying', typing: true });
    a!.disconnect();
    await until(() => got2.filter((e) => e.name === 'ticket:viewers').at(-1)?.payload.viewers.length === 1);
    a2!.disconnect();
  });

  it('on a transfer, the old department is told the ticket is gone and leaves its room; the new one gets it', async () => {
    const ticket = await inbound(inboxA, '+5511900000005');
    const id = String(ticket._id);
    const [a, b] = await Promise.all([agentA, agentB].map(async (u) => h.connect(await h.login(u))));
    await Promise.all([a!, b!].map(connected));
    expect(await ack(a!, 'ticket:join', { ticketId: id })).toMatchObject({ ok: true });
    const gotA = record(a!, ['ticket.revoked', 'ticket.updated', 'message.created']);
    const gotB = record(b!, ['ticket.revoked', 'ticket.updated']);
    await t.core.tickets.transfer(supervisor, id, String(depB));
    await until(() => gotA.find((e) => e.name === 'ticket.revoked'));
    await until(() => gotB.find((e) => e.name === 'ticket.updated'));
    expect(gotA.some((e) => e.name === 'ticket.updated')).toBe(false);
    expect(gotB.some((e) => e.name === 'ticket.revoked')).toBe(false);
    // A is out of the ticket room: the next note does not reach A.
    await t.core.compose.note(supervisor, id, { text: 'after transfer', attachments: [] });
    await fence(gotA);
    expect(gotA.some((e) => e.name === 'message.created' && e.payload.scope.ticketId === id)).toBe(false);
    a!.disconnect();
    b!.disconnect();
  });

  it('a join racing a transfer away: the socket does not stay in the room of a ticket it can no longer see', async () => {
    const ticket = await inbound(inboxA, '+5511900000015');
    const id = String(ticket._id);
    const [a, b] = await Promise.all([agentA, agentB].map(async (u) => h.connect(await h.login(u))));
    await Promise.all([a!, b!].map(connected));
    const gotA = record(a!, ['ticket:viewers', 'ticket.revoked']);
    // The transfer lands (and its eviction runs) between the join's visibility check and its entering the room.
    const get = t.core.tickets.get.bind(t.core.tickets);
    let raced = false;
    const spy = vi.spyOn(t.core.tickets, 'get').mockImplementation(async (viewer, ticketId) => {
      const seen = await get(viewer, ticketId);
      if (!raced && ticketId === id && viewer.id === agentA.id) {
        raced = true;
        await t.core.tickets.transfer(supervisor, id, String(depB));
        await new Promise((r) => setTimeout(r, 200));
      }
      return seen;
    });
    try {
      const joined = await ack(a!, 'ticket:join', { ticketId: id });
      expect(raced).toBe(true);
      expect(joined).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    } finally {
      spy.mockRestore();
    }
    // Billing opens it: who views it is the ticket room's, and A must not hear of it.
    expect(await ack(b!, 'ticket:join', { ticketId: id })).toMatchObject({ ok: true });
    await new Promise((r) => setTimeout(r, 300));
    expect(gotA.filter((e) => e.name === 'ticket:viewers' && JSON.stringify(e.payload).includes(agentB.id))).toEqual([]);
    a!.disconnect();
    b!.disconnect();
  });

  it('sync tells a reconnecting client which tickets changed after its last seq, and which it lost', async () => {
    const ticket = await inbound(inboxA, '+5511900000006');
    const hidden = await inbound(inboxA, '+5511900000007');
    const id = String(ticket._id);
    const seq = (await t.core.tickets.auditTrail(supervisor, id, 0, 1))[0]!.seq;
    await t.core.compose.note(supervisor, id, { text: 'while you were away', attachments: [] });
    const a = h.connect(await h.login(agentA));
    await connected(a);
    await t.core.tickets.transfer(supervisor, String(hidden._id), String(depB));
    const res = await ack(a, 'sync', { tickets: { [id]: seq, [String(hidden._id)]: 0 } });
    expect(res.ok).toBe(true);
    expect(res.stale[id]).toBeGreaterThan(seq!);
    expect(res.gone).toEqual([String(hidden._id)]);
    a.disconnect();
  });

  it('sync is bounded: at most 100 ids, two queries for all of them, and a per-socket budget', async () => {
    const ticket = await inbound(inboxA, '+5511900000008');
    const id = String(ticket._id);
    // An agent of its own: its sockets' presence changes stay out of the presence tests.
    const syncer = await createUser(t.core, 'agent', [depA]);
    const a = h.connect(await h.login(syncer));
    await connected(a);
    const ids = (n: number) => Object.fromEntries([id, ...Array.from({ length: n - 1 }, () => String(new Types.ObjectId()))].map((x) => [x, 0]));

    const tooMany = await ack(a, 'sync', { tickets: ids(101) });
    expect(tooMany).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });

    const ticketFind = vi.spyOn(modelsOf(t.core).Ticket, 'find');
    const ticketFindOne = vi.spyOn(modelsOf(t.core).Ticket, 'findOne');
    const auditFind = vi.spyOn(modelsOf(t.core).AuditEvent, 'find');
    try {
      const res = await ack(a, 'sync', { tickets: ids(100) });
      expect(res.ok).toBe(true);
      expect(res.stale[id]).toBeGreaterThan(0);
      expect(res.gone).toHaveLength(99);
      expect(ticketFind.mock.calls.length + ticketFindOne.mock.calls.length).toBe(1);
      expect(auditFind).toHaveBeenCalledTimes(1);
    } finally {
      ticketFind.mockRestore();
      ticketFindOne.mockRestore();
      auditFind.mockRestore();
    }

    // 300 ids a minute per socket: a second and third full sync fit, then even one id is refused.
    expect((await ack(a, 'sync', { tickets: ids(100) })).ok).toBe(true);
    expect((await ack(a, 'sync', { tickets: ids(100) })).ok).toBe(true);
    const refusedSync = await ack(a, 'sync', { tickets: ids(1) });
    expect(refusedSync).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    // Another socket has its own budget.
    const b = h.connect(await h.login(syncer));
    await connected(b);
    expect((await ack(b, 'sync', { tickets: ids(100) })).ok).toBe(true);
    a.disconnect();
    b.disconnect();
  });

  it('tracks presence online → away → offline across sockets', async () => {
    const watcher = h.connect(await h.login(supervisor));
    await connected(watcher);
    const got = record(watcher, ['presence']);
    const s = h.connect(await h.login(agentA2));
    await connected(s);
    // Presence arrives as lists (batched per window).
    const saw = (status: string) => got.find((e) => (e.payload as Array<{ userId: string; status: string }>).some((p) => p.userId === agentA2.id && p.status === status));
    await until(() => saw('online'));
    await ack(s, 'presence:set', { status: 'away' });
    await until(() => saw('away'));
    s.disconnect();
    await until(() => saw('offline'));
    watcher.disconnect();
  });

  it('batches presence: many agents connecting at once reach a watcher in a few packets, each agent online', async () => {
    const watcher = h.connect(await h.login(supervisor));
    await connected(watcher);
    const got = record(watcher, ['presence']);
    const tokens = await Promise.all([agentA, agentA2, agentB].map((u) => h.login(u)));
    const sockets = tokens.map((token) => h.connect(token));
    await Promise.all(sockets.map((s) => connected(s)));
    const online = () => new Set(got.flatMap((e) => (e.payload as Array<{ userId: string; status: string }>).filter((p) => p.status === 'online').map((p) => p.userId)));
    await until(() => [agentA, agentA2, agentB].every((u) => online().has(u.id)));
    // Three agents, connected within one window: fewer packets than changes.
    expect(got.length).toBeLessThan(3);
    for (const s of sockets) s.disconnect();
    watcher.disconnect();
  });

  it('disconnects a socket whose session was logged out', async () => {
    const token = await h.login(agentB);
    const s = h.connect(token);
    await connected(s);
    const gone = new Promise<string>((r) => s.once('disconnect', (reason) => r(reason)));
    await t.core.sessions.logout(token);
    expect(await gone).toBe('io server disconnect');
  });
});
