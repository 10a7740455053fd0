import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../src/core/models/models-of.js';
import type { Viewer } from '../../src/core/users/viewer.js';
import { createUser, smsEvent } from '../support/test-core.js';
import { launchBrowser, screenshot, signInToConsole } from './support/browser.js';
import { startApp, type RunningApp } from './support/start-app.js';

/**
 * Failures the console showed as `String(err)` ("Error: …") or not at all (Retry's promise was left to reject
 * unheard): they now show the API's message, like the rest of the console (`errorText`).
 */
let app: RunningApp;
let b: { browser: Browser; close(): Promise<void> };
let admin: Viewer & { password: string };

beforeAll(async () => {
  app = await startApp();
  admin = await createUser(app.core, 'admin');
  b = await launchBrowser();
});
afterAll(async () => {
  await b?.close();
  await app?.stop();
});

const open = async (): Promise<Page> => {
  const ctx = await b.browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-US' });
  const page = await signInToConsole(await ctx.newPage(), app.url, admin);
  page.setDefaultTimeout(15_000);
  return page;
};
const toast = (page: Page) => page.locator('.toast[role=status]').textContent();

describe('console failure paths show the API message', () => {
  it('Settings → Macros: deleting a macro another admin already deleted', async () => {
    const macro = await app.core.macros.create(admin, { name: 'Gone soon', actions: { status: 'pending', tagsAdd: [], tagsRemove: [] } });
    const page = await open();
    await page.goto(`${app.url}/console/#/settings/macros`);
    await page.waitForSelector('[data-testid=macro-row]:has-text("Gone soon")');
    await app.core.macros.remove(admin, macro.id);
    page.once('dialog', (d) => void d.accept());
    await page.click('[data-testid=macro-row]:has-text("Gone soon") button:has-text("Delete")');
    await expect.poll(() => toast(page)).toMatch(/not found/i);
    expect(await toast(page)).not.toMatch(/^Error/);
    await screenshot(page, 'console-errors-macro-delete.png');
  });

  it('Retry on a failed message that is no longer failed says why', async () => {
    await app.core.ingest.accept([{ ...smsEvent(app.webchatInboxId, { sid: 'E2E-RETRY', from: '+5511900006666', text: 'hello' }), providerKey: 'e2e:retry:1', sender: { handle: '+5511900006666', displayName: 'Rita Alves' } }]);
    await app.core.ingest.drain();
    const models = modelsOf(app.core);
    const ticketId = String((await models.Message.findOne({ providerKey: 'e2e:retry:1' }).lean())!.ticketId);
    const reply = await app.core.compose.reply(admin, ticketId, { text: 'We are on it', attachments: [] });
    // Whatever the outbound worker made of it first, then failed as a provider would leave it.
    await expect.poll(async () => (await models.Message.findById(reply._id).lean())!.delivery.status, { timeout: 10_000 }).not.toMatch(/^(queued|sending)$/);
    await models.Message.updateOne({ _id: reply._id }, { $set: { 'delivery.status': 'failed', 'delivery.lastError': 'provider said no' } });

    const page = await open();
    await page.goto(`${app.url}/console/#/t/${ticketId}`);
    const failed = page.locator(`[data-message-id="${String(reply._id)}"] .msg-error`);
    await failed.waitFor();
    // Another agent's retry went through meanwhile (no live event in this test): the server refuses a second one.
    await models.Message.updateOne({ _id: reply._id }, { $set: { 'delivery.status': 'sent' } });
    await failed.locator('button:has-text("Retry")').click();
    await expect.poll(() => toast(page)).toBe('Only failed outbound messages can be retried');
    await screenshot(page, 'console-errors-retry.png');
  });
});
