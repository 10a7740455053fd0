import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../src/core/models/models-of.js';
import type { Viewer } from '../../src/core/users/viewer.js';
import { createInbox, createUser, smsEvent } from '../support/test-core.js';
import { launchBrowser, screenshot, signInToConsole } from './support/browser.js';
import { startApp, type RunningApp } from './support/start-app.js';

/**
 * One agent, two tabs: one shows ticket T, the other ticket S. A colleague merges S into T. T's tab went on
 * showing T's messages only (S's appeared after a reload), and S's tab still offered "Move messages…" on a
 * ticket merged away. `ticket.updated` with `change: 'merged'` now reads the thread and detail again.
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
  for (const [i, text] of ['My order #991 is late', 'Also: wrong size on order #991'].entries()) {
    const ev = smsEvent(inbox, { sid: `SM-e2e-merge-open-${i}`, from: `+551190000777${i}`, text });
    await app.core.ingest.accept([ev]);
    await app.core.ingest.drain();
    ids.push(String((await modelsOf(app.core).Message.findOne({ providerKey: ev.providerKey }).lean())!.ticketId));
  }
  [target, source] = ids as [string, string];
  b = await launchBrowser();
});

afterAll(async () => {
  await ctx?.close().catch(() => undefined);
  await b?.close();
  await app?.stop();
});

describe('a ticket merged while open in two tabs of the same agent', () => {
  it('the target tab shows the merged messages and the source tab knows it was merged', async () => {
    ctx = await b.browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-US' });
    const tabT = await signInToConsole(await ctx.newPage(), app.url, agent);
    const tabS = await ctx.newPage();
    await tabS.goto(`${app.url}/console/#/t/${source}`);
    await tabS.waitForSelector('[data-testid=connection][data-state=online]');
    await tabT.goto(`${app.url}/console/#/t/${target}`);
    const texts = (p: typeof tabT) => p.locator('[data-testid=thread] [data-testid=message-text]').allTextContents();
    await expect.poll(() => texts(tabT), UI).toEqual(['My order #991 is late']);
    await expect.poll(() => texts(tabS), UI).toEqual(['Also: wrong size on order #991']);
    await expect.poll(() => tabS.locator('[data-testid=split-start]').count(), UI).toBe(1);

    // An action in one tab shows in the other (both get the events).
    await tabS.goto(`${app.url}/console/#/t/${target}`);
    await tabT.selectOption('[data-testid=priority]', 'high');
    await expect.poll(() => tabS.inputValue('[data-testid=priority]'), UI).toBe('high');
    // The browser's back button: the previous ticket again.
    await tabS.goBack();
    await expect.poll(() => tabS.locator(`[data-testid=ticket-view][data-ticket-id="${source}"]`).count(), UI).toBe(1);

    await app.core.tickets.merge(colleague, source, target);
    await expect.poll(() => texts(tabT), UI).toEqual(['My order #991 is late', 'Also: wrong size on order #991']);
    await expect.poll(() => tabS.locator('[data-testid=split-start]').count(), UI).toBe(0);
    await expect.poll(() => tabS.locator('[data-testid=audit-line]').allTextContents(), UI).toEqual(expect.arrayContaining([expect.stringContaining('merged')]));
    await screenshot(tabT, 'merged-while-open-target.png');
    await screenshot(tabS, 'merged-while-open-source.png');
  });
});
