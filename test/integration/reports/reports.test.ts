import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../../src/core/events/domain-events.js';
import { addToHistogram } from '../../../src/core/reports/histogram.js';
import { figuresOf } from '../../../src/core/reports/report-figures.js';
import { emptyMetrics, type Metrics } from '../../../src/core/reports/rollup-metrics.js';
import type { Viewer } from '../../../src/core/users/viewer.js';
import { ScriptedAdapter } from '../../support/fake-channel.js';
import { createInbox, createUser, smsEvent, startTestCore, type TestCore } from '../../support/test-core.js';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { defaultTargets } from '../../../src/core/sla/sla-targets.js';

/**
 * Rollups fed by the real core (ingest, replies, assignments, transfers, solves, reopens) equal a
 * from-scratch computation from the raw tickets, messages and audit trail, for every figure; they equal
 * a rebuild; replaying every domain event twice in random order changes nothing; visibility holds.
 */
let t: TestCore;
let depA: Types.ObjectId;
let depB: Types.ObjectId;
let admin: Viewer;
let supA: Viewer;
let agents: Viewer[];
let inboxes: string[];
const TZ = 'America/Sao_Paulo';
const N = Number(process.env.REPORTS_TEST_TICKETS ?? 60);

// A fixed-seed generator: the same dataset on every run.
let seed = 42;
const rand = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;

async function inbound(inboxId: string, phone: string, sid: string) {
  await t.core.ingest.accept([smsEvent(inboxId, { sid, from: phone })]);
  await t.core.ingest.drain();
  const m = await modelsOf(t.core).Message.findOne({ providerKey: `sms:${sid}` }).lean();
  return String(m!.ticketId);
}

/** Figures computed directly from the stored data, without facts or rollups. */
async function fromScratch(keep: (dims: { dept: string; agent: string | null; inbox: string }) => boolean = () => true) {
  return figuresOf(await fromScratchMetrics(keep));
}

async function fromScratchMetrics(keep: (dims: { dept: string; agent: string | null; inbox: string }) => boolean = () => true) {
  const { Ticket, Message, AuditEvent } = modelsOf(t.core);
  const tickets = new Map((await Ticket.find({}).lean()).map((x) => [String(x._id), x]));
  const m: Metrics = emptyMetrics();
  const dimsOf = (x: { departmentId?: unknown; assigneeId?: unknown; inboxId: unknown }) => ({
    dept: x.departmentId ? String(x.departmentId) : '-',
    agent: x.assigneeId ? String(x.assigneeId) : null,
    inbox: String(x.inboxId),
  });
  for (const x of tickets.values()) {
    if (keep(dimsOf(x))) m.created++;
    if (x.firstResponseAt && keep(dimsOf(x))) {
      const s = Math.round((x.firstResponseAt.getTime() - x.createdAt.getTime()) / 1000);
      m.frtN++;
      m.frtSum += s;
      addToHistogram(m.frtHist, s);
      if (x.sla.firstResponseDueAt) {
        m.frtSlaN++;
        if (x.firstResponseAt <= x.sla.firstResponseDueAt) m.frtSlaMet++;
      }
    }
  }
  for (const msg of await Message.find({ kind: 'message' }).lean()) {
    const x = tickets.get(String(msg.ticketId))!;
    if (!keep(dimsOf(x))) continue;
    if (msg.direction === 'inbound') m.inbound++;
    else if (msg.direction === 'outbound' && msg.author.type === 'agent') m.outbound++;
  }
  for (const a of await AuditEvent.find({}).lean()) {
    const x = tickets.get(String(a.ticketId))!;
    if (!keep(dimsOf(x))) continue;
    const d = JSON.parse(a.dataJson) as { from?: string; to?: string; previousStatus?: string };
    const open = (st?: string) => st === 'new' || st === 'open' || st === 'pending' || st === 'on-hold';
    if (a.type === 'ticket.reopened' || (a.type === 'ticket.status_changed' && (d.from === 'solved' || d.from === 'closed') && open(d.to))) m.reopened++;
    if ((a.type === 'ticket.status_changed' && open(d.from) && d.to === 'closed') || (a.type === 'ticket.merged_into' && open(d.previousStatus))) m.closedUnsolved++;
    if (a.type === 'ticket.status_changed' && (JSON.parse(a.dataJson) as { to: string }).to === 'solved') {
      const s = Math.round((a.at.getTime() - x.createdAt.getTime()) / 1000);
      m.resolved++;
      m.resSum += s;
      addToHistogram(m.resHist, s);
      if (x.sla.resolutionDueAt) {
        m.resSlaN++;
        if (a.at <= x.sla.resolutionDueAt) m.resSlaMet++;
      }
    }
  }
  return m;
}

const addDaysKey = (day: string, n: number) => new Date(Date.parse(`${day}T12:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

const fullDay = () => ({ from: t.core.reports.today(), to: t.core.reports.today() });

beforeAll(async () => {
  t = await startTestCore({ ORG_TIMEZONE: TZ });
  const deps = await modelsOf(t.core).Department.insertMany([{ name: 'Vendas' }, { name: 'Cobrança' }]);
  [depA, depB] = [deps[0]!._id, deps[1]!._id];
  admin = await createUser(t.core, 'admin');
  supA = await createUser(t.core, 'supervisor', [depA]);
  agents = [await createUser(t.core, 'agent', [depA]), await createUser(t.core, 'agent', [depA]), await createUser(t.core, 'agent', [depB])];
  inboxes = [
    String((await createInbox(t.core, 'sms', { departmentId: depA }))._id),
    String((await createInbox(t.core, 'telegram', { departmentId: depA }))._id),
    String((await createInbox(t.core, 'sms', { departmentId: depB }))._id),
  ];
  for (const i of inboxes) t.registry.adapters.set(i, new ScriptedAdapter());
  // N customers; each ticket goes through a random life: assign, transfer, replies, solve, reopen (by the
  // customer or an agent), closed without a solve, merged into an earlier ticket.
  const opened: string[] = [];
  for (let i = 0; i < N; i++) {
    const phone = `+55119${String(10_000_000 + i)}`;
    const inbox = pick(inboxes);
    const ticketId = await inbound(inbox, phone, `R${i}-0`);
    if (rand() < 0.3) {
      // An SLA already missed: the ticket made to look two days old, with the due times the SLA engine gives
      // such a ticket (it recomputes them from the creation time on a transfer or a reopen).
      const createdAt = new Date(Date.now() - 2 * 86_400_000);
      const due = (minutes: number | null) => new Date(createdAt.getTime() + minutes! * 60_000);
      await t.db.connection.collection('tickets').updateOne({ _id: new Types.ObjectId(ticketId) }, {
        $set: { createdAt, 'sla.firstResponseDueAt': due(defaultTargets.normal.firstResponseMinutes), 'sla.resolutionDueAt': due(defaultTargets.normal.resolutionMinutes) },
      });
    }
    if (rand() < 0.2) await t.core.tickets.transfer(admin, ticketId, String(rand() < 0.5 ? depA : depB));
    const agent = pick(agents);
    const assigned = rand() < 0.8;
    if (assigned) await t.core.tickets.assign(admin, ticketId, agent.id);
    const replies = Math.floor(rand() * 3);
    // The assignee answers (they see the ticket); an unassigned ticket is answered by the admin.
    for (let r = 0; r < replies; r++) await t.core.compose.reply(assigned ? agent : admin, ticketId, { text: `resposta ${r} — ação`, attachments: [] });
    if (rand() < 0.3) await inbound(inbox, phone, `R${i}-1`);
    const fate = rand();
    if (fate < 0.6) {
      await t.core.tickets.setStatus(admin, ticketId, 'solved');
      if (rand() < 0.3) await inbound(inbox, phone, `R${i}-2`); // reopens within the window
      else if (rand() < 0.2) await t.core.tickets.setStatus(admin, ticketId, 'open'); // an agent sets it open again
    } else if (fate < 0.7) {
      await t.core.tickets.setStatus(admin, ticketId, 'closed'); // spam: closed without a solve
    } else if (fate < 0.8 && opened.length) {
      const target = opened[opened.length - 1]!;
      const status = (await modelsOf(t.core).Ticket.findById(target, { status: 1 }).lean())!.status;
      if (status !== 'closed' && target !== ticketId) await t.core.tickets.merge(admin, ticketId, target);
    }
    opened.push(ticketId);
  }
  await t.core.reports.flush();
}, 240_000);

afterAll(async () => {
  await t?.stop();
});

describe('reports rollups', () => {
  it('equal a from-scratch computation for every figure', async () => {
    const report = await t.core.reports.channelReport(admin, { ...fullDay(), granularity: 'day' });
    const scratch = await fromScratch();
    expect(scratch.newTickets).toBe(N);
    expect(scratch.outbound).toBeGreaterThan(N / 2);
    expect(scratch.reopened).toBeGreaterThan(0);
    expect(scratch.frtSlaPct).not.toBe(100);
    expect(report.total).toEqual(scratch);
    // Per inbox too (the inbox never changes, so the ticket's inbox is the fact's).
    for (const inbox of inboxes) {
      const one = await t.core.reports.channelReport(admin, { ...fullDay(), inboxId: inbox });
      expect(one.total).toEqual(await fromScratch((d) => d.inbox === inbox));
    }
    // Sum of the series equals the total; byChannel adds up to the total.
    expect(report.series.reduce((s, p) => s + p.total.newTickets, 0)).toBe(N);
    expect(report.byChannel.reduce((s, c) => s + c.figures.inbound, 0)).toBe(scratch.inbound);
  });

  it('trace the backlog back to nothing before the first ticket, whatever closed, merged or reopened them', async () => {
    // Every ticket was created today: the backlog at the end of yesterday was 0, today's net flow is the open
    // backlog now. A ticket closed without a solve, merged, or set open again by an agent used to be left out.
    const scratch = await fromScratchMetrics();
    expect(scratch.closedUnsolved).toBeGreaterThan(0);
    const open = await modelsOf(t.core).Ticket.countDocuments({ status: { $in: ['new', 'open', 'pending', 'on-hold'] } });
    const yesterday = addDaysKey(t.core.reports.today(), -1);
    const report = await t.core.reports.channelReport(admin, { from: yesterday, to: t.core.reports.today(), granularity: 'day' });
    expect(report.backlog.trend).toEqual([
      { period: yesterday, open: 0 },
      { period: t.core.reports.today(), open },
    ]);
    expect(report.flows.map((f) => f.net)).toEqual([0, open]);
  });

  it('equal a rebuild from tickets, messages and audit history', async () => {
    const before = await t.core.reports.channelReport(admin, fullDay());
    const agentsBefore = await t.core.reports.agentReport(admin, fullDay());
    const result = await t.core.reports.rebuild();
    expect(result.tickets).toBe(N);
    expect(await t.core.reports.channelReport(admin, fullDay())).toEqual(before);
    expect(await t.core.reports.agentReport(admin, fullDay())).toEqual(agentsBefore);
  });

  it('do not change when every event is processed again, twice, in random order', async () => {
    const before = await t.core.reports.channelReport(admin, fullDay());
    const agentsBefore = await t.core.reports.agentReport(admin, fullDay());
    const replay: DomainEvent[] = [...t.events, ...t.events].filter((e) => e.type !== 'inbox.changed' && e.type !== 'channel.state_changed');
    for (let i = replay.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [replay[i], replay[j]] = [replay[j]!, replay[i]!];
    }
    expect(replay.length).toBeGreaterThan(N * 4);
    for (const e of replay) t.core.bus.publish(e);
    await t.core.reports.flush();
    expect(await t.core.reports.channelReport(admin, fullDay())).toEqual(before);
    expect(await t.core.reports.agentReport(admin, fullDay())).toEqual(agentsBefore);
  });

  it('show agents only their own numbers and supervisors only their departments', async () => {
    const all = await t.core.reports.agentReport(admin, fullDay());
    expect(all.agents.length).toBeGreaterThan(1);
    const agent = agents.find((a) => all.agents.some((x) => x.agentId === a.id))!;
    const own = await t.core.reports.agentReport(agent, fullDay());
    expect(own.agents.map((a) => a.agentId)).toEqual([agent.id]);
    expect(own.agents[0]).toEqual(all.agents.find((a) => a.agentId === agent.id));
    await expect(t.core.reports.agentReport(agent, { ...fullDay(), agentId: agents.find((a) => a.id !== agent.id)!.id })).rejects.toMatchObject({ code: 'FORBIDDEN' });

    const sup = await t.core.reports.channelReport(supA, fullDay());
    const onlyA = await t.core.reports.channelReport(admin, { ...fullDay(), departmentId: String(depA) });
    expect(sup.total).toEqual(onlyA.total);
    expect(sup.total.inbound).toBeLessThan((await t.core.reports.channelReport(admin, fullDay())).total.inbound);
    await expect(t.core.reports.channelReport(supA, { ...fullDay(), departmentId: String(depB) })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const live = t.core.reports.live(supA);
    const liveAll = t.core.reports.live(admin);
    expect(live.openTotal).toBeLessThanOrEqual(liveAll.openTotal);
    expect(liveAll.openTotal).toBe(await modelsOf(t.core).Ticket.countDocuments({ status: { $in: ['new', 'open', 'pending', 'on-hold'] } }));

    // A hub started now loads its board from the open-work projection (not the tickets): the same picture,
    // waiting times included.
    const next = await startTestCore({}, t.db);
    try {
      for (let i = 0; i < 200 && !next.core.reports.board.ready; i++) await new Promise((r) => setTimeout(r, 50));
      expect(next.core.reports.board.ready).toBe(true);
      const now = Date.now();
      const everything = { depts: null, agent: null };
      expect(next.core.reports.board.snapshot(everything, {}, now)).toEqual(t.core.reports.board.snapshot(everything, {}, now));
      expect(next.core.reports.board.snapshot(everything, {}, now).openTotal).toBe(liveAll.openTotal);
    } finally {
      await next.stop();
    }
  });
});
