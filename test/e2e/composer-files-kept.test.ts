import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../src/core/models/models-of.js';
import type { Viewer } from '../../src/core/users/viewer.js';
import { createInbox, createUser, emailEvent } from '../support/test-core.js';
import { launchBrowser, screenshot, signInToConsole } from './support/browser.js';
import { startApp, type RunningApp } from './support/start-app.js';

/**
 * Files attached in the composer are sent inside the reply (nothing is uploaded before Send). The text of an
 * unsent answer survived a session that ended (drafts in localStorage), the files vanished without a word; so
 * did they when the agent looked at another ticket and came back. Now the files stay attached across tickets
 * in the page, and after a reload the composer names the files it could not keep.
 */
let app: RunningApp;
let b: { browser: Browser; close(): Promise<void> };
let agent: Viewer & { password: string };
let first: string;
let second: string;
const contexts: BrowserContext[] = [];
const UI = { timeout: 15_000 };

const file = (name: string, text: string) => ({ name, mimeType: 'application/pdf', buffer: Buffer.from(text) });
const attach = (page: Page, files: Array<ReturnType<typeof file>>) => page.setInputFiles('[data-testid=composer] input[type=file]', files);
const chips = (page: Page) => page.locator('[data-testid=composer] .pending-files .chip').allTextContents();

beforeAll(async () => {
  app = await startApp();
  agent = await createUser(app.core, 'admin');
  const inbox = String((await createInbox(app.core, 'email'))._id);
  const ids: string[] = [];
  for (const [i, subject] of ['Invoice copy please', 'Change my address'].entries()) {
    const ev = emailEvent(inbox, { messageId: `<files-kept-${i}@example.com>`, from: `customer${i}@example.com`, subject, text: subject });
    await app.core.ingest.accept([ev]);
    await app.core.ingest.drain();
    ids.push(String((await modelsOf(app.core).Message.findOne({ providerKey: ev.providerKey }).lean())!.ticketId));
  }
  [first, second] = ids as [string, string];
  b = await launchBrowser();
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await b?.close();
  await app?.stop();
});

describe('files attached in the composer', () => {
  it('stay attached when the agent looks at another ticket and comes back', async () => {
    const ctx = await b.browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-US' });
    contexts.push(ctx);
    const page = await signInToConsole(await ctx.newPage(), app.url, agent);
    page.setDefaultTimeout(15_000);
    await page.goto(`${app.url}/console/#/t/${first}`);
    await page.fill('[data-testid=composer-input]', 'Here is your invoice');
    await attach(page, [file('invoice-2026-11.pdf', 'pdf bytes')]);
    await expect.poll(() => chips(page), UI).toHaveLength(1);
    await page.goto(`${app.url}/console/#/t/${second}`);
    await expect.poll(() => page.locator(`[data-testid=ticket-view][data-ticket-id="${second}"]`).count(), UI).toBe(1);
    expect(await page.locator('[data-testid=composer] .pending-files').count()).toBe(0);
    await page.goto(`${app.url}/console/#/t/${first}`);
    await expect.poll(() => page.inputValue('[data-testid=composer-input]'), UI).toBe('Here is your invoice');
    await expect.poll(() => chips(page), UI).toEqual([expect.stringContaining('invoice-2026-11.pdf')]);
    await page.click('[data-testid=send]');
    const sent = () => modelsOf(app.core).Message.findOne({ ticketId: first, direction: 'outbound' }).lean();
    await expect.poll(async () => (await sent())?.attachments.map((a) => a.fileName), UI).toEqual(['invoice-2026-11.pdf']);
  });

  it('are named after the session ended and the console reloaded, and attaching one again clears its name', async () => {
    const ctx = await b.browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-US' });
    contexts.push(ctx);
    const page = await signInToConsole(await ctx.newPage(), app.url, agent);
    page.setDefaultTimeout(15_000);
    await page.goto(`${app.url}/console/#/t/${second}`);
    await page.fill('[data-testid=composer-input]', 'Please sign both forms');
    await attach(page, [file('form-a.pdf', 'a'.repeat(2048)), file('form-b.pdf', 'b')]);
    await expect.poll(() => chips(page), UI).toHaveLength(2);

    const token = (await ctx.cookies()).find((c) => c.name === 'ponte_session')!.value;
    await app.core.sessions.logout(token);
    await page.waitForSelector('input[name=email]', UI);
    await page.fill('input[name=email]', agent.email);
    await page.fill('input[name=password]', agent.password);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=composer-input]', UI);
    await expect.poll(() => page.inputValue('[data-testid=composer-input]'), UI).toBe('Please sign both forms');
    const warning = page.locator('[data-testid=dropped-files]');
    await expect.poll(() => warning.textContent(), UI).toContain('form-a.pdf');
    expect(await warning.textContent()).toContain('form-b.pdf');
    expect(await page.locator('[data-testid=composer] .pending-files').count()).toBe(0);
    await screenshot(page, 'composer-files-dropped.png');

    // Attached again: that one is no longer missing; the other still is, also after another reload.
    await attach(page, [file('form-a.pdf', 'a'.repeat(2048))]);
    await expect.poll(() => warning.textContent(), UI).not.toContain('form-a.pdf');
    expect(await warning.textContent()).toContain('form-b.pdf');
    await page.reload();
    await page.waitForSelector('[data-testid=composer-input]', UI);
    await expect.poll(() => page.locator('[data-testid=dropped-files]').textContent(), UI).toContain('form-a.pdf');
    await page.click('[data-testid=dropped-files-dismiss]');
    await expect.poll(() => page.locator('[data-testid=dropped-files]').count(), UI).toBe(0);
    await page.reload();
    await page.waitForSelector('[data-testid=composer-input]', UI);
    await expect.poll(() => page.inputValue('[data-testid=composer-input]'), UI).toBe('Please sign both forms');
    expect(await page.locator('[data-testid=dropped-files]').count()).toBe(0);
  });
});
