import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../src/core/models/models-of.js';
import type { Viewer } from '../../src/core/users/viewer.js';
import { createInbox, createUser, smsEvent } from '../support/test-core.js';
import { launchBrowser, screenshot, signInToConsole } from './support/browser.js';
import { startApp, type RunningApp } from './support/start-app.js';

/**
 * The list row's second line is the newest message (the server keeps `lastMessagePreview`). A message that
 * arrived live moved the row and its time but left the old text under it until the list was read again.
 */
let app: RunningApp;
let b: { browser: Browser; close(): Promise<void> };
let agent: Viewer & { password: string };
let ctx: BrowserContext;
let inbox: string;
const UI = { timeout: 15_000 };

async function say(sid: string, text: string): Promise<string> {
  const ev = smsEvent(inbox, { sid, from: '+5511900000777', text });
  await app.core.ingest.accept([ev]);
  await app.core.ingest.drain();
  return String((await modelsOf(app.core).Message.findOne({ providerKey: ev.providerKey }).lean())!.ticketId);
}

beforeAll(async () => {
  app = await startApp();
  agent = await createUser(app.core, 'admin');
  inbox = String((await createInbox(app.core, 'sms'))._id);
  b = await launchBrowser();
});

afterAll(async () => {
  await ctx?.close().catch(() => undefined);
  await b?.close();
  await app?.stop();
});

describe('the ticket list preview', () => {
  it('shows the newest message as it arrives, and an internal note never', async () => {
    const ticketId = await say('SM-e2e-preview-1', 'Hello, I need to change my delivery date');
    ctx = await b.browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-US' });
    const page = await ctx.newPage();
    page.setDefaultTimeout(15_000);
    await signInToConsole(page, app.url, agent);
    const preview = page.locator(`[data-testid=ticket-row][data-ticket-id="${ticketId}"] [data-testid=ticket-preview]`);
    await expect.poll(() => preview.textContent(), UI).toBe('Hello, I need to change my delivery date');

    await say('SM-e2e-preview-2', 'Friday   would\nbe best');
    await expect.poll(() => preview.textContent(), UI).toBe('Friday would be best');

    await app.core.compose.note(agent, ticketId, { text: 'customer is a VIP', attachments: [] });
    await page.waitForTimeout(1000);
    await expect(preview.textContent()).resolves.toBe('Friday would be best');
    await screenshot(page, 'ticket-preview-live.png');
  });
});
