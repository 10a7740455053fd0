import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '../../src/core/users/viewer.js';
import { createUser, smsEvent } from '../support/test-core.js';
import { launchBrowser, screenshot, signInToConsole } from './support/browser.js';
import { startApp, type RunningApp } from './support/start-app.js';
import { modelsOf } from '../../src/core/models/models-of.js';

/**
 * Issue 14, users and canned responses in real Chromium: an admin creates an agent with a one-time invite
 * link (language PT); the agent opens the link in another browser, sets a password, lands signed in and the
 * console speaks Portuguese although the browser is English; the admin creates a canned response with a
 * variable (live preview), and the agent inserts it with `/` in the composer.
 */
let app: RunningApp;
let b: { browser: Browser; close(): Promise<void> };
let admin: Viewer & { password: string };

const newPage = async (locale = 'en-US'): Promise<Page> => {
  const ctx = await b.browser.newContext({ viewport: { width: 1360, height: 900 }, locale, permissions: ['clipboard-read', 'clipboard-write'] });
  const page = await ctx.newPage();
  page.setDefaultTimeout(15_000);
  return page;
};

beforeAll(async () => {
  app = await startApp();
  admin = await createUser(app.core, 'admin');
  b = await launchBrowser();
});
afterAll(async () => {
  await b?.close();
  await app?.stop();
});

describe('admin: users and canned responses', () => {
  let inviteUrl = '';
  it('an admin invites an agent; the agent sets a password with the link and gets the console in PT', async () => {
    const page = await signInToConsole(await newPage(), app.url, admin);
    await page.goto(`${app.url}/console/#/settings/users`);
    await page.click('[data-testid=new-user]');
    await page.fill('[data-testid=user-form] input[name=name]', 'Joana Lima');
    await page.fill('[data-testid=user-form] input[name=email]', 'joana@example.com');
    await page.selectOption('[data-testid=user-form] select[name=locale]', 'pt');
    await page.click('[data-testid=save-user]');
    inviteUrl = await page.inputValue('[data-testid=link-url]');
    expect(inviteUrl).toMatch(/\/console\/#\/link\/[\w-]+$/);
    await page.locator('[data-testid=user-row][data-email="joana@example.com"]').waitFor();
    await screenshot(page, 'admin-users-invite.png');

    const joana = await newPage('en-US');
    await joana.goto(inviteUrl);
    await joana.waitForSelector('[data-testid=link-page] h1');
    expect(await joana.textContent('[data-testid=link-page] h1')).toBe('Bem-vindo(a), Joana Lima');
    await joana.fill('input[name=password]', 'password123');
    await joana.click('[data-testid=set-password]');
    expect(await joana.textContent('[data-testid=link-page] .error')).toContain('well-known');
    await joana.fill('input[name=password]', 'uma senha bem longa');
    await joana.click('[data-testid=set-password]');
    await joana.waitForSelector('[data-testid=connection][data-state=online]');
    expect(await joana.getAttribute('html', 'lang')).toBe('pt');
    expect(await joana.textContent('[data-testid=open-profile]')).toContain('Joana Lima');
    await screenshot(joana, 'admin-users-invited-agent-pt.png');
    // The link worked once.
    const again = await newPage();
    await again.goto(inviteUrl);
    await again.waitForSelector('[data-testid=link-page] .error');
    // Signing in again later (another browser, English) still opens in PT: the account's language.
    const later = await signInToConsole(await newPage('en-US'), app.url, { email: 'joana@example.com', password: 'uma senha bem longa' });
    expect(await later.getAttribute('html', 'lang')).toBe('pt');
  });

  it('a canned response created with a live preview is inserted with / in the composer', async () => {
    await app.core.ingest.accept([{ ...smsEvent(app.webchatInboxId, { sid: 'E2E-CAN', from: '+5511900003333', text: 'oi' }), providerKey: 'e2e:canned:1', sender: { handle: '+5511900003333', displayName: 'Rita Alves' } }]);
    await app.core.ingest.drain();
    const ticketId = String((await modelsOf(app.core).Message.findOne({ providerKey: 'e2e:canned:1' }).lean())!.ticketId);

    const joana = await signInToConsole(await newPage(), app.url, { email: 'joana@example.com', password: 'uma senha bem longa' });
    await joana.goto(`${app.url}/console/#/t/${ticketId}`);
    await joana.locator('[data-testid=composer-input]').fill('/');
    await joana.waitForSelector('[data-testid=canned-empty]');
    await screenshot(joana, 'canned-empty-hint.png');

    const page = await signInToConsole(await newPage(), app.url, admin);
    await page.goto(`${app.url}/console/#/settings/canned`);
    await page.fill('[data-testid=canned-form] input[name=shortcut]', 'ola');
    await page.fill('[data-testid=canned-form] input[name=title]', 'Saudação');
    await page.fill('[data-testid=canned-form] textarea[name=body]', 'Olá ');
    await page.click('[data-testid="var-contact.first_name"]');
    await page.locator('[data-testid=canned-form] textarea[name=body]').press('End');
    await page.locator('[data-testid=canned-form] textarea[name=body]').type(', como posso ajudar?');
    expect(await page.textContent('[data-testid=canned-preview]')).toBe('Olá María, como posso ajudar?');
    await screenshot(page, 'canned-create-preview.png');
    await page.click('[data-testid=save-canned]');
    await page.locator('[data-testid=canned-row][data-shortcut=ola]').waitFor();

    await joana.reload();
    await joana.waitForSelector('[data-testid=connection][data-state=online]');
    const box = joana.locator('[data-testid=composer-input]');
    await box.fill('/ol');
    await joana.waitForSelector('.canned-menu li');
    await screenshot(joana, 'canned-slash-menu.png');
    await box.press('Enter');
    expect(await box.inputValue()).toBe('Olá Rita, como posso ajudar?');
  });
});
