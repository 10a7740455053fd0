import { describe, expect, it } from 'vitest';
import type { BusinessCalendar } from '../../../src/core/sla/business-calendar.js';
import { NO_SLA_DUE } from '../../../src/core/sla/policy.js';
import { reasonOf, recomputeSla, slaDueAtOf, type SlaChange, type SlaTicket } from '../../../src/core/sla/sla-lifecycle.js';
import { defaultTargets, type AppliedPolicy } from '../../../src/core/sla/sla-targets.js';

const nine2six = [{ from: '09:00', to: '18:00' }];
const saoPaulo: BusinessCalendar = { timeZone: 'America/Sao_Paulo', week: [nine2six, nine2six, nine2six, nine2six, nine2six, [], []], holidays: ['2026-12-25'] };
const business: AppliedPolicy = { id: 'p1', name: 'Gold', calendar: saoPaulo, targets: { firstResponseMinutes: 60, nextResponseMinutes: 30, resolutionMinutes: 8 * 60 } };
const builtIn = (p: keyof typeof defaultTargets): AppliedPolicy => ({ id: `default:${p}`, name: 'Default', calendar: null, targets: defaultTargets[p] });
const d = (s: string) => new Date(s);
const iso = (x: Date | undefined | null) => x?.toISOString() ?? null;

// Monday 2026-12-07 10:00 in Sao Paulo (UTC-3).
const created = d('2026-12-07T13:00:00Z');
const fresh = (over: Partial<SlaTicket> = {}): SlaTicket => ({ status: 'new', createdAt: created, sla: { policy: '' }, ...over });

/** Runs a story of changes through the lifecycle, as the services do. */
function story(policy: AppliedPolicy, steps: Array<[SlaChange, Partial<SlaTicket>, string]>, start = fresh()) {
  let t = start;
  let out = recomputeSla(t, { kind: 'created' }, policy, created);
  t = { ...t, sla: out.sla };
  const log: Array<ReturnType<typeof recomputeSla>> = [out];
  for (const [change, state, at] of steps) {
    t = { ...t, ...state, sla: t.sla };
    out = recomputeSla(t, change, policy, d(at));
    t = { ...t, sla: out.sla };
    log.push(out);
  }
  return { ticket: t, log, last: out };
}

describe('SLA lifecycle: the built-in policy is today\'s table', () => {
  it.each([
    ['urgent', '2026-12-07T13:30:00.000Z', '2026-12-07T17:00:00.000Z'],
    ['high', '2026-12-07T14:00:00.000Z', '2026-12-07T21:00:00.000Z'],
    ['normal', '2026-12-07T17:00:00.000Z', '2026-12-08T13:00:00.000Z'],
    ['low', '2026-12-07T21:00:00.000Z', '2026-12-10T13:00:00.000Z'],
  ] as const)('%s: calendar minutes from creation', (p, fr, res) => {
    const out = recomputeSla(fresh(), { kind: 'created' }, builtIn(p), created);
    expect([iso(out.sla.firstResponseDueAt), iso(out.sla.resolutionDueAt), out.sla.nextResponseDueAt]).toEqual([fr, res, undefined]);
    expect(iso(out.slaDueAt)).toBe(fr);
    expect(out.sla.policy).toBe(`default:${p}`);
  });
});

describe('SLA lifecycle: changes', () => {
  it('business hours: created Monday 17:30 → first response Tuesday 09:30, resolution Tuesday 16:30', () => {
    const t = fresh({ createdAt: d('2026-12-07T20:30:00Z') });
    const out = recomputeSla(t, { kind: 'created' }, business, t.createdAt);
    expect(iso(out.sla.firstResponseDueAt)).toBe('2026-12-08T12:30:00.000Z');
    expect(iso(out.sla.resolutionDueAt)).toBe('2026-12-08T19:30:00.000Z');
  });

  it('priority high → urgent moves both targets, from creation, with the reason', () => {
    const t = { ...fresh(), sla: recomputeSla(fresh(), { kind: 'created' }, builtIn('high'), created).sla };
    const out = recomputeSla(t, { kind: 'priority', from: 'high', to: 'urgent' }, builtIn('urgent'), d('2026-12-07T13:10:00Z'));
    expect(out.moves).toEqual([
      { target: 'firstResponse', from: d('2026-12-07T14:00:00Z'), to: d('2026-12-07T13:30:00Z'), reason: 'priority high → urgent' },
      { target: 'resolution', from: d('2026-12-07T21:00:00Z'), to: d('2026-12-07T17:00:00Z'), reason: 'priority high → urgent' },
    ]);
  });

  it('first agent reply freezes first response; the sort key moves to resolution', () => {
    const { last, log } = story(business, [[{ kind: 'agent-reply' }, { status: 'open', firstResponseAt: d('2026-12-07T13:20:00Z') }, '2026-12-07T13:20:00Z']]);
    expect(iso(log[0]!.slaDueAt)).toBe('2026-12-07T14:00:00.000Z');
    expect(iso(last.sla.firstResponseDueAt)).toBe('2026-12-07T14:00:00.000Z');
    expect(iso(last.slaDueAt)).toBe('2026-12-07T21:00:00.000Z');
    expect(last.moves).toEqual([]);
  });

  it('next response: runs from the customer message after a reply, stops at the next reply', () => {
    const { log } = story(business, [
      [{ kind: 'agent-reply' }, { status: 'open', firstResponseAt: d('2026-12-07T13:20:00Z') }, '2026-12-07T13:20:00Z'],
      [{ kind: 'customer-message', at: d('2026-12-07T14:00:00Z') }, {}, '2026-12-07T14:00:00Z'],
      // a second customer message does not restart the clock: the oldest unanswered one counts
      [{ kind: 'customer-message', at: d('2026-12-07T14:10:00Z') }, {}, '2026-12-07T14:10:00Z'],
      [{ kind: 'agent-reply' }, {}, '2026-12-07T14:20:00Z'],
    ]);
    expect(log[2]!.moves).toEqual([{ target: 'nextResponse', from: null, to: d('2026-12-07T14:30:00Z'), reason: 'customer message' }]);
    expect(iso(log[2]!.slaDueAt)).toBe('2026-12-07T14:30:00.000Z');
    expect(log[3]!.moves).toEqual([]);
    expect(log[4]!.moves).toEqual([{ target: 'nextResponse', from: d('2026-12-07T14:30:00Z'), to: null, reason: 'agent replied' }]);
    expect(iso(log[4]!.slaDueAt)).toBe('2026-12-07T21:00:00.000Z');
  });

  it('no next-response target in the built-in policy: a customer message moves nothing', () => {
    const { last } = story(builtIn('normal'), [
      [{ kind: 'agent-reply' }, { status: 'open', firstResponseAt: d('2026-12-07T13:20:00Z') }, '2026-12-07T13:20:00Z'],
      [{ kind: 'customer-message', at: d('2026-12-07T14:00:00Z') }, {}, '2026-12-07T14:00:00Z'],
    ]);
    expect(last.moves).toEqual([]);
  });

  it('pending pauses the clock (business minutes), the customer answer resumes it', () => {
    const { log, last } = story(business, [
      [{ kind: 'agent-reply' }, { status: 'open', firstResponseAt: d('2026-12-07T13:20:00Z') }, '2026-12-07T13:20:00Z'],
      // Monday 11:00 → pending; the customer answers Tuesday 10:00: 8 business hours (7 Monday, 1 Tuesday) waited.
      [{ kind: 'status', from: 'open', to: 'pending' }, { status: 'pending' }, '2026-12-07T14:00:00Z'],
      [{ kind: 'status', from: 'pending', to: 'open' }, { status: 'open' }, '2026-12-08T13:00:00Z'],
    ]);
    expect(log[2]!.moves).toEqual([{ target: 'resolution', from: d('2026-12-07T21:00:00Z'), to: null, reason: 'status open → pending' }]);
    expect(log[2]!.slaDueAt).toEqual(NO_SLA_DUE);
    expect(iso(log[2]!.sla.firstResponseDueAt)).toBe('2026-12-07T14:00:00.000Z');
    // 8 h target, 1 h used before the pause → 7 h left from Tuesday 10:00 → Tuesday 17:00.
    expect(iso(last.sla.resolutionDueAt)).toBe('2026-12-08T20:00:00.000Z');
    expect(last.sla.pausedMinutes).toEqual({ resolution: 8 * 60 });
    expect(last.sla.pausedAt).toBeUndefined();
  });

  it('the customer answer that ends a pause starts next response from that answer, with no paused time added', () => {
    const { last } = story(business, [
      [{ kind: 'agent-reply' }, { status: 'open', firstResponseAt: d('2026-12-07T13:20:00Z') }, '2026-12-07T13:20:00Z'],
      // Monday 11:00 → pending (waiting on the customer); the customer answers Tuesday 10:00, which wakes the ticket.
      [{ kind: 'status', from: 'open', to: 'pending' }, { status: 'pending' }, '2026-12-07T14:00:00Z'],
      [{ kind: 'customer-message', at: d('2026-12-08T13:00:00Z') }, { status: 'open' }, '2026-12-08T13:00:00Z'],
    ]);
    // 30 minutes from the answer: Tuesday 10:30 — not 8 business hours later (the next-response clock was not running during the pause).
    expect(iso(last.sla.nextResponseDueAt)).toBe('2026-12-08T13:30:00.000Z');
    expect(iso(last.slaDueAt)).toBe('2026-12-08T13:30:00.000Z');
    expect(last.sla.pausedMinutes).toEqual({ resolution: 8 * 60 });
    expect(iso(last.sla.resolutionDueAt)).toBe('2026-12-08T20:00:00.000Z');
  });

  it('a next-response cycle that was running when the pause began gets the paused time back', () => {
    const { last } = story(business, [
      [{ kind: 'agent-reply' }, { status: 'open', firstResponseAt: d('2026-12-07T13:20:00Z') }, '2026-12-07T13:20:00Z'],
      [{ kind: 'customer-message', at: d('2026-12-07T13:50:00Z') }, {}, '2026-12-07T13:50:00Z'],
      // 10 of its 30 minutes used, then pending Monday 11:00 → Tuesday 10:00 (8 business hours)
      [{ kind: 'status', from: 'open', to: 'pending' }, { status: 'pending' }, '2026-12-07T14:00:00Z'],
      [{ kind: 'status', from: 'pending', to: 'open' }, { status: 'open' }, '2026-12-08T13:00:00Z'],
    ]);
    expect(iso(last.sla.nextResponseDueAt)).toBe('2026-12-08T13:20:00.000Z');
    expect(last.sla.pausedMinutes).toEqual({ nextResponse: 8 * 60, resolution: 8 * 60 });
  });

  it.each([
    ['the customer writes again', { kind: 'customer-message', at: d('2026-12-09T13:00:00Z'), reopened: true }],
    ['an agent reopens it', { kind: 'status', from: 'solved', to: 'open' }],
  ] as Array<[string, SlaChange]>)('reopened after a solve in time (%s): resolution resumes where it stopped, not breached at once', (_how, reopen) => {
    const { log, last } = story(business, [
      [{ kind: 'agent-reply' }, { status: 'open', firstResponseAt: d('2026-12-07T13:20:00Z') }, '2026-12-07T13:20:00Z'],
      // Solved Monday 11:00 with 7 of the 8 business hours left (due Monday 18:00).
      [{ kind: 'status', from: 'open', to: 'solved' }, { status: 'solved' }, '2026-12-07T14:00:00Z'],
      // Reopened Wednesday 10:00: the 7 hours left run from there.
      [reopen, { status: 'open' }, '2026-12-09T13:00:00Z'],
    ]);
    expect(iso(log[2]!.sla.resolutionDueAt)).toBe('2026-12-07T21:00:00.000Z');
    expect(log[2]!.slaDueAt).toEqual(NO_SLA_DUE);
    expect(iso(last.sla.resolutionDueAt)).toBe('2026-12-09T20:00:00.000Z');
    // The customer's message also starts a next-response cycle (30 minutes), which then comes first.
    expect(iso(last.slaDueAt)).toBe(reopen.kind === 'status' ? '2026-12-09T20:00:00.000Z' : '2026-12-09T13:30:00.000Z');
    expect(last.sla.pausedAt).toBeUndefined();
    expect(last.moves.filter((m) => m.target === 'resolution')).toEqual([{ target: 'resolution', from: d('2026-12-07T21:00:00Z'), to: d('2026-12-09T20:00:00Z'), reason: reasonOf(reopen) }]);
  });

  it('reopened after a late solve: the resolution stays breached (no time back)', () => {
    const { last } = story(business, [
      [{ kind: 'agent-reply' }, { status: 'open', firstResponseAt: d('2026-12-07T13:20:00Z') }, '2026-12-07T13:20:00Z'],
      [{ kind: 'status', from: 'open', to: 'solved' }, { status: 'solved' }, '2026-12-08T14:00:00Z'],
      [{ kind: 'status', from: 'solved', to: 'open' }, { status: 'open' }, '2026-12-09T13:00:00Z'],
    ]);
    expect(iso(last.sla.resolutionDueAt)).toBe('2026-12-07T21:00:00.000Z');
  });

  it('pending, then solved, then reopened: both the wait and the solved time are given back', () => {
    const { last } = story(business, [
      [{ kind: 'agent-reply' }, { status: 'open', firstResponseAt: d('2026-12-07T13:20:00Z') }, '2026-12-07T13:20:00Z'],
      [{ kind: 'status', from: 'open', to: 'pending' }, { status: 'pending' }, '2026-12-07T14:00:00Z'],
      [{ kind: 'status', from: 'pending', to: 'solved' }, { status: 'solved' }, '2026-12-07T16:00:00Z'],
      [{ kind: 'status', from: 'solved', to: 'open' }, { status: 'open' }, '2026-12-09T13:00:00Z'],
    ]);
    // Paused from Monday 11:00 to Wednesday 10:00; 7 hours were left.
    expect(iso(last.sla.resolutionDueAt)).toBe('2026-12-09T20:00:00.000Z');
  });

  it('a pause after the breach gives no time back', () => {
    const { last } = story(business, [
      [{ kind: 'agent-reply' }, { status: 'open', firstResponseAt: d('2026-12-07T15:00:00Z') }, '2026-12-07T15:00:00Z'],
      // resolution was due Monday 18:00; pending from Tuesday 10:00 to 12:00
      [{ kind: 'status', from: 'open', to: 'pending' }, { status: 'pending' }, '2026-12-08T13:00:00Z'],
      [{ kind: 'status', from: 'pending', to: 'open' }, { status: 'open' }, '2026-12-08T15:00:00Z'],
    ]);
    expect(iso(last.sla.resolutionDueAt)).toBe('2026-12-07T21:00:00.000Z');
    expect(last.sla.pausedMinutes).toBeUndefined();
  });

  it('a priority change while paused keeps the pause; resuming applies the new target', () => {
    const { last, log } = story(business, [
      [{ kind: 'status', from: 'new', to: 'pending' }, { status: 'pending' }, '2026-12-07T13:30:00Z'],
      [{ kind: 'priority', from: 'normal', to: 'urgent' }, {}, '2026-12-07T14:00:00Z'],
    ]);
    expect(log[2]!.slaDueAt).toEqual(NO_SLA_DUE);
    expect(log[2]!.sla.pausedAt).toEqual(d('2026-12-07T13:30:00Z'));
    const urgent: AppliedPolicy = { ...business, targets: { firstResponseMinutes: 15, nextResponseMinutes: 15, resolutionMinutes: 120 } };
    const resumed = recomputeSla({ ...fresh({ status: 'open' }), sla: last.sla }, { kind: 'status', from: 'pending', to: 'open' }, urgent, d('2026-12-07T15:00:00Z'));
    // first response: 30 min used of 15 → already breached at 10:15 when paused at 10:30: no time back.
    expect(iso(resumed.sla.firstResponseDueAt)).toBe('2026-12-07T13:15:00.000Z');
    // resolution: 120 min, 30 used, 90 paused → 13:30 local
    expect(iso(resumed.sla.resolutionDueAt)).toBe('2026-12-07T16:30:00.000Z');
  });

  it('solved freezes resolution; no deadline sorts first afterwards', () => {
    const { last } = story(business, [
      [{ kind: 'agent-reply' }, { status: 'open', firstResponseAt: d('2026-12-07T13:20:00Z') }, '2026-12-07T13:20:00Z'],
      [{ kind: 'status', from: 'open', to: 'solved' }, { status: 'solved' }, '2026-12-07T14:00:00Z'],
    ]);
    expect(iso(last.sla.resolutionDueAt)).toBe('2026-12-07T21:00:00.000Z');
    expect(last.slaDueAt).toEqual(NO_SLA_DUE);
    expect(last.moves).toEqual([]);
  });

  it('policy change: another policy (and calendar) applies from creation; the ticket names it', () => {
    const { ticket } = story(builtIn('normal'), []);
    const out = recomputeSla(ticket, { kind: 'policy', name: 'Gold' }, business, d('2026-12-07T13:05:00Z'));
    expect(out.sla).toMatchObject({ policy: 'p1', policyName: 'Gold' });
    expect(out.moves.map((m) => [m.target, iso(m.to), m.reason])).toEqual([
      ['firstResponse', '2026-12-07T14:00:00.000Z', 'policy "Gold"'],
      ['resolution', '2026-12-07T21:00:00.000Z', 'policy "Gold"'],
    ]);
  });

  it('department change: the new calendar (a holiday) moves the due time', () => {
    const t = fresh({ createdAt: d('2026-12-24T20:30:00Z') }); // Thursday 17:30, Christmas next day
    const first = recomputeSla(t, { kind: 'created' }, { ...business, calendar: { ...saoPaulo, holidays: [] } }, t.createdAt);
    const out = recomputeSla({ ...t, sla: first.sla }, { kind: 'department', toName: 'Brasil' }, business, t.createdAt);
    expect(iso(first.sla.firstResponseDueAt)).toBe('2026-12-25T12:30:00.000Z');
    expect(out.moves).toEqual([
      { target: 'firstResponse', from: d('2026-12-25T12:30:00Z'), to: d('2026-12-28T12:30:00Z'), reason: 'department → Brasil' },
      { target: 'resolution', from: d('2026-12-25T19:30:00Z'), to: d('2026-12-28T19:30:00Z'), reason: 'department → Brasil' },
    ]);
  });

  it('slaDueAtOf picks the earliest running target', () => {
    expect(slaDueAtOf({ status: 'open', createdAt: created, firstResponseAt: created, sla: { policy: 'x', nextResponseDueAt: d('2026-12-07T15:00:00Z'), resolutionDueAt: d('2026-12-07T14:00:00Z') } })).toEqual(d('2026-12-07T14:00:00Z'));
    expect(slaDueAtOf({ status: 'open', createdAt: created, sla: { policy: 'x' } })).toEqual(NO_SLA_DUE);
  });
});

describe('SLA lifecycle: breach escalation', () => {
  it('a breached target keeps its due time when the escalation raises the priority; the others move', () => {
    const t = { ...fresh(), sla: recomputeSla(fresh(), { kind: 'created' }, builtIn('normal'), created).sla };
    // First response was due 14:00Z (normal, 4 h); at 17:05Z it is breached and the priority goes to high.
    const out = recomputeSla(t, { kind: 'breached', target: 'firstResponse', priorityFrom: 'normal', priorityTo: 'high' }, builtIn('high'), d('2026-12-07T17:05:00Z'));
    expect(out.sla.breached).toEqual({ firstResponse: true });
    expect(iso(out.sla.firstResponseDueAt)).toBe('2026-12-07T17:00:00.000Z');
    expect(out.moves).toEqual([{ target: 'resolution', from: d('2026-12-08T13:00:00Z'), to: d('2026-12-07T21:00:00Z'), reason: 'firstResponse breached: priority normal → high' }]);
    // A later priority change leaves the breached due time alone too.
    const later = recomputeSla({ ...t, sla: out.sla }, { kind: 'priority', from: 'high', to: 'urgent' }, builtIn('urgent'), d('2026-12-07T17:10:00Z'));
    expect(iso(later.sla.firstResponseDueAt)).toBe('2026-12-07T17:00:00.000Z');
    expect(iso(later.slaDueAt)).toBe('2026-12-07T17:00:00.000Z');
  });

  it('next response: a breach counts for its cycle only', () => {
    const { ticket } = story(business, [
      [{ kind: 'agent-reply', first: true }, { status: 'open', firstResponseAt: d('2026-12-07T13:20:00Z') }, '2026-12-07T13:20:00Z'],
      [{ kind: 'customer-message', at: d('2026-12-07T14:00:00Z') }, {}, '2026-12-07T14:00:00Z'],
      [{ kind: 'breached', target: 'nextResponse', priorityFrom: 'normal', priorityTo: 'normal' }, {}, '2026-12-07T14:31:00Z'],
    ]);
    expect(ticket.sla.breached).toEqual({ nextResponse: true });
    const replied = recomputeSla(ticket, { kind: 'agent-reply' }, business, d('2026-12-07T14:40:00Z'));
    expect(replied.sla.breached).toBeUndefined();
    const again = recomputeSla({ ...ticket, sla: replied.sla }, { kind: 'customer-message', at: d('2026-12-07T15:00:00Z') }, business, d('2026-12-07T15:00:00Z'));
    expect(iso(again.sla.nextResponseDueAt)).toBe('2026-12-07T15:30:00.000Z');
    expect(again.sla.breached).toBeUndefined();
  });
});
