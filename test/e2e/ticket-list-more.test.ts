import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '../../src/core/users/viewer.js';
import { createInbox, createUser, smsEvent } from '../support/test-core.js';
import { launchBrowser, screenshot, signInToConsole } from './support/browser.js';
import { startApp, type RunningApp } from './support/start-app.js';

/**
 * A supervisor with more open tickets than one page (100): the list used to stop at the first page with no
 * way to reach the others but search. The end of the list now offers the next page.
 */
const TICKETS = 104;
let app: RunningApp;
let b: { browser: Browser; close(): Promise<void> };
let supervisor: Viewer & { password: string };
let ctx: BrowserContext;
const UI = { timeout: 20_000 };

beforeAll(async () => {
  app = await startApp();
  supervisor = await createUser(app.core, 'supervisor');
  const inbox = String((await createInbox(app.core, 'sms'))._id);
  const events = Array.from({ length: TICKETS }, (_, i) =>
    smsEvent(inbox, { sid: `SM-e2e-more-${i}`, from: `+55119444${String(i).padStart(5, '0')}`, text: `Customer ${i} needs help`, at: new Date(Date.now() - (TICKETS - i) * 60_000) }),
  );
  await app.core.ingest.accept(events);
  await app.core.ingest.drain();
  b = await launchBrowser();
}, 300_000);

afterAll(async () => {
  await ctx?.close().catch(() => undefined);
  await b?.close();
  await app?.stop();
});

describe('a ticket list longer than one page', () => {
  it('shows the next page at the end of the list, and every ticket is reachable', async () => {
    ctx = await b.browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-US' });
    const page: Page = await ctx.newPage();
    page.setDefaultTimeout(20_000);
    await signInToConsole(page, app.url, supervisor);
    const rows = page.locator('[data-testid=ticket-row]');
    await expect.poll(() => rows.count(), UI).toBe(100);
    await expect(page.locator('[data-testid=list-more]').count()).resolves.toBe(1);
    // Scrolling to the end of the list loads the next page.
    await page.locator('[data-testid=list-more]').scrollIntoViewIfNeeded();
    await expect.poll(() => rows.count(), UI).toBe(TICKETS);
    await screenshot(page, 'ticket-list-more.png');
    const numbers = (await rows.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-number'))))).sort((x, y) => x - y);
    expect(numbers).toEqual(Array.from({ length: TICKETS }, (_, i) => i + 1));
    await expect(page.locator('[data-testid=list-more]').count()).resolves.toBe(0);
  });
});
