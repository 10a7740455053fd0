import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '../../src/core/users/viewer.js';
import { createUser, smsEvent } from '../support/test-core.js';
import { launchBrowser, screenshot, signInToConsole } from './support/browser.js';
import { startApp, type RunningApp } from './support/start-app.js';

/**
 * The search answers `partial: true` when it stopped reading candidates (MAX_TICKET_READS): older matches
 * may be missing, and the console must say so. Reaching that bound for real takes hundreds of matching
 * tickets the agent cannot see, so the real answer is taken from the server and only the flag is set on its way.
 */
let app: RunningApp;
let b: { browser: Browser; close(): Promise<void> };
let admin: Viewer & { password: string };

beforeAll(async () => {
  app = await startApp();
  admin = await createUser(app.core, 'admin');
  b = await launchBrowser();
  await app.core.ingest.accept([{ ...smsEvent(app.webchatInboxId, { sid: 'E2E-PART', from: '+5511900005555', text: 'invoice overdue' }), providerKey: 'e2e:part:1', sender: { handle: '+5511900005555', displayName: 'Rita Alves' } }]);
  await app.core.ingest.drain();
});
afterAll(async () => {
  await b?.close();
  await app?.stop();
});

describe('a partial search result', () => {
  it('is shown as such, and a complete one is not', async () => {
    const ctx = await b.browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-US' });
    const page = await signInToConsole(await ctx.newPage(), app.url, admin);
    page.setDefaultTimeout(15_000);
    let markPartial = true;
    await page.route('**/api/search/tickets**', async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { items: unknown[]; partial: boolean };
      await route.fulfill({ response, json: { ...body, partial: markPartial || body.partial } });
    });
    await page.click('[data-testid=view-all]');
    await page.fill('[data-testid=ticket-search]', 'invoice');
    await page.waitForSelector('[data-testid=ticket-row]');
    await expect(page.locator('[data-testid=search-partial]').textContent()).resolves.toBe('Showing the newest matches; type more to narrow.');
    await screenshot(page, 'search-partial.png');

    markPartial = false;
    await page.fill('[data-testid=ticket-search]', 'invoice overdue');
    await page.waitForResponse('**/api/search/tickets**');
    await page.locator('[data-testid=search-partial]').waitFor({ state: 'detached' });
  });
});
