import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../src/core/models/models-of.js';
import type { Viewer } from '../../src/core/users/viewer.js';
import { createInbox, createUser, smsEvent } from '../support/test-core.js';
import { launchBrowser, screenshot, signInToConsole } from './support/browser.js';
import { startApp, type RunningApp } from './support/start-app.js';

/**
 * Customer-written text the console does not choose: a first line that is one long unbroken string (a pasted
 * link or tracking code, which becomes the ticket's subject), a name of the same kind, and messages in Arabic.
 */
let app: RunningApp;
let b: { browser: Browser; close(): Promise<void> };
let agent: Viewer & { password: string };
let ctx: BrowserContext;
let longTicket: string;
let arabicTicket: string;
const LONG = `https://tracking.example.com/parcel/${'X9'.repeat(120)}`;
const ARABIC = 'مرحبا، طلبي رقم 4411 لم يصل بعد. هل يمكنك المساعدة؟';

async function ticketFrom(sid: string, from: string, name: string, text: string): Promise<string> {
  const ev = smsEvent(inbox, { sid, from, text });
  await app.core.ingest.accept([{ ...ev, sender: { ...ev.sender, displayName: name } }]);
  await app.core.ingest.drain();
  return String((await modelsOf(app.core).Message.findOne({ providerKey: ev.providerKey }).lean())!.ticketId);
}
let inbox: string;

beforeAll(async () => {
  app = await startApp();
  agent = await createUser(app.core, 'admin');
  inbox = String((await createInbox(app.core, 'sms'))._id);
  longTicket = await ticketFrom('SM-e2e-long-1', '+5511933330001', `Name${'W'.repeat(90)}`, LONG);
  arabicTicket = await ticketFrom('SM-e2e-rtl-1', '+5511933330002', 'فاطمة الزهراء', ARABIC);
  b = await launchBrowser();
});

afterAll(async () => {
  await ctx?.close().catch(() => undefined);
  await b?.close();
  await app?.stop();
});

/** How far each column's content sticks out sideways (0: it fits). */
const overflow = (page: Page) =>
  page.evaluate(() =>
    Object.fromEntries(
      ['.ticket-head', '.thread', '.side-panel', '.ticket-list'].map((sel) => {
        const el = (globalThis as any).document.querySelector(sel) as { scrollWidth: number; clientWidth: number };
        return [sel, el.scrollWidth - el.clientWidth];
      }),
    ),
  );

describe('long and right-to-left customer text', () => {
  let page: Page;

  it('a subject, message and name of one unbroken string stay inside their columns', async () => {
    ctx = await b.browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-US' });
    page = await ctx.newPage();
    page.setDefaultTimeout(15_000);
    await signInToConsole(page, app.url, agent);
    await page.click(`[data-testid=ticket-row][data-ticket-id="${longTicket}"]`);
    await page.waitForSelector('[data-testid=thread] [data-testid=message-text]');
    await page.waitForSelector('[data-testid=side-panel] .contact-name');
    await screenshot(page, 'long-text.png');
    await expect(overflow(page)).resolves.toEqual({ '.ticket-head': 0, '.thread': 0, '.side-panel': 0, '.ticket-list': 0 });
  });

  it('Arabic text reads right to left in the list, the subject and the thread', async () => {
    await page.click(`[data-testid=ticket-row][data-ticket-id="${arabicTicket}"]`);
    await page.waitForSelector(`[data-testid=ticket-view][data-ticket-id="${arabicTicket}"] [data-testid=message-text]`);
    await screenshot(page, 'rtl-text.png');
    const direction = (sel: string) => page.$eval(sel, (el) => (globalThis as any).getComputedStyle(el).direction as string);
    await expect(direction('[data-testid=thread] [data-testid=message-text]')).resolves.toBe('rtl');
    // The subject's own element in the heading (the innermost one holding its text).
    const headDirection = await page.$eval('.ticket-head h1', (h1) => {
      const all = [h1, ...h1.querySelectorAll('*')].filter((el) => el.textContent?.includes('مرحبا'));
      return (globalThis as any).getComputedStyle(all.at(-1)!).direction as string;
    });
    expect(headDirection).toBe('rtl');
    await expect(direction(`[data-testid=ticket-row][data-ticket-id="${arabicTicket}"] .subject`)).resolves.toBe('rtl');
    await expect(direction(`[data-testid=ticket-row][data-ticket-id="${arabicTicket}"] [data-testid=ticket-preview]`)).resolves.toBe('rtl');
    // The agent answering in Arabic sees their text right to left too.
    await page.fill('[data-testid=composer-input]', 'شكرا، سأتحقق من طلبك');
    await expect(direction('[data-testid=composer-input]')).resolves.toBe('rtl');
  });
});
