import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../../src/core/models/message.js';
import { modelsOf } from '../../src/core/models/models-of.js';
import type { Ticket } from '../../src/core/models/ticket.js';
import type { Viewer } from '../../src/core/users/viewer.js';
import { createInbox, createUser, smsEvent } from '../support/test-core.js';
import { launchBrowser, screenshot, signInToConsole } from './support/browser.js';
import { startApp, type RunningApp } from './support/start-app.js';

/**
 * Issue 14 "Split" in real Chromium against the whole app: Bruno's ticket was merged into Ana's by mistake and
 * Bruno wrote again (into Ana's ticket). An agent ticks Bruno's messages in Ana's thread, moves them to a new
 * ticket after a confirmation, and the console opens it; a second agent who has Ana's ticket open sees the
 * messages leave it live. Bruno's next message lands in the new ticket.
 */
let app: RunningApp;
let b: { browser: Browser; close(): Promise<void> };
let admin: Viewer & { password: string };
let watcher: Viewer & { password: string };
let inbox: string;
const contexts: BrowserContext[] = [];
const ANA = '+5511966660001';
const BRUNO = '+5511966660002';

async function login(user: { email: string; password: string }): Promise<Page> {
  const ctx = await b.browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-US' });
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.setDefaultTimeout(15_000);
  return signInToConsole(page, app.url, user);
}

let sid = 0;
async function say(from: string, name: string, text: string, secondsAgo = 0): Promise<Message> {
  const ev = smsEvent(inbox, { sid: `SM-e2e-split-${++sid}`, from, text, at: new Date(Date.now() - secondsAgo * 1000) });
  await app.core.ingest.accept([{ ...ev, sender: { ...ev.sender, displayName: name } }]);
  await app.core.ingest.drain();
  return (await modelsOf(app.core).Message.findOne({ providerKey: ev.providerKey }).lean())!;
}
const ticketOf = async (m: Message): Promise<Ticket> => {
  const now = (await modelsOf(app.core).Message.findById(m._id).lean())!;
  return (await modelsOf(app.core).Ticket.findById(now.ticketId).lean())!;
};
/** The machine is shared and slow at times: UI changes are waited for up to this long. */
const UI = { timeout: 15_000 };
const threadTexts = (page: Page) => page.locator('[data-testid=thread] [data-testid=message-text]').allTextContents();

let anaTicket: Ticket;
let brunoMessages: Message[];

beforeAll(async () => {
  app = await startApp();
  admin = await createUser(app.core, 'admin');
  watcher = await createUser(app.core, 'admin');
  inbox = String((await createInbox(app.core, 'sms'))._id);
  const a1 = await say(ANA, 'Ana Lima', 'Ana: my order #4411 has not arrived', 120);
  const b1 = await say(BRUNO, 'Bruno Reis', 'Bruno: I want a refund for the blue chair', 100);
  await say(ANA, 'Ana Lima', 'Ana: tracking says it is in Lisbon', 80);
  anaTicket = await ticketOf(a1);
  // The wrong merge; Bruno's next message follows it into Ana's ticket.
  await app.core.tickets.merge(admin, String((await ticketOf(b1))._id), String(anaTicket._id));
  const b2 = await say(BRUNO, 'Bruno Reis', 'Bruno: any news about my refund?', 60);
  expect(String((await ticketOf(b2))._id)).toBe(String(anaTicket._id));
  brunoMessages = [b1, b2];
  b = await launchBrowser();
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await b?.close();
  await app?.stop();
});

describe('split in the console', () => {
  let page: Page;
  let other: Page;
  let newTicketId: string;

  it('the agent ticks messages and moves them to a new ticket after confirming; the console opens it', async () => {
    other = await login(watcher);
    await other.goto(`${app.url}/console/#/t/${String(anaTicket._id)}`);
    await expect.poll(() => other.locator('[data-testid=thread] [data-testid=message]').count(), UI).toBe(4);

    page = await login(admin);
    await page.goto(`${app.url}/console/#/t/${String(anaTicket._id)}`);
    await expect.poll(() => page.locator('[data-testid=thread] [data-testid=message]').count(), UI).toBe(4);
    await page.click('[data-testid=split-start]');
    for (const m of brunoMessages) await page.click(`[data-message-id="${String(m._id)}"] [data-testid=split-select]`);
    await expect(page.locator('[data-testid=split-count]').textContent()).resolves.toBe('2 selected');
    await page.click('[data-testid=split-new]');
    await page.waitForSelector('[data-testid=split-confirm]');
    await expect(page.locator('[data-testid=split-confirm]').textContent()).resolves.toContain(`Move 2 message(s) from #${anaTicket.number} to a new ticket?`);
    await screenshot(page, 'split-confirm.png');
    // Nothing moved before the confirmation (Bruno's first message is still on his merged ticket, the second on Ana's).
    expect(String((await ticketOf(brunoMessages[0]!))._id)).toBe(String(brunoMessages[0]!.ticketId));
    expect(String((await ticketOf(brunoMessages[1]!))._id)).toBe(String(anaTicket._id));

    await page.click('[data-testid=split-confirm-button]');
    await expect.poll(async () => String((await ticketOf(brunoMessages[1]!))._id), UI).not.toBe(String(anaTicket._id));
    const created = await ticketOf(brunoMessages[1]!);
    newTicketId = String(created._id);
    await expect.poll(() => page.locator('[data-testid=ticket-view]').getAttribute('data-ticket-id'), UI).toBe(newTicketId);
    await expect.poll(() => threadTexts(page), UI).toEqual(['Bruno: I want a refund for the blue chair', 'Bruno: any news about my refund?']);
    await expect
      .poll(() => page.locator('[data-testid=thread] [data-testid=audit-line]').allTextContents(), UI)
      .toEqual(expect.arrayContaining([expect.stringContaining(`moved 2 message(s) here from #${anaTicket.number}`)]));
    expect(created.replyTo.handle).toBe(BRUNO);
    await screenshot(page, 'split-new-ticket.png');
  });

  it('another agent with the source open sees the messages leave it live', async () => {
    await expect.poll(() => threadTexts(other), UI).toEqual(['Ana: my order #4411 has not arrived', 'Ana: tracking says it is in Lisbon']);
    const number = (await modelsOf(app.core).Ticket.findById(newTicketId).lean())!.number;
    await expect
      .poll(() => other.locator('[data-testid=thread] [data-testid=audit-line]').allTextContents(), UI)
      .toEqual(expect.arrayContaining([expect.stringContaining(`moved 2 message(s) to #${number}`)]));
    await screenshot(other, 'split-source-live.png');
  });

  it("the customer's next message lands in the new ticket, shown live", async () => {
    const next = await say(BRUNO, 'Bruno Reis', 'Bruno: thanks, waiting for the refund');
    expect(String((await ticketOf(next))._id)).toBe(newTicketId);
    await expect.poll(() => threadTexts(page), UI).toContain('Bruno: thanks, waiting for the refund');
    expect(await threadTexts(other)).not.toContain('Bruno: thanks, waiting for the refund');
  });

  it('moving to ticket #N finds it by number and names the other customer before anything moves', async () => {
    const thanks = (await modelsOf(app.core).Message.findOne({ text: 'Bruno: thanks, waiting for the refund' }).lean())!;
    await page.click('[data-testid=split-start]');
    await page.click(`[data-message-id="${String(thanks._id)}"] [data-testid=split-select]`);
    await page.fill('[data-testid=split-number]', `#${anaTicket.number}`);
    await page.click('[data-testid=split-find]');
    await page.waitForSelector('[data-testid=split-confirm]');
    await expect(page.locator('[data-testid=split-different-customers]').textContent()).resolves.toContain('Ana Lima');
    await screenshot(page, 'split-to-number.png');
    expect(String((await ticketOf(thanks))._id)).toBe(newTicketId);
    await page.click('[data-testid=split-confirm-button]');
    await expect.poll(async () => String((await ticketOf(thanks))._id), UI).toBe(String(anaTicket._id));
    await expect.poll(() => page.locator('[data-testid=ticket-view]').getAttribute('data-ticket-id'), UI).toBe(String(anaTicket._id));
    await expect.poll(() => threadTexts(page), UI).toContain('Bruno: thanks, waiting for the refund');
  });
});
