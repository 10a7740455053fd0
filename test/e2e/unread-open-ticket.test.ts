import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../src/core/models/models-of.js';
import type { Viewer } from '../../src/core/users/viewer.js';
import { createInbox, createUser, smsEvent } from '../support/test-core.js';
import { launchBrowser, screenshot, signInToConsole } from './support/browser.js';
import { startApp, type RunningApp } from './support/start-app.js';

/**
 * The agent has a ticket open and switches to another browser tab; the customer writes. Back in the console,
 * the open ticket (with the new message on screen) kept its unread badge until the agent opened another
 * ticket and came back: clicking the row again does nothing, it is already open.
 */
let app: RunningApp;
let b: { browser: Browser; close(): Promise<void> };
let agent: Viewer & { password: string };
let ctx: BrowserContext;
let inbox: string;
let ticketId: string;
const FROM = '+5511911110001';
const UI = { timeout: 15_000 };

async function say(sid: string, text: string): Promise<string> {
  const ev = smsEvent(inbox, { sid, from: FROM, text });
  await app.core.ingest.accept([ev]);
  await app.core.ingest.drain();
  return String((await modelsOf(app.core).Message.findOne({ providerKey: ev.providerKey }).lean())!.ticketId);
}

/** What the browser does when the tab is hidden or shown again. */
const setHidden = (page: Page, hidden: boolean) =>
  page.evaluate((h) => {
    const doc = (globalThis as any).document;
    Object.defineProperty(doc, 'hidden', { configurable: true, get: () => h });
    Object.defineProperty(doc, 'visibilityState', { configurable: true, get: () => (h ? 'hidden' : 'visible') });
    doc.dispatchEvent(new (globalThis as any).Event('visibilitychange'));
  }, hidden);

beforeAll(async () => {
  app = await startApp();
  agent = await createUser(app.core, 'admin');
  inbox = String((await createInbox(app.core, 'sms'))._id);
  ticketId = await say('SM-e2e-unread-1', 'Hi, my card was charged twice');
  b = await launchBrowser();
});

afterAll(async () => {
  await ctx?.close().catch(() => undefined);
  await b?.close();
  await app?.stop();
});

describe('the unread badge of the open ticket', () => {
  it('goes when the agent comes back to the tab that shows the new message', async () => {
    ctx = await b.browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-US' });
    const page = await ctx.newPage();
    page.setDefaultTimeout(15_000);
    await signInToConsole(page, app.url, agent);
    await page.click(`[data-testid=ticket-row][data-ticket-id="${ticketId}"]`);
    await page.waitForSelector('[data-testid=composer-input]');

    await setHidden(page, true);
    await say('SM-e2e-unread-2', 'Any news? It is still charged twice');
    const badge = page.locator(`[data-testid=ticket-row][data-ticket-id="${ticketId}"] [data-testid=unread-badge]`);
    await expect.poll(() => badge.textContent().catch(() => null), UI).toBe('1');

    await setHidden(page, false);
    await expect.poll(() => badge.count(), UI).toBe(0);
    await screenshot(page, 'unread-open-ticket.png');
  });
});
