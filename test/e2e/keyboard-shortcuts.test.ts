import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../src/core/models/models-of.js';
import type { Viewer } from '../../src/core/users/viewer.js';
import { createInbox, createUser, smsEvent } from '../support/test-core.js';
import { launchBrowser, screenshot, signInToConsole } from './support/browser.js';
import { startApp, type RunningApp } from './support/start-app.js';

/**
 * The single-key shortcuts (j/k move, e solve) act on the ticket list and the open ticket only: not behind the
 * "New conversation" dialog, not from the contacts page, and a refused "solve" says why instead of nothing.
 */
let app: RunningApp;
let b: { browser: Browser; close(): Promise<void> };
let admin: Viewer & { password: string };
let ctx: BrowserContext;
let inbox: string;
let openTicket: string;
let mergedTicket: string;
const UI = { timeout: 15_000 };

async function ticketFrom(sid: string, from: string, text: string): Promise<string> {
  const ev = smsEvent(inbox, { sid, from, text });
  await app.core.ingest.accept([ev]);
  await app.core.ingest.drain();
  return String((await modelsOf(app.core).Message.findOne({ providerKey: ev.providerKey }).lean())!.ticketId);
}
const blur = (page: Page) => page.evaluate(() => (globalThis as any).document.activeElement?.blur());
const statusOf = async (id: string) => (await modelsOf(app.core).Ticket.findById(id).lean())!.status;

beforeAll(async () => {
  app = await startApp();
  admin = await createUser(app.core, 'admin');
  inbox = String((await createInbox(app.core, 'sms'))._id);
  openTicket = await ticketFrom('SM-e2e-keys-1', '+5511922220001', 'My invoice is wrong');
  mergedTicket = await ticketFrom('SM-e2e-keys-2', '+5511922220002', 'Same person, other phone');
  await app.core.tickets.merge(admin, mergedTicket, openTicket);
  b = await launchBrowser();
});

afterAll(async () => {
  await ctx?.close().catch(() => undefined);
  await b?.close();
  await app?.stop();
});

describe('keyboard shortcuts', () => {
  let page: Page;

  it('"e" behind the open "New conversation" dialog does not solve the ticket', async () => {
    ctx = await b.browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-US' });
    page = await ctx.newPage();
    page.setDefaultTimeout(15_000);
    await signInToConsole(page, app.url, admin);
    await page.click(`[data-testid=ticket-row][data-ticket-id="${openTicket}"]`);
    await page.waitForSelector('[data-testid=composer-input]');
    await page.click('[data-testid=new-conversation]');
    await page.waitForSelector('[data-testid=new-conversation-dialog]');
    await blur(page); // e.g. after a click on the dialog's background
    await page.keyboard.press('e');
    await page.waitForTimeout(1500);
    await expect(statusOf(openTicket)).resolves.toBe('new');
  });

  it('"j" on the contacts page stays on the contacts page', async () => {
    await page.keyboard.press('Escape');
    // The list has a ticket to move to (whatever the test before did to it).
    if ((await statusOf(openTicket)) !== 'open') await app.core.tickets.setStatus(admin, openTicket, 'open');
    await page.waitForSelector(`[data-testid=ticket-row][data-ticket-id="${openTicket}"]`, UI);
    await page.goto(`${app.url}/console/#/contacts`);
    await page.waitForSelector('[data-testid=contacts-link]');
    await blur(page);
    await page.keyboard.press('j');
    await page.waitForTimeout(1000);
    expect(new URL(page.url()).hash).toBe('#/contacts');
  });

  it('"e" on a ticket that cannot be solved says why', async () => {
    await page.goto(`${app.url}/console/#/t/${mergedTicket}`);
    await page.waitForSelector(`[data-testid=ticket-view][data-ticket-id="${mergedTicket}"]`, UI);
    await blur(page);
    await page.keyboard.press('e');
    await expect.poll(() => page.locator('.toast').textContent().catch(() => null), UI).toBe('A merged ticket cannot change status');
    await expect(page.getAttribute('.toast', 'role')).resolves.toBe('status');
    await screenshot(page, 'shortcut-refused.png');
  });
});
