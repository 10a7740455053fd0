import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../src/core/models/models-of.js';
import type { Viewer } from '../../src/core/users/viewer.js';
import { createInbox, createUser, smsEvent } from '../support/test-core.js';
import { launchBrowser, screenshot, signInToConsole } from './support/browser.js';
import { startApp, type RunningApp } from './support/start-app.js';

/**
 * The agent's laptop sleeps with a ticket open while a lot happens: more than a page of the open ticket's thread,
 * its priority changed, customers writing on other tickets, an agent answering one. Coming back, the console
 * re-read only the first page of the list (the second page the agent had scrolled to was gone), left the open
 * ticket's header as it was, marked nothing unread, and re-read the whole thread from its first message.
 */
const TICKETS = 105;
const MISSED = 210;
let app: RunningApp;
let b: { browser: Browser; close(): Promise<void> };
let supervisor: Viewer & { password: string };
let colleague: Viewer & { password: string };
let ctx: BrowserContext;
let inbox: string;
const UI = { timeout: 30_000 };
const from = (i: number) => `+55119555${String(i).padStart(5, '0')}`;

async function ticketOf(providerKey: string): Promise<string> {
  return String((await modelsOf(app.core).Message.findOne({ providerKey }).lean())!.ticketId);
}

beforeAll(async () => {
  app = await startApp();
  supervisor = await createUser(app.core, 'supervisor');
  colleague = await createUser(app.core, 'admin');
  inbox = String((await createInbox(app.core, 'sms'))._id);
  const events = Array.from({ length: TICKETS }, (_, i) =>
    smsEvent(inbox, { sid: `SM-e2e-cu-${i}`, from: from(i), text: `Customer ${i} needs help`, at: new Date(Date.now() - (TICKETS - i) * 60_000) }),
  );
  await app.core.ingest.accept(events);
  await app.core.ingest.drain();
  b = await launchBrowser();
}, 300_000);

afterAll(async () => {
  await ctx?.close().catch(() => undefined);
  await b?.close();
  await app?.stop();
});

const sleep = (page: Page) => page.evaluate(() => (globalThis as any).ponteSocket.disconnect());
const wake = (page: Page) => page.evaluate(() => (globalThis as any).ponteSocket.connect());

describe('a reconnect after a long sleep', () => {
  it('catches up the list pages, the open ticket (header, thread after the last message) and the unread marks', async () => {
    const open = await ticketOf(smsEvent(inbox, { sid: 'SM-e2e-cu-0' }).providerKey);
    const wroteMeanwhile = await ticketOf(smsEvent(inbox, { sid: 'SM-e2e-cu-7' }).providerKey);
    const answeredMeanwhile = await ticketOf(smsEvent(inbox, { sid: 'SM-e2e-cu-9' }).providerKey);

    ctx = await b.browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-US' });
    const page = await ctx.newPage();
    page.setDefaultTimeout(30_000);
    await signInToConsole(page, app.url, supervisor);
    const rows = page.locator('[data-testid=ticket-row]');
    await expect.poll(() => rows.count(), UI).toBe(100);
    await page.locator('[data-testid=list-more]').scrollIntoViewIfNeeded();
    await expect.poll(() => rows.count(), UI).toBe(TICKETS);
    await page.goto(`${app.url}/console/#/t/${open}`);
    const messages = page.locator('[data-testid=message]');
    await expect.poll(() => messages.count(), UI).toBe(1);

    const reads: string[] = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname.startsWith('/api/')) reads.push(u.pathname + u.search);
    });

    // Nothing changed: coming back costs no read of the thread.
    await sleep(page);
    await wake(page);
    await page.waitForSelector('[data-testid=connection][data-state=online]');
    await new Promise((r) => setTimeout(r, 1500));
    expect(reads.filter((r) => r.includes('/messages'))).toEqual([]);

    await sleep(page);
    await page.waitForSelector('[data-testid=connection][data-state=offline]');
    await app.core.ingest.accept(Array.from({ length: MISSED }, (_, i) => smsEvent(inbox, { sid: `SM-e2e-cu-more-${i}`, from: from(0), text: `Follow-up ${i}`, at: new Date(Date.now() + i) })));
    await app.core.ingest.accept([smsEvent(inbox, { sid: 'SM-e2e-cu-7b', from: from(7), text: 'Hello? Still waiting' })]);
    await app.core.ingest.drain();
    await app.core.tickets.setPriority(colleague, open, 'urgent');
    await app.core.compose.reply(colleague, answeredMeanwhile, { text: 'We are on it', attachments: [] });
    reads.length = 0;

    await wake(page);
    await page.waitForSelector('[data-testid=connection][data-state=online]');
    await expect.poll(() => messages.count(), UI).toBe(1 + MISSED);
    await expect.poll(() => page.locator('.ticket-head .prio.pr-urgent').count(), UI).toBe(1);
    await expect.poll(() => page.locator(`[data-testid=ticket-row][data-ticket-id="${wroteMeanwhile}"] [data-testid=unread-badge]`).count(), UI).toBe(1);
    await expect.poll(() => rows.count(), UI).toBe(TICKETS);
    expect(await page.locator(`[data-testid=ticket-row][data-ticket-id="${answeredMeanwhile}"] [data-testid=unread-badge]`).count()).toBe(0);
    expect(await page.locator(`[data-testid=ticket-row][data-ticket-id="${open}"] [data-testid=unread-badge]`).count()).toBe(0);
    await expect.poll(() => page.locator('[data-testid=message-text]').last().textContent(), UI).toBe(`Follow-up ${MISSED - 1}`);
    // The thread after the newest message held: two pages of 200 for 210, never from the first message again.
    const threadReads = reads.filter((r) => r.includes('/messages'));
    expect(threadReads.length).toBe(2);
    expect(threadReads.every((r) => r.includes('after='))).toBe(true);
    await screenshot(page, 'reconnect-catch-up.png');
  });

  it('what arrived while away is read even when live messages come in first after the reconnect', async () => {
    // The socket is back and its rooms deliver live messages while the catch-up's first read (the list) is still
    // on its way: the catch-up used to measure "the newest message held" after those, and skipped the ones
    // that came while the socket was down (seen in CI as a burst with a lost message after a forced disconnect).
    const open = await ticketOf(smsEvent(inbox, { sid: 'SM-e2e-cu-3' }).providerKey);
    const page = await ctx.newPage();
    page.setDefaultTimeout(30_000);
    await page.goto(`${app.url}/console/#/t/${open}`);
    const texts = () => page.locator('[data-testid=message-text]').allTextContents();
    await expect.poll(texts, UI).toEqual(['Customer 3 needs help']);

    await sleep(page);
    await page.waitForSelector('[data-testid=connection][data-state=offline]');
    const away = ['Away 1', 'Away 2', 'Away 3'];
    for (const [i, text] of away.entries()) await app.core.ingest.accept([smsEvent(inbox, { sid: `SM-e2e-cu-away-${i}`, from: from(3), text })]);
    await app.core.ingest.drain();

    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    await page.route(/\/api\/tickets\?/, async (route) => {
      await held;
      await route.continue();
    });
    await wake(page);
    await page.waitForSelector('[data-testid=connection][data-state=online]');
    await app.core.ingest.accept([smsEvent(inbox, { sid: 'SM-e2e-cu-live-0', from: from(3), text: 'Live 1' })]);
    await app.core.ingest.drain();
    await expect.poll(async () => (await texts()).includes('Live 1'), UI).toBe(true);
    release(); // the route stays: taking it away while a read is held would resume that read behind the handler's back
    await expect.poll(texts, UI).toEqual(['Customer 3 needs help', ...away, 'Live 1']);
    await page.close();
  });
});
