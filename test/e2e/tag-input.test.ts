import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../src/core/models/models-of.js';
import type { Viewer } from '../../src/core/users/viewer.js';
import { createInbox, createUser, smsEvent } from '../support/test-core.js';
import { launchBrowser, screenshot, signInToConsole } from './support/browser.js';
import { startApp, type RunningApp } from './support/start-app.js';

/**
 * Tags are at most 60 characters (the API refuses longer ones). The tag field took any length, cleared itself
 * on Enter and then showed the API's validation text ("Invalid request body: addTags.0: …") with the typed tag
 * gone; it now stops at 60 characters.
 */
let app: RunningApp;
let b: { browser: Browser; close(): Promise<void> };
let agent: Viewer & { password: string };
let ctx: BrowserContext;
let ticketId: string;

beforeAll(async () => {
  app = await startApp();
  agent = await createUser(app.core, 'admin');
  const inbox = String((await createInbox(app.core, 'sms'))._id);
  const ev = smsEvent(inbox, { sid: 'SM-e2e-tag-1', text: 'Please tag me' });
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

describe('the tag field', () => {
  it('takes at most 60 characters, so a long tag is added instead of refused', async () => {
    ctx = await b.browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-US' });
    const page = await ctx.newPage();
    page.setDefaultTimeout(15_000);
    await signInToConsole(page, app.url, agent);
    await page.click(`[data-testid=ticket-row][data-ticket-id="${ticketId}"]`);
    const input = page.locator('[data-testid=side-panel] .tag-input');
    await input.pressSequentially('warranty-claim-'.repeat(5)); // 75 characters typed
    await input.press('Enter');
    const expected = 'warranty-claim-'.repeat(4); // the first 60
    await expect.poll(async () => ((await modelsOf(app.core).Ticket.findById(ticketId).lean())!.tags), { timeout: 15_000 }).toEqual([expected]);
    await screenshot(page, 'tag-input.png');
  });

  it('keeps a tag the server refused, with the reason, and empties only once a tag was taken', async () => {
    const page = ctx.pages()[0]!;
    const input = page.locator('[data-testid=side-panel] .tag-input');
    const invisible = '\u200b\u200b'; // zero-width spaces only: refused ("a tag needs a visible character")
    await input.fill(invisible);
    await input.press('Enter');
    await expect(page.locator('[data-testid=tag-error]').textContent()).resolves.toContain('a tag needs a visible character');
    expect(await input.inputValue()).toBe(invisible);
    await screenshot(page, 'tag-input-refused.png');
    // Corrected and sent again: taken, so the field empties and the reason goes.
    await input.fill('vip');
    await expect(page.locator('[data-testid=tag-error]').count()).resolves.toBe(0);
    await input.press('Enter');
    await expect.poll(async () => (await modelsOf(app.core).Ticket.findById(ticketId).lean())!.tags, { timeout: 15_000 }).toContain('vip');
    await expect.poll(() => input.inputValue()).toBe('');
  });
});
