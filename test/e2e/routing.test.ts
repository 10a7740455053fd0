import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../src/core/models/models-of.js';
import { createUser } from '../support/test-core.js';
import { launchBrowser, screenshot, signInToConsole } from './support/browser.js';
import { startApp, type RunningApp } from './support/start-app.js';
import { until } from '../support/until.js';

/**
 * Issue 15 (routing and assignment) in real Chromium against the whole app: the agent's console is open
 * (their socket makes them online; the header shows them available); an admin creates a routing rule in
 * Settings → Routing and turns on round robin for the department; a web chat message matching the rule
 * lands in that department and is assigned to the agent automatically.
 */
let app: RunningApp;
let b: { browser: Browser; close(): Promise<void> };
const contexts: BrowserContext[] = [];

async function login(user: { email: string; password: string }): Promise<Page> {
  const ctx = await b.browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-US' });
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.setDefaultTimeout(15_000);
  return signInToConsole(page, app.url, user);
}


beforeAll(async () => {
  app = await startApp({ WEBCHAT_NEW_PER_ADDRESS: '1000', WEBCHAT_NEW_PER_MINUTE: '1000' });
  b = await launchBrowser();
});
afterAll(async () => {
  for (const c of contexts) await c.close();
  await b?.close();
  await app?.stop();
});

describe('Settings → Routing', () => {
  it('an admin creates a rule; a matching web chat message lands in the department and is auto-assigned to the available agent', async () => {
    const m = modelsOf(app.core);
    const [billing] = await m.Department.insertMany([{ name: 'Billing' }]);
    const admin = await createUser(app.core, 'admin');
    const agent = await createUser(app.core, 'agent', [billing!._id]);

    const agentPage = await login(agent);
    const toggle = agentPage.locator('[data-testid=availability-toggle]');
    await toggle.waitFor();
    expect(await toggle.getAttribute('data-state')).toBe('available');

    const page = await login(admin);
    await page.goto(`${app.url}/console/#/settings/routing`);
    await page.waitForSelector('[data-testid=routing-settings]');
    await page.click('[data-testid=new-rule]');
    await page.fill('[data-testid=rule-form] input[name=name]', 'Refunds to Billing');
    await page.fill('[data-testid=rule-form] input[name=keywords]', 'reembolso, refund');
    await page.selectOption('[data-testid=rule-form] select[name=departmentId]', { label: 'Billing' });
    await page.selectOption('[data-testid=rule-form] select[name=priority]', 'high');
    await page.fill('[data-testid=rule-form] input[name=tags]', 'refund');
    await page.click('[data-testid=save-rule]');
    await page.waitForSelector('[data-testid=rule-row] >> text=Refunds to Billing');

    await page.selectOption('[data-testid=department-assignment] select[name=assignmentDepartment]', { label: 'Billing' });
    await page.selectOption('[data-testid=department-assignment] select[name=mode]', 'round_robin');
    await page.fill('[data-testid=department-assignment] input[name=chatLimit]', '2');
    await page.click('[data-testid=save-assignment]');
    await page.waitForSelector('[data-testid=assignment-note] >> text=Saved');
    await screenshot(page, 'routing-settings.png');
    expect(await app.core.assignmentSettings.department(String(billing!._id))).toMatchObject({ mode: 'round_robin', capacity: { chat: 2 } });

    // A website visitor writes; the accents and capitals do not matter.
    const session = await fetch(`${app.url}/chat/api/session`);
    const cookie = (session.headers.get('set-cookie') ?? '').split(';')[0]!;
    const posted = await fetch(`${app.url}/chat/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ clientMessageId: randomUUID(), text: 'Olá, quero um REEMBOLSO do pedido' }),
    });
    expect(posted.status).toBe(202);
    const visitorId = decodeURIComponent(cookie.split('=')[1]!).split('.')[0]!;
    const ticket = await until(async () => {
      const t = await m.Ticket.findOne({ 'replyTo.conversationId': visitorId }).lean();
      return t?.assigneeId ? t : undefined;
    });
    expect(String(ticket.departmentId)).toBe(String(billing!._id));
    expect(String(ticket.assigneeId)).toBe(agent.id);
    expect(ticket.priority).toBe('high');
    expect(ticket.tags).toEqual(['refund']);
    // (The assignment's audit event is appended just after the ticket write the wait above saw.)
    const audit = await until(async () => {
      const events = await m.AuditEvent.find({ ticketId: ticket._id }).sort({ seq: 1 }).lean();
      return events.some((e) => e.type === 'ticket.assigned') ? events : undefined;
    });
    expect(audit.map((e) => e.type)).toEqual(expect.arrayContaining(['ticket.routed', 'ticket.assigned']));
    expect(JSON.parse(audit.find((e) => e.type === 'ticket.routed')!.dataJson)).toMatchObject({ ruleName: 'Refunds to Billing' });

    // The agent sees it in their console; then sets themselves away.
    await agentPage.waitForSelector(`text=#${ticket.number}`);
    await screenshot(agentPage, 'routing-agent-console.png');
    await toggle.click();
    await until(async () => ((await toggle.getAttribute('data-state')) === 'away' ? true : undefined));
    // Away gives back the chat they have not answered yet: it waits in the queue again.
    await until(async () => ((await m.Ticket.findById(ticket._id).lean())!.assigneeId ? undefined : true));
    // (The queue entry is written right after the assignee is taken off: wait for it, do not race it.)
    expect(await until(async () => (await app.core.assignment.position(String(ticket._id))) ?? undefined)).toMatchObject({ position: 1 });
    await screenshot(agentPage, 'routing-agent-away.png');
  });
});
