import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../src/core/models/models-of.js';
import type { Viewer } from '../../src/core/users/viewer.js';
import { createInbox, createUser, smsEvent } from '../support/test-core.js';
import { launchBrowser, screenshot, signInToConsole } from './support/browser.js';
import { startApp, type RunningApp } from './support/start-app.js';

/**
 * An agent half-way through an answer looks at another ticket, or reloads the page: the answer is still there
 * when they come back (it used to be emptied on every change of ticket). A sent answer's draft is gone.
 */
let app: RunningApp;
let b: { browser: Browser; close(): Promise<void> };
let agent: Viewer & { password: string };
let inbox: string;
let ctx: BrowserContext;
const UI = { timeout: 15_000 };

async function ticketFrom(sid: string, from: string, text: string): Promise<string> {
  const ev = smsEvent(inbox, { sid, from, text });
  await app.core.ingest.accept([ev]);
  await app.core.ingest.drain();
  return String((await modelsOf(app.core).Message.findOne({ providerKey: ev.providerKey }).lean())!.ticketId);
}

const open = async (page: Page, id: string) => {
  await page.click(`[data-testid=ticket-row][data-ticket-id="${id}"]`);
  await page.waitForSelector(`[data-testid=ticket-row][data-ticket-id="${id}"].selected`);
  await page.waitForSelector('[data-testid=composer-input]');
};
const composer = (page: Page) => page.inputValue('[data-testid=composer-input]');

let a: string;
let bId: string;

beforeAll(async () => {
  app = await startApp();
  agent = await createUser(app.core, 'admin');
  inbox = String((await createInbox(app.core, 'sms'))._id);
  a = await ticketFrom('SM-e2e-draft-1', '+5511955550001', 'Where is my parcel?');
  bId = await ticketFrom('SM-e2e-draft-2', '+5511955550002', 'Can I change my address?');
  b = await launchBrowser();
});

afterAll(async () => {
  await ctx?.close().catch(() => undefined);
  await b?.close();
  await app?.stop();
});

describe('composer drafts', () => {
  let page: Page;

  it('an answer typed on one ticket is still there after looking at another ticket and after a reload', async () => {
    ctx = await b.browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-US' });
    page = await ctx.newPage();
    page.setDefaultTimeout(15_000);
    await signInToConsole(page, app.url, agent);
    await open(page, a);
    await page.fill('[data-testid=composer-input]', 'Your parcel left Lisbon this morning');
    await open(page, bId);
    await expect(composer(page)).resolves.toBe('');
    await page.click('[data-testid=mode-note]');
    await page.fill('[data-testid=composer-input]', 'check the address change with billing');
    await open(page, a);
    await expect(composer(page)).resolves.toBe('Your parcel left Lisbon this morning');
    await expect(page.getAttribute('[data-testid=mode-reply]', 'aria-selected')).resolves.toBe('true');

    await page.reload();
    await page.waitForSelector('[data-testid=connection][data-state=online]');
    await expect.poll(() => composer(page), UI).toBe('Your parcel left Lisbon this morning');
    await open(page, bId);
    await expect(composer(page)).resolves.toBe('check the address change with billing');
    await expect(page.getAttribute('[data-testid=mode-note]', 'aria-selected')).resolves.toBe('true');
    await screenshot(page, 'draft-restored.png');
  });

  it('a sent answer leaves no draft behind', async () => {
    await open(page, a);
    await page.click('[data-testid=send]');
    await expect.poll(() => page.locator('[data-testid=thread] [data-testid=message-text]').allTextContents(), UI).toContain('Your parcel left Lisbon this morning');
    await expect(composer(page)).resolves.toBe('');
    // Sent means stored and answered: the console shows the stored message, not only its optimistic copy. (A
    // reload while the send is still on its way cancels it, and the console keeps the text as a draft: it cannot
    // know whether the reply was stored.)
    let stored: string | undefined;
    await expect
      .poll(async () => (stored = (await modelsOf(app.core).Message.findOne({ ticketId: a, direction: 'outbound', text: 'Your parcel left Lisbon this morning' }).lean())?._id.toString()), UI)
      .toBeTruthy();
    await page.waitForSelector(`[data-testid=message][data-message-id="${stored}"]`);
    await page.reload();
    await page.waitForSelector('[data-testid=connection][data-state=online]');
    await page.waitForSelector('[data-testid=composer-input]');
    await expect(composer(page)).resolves.toBe('');
  });
});
