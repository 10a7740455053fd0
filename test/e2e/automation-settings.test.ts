import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../src/core/models/models-of.js';
import type { Viewer } from '../../src/core/users/viewer.js';
import { createUser } from '../support/test-core.js';
import { launchBrowser, screenshot, signInToConsole } from './support/browser.js';
import { startApp, type RunningApp } from './support/start-app.js';

/**
 * The console forms of two existing APIs in real Chromium: an admin turns on CSAT and the acknowledgement with
 * a custom PT text in the inbox editor's Automation tab (a refused value is shown at its field first); a
 * visitor's first message on that inbox gets the acknowledgement with the text. Then the admin gives an agent
 * skills and an own chat limit in the Users page, and the API returns them.
 */
let app: RunningApp;
let b: { browser: Browser; close(): Promise<void> };
let admin: Viewer & { password: string };
let adminEn: Viewer & { password: string };
let agent: Viewer & { password: string };
let supervisor: Viewer & { password: string };
const contexts: BrowserContext[] = [];

async function newPage(locale = 'en-US', height = 900): Promise<Page> {
  const ctx = await b.browser.newContext({ viewport: { width: 1440, height }, locale });
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.setDefaultTimeout(20_000);
  return page;
}

beforeAll(async () => {
  app = await startApp();
  admin = await createUser(app.core, 'admin');
  await modelsOf(app.core).User.updateOne({ _id: admin.id }, { $set: { locale: 'pt' } });
  adminEn = await createUser(app.core, 'admin');
  agent = await createUser(app.core, 'agent');
  supervisor = await createUser(app.core, 'supervisor');
  b = await launchBrowser();
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await b?.close();
  await app?.stop();
});

const PT_ACK = 'Recebemos a sua mensagem! O seu pedido é o #{{ticket.number}}.';

describe('inbox automation and routing profile forms', () => {
  it('an admin turns on CSAT and a PT acknowledgement; a new web chat gets it', async () => {
    const page = await signInToConsole(await newPage('pt-BR', 1500), app.url, admin);
    await page.goto(`${app.url}/console/#/settings/inboxes/${app.webchatInboxId}`);
    await page.click('[data-testid=tab-automation]');
    await page.waitForSelector('[data-testid=automation-form] input[name=csatEnabled]');
    // Texts follow the console language (PT here), the variables of the acknowledgement are listed.
    expect(await page.textContent('[data-testid=tab-automation]')).toBe('Automação');
    expect(await page.textContent('[data-testid=ack-vars]')).toContain('{{sla.promise}}');

    // A value the server refuses: its 400 lands at the field.
    await page.fill('[data-testid=automation-form] input[name=autoCloseDays]', '0');
    await page.click('[data-testid=save-automation]');
    await page.waitForSelector('[data-testid=auto-autoCloseDays] .field-problem');
    await screenshot(page, 'automation-field-error.png');

    await page.fill('[data-testid=automation-form] input[name=autoCloseDays]', '');
    await page.check('[data-testid=automation-form] input[name=csatEnabled]');
    await page.check('[data-testid=automation-form] input[name=autoAckEnabled]');
    await page.selectOption('[data-testid=automation-form] select[name=defaultLanguage]', 'pt');
    await page.click('[data-testid=ack-tab-pt]');
    await page.fill('[data-testid=ack-text]', 'Recebemos a sua mensagem! O seu pedido é o #');
    await page.click('[data-testid=ack-vars] button:has-text("{{ticket.number}}")');
    await page.press('[data-testid=ack-text]', 'End');
    await page.type('[data-testid=ack-text]', '.');
    expect(await page.inputValue('[data-testid=ack-text]')).toBe(PT_ACK);
    await screenshot(page, 'automation-form-filled.png');
    await page.click('[data-testid=save-automation]');
    await page.waitForFunction(() => !(globalThis as any).document.querySelector('[data-testid=automation-form] .field-problem'));

    const stored = await page.evaluate(async (id) => (await fetch(`/api/inboxes/${id}/automation`)).json(), app.webchatInboxId);
    expect(stored).toMatchObject({ defaultLanguage: 'pt', csat: { enabled: true }, autoCloseDays: null, autoAck: { enabled: true, templates: { pt: PT_ACK } } });

    // A reload shows what is stored.
    await page.reload();
    await page.click('[data-testid=tab-automation]');
    await page.waitForSelector('[data-testid=automation-form] input[name=csatEnabled]:checked');
    expect(await page.isChecked('[data-testid=automation-form] input[name=autoAckEnabled]')).toBe(true);
    await page.click('[data-testid=ack-tab-pt]');
    expect(await page.inputValue('[data-testid=ack-text]')).toBe(PT_ACK);

    // The visitor's first message on that inbox: the acknowledgement arrives with the custom text.
    const chat = await newPage('pt-BR');
    await chat.goto(`${app.url}/chat`);
    await chat.waitForSelector('#title:not(:empty)');
    await chat.fill('#text', 'Olá, preciso de ajuda com o meu pedido');
    await chat.press('#text', 'Enter');
    await chat.waitForSelector('[data-testid=agent-message]:has-text("Recebemos a sua mensagem!")');
    await screenshot(chat, 'automation-webchat-ack.png');
    const inbound = await modelsOf(app.core).Message.findOne({ text: 'Olá, preciso de ajuda com o meu pedido', direction: 'inbound' }).lean();
    const ticket = (await modelsOf(app.core).Ticket.findById(inbound!.ticketId).lean())!;
    const ack = await modelsOf(app.core).Message.findOne({ ticketId: ticket._id, direction: 'outbound' }).lean();
    expect(ack?.text).toBe(`Recebemos a sua mensagem! O seu pedido é o #${ticket.number}.`);

    // A supervisor sees the same settings, read-only.
    const sup = await signInToConsole(await newPage('en-US', 1500), app.url, supervisor);
    await sup.goto(`${app.url}/console/#/settings/inboxes/${app.webchatInboxId}`);
    await sup.click('[data-testid=tab-automation]');
    await sup.waitForSelector('[data-testid=automation-form] input[name=csatEnabled]:checked');
    expect(await sup.isDisabled('[data-testid=automation-form] input[name=autoAckEnabled]')).toBe(true);
    expect(await sup.locator('[data-testid=save-automation]').count()).toBe(0);
    await sup.click('[data-testid=ack-tab-pt]');
    expect(await sup.inputValue('[data-testid=ack-text]')).toBe(PT_ACK);
    expect(await sup.getAttribute('[data-testid=ack-text]', 'readonly')).not.toBeNull();
    await screenshot(sup, 'automation-readonly-supervisor.png');
  });

  it('an admin sets an agent’s skills and chat limit in the Users page; the API returns them', async () => {
    const page = await signInToConsole(await newPage('en-US', 1100), app.url, adminEn);
    await page.goto(`${app.url}/console/#/settings/users`);
    const row = page.locator(`[data-testid=user-row][data-email="${agent.email}"]`);
    await row.locator('[data-testid=edit-user]').click();
    const form = page.locator('[data-testid=user-form]');
    await form.locator('input[name=skill]').fill('Billing');
    await form.locator('input[name=skill]').press('Enter');
    await form.locator('input[name=skill]').fill('spanish,');
    await form.locator('input[name=chatLimit]').fill('500');
    await form.locator('[data-testid=save-user]').click();
    // Over the API's maximum: the server's message at the field, the form stays open.
    await form.locator('[data-testid=field-chat-limit] .field-problem').waitFor();
    expect(await form.locator('[data-testid=form-error]').textContent()).toBe('Not saved: check the fields marked in red.');
    await screenshot(page, 'users-routing-profile-error.png');

    await form.locator('input[name=chatLimit]').fill('2');
    await screenshot(page, 'users-routing-profile-form.png');
    await form.locator('[data-testid=save-user]').click();
    await form.waitFor({ state: 'detached' });
    await row.locator('[data-testid=user-routing]:has-text("billing")').waitFor();
    expect(await row.locator('[data-testid=user-routing]').textContent()).toContain('spanish');
    await screenshot(page, 'users-routing-profile-list.png');

    const list = await page.evaluate(async () => (await fetch('/api/users')).json());
    const listed = (list as { items: Array<{ id: string; skills: string[]; capacity: unknown }> }).items.find((u) => u.id === agent.id);
    expect(listed).toMatchObject({ skills: ['billing', 'spanish'], capacity: { chat: 2, email: null } });
    const profile = await page.evaluate(async (id) => (await fetch(`/api/users/${id}/routing-profile`)).json(), agent.id);
    expect(profile).toEqual({ skills: ['billing', 'spanish'], capacity: { chat: 2, email: null } });

    // Editing again starts from the stored values.
    await row.locator('[data-testid=edit-user]').click();
    expect(await form.locator('[data-testid=skill]').allTextContents()).toEqual(['billing×', 'spanish×']);
    expect(await form.locator('input[name=chatLimit]').inputValue()).toBe('2');
    expect(await form.locator('input[name=emailLimit]').inputValue()).toBe('');
  });
});
