import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../src/core/models/models-of.js';
import type { Viewer } from '../../src/core/users/viewer.js';
import { createInbox, createUser, smsEvent } from '../support/test-core.js';
import { launchBrowser, screenshot, signInToConsole } from './support/browser.js';
import { startApp, type RunningApp } from './support/start-app.js';

/**
 * A supervisor transfers a ticket out of the agent's department by mistake and straight back. The agent's
 * console said "You no longer have access" while it was away (right) and kept saying it once it was back
 * (the ticket was remembered as revoked for the life of the page): only a reload showed it again.
 */
let app: RunningApp;
let b: { browser: Browser; close(): Promise<void> };
let admin: Viewer & { password: string };
let agent: Viewer & { password: string };
let sales: string;
let support: string;
let ticketId: string;
let ctx: BrowserContext;
const UI = { timeout: 15_000 };

beforeAll(async () => {
  app = await startApp();
  admin = await createUser(app.core, 'admin');
  sales = String((await app.core.departments.create(admin, { name: 'Sales' }))._id);
  support = String((await app.core.departments.create(admin, { name: 'Support' }))._id);
  agent = await createUser(app.core, 'agent', [new Types.ObjectId(sales)]);
  const inbox = String((await createInbox(app.core, 'sms'))._id);
  const ev = smsEvent(inbox, { sid: 'SM-e2e-regained-1', text: 'I would like a quote for 40 chairs' });
  await app.core.ingest.accept([ev]);
  await app.core.ingest.drain();
  ticketId = String((await modelsOf(app.core).Message.findOne({ providerKey: ev.providerKey }).lean())!.ticketId);
  await app.core.tickets.transfer(admin, ticketId, sales);
  b = await launchBrowser();
});

afterAll(async () => {
  await ctx?.close().catch(() => undefined);
  await b?.close();
  await app?.stop();
});

describe('a ticket transferred away and back', () => {
  it('shows again in the open view of the agent who lost it for a while', async () => {
    ctx = await b.browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-US' });
    const page: Page = await ctx.newPage();
    page.setDefaultTimeout(15_000);
    await signInToConsole(page, app.url, agent);
    await page.click(`[data-testid=ticket-row][data-ticket-id="${ticketId}"]`);
    await page.waitForSelector('[data-testid=composer-input]');

    await app.core.tickets.transfer(admin, ticketId, support);
    await page.waitForSelector('[data-testid=ticket-gone]', UI);

    await app.core.tickets.transfer(admin, ticketId, sales);
    await page.waitForSelector(`[data-testid=ticket-row][data-ticket-id="${ticketId}"]`, UI);
    // Still on the ticket's address: the thread and the composer come back without a click.
    await expect.poll(() => page.locator('[data-testid=thread] [data-testid=message-text]').allTextContents(), UI).toEqual(['I would like a quote for 40 chairs']);
    await page.waitForSelector('[data-testid=composer-input]', UI);
    await expect(page.locator('[data-testid=side-panel]').count()).resolves.toBe(1);
    await screenshot(page, 'ticket-regained.png');
  });
});
