import type { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { NO_SLA_DUE } from '../../../src/core/sla/policy.js';
import { slaDueAtOf } from '../../../src/core/sla/sla-lifecycle.js';
import type { TargetsByPriority } from '../../../src/core/sla/sla-targets.js';
import type { Viewer } from '../../../src/core/users/viewer.js';
import { ScriptedAdapter } from '../../support/fake-channel.js';
import { createInbox, createUser, smsEvent, startTestCore, type TestCore } from '../../support/test-core.js';

/**
 * Policies and calendars stored by admins decide each ticket's due times: the most specific policy wins, the
 * ticket names it, an edit re-evaluates its open tickets (audited with the reason), and the ticket list's
 * time-to-breach order follows every change.
 */
let t: TestCore;
let admin: Viewer;
let dep: Types.ObjectId;
const allDay = [{ from: '00:00', to: '24:00' }];
const targets = (fr: [number, number, number, number], res = 8 * 60, next: number | null = 30): TargetsByPriority => ({
  urgent: { firstResponseMinutes: fr[0], nextResponseMinutes: next, resolutionMinutes: res },
  high: { firstResponseMinutes: fr[1], nextResponseMinutes: next, resolutionMinutes: res },
  normal: { firstResponseMinutes: fr[2], nextResponseMinutes: next, resolutionMinutes: res },
  low: { firstResponseMinutes: fr[3], nextResponseMinutes: next, resolutionMinutes: res },
});
const min = 60_000;
let seq = 0;

beforeAll(async () => {
  t = await startTestCore();
  admin = await createUser(t.core, 'admin');
  dep = (await t.core.departments.create(admin, { name: `Suporte ${Date.now()}` }))._id;
  // Open around the clock (in São Paulo): due times are plain arithmetic the test can check.
  await t.core.sla.createCalendar(admin, { name: '24x7', timeZone: 'America/Sao_Paulo', week: Array.from({ length: 7 }, () => allDay), holidays: [], departmentIds: [String(dep)], isDefault: false });
}, 120_000);
afterAll(async () => {
  await t.stop();
});

async function inbound(inboxId: string, from: string): Promise<string> {
  const sid = `SLA-${++seq}`;
  await t.core.ingest.accept([smsEvent(inboxId, { sid, from })]);
  await t.core.ingest.drain();
  return String((await modelsOf(t.core).Message.findOne({ providerKey: `sms:${sid}` }).lean())!.ticketId);
}
const ticketOf = async (id: string) => (await modelsOf(t.core).Ticket.findById(id).lean())!;
const slaEvents = async (id: string) =>
  (await modelsOf(t.core).AuditEvent.find({ ticketId: (await ticketOf(id))._id, type: 'sla.changed' }).sort({ seq: 1 }).lean()).map((e) => JSON.parse(e.dataJson) as { target: string; from: string | null; to: string | null; reason: string });

describe('SLA policies', () => {
  it('the most specific policy wins, the ticket names it; edits and deletes re-evaluate its open tickets', async () => {
    const inboxA = String((await createInbox(t.core, 'sms', { departmentId: dep }))._id);
    const inboxB = String((await createInbox(t.core, 'sms', { departmentId: dep }))._id);
    const all = (await t.core.sla.createPolicy(admin, { name: 'Everyone', targets: targets([20, 60, 120, 240]) })).policy;
    await t.core.sla.createPolicy(admin, { name: 'SMS', targets: targets([20, 60, 90, 240]), channel: 'sms' });
    const inboxPolicy = (await t.core.sla.createPolicy(admin, { name: 'Inbox A', targets: targets([20, 60, 30, 240]), inboxId: inboxA })).policy;
    await t.core.sla.createPolicy(admin, { name: 'VIP', targets: targets([5, 5, 10, 10]), contactTag: 'vip' });
    await t.core.sla.createPolicy(admin, { name: 'Telegram', targets: targets([1, 1, 1, 1]), channel: 'telegram' });

    const onA = await ticketOf(await inbound(inboxA, '+5511900100001'));
    expect(onA.sla).toMatchObject({ policy: String(inboxPolicy._id), policyName: 'Inbox A' });
    expect(onA.sla.firstResponseDueAt!.getTime()).toBe(onA.createdAt.getTime() + 30 * min);
    expect(onA.slaDueAt).toEqual(onA.sla.firstResponseDueAt);
    const onB = await ticketOf(await inbound(inboxB, '+5511900100002'));
    expect(onB.sla.policyName).toBe('SMS');
    expect(onB.sla.firstResponseDueAt!.getTime()).toBe(onB.createdAt.getTime() + 90 * min);

    // A customer group (contact tag) outranks the inbox.
    const vipTicket = await inbound(inboxA, '+5511900100003');
    await modelsOf(t.core).Contact.collection.updateOne({ _id: (await ticketOf(vipTicket)).contactId }, { $set: { tags: ['vip'] } });
    await t.core.tickets.setStatus(admin, vipTicket, 'solved');
    await t.core.tickets.setStatus(admin, vipTicket, 'closed');
    const vip = await ticketOf(await inbound(inboxA, '+5511900100003'));
    expect(vip.sla.policyName).toBe('VIP');
    expect(vip.sla.firstResponseDueAt!.getTime()).toBe(vip.createdAt.getTime() + 10 * min);

    // The detail view and the REST list name the policy.
    const { toTicketDetailView } = await import('../../../src/web/views/ticket-detail-view.js');
    expect((await toTicketDetailView(t.core, admin, onA)).sla).toMatchObject({ policyName: 'Inbox A', nextResponseDueAt: null, pausedAt: null });

    // Editing "Inbox A" moves its open ticket, with the reason, and leaves the others alone.
    const edited = await t.core.sla.updatePolicy(admin, String(inboxPolicy._id), { name: 'Inbox A', targets: targets([20, 60, 45, 240]), inboxId: inboxA });
    expect(edited.reevaluated).toBe(1);
    const afterEdit = await ticketOf(String(onA._id));
    expect(afterEdit.sla.firstResponseDueAt!.getTime()).toBe(onA.createdAt.getTime() + 45 * min);
    expect(afterEdit.slaDueAt).toEqual(afterEdit.sla.firstResponseDueAt);
    expect((await slaEvents(String(onA._id))).at(-1)).toEqual({
      target: 'firstResponse',
      from: onA.sla.firstResponseDueAt!.toISOString(),
      to: afterEdit.sla.firstResponseDueAt!.toISOString(),
      reason: 'policy "Inbox A" edited',
    });
    expect((await ticketOf(String(onB._id))).sla).toEqual(onB.sla);

    // Deleting it: the ticket falls back to the next most specific policy (SMS).
    await t.core.sla.deletePolicy(admin, String(inboxPolicy._id));
    const fellBack = await ticketOf(String(onA._id));
    expect(fellBack.sla).toMatchObject({ policyName: 'SMS' });
    expect(fellBack.sla.firstResponseDueAt!.getTime()).toBe(onA.createdAt.getTime() + 90 * min);
    expect((await slaEvents(String(onA._id))).at(-1)!.reason).toBe('policy "Inbox A" deleted');
    await t.core.sla.deletePolicy(admin, String(all._id));

    // Bad input at the boundary is refused with the field.
    await expect(t.core.sla.createPolicy(admin, { name: 'SMS', targets: targets([1, 1, 1, 1]) })).rejects.toMatchObject({ code: 'NAME_TAKEN' });
    const agent = await createUser(t.core, 'agent', [dep]);
    await expect(t.core.sla.createPolicy(agent, { name: 'Mine', targets: targets([1, 1, 1, 1]) })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(t.core.sla.createCalendar(admin, { name: 'Again', timeZone: 'UTC', week: Array.from({ length: 7 }, () => allDay), holidays: [], departmentIds: [String(dep)], isDefault: false })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });

  it('a department calendar counts business hours only (the ticket moved to it gets new due times)', async () => {
    const inbox = String((await createInbox(t.core, 'sms'))._id);
    const id = await inbound(inbox, '+5511900100010');
    const before = await ticketOf(id);
    const night = `Night ${Date.now()}`;
    const closedDep = (await t.core.departments.create(admin, { name: night }))._id;
    // Open one hour a week, Sunday 03:00–04:00 UTC: the due time lands on a Sunday at that hour.
    await t.core.sla.createCalendar(admin, { name: 'Sunday', timeZone: 'UTC', week: [[], [], [], [], [], [], [{ from: '03:00', to: '04:00' }]], holidays: [], departmentIds: [String(closedDep)], isDefault: false });
    await t.core.tickets.transfer(admin, id, String(closedDep));
    const after = await ticketOf(id);
    expect(after.sla.firstResponseDueAt!.getUTCDay()).toBe(0);
    expect(after.sla.firstResponseDueAt!.getUTCHours()).toBeGreaterThanOrEqual(3);
    expect(after.sla.firstResponseDueAt!.getTime()).toBeGreaterThan(before.sla.firstResponseDueAt!.getTime());
    expect((await slaEvents(id)).map((e) => e.reason)).toEqual([`department → ${night}`, `department → ${night}`]);
  });
});

describe('the ticket list in time-to-breach order', () => {
  it('follows priority, pending pauses, replies, solves and policy edits', async () => {
    const inbox = String((await createInbox(t.core, 'sms', { departmentId: dep }))._id);
    t.registry.adapters.set(inbox, new ScriptedAdapter());
    const policy = (await t.core.sla.createPolicy(admin, { name: 'Order', targets: targets([15, 60, 120, 240], 8 * 60, null), inboxId: inbox })).policy;
    const n = await inbound(inbox, '+5511900200001'); // normal: +120
    const u = await inbound(inbox, '+5511900200002'); // → urgent: +15
    const h = await inbound(inbox, '+5511900200003'); // → high: +60
    const p = await inbound(inbox, '+5511900200004'); // → pending: no deadline while waiting
    const r = await inbound(inbox, '+5511900200005'); // answered: resolution +480
    const s = await inbound(inbox, '+5511900200006'); // solved: none
    await t.core.tickets.setPriority(admin, u, 'urgent');
    await t.core.tickets.setPriority(admin, h, 'high');
    await t.core.tickets.setStatus(admin, p, 'pending');
    await t.core.compose.reply(admin, r, { text: 'Olá!', attachments: [] });
    await t.core.tickets.setStatus(admin, s, 'solved');
    const mine = new Set([n, u, h, p, r, s]);

    const order = async (limit = 100) => {
      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await t.core.tickets.list(admin, { sort: 'sla', limit, ...(cursor ? { cursor } : {}) });
        ids.push(...page.items.map((x) => String(x._id)).filter((x) => mine.has(x)));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return ids;
    };
    const tail = [p, s].sort(); // both without a deadline: by id
    expect(await order()).toEqual([u, h, n, r, ...tail]);
    expect(await order(2)).toEqual([u, h, n, r, ...tail]);

    // The customer answers the pending ticket: its clock resumes (first response +120 and the paused time).
    await t.core.ingest.accept([smsEvent(inbox, { sid: `SLA-${++seq}`, from: '+5511900200004' })]);
    await t.core.ingest.drain();
    expect(await order()).toEqual([u, h, n, p, r, s]);
    // Urgent → low: from first to after the normal ones.
    await t.core.tickets.setPriority(admin, u, 'low');
    expect(await order()).toEqual([h, n, p, u, r, s]);
    // A policy edit re-sorts its open tickets: normal first response 10 minutes now beats high's 60.
    await t.core.sla.updatePolicy(admin, String(policy._id), { name: 'Order', targets: targets([15, 60, 10, 240], 8 * 60, null), inboxId: inbox });
    const now = await order();
    expect(now.indexOf(n)).toBeLessThan(now.indexOf(h));

    // Whatever path wrote them, every stored sort key equals the lifecycle's answer for the stored state.
    for (const id of mine) {
      const x = await ticketOf(id);
      expect(x.slaDueAt).toEqual(slaDueAtOf(x));
    }
    expect((await ticketOf(s)).slaDueAt).toEqual(NO_SLA_DUE);
  });
});
