import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '../../src/core/users/viewer.js';
import { applyTicketPatch } from '../../src/web/tickets/apply-ticket-patch.js';
import { createUser, smsEvent } from '../support/test-core.js';
import { launchBrowser, screenshot, signInToConsole } from './support/browser.js';
import { startApp, type RunningApp } from './support/start-app.js';
import { modelsOf } from '../../src/core/models/models-of.js';

/**
 * The side panel's contact card lists the contact's tickets with their status; it follows live
 * `ticket.updated` / `ticket.created` events (a change made elsewhere, no reload, no new message).
 */
let app: RunningApp;
let b: { browser: Browser; close(): Promise<void> };
let page: Page;
let other: Viewer;
const phone = '+5511900007771';

async function ticketOf(sid: string, conversationId: string): Promise<string> {
  await app.core.ingest.accept([{ ...smsEvent(app.webchatInboxId, { sid, from: phone, text: `card ${sid}`, conversationId }), providerKey: `e2e:card:${sid}`, sender: { handle: phone, displayName: 'Diana Prado' } }]);
  await app.core.ingest.drain();
  const m = (await modelsOf(app.core).Message.findOne({ providerKey: `e2e:card:${sid}` }).lean())!;
  return String(m.ticketId);
}
const pill = (ticketId: string) => page.locator(`[data-testid=contact-ticket][data-ticket-id="${ticketId}"] .pill`);

beforeAll(async () => {
  app = await startApp();
  b = await launchBrowser();
});
afterAll(async () => {
  await b?.close();
  await app?.stop();
});

describe('contact card in the ticket side panel', () => {
  it("shows the contact's ticket statuses live: this ticket's, another's, and a new ticket", async () => {
    const first = await ticketOf('1', 'conv-a');
    const second = await ticketOf('2', 'conv-b');
    const supervisor = await createUser(app.core, 'supervisor');
    other = await createUser(app.core, 'admin');
    const ctx = await b.browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US' });
    page = await ctx.newPage();
    page.setDefaultTimeout(15_000);
    await signInToConsole(page, app.url, supervisor);
    await page.goto(`${app.url}/console/#/t/${first}`);
    await pill(second).waitFor();
    expect(await pill(first).textContent()).toBe('New');
    expect(await pill(second).textContent()).toBe('New');

    // Another user changes the other ticket, then this one: no new message, no reload.
    await applyTicketPatch(app.core, other, second, { status: 'pending' });
    await page.waitForSelector(`[data-testid=contact-ticket][data-ticket-id="${second}"] .pill.st-pending`);
    await applyTicketPatch(app.core, other, first, { status: 'solved' });
    await page.waitForSelector(`[data-testid=contact-ticket][data-ticket-id="${first}"] .pill.st-solved`);

    // A new ticket of the same contact appears in the card.
    const third = await ticketOf('3', 'conv-c');
    await pill(third).waitFor();
    expect(await page.locator('[data-testid=contact-ticket]').count()).toBe(3);
    await screenshot(page, 'contact-card-live.png');
  });

  it('the email a chat visitor typed shows on the card marked "unverified", not as the contact\'s email', async () => {
    const chat = await (await b.browser.newContext({ viewport: { width: 420, height: 700 }, locale: 'en-US' })).newPage();
    chat.setDefaultTimeout(15_000);
    await chat.goto(`${app.url}/chat`);
    await chat.waitForSelector('#title:not(:empty)');
    await chat.click('#intro-summary');
    await chat.fill('#name', 'Eva Rocha');
    await chat.fill('#email', 'eva.rocha@example.com');
    await chat.fill('#text', 'Hello, question about my invoice');
    await chat.press('#text', 'Enter');
    let ticketId = '';
    for (let i = 0; i < 100 && !ticketId; i++) {
      const m = await modelsOf(app.core).Message.findOne({ text: 'Hello, question about my invoice' }).lean();
      if (m) ticketId = String(m.ticketId);
      else await new Promise((r) => setTimeout(r, 100));
    }
    await page.goto(`${app.url}/console/#/t/${ticketId}`);
    const mark = page.locator('[data-testid=side-panel] [data-testid=unverified-email]');
    await mark.waitFor();
    expect(await mark.textContent()).toBe('eva.rocha@example.com unverified');
    expect(await page.locator('.contact-head').textContent()).toBe('EREva Rochaeva.rocha@example.com unverified');
    await screenshot(page, 'contact-card-unverified-email.png');
    await chat.context().close();
  });
});
