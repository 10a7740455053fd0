import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../src/core/models/models-of.js';
import type { Viewer } from '../../src/core/users/viewer.js';
import { createInbox, createUser, smsEvent } from '../support/test-core.js';
import { launchBrowser, screenshot, signInToConsole } from './support/browser.js';
import { startApp, type RunningApp } from './support/start-app.js';

/**
 * An agent on a slow or failing network. Changing the status, priority or assignee in the side panel showed
 * nothing while the request was on its way (the select sat on the new value) and a failed one said "Failed to
 * fetch" in the toast, naming neither the field nor the cause; a reply that could not be sent said the same.
 */
let app: RunningApp;
let b: { browser: Browser; close(): Promise<void> };
let agent: Viewer & { password: string };
let ctx: BrowserContext;
let ticketId: string;
const UI = { timeout: 15_000 };

beforeAll(async () => {
  app = await startApp();
  agent = await createUser(app.core, 'admin');
  const inbox = String((await createInbox(app.core, 'sms'))._id);
  const ev = smsEvent(inbox, { sid: 'SM-e2e-slow-1', text: 'My parcel never arrived' });
  await app.core.ingest.accept([ev]);
  await app.core.ingest.drain();
  ticketId = String((await modelsOf(app.core).Message.findOne({ providerKey: ev.providerKey }).lean())!.ticketId);
  b = await launchBrowser();
});

afterAll(async () => {
  await ctx?.close().catch(() => undefined);
  await b?.close();
  await app?.stop();
});

/** Holds matching requests until `release()`; `fail` aborts them instead (the network went). */
function gate(page: Page, pattern: RegExp, method: string) {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((r) => (open = r));
  let fail = false;
  void page.route(pattern, async (route: Route) => {
    if (route.request().method() !== method) return route.fallback();
    await opened;
    if (fail) return route.abort('internetdisconnected');
    return route.fallback();
  });
  return {
    release: () => open(),
    failAll: () => {
      fail = true;
      open();
    },
  };
}

describe('a slow or failing network', () => {
  it('a side-panel change shows that it is saving, and a failure names the field and the cause', async () => {
    ctx = await b.browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-US' });
    const page = await signInToConsole(await ctx.newPage(), app.url, agent);
    page.setDefaultTimeout(15_000);
    await page.goto(`${app.url}/console/#/t/${ticketId}`);
    await page.waitForSelector('[data-testid=status]');

    const slow = gate(page, /\/api\/tickets\/[0-9a-f]{24}$/, 'PATCH');
    await page.selectOption('[data-testid=status]', 'pending');
    await expect.poll(() => page.locator('[data-testid=saving]').count(), UI).toBe(1);
    expect(await page.locator('[data-testid=status]').isDisabled()).toBe(true);
    expect(await page.locator('[data-testid=status]').getAttribute('aria-busy')).toBe('true');
    // It shows the pick being saved, not the stored value it had.
    expect(await page.inputValue('[data-testid=status]')).toBe('pending');
    await screenshot(page, 'slow-network-saving.png');
    slow.release();
    await expect.poll(() => page.locator('[data-testid=saving]').count(), UI).toBe(0);
    expect(await page.locator('[data-testid=status]').isDisabled()).toBe(false);
    expect(await page.inputValue('[data-testid=status]')).toBe('pending');
    await expect.poll(async () => (await modelsOf(app.core).Ticket.findById(ticketId).lean())!.status, UI).toBe('pending');

    await page.unroute(/\/api\/tickets\/[0-9a-f]{24}$/);
    const down = gate(page, /\/api\/tickets\/[0-9a-f]{24}$/, 'PATCH');
    down.failAll();
    await page.selectOption('[data-testid=priority]', 'urgent');
    await expect.poll(() => page.locator('.toast').textContent().catch(() => ''), UI).toContain('Priority not changed');
    expect(await page.locator('.toast').textContent()).toContain('could not be reached');
    // The select shows what is stored, not the refused pick.
    await expect.poll(() => page.inputValue('[data-testid=priority]'), UI).toBe('normal');
    await screenshot(page, 'slow-network-refused.png');
  });

  it('a reply that cannot be sent says so and why', async () => {
    const page = ctx.pages()[0]!;
    await page.unroute(/\/api\/tickets\/[0-9a-f]{24}$/);
    const down = gate(page, /\/api\/tickets\/[0-9a-f]{24}\/reply$/, 'POST');
    await page.fill('[data-testid=composer-input]', 'We are sending a new one today');
    await page.click('[data-testid=send]');
    await expect.poll(() => page.locator('[data-testid=ticks][data-status=sending]').count(), UI).toBe(1);
    down.failAll();
    await expect.poll(() => page.locator('[data-testid=message-error]').textContent().catch(() => ''), UI).toContain('Not sent');
    expect(await page.locator('[data-testid=message-error]').textContent()).toContain('could not be reached');
    await expect.poll(() => page.inputValue('[data-testid=composer-input]'), UI).toBe('We are sending a new one today');
    await screenshot(page, 'slow-network-not-sent.png');
  });
});
