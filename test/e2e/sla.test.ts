import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../src/core/models/models-of.js';
import { createUser } from '../support/test-core.js';
import { TestClock } from '../support/test-clock.js';
import { launchBrowser, screenshot, signInToConsole } from './support/browser.js';
import { startApp, type RunningApp } from './support/start-app.js';
import { until } from '../support/until.js';

/**
 * SLA settings in real Chromium against the whole app: an admin creates a business calendar (several
 * intervals a day, a holiday, a department, the default flag) and a policy in Settings → SLA, meeting the
 * server's field errors on the way; a new web chat ticket shows that policy and its due time in the ticket
 * panel; the SLA clock moves past the warning lead and the supervisor's console shows the live warning; the
 * ticket list is in time-to-breach order (a higher priority with a shorter target first, pending last).
 */
const ZONE = 'America/Sao_Paulo';
const MIN = 60_000;
let app: RunningApp;
let b: { browser: Browser; close(): Promise<void> };
const clock = new TestClock();
const contexts: BrowserContext[] = [];

async function newPage(): Promise<Page> {
  const ctx = await b.browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-US', timezoneId: ZONE });
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.setDefaultTimeout(15_000);
  return page;
}


/** A website visitor writes (a new visitor each time: a new ticket); answers the ticket id. */
async function visitorWrites(text: string): Promise<string> {
  const session = await fetch(`${app.url}/chat/api/session`);
  const cookie = (session.headers.get('set-cookie') ?? '').split(';')[0]!;
  const posted = await fetch(`${app.url}/chat/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ clientMessageId: randomUUID(), text }),
  });
  expect(posted.status).toBe(202);
  const m = await until(() => modelsOf(app.core).Message.findOne({ text, direction: 'inbound' }).lean());
  return String(m.ticketId);
}

/** What the console's `clock()` prints for a moment (en, the context's zone). */
const consoleClock = (d: Date) => d.toLocaleString('en', { hour: '2-digit', minute: '2-digit', day: '2-digit', month: 'short', timeZone: ZONE });

beforeAll(async () => {
  app = await startApp({ WEBCHAT_NEW_PER_ADDRESS: '1000', WEBCHAT_NEW_PER_MINUTE: '1000', SLA_SCAN_INTERVAL_MS: '300', SLA_WARNING_LEAD_MINUTES: '15' }, { clock });
  b = await launchBrowser();
});
afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await b?.close();
  await app?.stop();
});

describe('Settings → SLA', () => {
  it('admin creates a calendar and a policy; a web chat ticket shows them; the supervisor gets the live warning; the list is in time-to-breach order', async () => {
    const m = modelsOf(app.core);
    const [support] = await m.Department.insertMany([{ name: 'Support' }]);
    const admin = await createUser(app.core, 'admin');
    const supervisor = await createUser(app.core, 'supervisor');

    // ---- the admin: Settings → SLA ----
    const page = await signInToConsole(await newPage(), app.url, admin);
    await page.goto(`${app.url}/console/#/settings/inboxes`);
    await page.click('[data-testid=settings-sla]');
    await page.waitForSelector('[data-testid=sla-settings]');
    expect(page.url()).toContain('#/settings/sla');
    await page.waitForSelector('[data-testid=policy-built-in]');

    await page.click('[data-testid=new-calendar]');
    const cal = page.locator('[data-testid=calendar-form]');
    await cal.locator('input[name=name]').fill('Support hours');
    await cal.locator('input[name=timeZone]').fill('America/Sao_Paolo'); // a typo the server refuses
    // Monday: two intervals that together cover the day, then the same hours every day (due times are then
    // plain arithmetic whenever the test runs; the intervals still go through the calendar code).
    await cal.locator('input[name="week.0.0.from"]').fill('00:00');
    await cal.locator('input[name="week.0.0.to"]').fill('12:00');
    await cal.locator('[data-testid=add-interval-0]').click();
    expect(await cal.locator('input[name="week.0.1.from"]').inputValue()).toBe('12:00');
    expect(await cal.locator('input[name="week.0.1.to"]').inputValue()).toBe('24:00');
    await cal.locator('[data-testid=copy-every-day]').click();
    expect(await cal.locator('[data-testid=day-6] [data-testid=interval]').count()).toBe(2);
    await cal.locator('input[name=holiday]').fill('2099-12-25');
    await cal.locator('[data-testid=add-holiday]').click();
    await cal.locator('[data-testid=holiday]', { hasText: '2099-12-25' }).waitFor();
    await cal.locator('[data-testid=calendar-departments] label', { hasText: 'Support' }).locator('input[type=checkbox]').check();
    await cal.locator('input[name=isDefault]').check();
    await cal.locator('[data-testid=save-calendar]').click();
    // The server's 400 lands next to the field it names.
    const zoneProblem = cal.locator('[data-testid=problem-timeZone]');
    await zoneProblem.waitFor();
    expect(await zoneProblem.textContent()).toContain('unknown IANA time zone');
    expect(await cal.locator('[data-testid=calendar-error]').textContent()).toBe('Not saved: check the marked fields.');
    await screenshot(page, 'sla-calendar-error.png');
    await cal.locator('input[name=timeZone]').fill(ZONE);
    expect(await zoneProblem.count()).toBe(0);
    await cal.locator('[data-testid=save-calendar]').click();
    await page.waitForSelector('[data-testid=calendar-row] >> text=Support hours');
    expect(await page.locator('[data-testid=calendar-form]').count()).toBe(0);
    const stored = (await m.SlaCalendar.findOne({ name: 'Support hours' }).lean())!;
    expect(stored).toMatchObject({ timeZone: ZONE, holidays: ['2099-12-25'], isDefault: true });
    expect(stored.departmentIds.map(String)).toEqual([String(support!._id)]);
    expect(stored.hours).toHaveLength(14);
    expect(await page.textContent('[data-testid=calendar-row]')).toContain('Support');

    await page.click('[data-testid=new-policy]');
    const pol = page.locator('[data-testid=policy-form]');
    await pol.locator('input[name=name]').fill('Web chat standard');
    await pol.locator('select[name=inboxId]').selectOption(app.webchatInboxId);
    // New policies start from the built-in table; the admin sets the normal and high rows.
    expect(await pol.locator('input[name="targets.urgent.firstResponseMinutes"]').inputValue()).toBe('30');
    await pol.locator('input[name="targets.normal.firstResponseMinutes"]').fill('0');
    await pol.locator('input[name="targets.normal.nextResponseMinutes"]').fill('10');
    await pol.locator('input[name="targets.normal.resolutionMinutes"]').fill('240');
    await pol.locator('input[name="targets.high.firstResponseMinutes"]').fill('18');
    await pol.locator('input[name="targets.low.nextResponseMinutes"]').fill('abc');
    // Text is named by the form itself; a number out of range by the server (below).
    await pol.locator('[data-testid=save-policy]').click();
    expect(await pol.locator('[data-testid="problem-targets.low.nextResponseMinutes"]').textContent()).toBe('a whole number of minutes');
    expect(await m.SlaPolicy.countDocuments()).toBe(0);
    await pol.locator('input[name="targets.low.nextResponseMinutes"]').fill('');
    expect(await pol.locator('[data-testid="problem-targets.low.nextResponseMinutes"]').count()).toBe(0);
    await pol.locator('[data-testid=save-policy]').click();
    const cellProblem = pol.locator('[data-testid="problem-targets.normal.firstResponseMinutes"]');
    await cellProblem.waitFor();
    await screenshot(page, 'sla-policy-error.png');
    await pol.locator('input[name="targets.normal.firstResponseMinutes"]').fill('20');
    await pol.locator('[data-testid=save-policy]').click();
    await page.waitForSelector('[data-testid=policy-row] >> text=Web chat standard');
    const policy = (await m.SlaPolicy.findOne({ name: 'Web chat standard' }).lean())!;
    expect(String(policy.inboxId)).toBe(app.webchatInboxId);
    expect(policy.targets.normal).toMatchObject({ firstResponseMinutes: 20, nextResponseMinutes: 10, resolutionMinutes: 240 });
    expect(policy.targets.high).toMatchObject({ firstResponseMinutes: 18, nextResponseMinutes: null, resolutionMinutes: 480 });
    expect(await page.textContent('[data-testid=policy-row]')).toContain('20 min · 10 min · 4 h');
    await screenshot(page, 'sla-settings.png');

    // ---- a web chat ticket: the supervisor sees its policy and due time ----
    const first = await visitorWrites('Hi, my order never arrived');
    const t1 = (await m.Ticket.findById(first).lean())!;
    expect(t1.sla.policyName).toBe('Web chat standard');
    expect(t1.sla.firstResponseDueAt!.getTime()).toBe(t1.createdAt.getTime() + 20 * MIN);

    const sup = await signInToConsole(await newPage(), app.url, supervisor);
    await sup.click('[data-testid=view-all]');
    await sup.goto(`${app.url}/console/#/t/${first}`);
    await sup.waitForSelector('[data-testid=sla-policy] >> text=Web chat standard');
    const due = sup.locator('[data-testid=sla-target]', { hasText: 'First response' }).locator('[data-testid=sla-due]');
    expect(await due.textContent()).toBe(consoleClock(t1.sla.firstResponseDueAt!));
    await screenshot(sup, 'sla-ticket-panel.png');

    // ---- the SLA clock passes the warning lead: the supervisor's console shows it live ----
    clock.advance(6 * MIN); // 14 minutes left < 15 minutes of lead
    const toast = sup.locator('.toast', { hasText: `SLA warning: #${t1.number}` });
    await toast.waitFor();
    expect(await toast.textContent()).toContain(`First response due ${consoleClock(t1.sla.firstResponseDueAt!)}`);
    await screenshot(sup, 'sla-warning.png');
    expect(await m.Ticket.findById(first, { priority: 1 }).lean()).toMatchObject({ priority: 'normal' }); // a warning, not a breach

    // ---- the list in time-to-breach order ----
    clock.reset(); // the next tickets' targets are longer than the lead: no more alerts
    const second = await visitorWrites('Payment failed twice');
    const third = await visitorWrites('Can I change my address?');
    await app.core.tickets.setPriority(supervisor, second, 'high'); // 18 minutes: before the first ticket's 20
    await app.core.tickets.setStatus(supervisor, third, 'pending'); // no due time: last
    const order = () => sup.locator('[data-testid=ticket-row]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-ticket-id')));
    await until(async () => ((await order()).join() === [second, first, third].join() ? true : undefined), 10_000).catch(async () => {
      throw new Error(`console list order ${JSON.stringify(await order())}, expected ${JSON.stringify([second, first, third])}`);
    });
    // The same order from the API after a reload (the server's sort, not only the console's).
    await sup.reload();
    await sup.waitForSelector('[data-testid=connection][data-state=online]');
    await sup.click('[data-testid=view-all]');
    await until(async () => ((await order()).length === 3 ? true : undefined));
    expect(await order()).toEqual([second, first, third]);
    await screenshot(sup, 'sla-list-order.png');

    // The raised ticket's history says which due time moved and why, in words (it showed "Ana: sla.changed").
    await sup.goto(`${app.url}/console/#/t/${second}`);
    const history = sup.locator('[data-testid=audit-line]');
    await expect.poll(() => history.filter({ hasText: 'First response due' }).filter({ hasText: '(priority normal → high)' }).count(), { timeout: 10_000 }).toBe(1);
    expect((await history.allTextContents()).join('\n')).not.toContain('sla.changed');
    await screenshot(sup, 'sla-history.png');

    // ---- supervisors look at Settings → SLA without changing it ----
    await sup.goto(`${app.url}/console/#/settings/sla`);
    await sup.waitForSelector('[data-testid=sla-read-only]');
    await sup.waitForSelector('[data-testid=policy-row] >> text=Web chat standard');
    expect(await sup.locator('[data-testid=new-calendar], [data-testid=new-policy], [data-testid=edit-policy], [data-testid=delete-calendar]').count()).toBe(0);
    await screenshot(sup, 'sla-settings-supervisor.png');

    // ---- the admin deletes the policy: its open tickets with a running clock fall back to the built-in targets ----
    await page.click('[data-testid=policy-row] [data-testid=delete-policy]');
    await page.click('[data-testid=confirm-delete-yes]');
    await page.waitForSelector('.toast >> text=Deleted “Web chat standard” · 2 open tickets got new due times');
    await screenshot(page, 'sla-policy-deleted.png');
    expect(await page.locator('[data-testid=policy-row]').count()).toBe(0);
    const fellBack = (await m.Ticket.findById(first).lean())!;
    expect(fellBack.sla.policyName).toBe('Default');
    expect(fellBack.sla.firstResponseDueAt!.getTime()).toBe(t1.createdAt.getTime() + 4 * 60 * MIN);

    // ---- and edits the calendar: closed on Sundays ----
    await page.click('[data-testid=calendar-row] [data-testid=edit-calendar]');
    const edit = page.locator('[data-testid=calendar-form]');
    expect(await edit.locator('input[name=name]').inputValue()).toBe('Support hours');
    expect(await edit.locator('input[name=isDefault]').isChecked()).toBe(true);
    expect(await edit.locator('[data-testid=calendar-departments] input[type=checkbox]').isChecked()).toBe(true);
    await edit.locator('[data-testid=day-6] [data-testid=interval] button').first().click();
    await edit.locator('[data-testid=day-6] [data-testid=interval] button').first().click();
    await edit.locator('[data-testid=day-6] >> text=Closed').waitFor();
    await edit.locator('[data-testid=save-calendar]').click();
    await page.waitForSelector('[data-testid=calendar-row] >> text=Mon–Sat 00:00–12:00, 12:00–24:00');
    expect((await m.SlaCalendar.findOne({ name: 'Support hours' }).lean())!.hours.filter((h) => h.day === 6)).toEqual([]);
  });
});
