import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../src/core/reports/report-calendar.js';
import type { Fact } from '../../src/core/reports/report-facts.js';
import type { Viewer } from '../../src/core/users/viewer.js';
import { ScriptedAdapter } from '../support/fake-channel.js';
import { createInbox, createUser, smsEvent } from '../support/test-core.js';
import { launchBrowser, screenshot, signInToConsole } from './support/browser.js';
import { startApp, type RunningApp } from './support/start-app.js';
import { modelsOf } from '../../src/core/models/models-of.js';

/**
 * Issue 16 in real Chromium: a supervisor opens the channel report, changes the range and the channel,
 * downloads the CSV (BOM, accents, numbers, totals equal to the screen); screenshots of the channel
 * report, the agent report and live now in test-artifacts/.
 */
let app: RunningApp;
let b: { browser: Browser; close(): Promise<void> };
let sup: Viewer & { password: string };
let smsInbox: string;
let mailInbox: string;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  app = await startApp({ ORG_TIMEZONE: 'America/Sao_Paulo' });
  const { core } = app;
  const [vendas, outros] = await modelsOf(core).Department.insertMany([{ name: 'Atendimento ao Cliente' }, { name: 'Outros' }]);
  const admin = await createUser(core, 'admin');
  sup = await createUser(core, 'supervisor', [vendas!._id]);
  await modelsOf(core).User.updateOne({ _id: sup.id }, { $set: { name: 'Márcia Supervisora' } });
  const joao = await createUser(core, 'agent', [vendas!._id]);
  const ines = await createUser(core, 'agent', [vendas!._id]);
  await modelsOf(core).User.updateOne({ _id: joao.id }, { $set: { name: 'João Gonçalves' } });
  await modelsOf(core).User.updateOne({ _id: ines.id }, { $set: { name: 'Inês Araújo' } });
  smsInbox = String((await createInbox(core, 'sms', { departmentId: vendas!._id, name: 'SMS São Paulo; Centro' }))._id);
  mailInbox = String((await createInbox(core, 'email', { departmentId: vendas!._id, name: 'E-mail Atendimento' }))._id);
  const hidden = String((await createInbox(core, 'sms', { departmentId: outros!._id, name: 'SMS Outros' }))._id);
  // Live tickets today through the real pieces: ingest, replies, solves.
  for (const inbox of [smsInbox, hidden]) {
    for (let i = 0; i < 6; i++) {
      const sid = `E2E-${inbox.slice(-4)}-${i}`;
      await core.ingest.accept([smsEvent(inbox, { sid, from: `+5511988${inbox.slice(-3)}${String(i).padStart(3, '0')}` })]);
      await core.ingest.drain();
      const m = await modelsOf(core).Message.findOne({ providerKey: `sms:${sid}` }).lean();
      const ticketId = String(m!.ticketId);
      if (i % 3 === 2) continue; // left waiting
      const agent = i % 2 ? joao : ines;
      await core.tickets.assign(admin, ticketId, agent.id);
      await core.compose.reply(agent, ticketId, { text: 'Olá! Já verifico.', attachments: [] });
      if (i % 3 === 0) await core.tickets.setStatus(admin, ticketId, 'solved');
    }
  }
  // History of the last 40 days, recorded as facts (what the feed would have recorded then).
  const today = core.reports.today();
  const facts: Fact[] = [];
  for (let d = 1; d <= 40; d++) {
    const day = addDays(today, -d);
    for (const [inbox, channel, n] of [[smsInbox, 'sms', 3 + (d % 5)], [mailInbox, 'email', 1 + (d % 3)]] as const) {
      for (let k = 0; k < n; k++) {
        const id = `${day}-${channel}-${k}`;
        const agent = k % 2 ? joao.id : ines.id;
        const base = { day, inbox, channel, dept: String(vendas!._id) };
        facts.push({ id: `created:${id}`, kind: 'created', ...base, agent: '-' });
        facts.push({ id: `in:${id}`, kind: 'in', ...base, agent });
        facts.push({ id: `out:${id}`, kind: 'out', ...base, agent });
        facts.push({ id: `frt:${id}`, kind: 'frt', ...base, agent, seconds: 300 + 97 * k + 60 * (d % 7), slaMet: k % 4 !== 3 });
        if (k % 3 !== 2) facts.push({ id: `resolved:${id}:9`, kind: 'resolved', ...base, agent, seconds: 3600 * (1 + (k % 5)), slaMet: k % 5 !== 4 });
      }
    }
  }
  core.reports.record(facts);
  await core.reports.flush();
  b = await launchBrowser();
}, 180_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await b?.close();
  await app?.stop();
});

async function login(user: { email: string; password: string }): Promise<Page> {
  const ctx = await b.browser.newContext({ viewport: { width: 1440, height: 1000 }, locale: 'en-US', acceptDownloads: true });
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.setDefaultTimeout(20_000);
  return signInToConsole(page, app.url, user);
}

const cellsOf = async (page: Page, selector: string) => (await page.locator(selector).allInnerTexts()).map((s) => s.trim());
/** Screen text → the CSV's unlocalised form: "1,234" → "1234", "83.3 %" → "83.3", "—" → "". */
const unlocalise = (s: string) => s.replace(/,/g, '').replace(/\s*%$/, '').replace(/^—$/, '');

describe('reports in the console', () => {
  it('supervisor: channel report, range and channel filters, CSV equal to the screen', async () => {
    const page = await login(sup);
    await page.click('[data-testid=reports-link]');
    await page.waitForSelector('[data-testid=channel-report] [data-testid=table-channels] tfoot');
    await page.waitForSelector('[data-testid=chart-new] canvas');
    // The supervisor sees their department only: 6 of today's 12 tickets plus the history.
    const todayOnly = await app.core.reports.channelReport(sup, { from: app.core.reports.today(), to: app.core.reports.today() });
    expect(todayOnly.total.newTickets).toBe(6);
    await screenshot(page, 'reports-channel.png');

    // Range: the last 7 days.
    const to = app.core.reports.today();
    const from = addDays(to, -6);
    await page.fill('input[name=from]', from);
    await page.locator('input[name=from]').dispatchEvent('change');
    await expect.poll(() => page.locator('[data-testid=table-periods] tbody tr').count(), { timeout: 20_000 }).toBe(7);
    const expected7 = await app.core.reports.channelReport(sup, { from, to });
    const totals7 = await cellsOf(page, '[data-testid=table-channels] tfoot th');
    expect(unlocalise(totals7[1]!)).toBe(String(expected7.total.newTickets));

    // Channel: SMS only.
    await page.selectOption('select[name=channel]', 'sms');
    const expectedSms = await app.core.reports.channelReport(sup, { from, to, channel: 'sms' });
    await expect
      .poll(async () => unlocalise((await page.locator('[data-testid=table-channels] tfoot th:nth-child(2)').textContent()) ?? ''), { timeout: 20_000 })
      .toBe(String(expectedSms.total.newTickets));
    expect(expectedSms.total.newTickets).toBeLessThan(expected7.total.newTickets);
    expect(await page.locator('[data-testid=table-inboxes] tbody tr').count()).toBe(1);
    await screenshot(page, 'reports-channel-sms-7days.png');

    // CSV of the inbox table: BOM, accents, `;`-quoting, unlocalised numbers, totals = the screen.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=table-inboxes-csv]')]);
    const bytes = readFileSync((await download.path())!);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8').slice(1);
    const lines = text.trimEnd().split('\r\n');
    expect(lines[0]!.split(';')[0]).toBe('Inbox');
    expect(lines[1]!.startsWith('"SMS São Paulo; Centro";sms;')).toBe(true);
    const csvTotals = lines.at(-1)!.split(';');
    const screenTotals = (await cellsOf(page, '[data-testid=table-inboxes] tfoot th')).map(unlocalise);
    expect(csvTotals[0]).toBe('Total');
    expect(csvTotals.slice(2)).toEqual(screenTotals.slice(2));
    expect(csvTotals[2]).toBe(String(expectedSms.total.newTickets));
    expect(csvTotals.slice(2).some((v) => v.includes('.'))).toBe(true); // minutes with a decimal point

    // Agent report and live now.
    await page.click('[data-testid=tab-agents]');
    await page.waitForSelector('[data-testid=table-agents] tfoot');
    const agentNames = await cellsOf(page, '[data-testid=table-agents] tbody td:first-child');
    expect(agentNames.sort()).toEqual(['Inês Araújo', 'João Gonçalves']);
    await screenshot(page, 'reports-agents.png');
    await page.click('[data-testid=tab-live]');
    await page.waitForSelector('[data-testid=live-report]');
    const live = app.core.reports.live(sup, {});
    await expect.poll(() => page.locator('[data-testid=live-open] .kpi-value').textContent(), { timeout: 20_000 }).toBe(String(live.openTotal));
    // Pushed over the socket: agents online appears only with report.live.
    await expect.poll(() => page.locator('[data-testid=live-agents] .kpi-value').textContent(), { timeout: 20_000 }).toMatch(/^\d+ · \d+/);
    await screenshot(page, 'reports-live.png');
  });
});
