import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../src/core/models/models-of.js';
import type { Viewer } from '../../src/core/users/viewer.js';
import { createInbox, createUser, smsEvent } from '../support/test-core.js';
import { launchBrowser, screenshot, signInToConsole } from './support/browser.js';
import { startApp, type RunningApp } from './support/start-app.js';

/**
 * A console whose session ended (signed out in another tab, expired, password changed elsewhere) must show the
 * sign-in page, not sit on "Reconnecting…" with every click failing; signing in again opens the same ticket.
 */
let app: RunningApp;
let b: { browser: Browser; close(): Promise<void> };
let agent: Viewer & { password: string };
let ticketId: string;
const contexts: BrowserContext[] = [];
const UI = { timeout: 15_000 };

async function login(): Promise<{ page: Page; ctx: BrowserContext }> {
  const ctx = await b.browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-US' });
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.setDefaultTimeout(15_000);
  await signInToConsole(page, app.url, agent);
  await page.goto(`${app.url}/console/#/t/${ticketId}`);
  await page.waitForSelector('[data-testid=thread] [data-testid=message]');
  return { page, ctx };
}

const sessionToken = async (ctx: BrowserContext) => (await ctx.cookies()).find((c) => c.name === 'ponte_session')!.value;

beforeAll(async () => {
  app = await startApp();
  agent = await createUser(app.core, 'admin');
  const inbox = String((await createInbox(app.core, 'sms'))._id);
  const ev = smsEvent(inbox, { sid: 'SM-e2e-session-1', text: 'Hello, is my order shipped?' });
  await app.core.ingest.accept([ev]);
  await app.core.ingest.drain();
  ticketId = String((await modelsOf(app.core).Message.findOne({ providerKey: ev.providerKey }).lean())!.ticketId);
  b = await launchBrowser();
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await b?.close();
  await app?.stop();
});

describe('a console whose session ended', () => {
  it('signed out elsewhere: the live link drops and the console shows the sign-in page, then reopens the ticket', async () => {
    const { page, ctx } = await login();
    await app.core.sessions.logout(await sessionToken(ctx));
    await page.waitForSelector('input[name=email]', UI);
    await expect(page.locator('[data-testid=session-ended]').isVisible()).resolves.toBe(true);
    await screenshot(page, 'session-ended-login.png');
    await page.fill('input[name=email]', agent.email);
    await page.fill('input[name=password]', agent.password);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=connection][data-state=online]', UI);
    await expect.poll(() => page.locator('[data-testid=thread] [data-testid=message-text]').allTextContents(), UI).toEqual(['Hello, is my order shipped?']);
  });

  it('expired without a live signal: the first request answered 401 leads to the sign-in page', async () => {
    const { page } = await login();
    // Expiry is only noticed when the session is read (the socket's periodic re-check is 60 s away).
    await modelsOf(app.core).Session.updateMany({}, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    await page.fill('[data-testid=composer-input]', 'Yes, it left yesterday');
    await page.click('[data-testid=send]');
    await page.waitForSelector('input[name=email]', UI);
    await expect(page.locator('[data-testid=session-ended]').isVisible()).resolves.toBe(true);
    // The answer that could not be sent is back in the composer once signed in again.
    await page.fill('input[name=email]', agent.email);
    await page.fill('input[name=password]', agent.password);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=composer-input]', UI);
    await expect.poll(() => page.inputValue('[data-testid=composer-input]'), UI).toBe('Yes, it left yesterday');
  });
});
