import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../src/core/models/models-of.js';
import type { Viewer } from '../../src/core/users/viewer.js';
import { createUser } from '../support/test-core.js';
import { launchBrowser, screenshot, signInToConsole } from './support/browser.js';
import { startApp, type RunningApp } from './support/start-app.js';

/**
 * Issue 15 in real Chromium against the whole app: an agent applies a macro that answers and solves a web
 * chat ticket; the visitor gets the reply and the rating buttons, rates 4 with a comment; the agent's side
 * panel shows the rating live (no reload).
 */
let app: RunningApp;
let b: { browser: Browser; close(): Promise<void> };
let admin: Viewer & { password: string };
let agent: Viewer & { password: string };
const contexts: BrowserContext[] = [];

async function newPage(locale = 'en-US'): Promise<Page> {
  const ctx = await b.browser.newContext({ viewport: { width: 1440, height: 900 }, locale });
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.setDefaultTimeout(20_000);
  return page;
}

beforeAll(async () => {
  app = await startApp();
  admin = await createUser(app.core, 'admin');
  agent = await createUser(app.core, 'agent');
  await app.core.automationSettings.put(app.webchatInboxId, { csat: { enabled: true, windowDays: 7 } });
  await app.core.macros.create(admin, {
    name: 'Answer and solve',
    actions: { status: 'solved', tagsAdd: ['answered'], tagsRemove: [], reply: 'Hi {{contact.name}}, your order ships today. Anything else, just write here.' },
  });
  b = await launchBrowser();
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await b?.close();
  await app?.stop();
});

describe('macro → CSAT in the web chat → rating live in the console', () => {
  it('solves by macro, the visitor rates 4 with a comment, the agent sees it', async () => {
    const chat = await newPage();
    await chat.goto(`${app.url}/chat`);
    await chat.waitForSelector('#title:not(:empty)');
    await chat.fill('#text', 'Hello, where is my order?');
    await chat.press('#text', 'Enter');
    let ticketId = '';
    for (let i = 0; i < 100 && !ticketId; i++) {
      const m = await modelsOf(app.core).Message.findOne({ text: 'Hello, where is my order?', direction: 'inbound' }).lean();
      if (m) ticketId = String(m.ticketId);
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(ticketId).not.toBe('');

    const consolePage = await signInToConsole(await newPage(), app.url, agent);
    await consolePage.goto(`${app.url}/console/#/t/${ticketId}`);
    await consolePage.waitForSelector('[data-testid=side-panel]');
    await consolePage.selectOption('[data-testid=macro-menu]', { label: 'Answer and solve' });
    await consolePage.waitForFunction(() => (globalThis as any).document.querySelector('[data-testid=ticket-view] .pill')?.textContent?.length > 0);

    // The visitor: the macro's reply, then the rating question with its buttons.
    await chat.waitForSelector('[data-testid=agent-message]:has-text("your order ships today")');
    await chat.waitForSelector('[data-testid=csat-card] [data-testid=csat-4]');
    await screenshot(chat, 'csat-webchat-question.png');
    await chat.click('[data-testid=csat-4]');
    await chat.fill('[data-testid=csat-comment]', 'Quick and friendly, thanks!');
    await chat.click('[data-testid=csat-send]');
    await chat.waitForSelector('[data-testid=csat-thanks]');
    expect(await chat.textContent('[data-testid=csat-thanks]')).toContain('4 of 5');
    await screenshot(chat, 'csat-webchat-rated.png');

    // The agent, without reloading: the side panel's rating card.
    await consolePage.waitForSelector('[data-testid=csat-rating]:has-text("4 of 5")');
    expect(await consolePage.textContent('[data-testid=csat-comment]')).toBe('Quick and friendly, thanks!');
    await screenshot(consolePage, 'csat-console-rating.png');

    const ticket = (await modelsOf(app.core).Ticket.findById(ticketId).lean())!;
    expect(ticket.status).toBe('solved');
    expect(ticket.tags).toContain('answered');
    expect(ticket.csat).toMatchObject({ rating: 4, comment: 'Quick and friendly, thanks!' });
    expect(await modelsOf(app.core).AuditEvent.countDocuments({ ticketId, type: 'macro.applied' })).toBe(1);
    expect(await modelsOf(app.core).AuditEvent.countDocuments({ ticketId, type: 'csat.requested' })).toBe(1);
  });

  it('admins list and create macros in Settings', async () => {
    const page = await signInToConsole(await newPage('pt-BR'), app.url, admin);
    await page.goto(`${app.url}/console/#/settings/macros`);
    await page.waitForSelector('[data-testid=macro-row]');
    await page.click('[data-testid=macro-new]');
    await page.fill('[data-testid=macro-form] input[name=name]', 'Aguardando cliente');
    await page.selectOption('[data-testid=macro-form] select[name=status]', 'pending');
    await page.fill('[data-testid=macro-form] input[name=tagsAdd]', 'aguardando, cliente');
    await screenshot(page, 'macros-settings-form.png');
    await page.click('[data-testid=macro-save]');
    await page.waitForSelector('[data-testid=macro-row]:has-text("Aguardando cliente")');
    await screenshot(page, 'macros-settings-list.png');
    const saved = (await app.core.macros.list()).find((m) => m.name === 'Aguardando cliente');
    expect(saved?.actions).toMatchObject({ status: 'pending', tagsAdd: ['aguardando', 'cliente'] });
  });
});
