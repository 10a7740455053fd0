import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../../src/core/events/domain-events.js';
import { addDays } from '../../../src/core/reports/report-calendar.js';
import type { Viewer } from '../../../src/core/users/viewer.js';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { ScriptedAdapter } from '../../support/fake-channel.js';
import { createInbox, createUser, smsEvent, startTestCore, type TestCore } from '../../support/test-core.js';

/**
 * CSAT and agents' available/away time in the reports: fed by the domain events the CSAT and
 * availability features publish (and the audit entries the CSAT feature writes), idempotent under
 * repeated events, a changed rating replacing the earlier one, visible by scope, and equal after a rebuild.
 */
let t: TestCore;
let admin: Viewer;
let supA: Viewer;
let agentA: Viewer;
let agentB: Viewer;
const tickets: string[] = [];
const range = () => ({ from: addDays(t.core.reports.today(), -1), to: t.core.reports.today() });

async function publishWithAudit(ticketId: string, type: 'csat.requested' | 'csat.rated', data: Record<string, unknown>, event: (seq: number, at: string) => DomainEvent) {
  const a = await t.core.audit.append(ticketId, type, { type: 'system' }, data);
  t.core.bus.publish(event(a.seq, a.at.toISOString()));
}

const scope = async (ticketId: string) => {
  const tk = await modelsOf(t.core).Ticket.findById(ticketId).lean();
  return { ticketId, departmentId: tk!.departmentId ? String(tk!.departmentId) : null, assigneeId: tk!.assigneeId ? String(tk!.assigneeId) : null };
};

async function request(ticketId: string) {
  const s = await scope(ticketId);
  const at = new Date();
  // As CsatService.request writes it: when, and who had the ticket then (the rating is theirs).
  await modelsOf(t.core).Ticket.updateOne({ _id: ticketId }, { $set: { 'csat.requestedAt': at, 'csat.departmentId': s.departmentId, 'csat.assigneeId': s.assigneeId } }, { strict: false });
  await publishWithAudit(ticketId, 'csat.requested', { channel: 'sms' }, (seq, when) => ({ type: 'ticket.csat_requested', seq, at: when, scope: s, channel: 'sms' }));
}

async function rate(ticketId: string, rating: number) {
  const s = await scope(ticketId);
  await publishWithAudit(ticketId, 'csat.rated', { rating, comment: null }, (seq, at) => ({ type: 'ticket.csat_rated', seq, at, scope: s, rating, comment: null }));
}

const availability = (userId: string, state: 'available' | 'away' | 'offline', at: Date): DomainEvent => ({ type: 'user.availability_changed', at: at.toISOString(), userId, availability: state });

beforeAll(async () => {
  t = await startTestCore({ ORG_TIMEZONE: 'America/Sao_Paulo' });
  const [depA, depB] = await modelsOf(t.core).Department.insertMany([{ name: 'Atendimento' }, { name: 'Cobrança' }]);
  admin = await createUser(t.core, 'admin');
  supA = await createUser(t.core, 'supervisor', [depA!._id]);
  agentA = await createUser(t.core, 'agent', [depA!._id]);
  agentB = await createUser(t.core, 'agent', [depB!._id]);
  const inbox = String((await createInbox(t.core, 'sms', { departmentId: depA!._id }))._id);
  t.registry.adapters.set(inbox, new ScriptedAdapter());
  for (let i = 0; i < 4; i++) {
    await t.core.ingest.accept([smsEvent(inbox, { sid: `CS${i}`, from: `+5511990000${i}00` })]);
    await t.core.ingest.drain();
    const m = await modelsOf(t.core).Message.findOne({ providerKey: `sms:CS${i}` }).lean();
    tickets.push(String(m!.ticketId));
    await t.core.tickets.assign(admin, String(m!.ticketId), agentA.id);
  }
}, 120_000);

afterAll(async () => {
  await t?.stop();
});

describe('CSAT in the channel and agent reports', () => {
  it('averages the ratings given, per question sent; a changed rating replaces the earlier one; duplicates change nothing', async () => {
    for (const id of tickets) await request(id);
    await rate(tickets[0]!, 5);
    await rate(tickets[1]!, 2);
    await rate(tickets[1]!, 4); // changed within the window: replaces the 2
    await rate(tickets[2]!, 3);
    await t.core.reports.flush();
    const report = await t.core.reports.channelReport(admin, { ...range(), granularity: 'day' });
    expect(report.total.csatRated).toBe(3);
    expect(report.total.csatAvg).toBe(4); // (5 + 4 + 3) / 3
    expect(report.total.csatResponsePct).toBe(75); // 3 ratings / 4 questions
    expect(report.byChannel.map((c) => c.channel)).toEqual(['sms']);

    const agents = await t.core.reports.agentReport(admin, range());
    expect(agents.agents.find((a) => a.agentId === agentA.id)?.figures.csatAvg).toBe(4);

    // The same events again (a replay, a second subscriber run) land on the same facts.
    const again = await t.core.reports.channelReport(admin, { ...range(), granularity: 'day' });
    await rate(tickets[0]!, 5);
    await t.core.reports.flush();
    expect((await t.core.reports.channelReport(admin, { ...range(), granularity: 'day' })).total).toEqual(again.total);
  });
});

describe('a rating changed after the ticket moved on', () => {
  it('counts once, for whoever had the ticket when the question was asked (live and after a rebuild alike)', async () => {
    const before = await t.core.reports.channelReport(admin, { ...range(), granularity: 'day' });
    const id = tickets[3]!;
    await rate(id, 2);
    // Transferred and reassigned between the first rating and the changed one.
    const depB = (await modelsOf(t.core).User.findById(agentB.id).lean())!.departmentIds[0]!;
    await t.core.tickets.transfer(admin, id, String(depB));
    await t.core.tickets.assign(admin, id, agentB.id);
    await rate(id, 4);
    await t.core.reports.flush();
    const report = await t.core.reports.channelReport(admin, { ...range(), granularity: 'day' });
    expect(report.total.csatRated).toBe(before.total.csatRated + 1);
    expect(report.total.csatResponsePct).toBeLessThanOrEqual(100);
    const agents = await t.core.reports.agentReport(admin, range());
    expect(agents.agents.find((a) => a.agentId === agentB.id)?.figures.csatAvg ?? null).toBeNull();
    expect(agents.agents.find((a) => a.agentId === agentA.id)?.figures.csatAvg).toBe(4); // (5 + 4 + 3 + 4) / 4
  });
});

describe("agents' available and away time", () => {
  it('counts each stretch once it ends, split by day, visible by scope, unchanged by repeated events', async () => {
    const t0 = new Date(Date.now() - 3 * 3_600_000);
    const at = (min: number) => new Date(t0.getTime() + min * 60_000);
    const events = [
      availability(agentA.id, 'available', at(0)),
      availability(agentA.id, 'away', at(90)),
      availability(agentA.id, 'available', at(120)),
      availability(agentA.id, 'offline', at(150)),
      availability(agentB.id, 'available', at(10)),
      availability(agentB.id, 'offline', at(70)),
    ];
    for (const e of events) t.core.bus.publish(e);
    await t.core.reports.flush();
    // Repeated and stale events (a reconnect replaying its last state) add nothing.
    for (const e of events) t.core.bus.publish(e);
    await t.core.reports.flush();

    const all = await t.core.reports.agentReport(admin, range());
    const a = all.agents.find((x) => x.agentId === agentA.id)!;
    const b = all.agents.find((x) => x.agentId === agentB.id)!;
    expect(a.availableSeconds).toBe(120 * 60);
    expect(a.awaySeconds).toBe(30 * 60);
    expect(b.availableSeconds).toBe(60 * 60);

    // The supervisor of department A sees agent A's time, not agent B's; an agent sees only their own.
    const sup = await t.core.reports.agentReport(supA, range());
    expect(sup.agents.find((x) => x.agentId === agentA.id)?.availableSeconds).toBe(120 * 60);
    expect(sup.agents.find((x) => x.agentId === agentB.id)).toBeUndefined();
    const own = await t.core.reports.agentReport(agentB, range());
    expect(own.agents.map((x) => x.agentId)).toEqual([agentB.id]);
    // Availability belongs to no channel: a channel filter hides it, and the channel report never shows it.
    const sms = await t.core.reports.agentReport(admin, { ...range(), channel: 'sms' });
    expect(sms.agents.find((x) => x.agentId === agentB.id)).toBeUndefined();
    const channels = await t.core.reports.channelReport(admin, { ...range(), granularity: 'day' });
    expect(channels.byChannel.map((c) => c.channel)).toEqual(['sms']);
  });

  it('a rebuild from tickets, audit history and the availability log gives the same reports', async () => {
    const [channelsBefore, agentsBefore] = [await t.core.reports.channelReport(admin, { ...range(), granularity: 'day' }), await t.core.reports.agentReport(admin, range())];
    await t.core.reports.rebuild();
    expect(await t.core.reports.channelReport(admin, { ...range(), granularity: 'day' })).toEqual(channelsBefore);
    expect(await t.core.reports.agentReport(admin, range())).toEqual(agentsBefore);
  });
});
