import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../../src/core/models/models-of.js';
import type { Viewer } from '../../../src/core/users/viewer.js';
import { createInbox, createUser, startTestCore, type TestCore } from '../../support/test-core.js';
import { AssignmentWatch, insertTickets } from './support.js';

/**
 * 1,000 chats over 5 agents with different capacities and skills, in a department that assigns
 * automatically. Agents solve each chat a fixed number of rounds after they got it, so every slot
 * works at the same pace and the fair share of an agent is known in advance.
 */
let t: TestCore;
let admin: Viewer;
beforeAll(async () => {
  t = await startTestCore({ AGENT_OFFLINE_GRACE_MS: '0' });
  admin = await createUser(t.core, 'admin');
  // The report rollups are not under test here and cost more per status change than assignment itself.
  await t.core.reports.stop();
});
afterAll(async () => {
  await t?.stop();
});

interface AgentSpec {
  chat: number;
  skills: string[];
}

async function setUp(mode: 'round_robin' | 'least_loaded', specs: AgentSpec[]) {
  const m = modelsOf(t.core);
  const [dep] = await m.Department.insertMany([{ name: `dep-${mode}-${Math.random().toString(36).slice(2, 7)}` }]);
  await t.core.assignmentSettings.setDepartment(admin, String(dep!._id), { mode, capacity: { chat: 3, email: 10 }, overflowDepartmentId: null, overflowAfterMinutes: null });
  const inbox = await createInbox(t.core, 'webchat', { departmentId: dep!._id });
  const agents: { id: string; spec: AgentSpec }[] = [];
  for (const spec of specs) {
    const user = await createUser(t.core, 'agent', [dep!._id]);
    await t.core.assignmentSettings.setAgent(admin, user.id, { skills: spec.skills, capacity: { chat: spec.chat, email: null } });
    t.core.availability.connected(user.id);
    agents.push({ id: user.id, spec });
  }
  const capacity = new Map(agents.map((a) => [a.id, a.spec.chat]));
  const watch = new AssignmentWatch((id) => capacity.get(id) ?? 0);
  const unsubscribe = t.core.bus.subscribe((e) => watch.onEvent(e as never));
  await t.core.assignment.idle();
  return { dep: dep!, inbox, agents, watch, unsubscribe, capacity };
}

/** Every agent's held tickets, as the database says, within their capacity; no ticket holds two slots. */
async function assertCapacityInDatabase(capacity: Map<string, number>) {
  const m = modelsOf(t.core);
  const open = await m.Ticket.find({ status: 'open', assigneeId: { $in: [...capacity.keys()].map((id) => new Types.ObjectId(id)) } }, { assigneeId: 1 }).lean();
  const perAgent = new Map<string, number>();
  for (const x of open) perAgent.set(String(x.assigneeId), (perAgent.get(String(x.assigneeId)) ?? 0) + 1);
  for (const [agent, held] of perAgent) expect(held, `agent ${agent}`).toBeLessThanOrEqual(capacity.get(agent)!);
  const slots = await m.AssignmentSlot.find({ agentId: { $in: [...capacity.keys()] } }).lean();
  expect(new Set(slots.map((s) => s.ticketId)).size).toBe(slots.length);
}

/**
 * Runs rounds: new chats arrive, then every chat assigned `lifetime` rounds ago is solved. Returns the
 * tickets each agent got and checks the invariants as it goes.
 */
async function run(opts: {
  ctx: Awaited<ReturnType<typeof setUp>>;
  total: number;
  perRound: number;
  lifetime: number;
  /** Arrivals stop while this many wait. */
  maxWaiting: number;
  skills: (i: number) => string[];
  during?: (round: number) => Promise<void>;
}) {
  const { ctx } = opts;
  const bornAt = new Map<string, number>();
  const skillsOf = new Map<string, string[]>();
  const solved = new Set<string>();
  let created = 0;
  for (let round = 0; solved.size < opts.total; round++) {
    if (round > 2000) throw new Error('the queue does not move');
    // Arrivals outpace the agents, but the queue is kept short (a real queue is; a long one only slows the test).
    const waiting = created - ctx.watch.assignedAfter.size;
    const n = Math.max(0, Math.min(opts.perRound, opts.total - created, opts.maxWaiting - waiting));
    if (n > 0) {
      const offset = created;
      const ids = await insertTickets(t.core, n, { departmentId: ctx.dep._id, inboxId: ctx.inbox._id, skills: (i) => opts.skills(offset + i) });
      ids.forEach((id, i) => skillsOf.set(id, opts.skills(offset + i)));
      created += n;
      for (const id of ids) await t.core.assignment.enqueue(id);
    }
    await t.core.assignment.idle();
    for (const [id, agent] of ctx.watch.assignedAfter) if (!bornAt.has(id) && agent) bornAt.set(id, round);
    await opts.during?.(round);
    await t.core.assignment.idle();
    const due = [...ctx.watch.active.entries()].flatMap(([, set]) => [...set]).filter((id) => round - (bornAt.get(id) ?? round) >= opts.lifetime - 1);
    for (const id of due) {
      await t.core.tickets.setStatus(admin, id, 'solved');
      solved.add(id);
    }
    await t.core.assignment.idle();
    if (round % 25 === 0) await assertCapacityInDatabase(ctx.capacity);
  }
  ctx.unsubscribe();
  expect(ctx.watch.overCapacity).toEqual([]);
  // Skills always respected.
  const skillsOfAgent = new Map(ctx.agents.map((a) => [a.id, a.spec.skills]));
  for (const [ticketId, agent] of ctx.watch.assignedAfter) {
    for (const s of skillsOf.get(ticketId) ?? []) expect(skillsOfAgent.get(agent), `ticket ${ticketId}`).toContain(s);
  }
  return ctx.watch;
}

const billingEveryFifth = (i: number) => (i % 5 === 0 ? ['billing'] : []);

describe('automatic assignment of 1,000 chats over 5 agents', () => {
  it('least-loaded, agents always busy: each agent gets their share of capacity (±2%), never over capacity, skills respected', { timeout: 600_000 }, async () => {
    const specs = [
      { chat: 1, skills: ['billing'] },
      { chat: 2, skills: ['billing', 'pt'] },
      { chat: 2, skills: [] },
      { chat: 3, skills: ['pt'] },
      { chat: 2, skills: [] },
    ];
    const ctx = await setUp('least_loaded', specs);
    const started = Date.now();
    const watch = await run({ ctx, total: 1000, perRound: 12, lifetime: 3, maxWaiting: 15, skills: billingEveryFifth });
    const seconds = (Date.now() - started) / 1000;
    const totalCapacity = specs.reduce((s, a) => s + a.chat, 0);
    const got = ctx.agents.map((a) => watch.total.get(a.id) ?? 0);
    console.log(`least-loaded: ${got.join(' / ')} of 1000 (capacities ${specs.map((s) => s.chat).join('/')}) in ${seconds.toFixed(1)} s`);
    expect(got.reduce((s, x) => s + x, 0)).toBe(1000);
    ctx.agents.forEach((a, i) => {
      const fair = (1000 * a.spec.chat) / totalCapacity;
      expect(Math.abs(got[i]! - fair), `agent ${i} got ${got[i]} for a fair ${fair}`).toBeLessThanOrEqual(fair * 0.02);
    });
  });

  it('round robin, agents never full: each agent gets a fifth (±2%), skills respected', { timeout: 600_000 }, async () => {
    const specs = [
      { chat: 3, skills: ['billing'] },
      { chat: 4, skills: ['billing'] },
      { chat: 3, skills: [] },
      { chat: 5, skills: [] },
      { chat: 3, skills: [] },
    ];
    const ctx = await setUp('round_robin', specs);
    const watch = await run({ ctx, total: 1000, perRound: 5, lifetime: 1, maxWaiting: 5, skills: billingEveryFifth });
    const got = ctx.agents.map((a) => watch.total.get(a.id) ?? 0);
    console.log(`round robin: ${got.join(' / ')} of 1000`);
    expect(got.reduce((s, x) => s + x, 0)).toBe(1000);
    for (const g of got) expect(Math.abs(g - 200)).toBeLessThanOrEqual(4);
  });
});

describe('an agent going offline mid-run', () => {
  it('gives back their unanswered chats, which other agents take; keeps the answered one; gets nothing more', { timeout: 600_000 }, async () => {
    const specs = [
      { chat: 2, skills: ['billing'] },
      { chat: 2, skills: ['billing'] },
      { chat: 2, skills: [] },
      { chat: 2, skills: [] },
      { chat: 3, skills: [] },
    ];
    const ctx = await setUp('least_loaded', specs);
    const leaver = ctx.agents[4]!.id;
    let returned: string[] = [];
    let answered: string | undefined;
    let totalAtLeave = 0;
    const watch = await run({
      ctx,
      total: 200,
      perRound: 12,
      lifetime: 3,
      maxWaiting: 15,
      skills: billingEveryFifth,
      during: async (round) => {
        if (round !== 20) return;
        const held = [...(ctx.watch.active.get(leaver) ?? [])];
        expect(held.length).toBeGreaterThanOrEqual(2);
        // One chat the agent already answered stays theirs.
        answered = held[0]!;
        await modelsOf(t.core).Ticket.updateOne({ _id: answered }, { $set: { firstResponseAt: new Date() } });
        returned = held.slice(1);
        totalAtLeave = ctx.watch.total.get(leaver) ?? 0;
        const offline = new Promise<void>((resolve) => {
          const off = t.core.bus.subscribe((e) => {
            if (e.type === 'user.availability_changed' && e.userId === leaver && e.availability === 'offline') {
              off();
              resolve();
            }
          });
        });
        t.core.availability.disconnected(leaver);
        await offline;
        await t.core.assignment.idle();
        expect([...(ctx.watch.active.get(leaver) ?? [])]).toEqual([answered]);
      },
    });
    expect(returned.length).toBeGreaterThan(0);
    expect(watch.total.get(leaver)).toBe(totalAtLeave);
    for (const id of returned) {
      expect(watch.timesAssigned.get(id)).toBe(2);
      expect(watch.assignedAfter.get(id)).not.toBe(leaver);
    }
    expect(watch.assignedAfter.get(answered!)).toBe(leaver);
    const audit = await modelsOf(t.core).AuditEvent.find({ ticketId: new Types.ObjectId(returned[0]!), type: 'ticket.assigned' }).sort({ seq: 1 }).lean();
    expect(audit.map((a) => JSON.parse(a.dataJson) as { to: string | null; reason?: string })).toMatchObject([{ to: leaver }, { to: null, reason: 'agent_offline' }, { to: expect.any(String) }]);
    // Every ticket ended solved, each by exactly one agent at a time.
    const sum = [...watch.total.values()].reduce((s, x) => s + x, 0);
    expect(sum).toBe(200 + returned.length);
  });
});
