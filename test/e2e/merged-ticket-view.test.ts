import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../src/core/models/models-of.js';
import type { Viewer } from '../../src/core/users/viewer.js';
import { createInbox, createUser, smsEvent } from '../support/test-core.js';
import { launchBrowser, screenshot, signInToConsole } from './support/browser.js';
import { startApp, type RunningApp } from './support/start-app.js';

/**
 * An agent has ticket S open when a colleague merges it into T. S went on looking live: no word of the merge
 * but an audit line, a composer whose replies the server refuses (409 TICKET_MERGED), and a status select,
 * macro menu and "Merge into…" the server refuses too. Now S says "Merged into #T “subject”" with a way there,
 * the composer gives way to a line pointing at T, those controls are gone or disabled, and T names S.
 */
let app: RunningApp;
let b: { browser: Browser; close(): Promise<void> };
let agent: Viewer & { password: string };
let colleague: Viewer & { password: string };
let ctx: BrowserContext;
let target: string;
let source: string;
const UI = { timeout: 15_000 };

beforeAll(async () => {
  app = await startApp();
  agent = await createUser(app.core, 'admin');
  colleague = await createUser(app.core, 'admin');
  const inbox = String((await createInbox(app.core, 'sms'))._id);
  const ids: string[] = [];
  for (const [i, text] of ['Refund for order #4410 please', 'Still waiting on the refund for #4410'].entries()) {
    const ev = smsEvent(inbox, { sid: `SM-e2e-merged-view-${i}`, from: `+551190000888${i}`, text });
    await app.core.ingest.accept([ev]);
    await app.core.ingest.drain();
    ids.push(String((await modelsOf(app.core).Message.findOne({ providerKey: ev.providerKey }).lean())!.ticketId));
  }
  [target, source] = ids as [string, string];
  // A macro, so that the macro menu shows on a live ticket (it is absent when there are none).
  await app.core.macros.create(agent, { name: 'Ask for order number', actions: { status: 'pending', tagsAdd: [], tagsRemove: [] } });
  b = await launchBrowser();
});

afterAll(async () => {
  await ctx?.close().catch(() => undefined);
  await b?.close();
  await app?.stop();
});

describe('a merged ticket in the console', () => {
  it('says where it went, offers no reply nor refused actions, and the target names it', async () => {
    const { Ticket } = modelsOf(app.core);
    const t = (await Ticket.findById(target).lean())!;
    const s = (await Ticket.findById(source).lean())!;
    ctx = await b.browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-US' });
    const page = await signInToConsole(await ctx.newPage(), app.url, agent);
    await page.goto(`${app.url}/console/#/t/${source}`);
    await page.waitForSelector(`[data-testid=ticket-view][data-ticket-id="${source}"]`, UI);
    await page.waitForSelector('[data-testid=composer]', UI);
    await page.waitForSelector('[data-testid=macro-menu]', UI);
    expect(await page.locator('[data-testid=merged-banner]').count()).toBe(0);

    // Merged by a colleague while open here: the page changes live.
    await app.core.tickets.merge(colleague, source, target);
    const banner = page.locator('[data-testid=merged-banner]');
    await expect.poll(() => banner.textContent(), UI).toContain(`Merged into #${t.number}`);
    await expect.poll(() => banner.textContent(), UI).toContain(t.subject);
    await expect.poll(() => page.locator('[data-testid=composer]').count(), UI).toBe(0);
    expect(await page.locator('[data-testid=merged-composer]').textContent()).toContain(`reply on #${t.number}`);
    expect(await page.isDisabled('[data-testid=status]')).toBe(true);
    expect(await page.locator('[data-testid=merge-into]').count()).toBe(0);
    expect(await page.locator('[data-testid=macro-menu]').count()).toBe(0);
    // Not refused by the server for a merged ticket: still offered.
    expect(await page.isDisabled('[data-testid=priority]')).toBe(false);
    await screenshot(page, 'merged-ticket-source.png');

    // Opened afresh (not live) it looks the same.
    await page.reload();
    await expect.poll(() => page.locator('[data-testid=merged-banner]').textContent(), UI).toContain(`Merged into #${t.number}`);
    expect(await page.locator('[data-testid=composer]').count()).toBe(0);

    // The banner's button opens the target, which names the ticket merged into it and takes replies.
    await page.click('[data-testid=merged-open-target]');
    await page.waitForSelector(`[data-testid=ticket-view][data-ticket-id="${target}"]`, UI);
    await expect.poll(() => page.locator('[data-testid=merged-from]').textContent(), UI).toContain(`#${s.number}`);
    expect(await page.locator('[data-testid=merged-banner]').count()).toBe(0);
    await page.waitForSelector('[data-testid=composer]', UI);
    await page.waitForSelector('[data-testid=macro-menu]', UI);
    expect(await page.isDisabled('[data-testid=status]')).toBe(false);
    await screenshot(page, 'merged-ticket-target.png');
  });
});
