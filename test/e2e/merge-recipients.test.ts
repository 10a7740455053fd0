import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ticket } from '../../src/core/models/ticket.js';
import { modelsOf } from '../../src/core/models/models-of.js';
import { createUser } from '../support/test-core.js';
import { launchBrowser, screenshot, signInToConsole } from './support/browser.js';
import { startApp, type RunningApp } from './support/start-app.js';

/**
 * Issue 14, in real Chromium against the whole app: two web chat visitors' tickets merged across customers
 * (the confirmation names both), then the agent answers each — the default goes to whoever wrote last, the
 * picker chooses the other — and each visitor's chat shows only their own reply; the merged-away visitor's
 * chat shows the new ticket number, live and after a reload.
 */
let app: RunningApp;
let b: { browser: Browser; close(): Promise<void> };
const contexts: BrowserContext[] = [];

async function newPage(): Promise<Page> {
  const ctx = await b.browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US' });
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.setDefaultTimeout(15_000);
  return page;
}

async function openChat(name: string): Promise<Page> {
  const page = await newPage();
  await page.goto(`${app.url}/chat`);
  await page.waitForSelector('#title:not(:empty)');
  await page.click('#intro-summary');
  await page.fill('#name', name);
  await page.locator('#name').dispatchEvent('change');
  return page;
}

async function visitorSays(chat: Page, text: string) {
  await chat.fill('#text', text);
  await chat.press('#text', 'Enter');
}

async function ticketOfVisitorText(text: string): Promise<Ticket> {
  for (let i = 0; i < 150; i++) {
    const m = await modelsOf(app.core).Message.findOne({ text, direction: 'inbound' }).lean();
    if (m) return (await modelsOf(app.core).Ticket.findById(m.ticketId).lean())!;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no ticket for "${text}"`);
}

const agentMessages = (chat: Page) => chat.locator('[data-testid=agent-message]').allTextContents();

beforeAll(async () => {
  app = await startApp({ WEBCHAT_NEW_PER_ADDRESS: '100' });
  b = await launchBrowser();
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await b?.close();
  await app?.stop();
});

describe('a cross-customer merge: confirmation, then both customers get their own replies', () => {
  let console: Page;
  let carla: Page;
  let diego: Page;
  let carlaTicket: Ticket;
  let diegoTicket: Ticket;

  it('two visitors write; the agent merges Diego\'s ticket into Carla\'s after a confirmation naming both customers', async () => {
    carla = await openChat('Carla Mendes');
    diego = await openChat('Diego Alves');
    await visitorSays(carla, 'My order A-7 has not arrived.');
    await visitorSays(diego, 'Order B-9 is missing from the same delivery.');
    carlaTicket = await ticketOfVisitorText('My order A-7 has not arrived.');
    diegoTicket = await ticketOfVisitorText('Order B-9 is missing from the same delivery.');
    await diego.waitForSelector(`[data-testid=ticket-number]:has-text("#${diegoTicket.number}")`);

    const admin = await createUser(app.core, 'admin');
    await modelsOf(app.core).User.updateOne({ _id: admin.id }, { $set: { name: 'Ana Souza' } });
    console = await signInToConsole(await newPage(), app.url, admin);
    await console.goto(`${app.url}/console/#/t/${diegoTicket._id}`);
    await console.waitForSelector(`[data-testid=ticket-view][data-ticket-id="${diegoTicket._id}"]`);
    await console.fill('[data-testid=merge-into]', `#${carlaTicket.number}`);
    await console.click('[data-testid=merge-find]');
    await console.waitForSelector('[data-testid=merge-confirm]');
    const warning = (await console.locator('[data-testid=merge-different-customers]').textContent()) ?? '';
    expect(warning).toContain('different customers');
    expect(warning).toContain('Diego Alves');
    expect(warning).toContain('Carla Mendes');
    await console.locator('[data-testid=merge-confirm]').scrollIntoViewIfNeeded();
    await screenshot(console, 'merge-recipients-confirm.png');
    // Nothing merged before the confirmation.
    expect((await modelsOf(app.core).Ticket.findById(diegoTicket._id).lean())!.mergedInto).toBeUndefined();
    await console.click('[data-testid=merge-confirm-button]');
    await console.waitForSelector(`[data-testid=ticket-view][data-ticket-id="${carlaTicket._id}"]`);
    expect(String((await modelsOf(app.core).Ticket.findById(diegoTicket._id).lean())!.mergedInto)).toBe(String(carlaTicket._id));
  });

  it("Diego's open chat shows the new ticket number at once", async () => {
    await diego.waitForSelector(`[data-testid=ticket-number]:has-text("#${carlaTicket.number}")`);
    await carla.waitForSelector(`[data-testid=ticket-number]:has-text("#${carlaTicket.number}")`);
  });

  it('Diego writes again: the composer offers both customers, Diego (who wrote last) by default; the reply reaches only Diego', async () => {
    await visitorSays(diego, 'Any news about B-9?');
    await console.waitForSelector('[data-testid=message-text]:has-text("Any news about B-9?")');
    // The target's thread holds both customers' conversations, the merged-away one's earlier messages too.
    await console.waitForSelector('[data-testid=message-text]:has-text("Order B-9 is missing")');
    await console.waitForSelector('[data-testid=message-text]:has-text("My order A-7 has not arrived.")');
    const picker = console.locator('[data-testid=reply-recipient]');
    await expect.poll(() => picker.inputValue()).toBe(String(diegoTicket._id));
    const options = await picker.locator('option').allTextContents();
    expect(options).toHaveLength(2);
    expect(options.find((o) => o.includes('Carla Mendes'))).toContain('Web chat');
    expect(options.find((o) => o.includes('Diego Alves'))).toContain(`#${diegoTicket.number}`);
    await console.locator('[data-testid=composer]').scrollIntoViewIfNeeded();
    await screenshot(console, 'merge-recipients-picker.png');

    // Diego — not Carla, whose ticket this is — sees the agent typing.
    const input = console.locator('[data-testid=composer-input]');
    await input.click();
    await input.pressSequentially('Diego, B-9 ', { delay: 10 });
    await diego.waitForSelector('#typing:not([hidden])');
    expect(await carla.locator('#typing').isHidden()).toBe(true);
    await input.pressSequentially('leaves our warehouse today.', { delay: 2 });
    await console.press('[data-testid=composer-input]', 'Control+Enter');
    await diego.waitForSelector('[data-testid=agent-message]:has-text("B-9 leaves our warehouse today")');
  });

  it('the agent picks Carla: her reply reaches only Carla; the thread shows who each reply went to', async () => {
    const picker = console.locator('[data-testid=reply-recipient]');
    await picker.selectOption(String(carlaTicket._id));
    await console.fill('[data-testid=composer-input]', 'Carla, A-7 will be with you tomorrow morning.');
    await console.press('[data-testid=composer-input]', 'Control+Enter');
    await carla.waitForSelector('[data-testid=agent-message]:has-text("A-7 will be with you tomorrow")');

    // A later reply to Diego is the fence: by then anything wrongly sent to either chat would have arrived.
    await picker.selectOption(String(diegoTicket._id));
    await console.fill('[data-testid=composer-input]', 'Diego, tracking number follows by email.');
    await console.press('[data-testid=composer-input]', 'Control+Enter');
    await diego.waitForSelector('[data-testid=agent-message]:has-text("tracking number follows")');
    await expect.poll(async () => (await agentMessages(carla)).length).toBe(1);
    expect((await agentMessages(carla)).join('\n')).not.toContain('Diego');
    expect((await agentMessages(diego)).join('\n')).not.toContain('Carla');
    expect(await agentMessages(diego)).toHaveLength(2);

    const labels = console.locator('[data-testid=message-recipient]');
    await expect.poll(() => labels.count()).toBe(3);
    expect(await labels.allTextContents()).toEqual([
      expect.stringContaining('Diego Alves'),
      expect.stringContaining('Carla Mendes'),
      expect.stringContaining('Diego Alves'),
    ]);
    await screenshot(console, 'merge-recipients-console.png');
    await screenshot(diego, 'merge-recipients-visitor-merged.png');
    await screenshot(carla, 'merge-recipients-visitor-target.png');
  });

  it("after a reload Diego's chat still shows the new number and only his own conversation", async () => {
    await diego.reload();
    await diego.waitForSelector(`[data-testid=ticket-number]:has-text("#${carlaTicket.number}")`);
    await diego.waitForSelector('[data-testid=agent-message]:has-text("tracking number follows")');
    const all = (await diego.locator('[data-testid=visitor-message], [data-testid=agent-message]').allTextContents()).join('\n');
    expect(all).toContain('Order B-9 is missing');
    expect(all).toContain('Any news about B-9?');
    expect(all).not.toContain('A-7');
    await screenshot(diego, 'merge-recipients-visitor-reload.png');
  });
});
