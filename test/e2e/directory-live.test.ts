import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '../../src/core/users/viewer.js';
import { createUser, smsEvent } from '../support/test-core.js';
import { launchBrowser, screenshot, signInToConsole } from './support/browser.js';
import { startApp, type RunningApp } from './support/start-app.js';
import { modelsOf } from '../../src/core/models/models-of.js';

/**
 * The console read users and departments once at sign-in: an agent or department an admin created, renamed
 * or deactivated meanwhile was missing from (or stale in) the pickers of every open console until a reload.
 * Now `directory.changed` makes them re-read the list.
 */
let app: RunningApp;
let b: { browser: Browser; close(): Promise<void> };
let admin: Viewer & { password: string };
let agent: Viewer & { password: string };

beforeAll(async () => {
  app = await startApp();
  admin = await createUser(app.core, 'admin');
  agent = await createUser(app.core, 'agent');
  b = await launchBrowser();
});
afterAll(async () => {
  await b?.close();
  await app?.stop();
});

const optionTexts = (page: Page, select: string) => page.$$eval(`[data-testid=${select}] option`, (os) => os.map((o) => (o.textContent ?? '').trim()));

describe('pickers follow users and departments live', () => {
  it('an open console sees a new agent, a new and a renamed department, and loses a deactivated agent', async () => {
    await app.core.ingest.accept([{ ...smsEvent(app.webchatInboxId, { sid: 'E2E-DIR', from: '+5511900004444', text: 'oi' }), providerKey: 'e2e:dir:1', sender: { handle: '+5511900004444', displayName: 'Rita Alves' } }]);
    await app.core.ingest.drain();
    const ticketId = String((await modelsOf(app.core).Message.findOne({ providerKey: 'e2e:dir:1' }).lean())!.ticketId);

    const ctx = await b.browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-US' });
    const page = await signInToConsole(await ctx.newPage(), app.url, agent);
    page.setDefaultTimeout(15_000);
    await page.goto(`${app.url}/console/#/t/${ticketId}`);
    await page.waitForSelector('[data-testid=assignee]');
    expect(await optionTexts(page, 'assignee')).not.toContain('Bruna Costa');

    const { user: bruna } = await app.core.users.create(admin, { name: 'Bruna Costa', email: 'bruna@example.com', role: 'agent', departmentIds: [], password: 'a long enough password' });
    const dep = await app.core.departments.create(admin, { name: 'Billing' });
    await expect.poll(() => optionTexts(page, 'assignee'), { timeout: 10_000 }).toContain('Bruna Costa');
    await expect.poll(() => optionTexts(page, 'department'), { timeout: 10_000 }).toContain('Billing');

    await app.core.departments.update(admin, String(dep._id), { name: 'Billing & Refunds' });
    await expect.poll(() => optionTexts(page, 'department'), { timeout: 10_000 }).toContain('Billing & Refunds');
    expect(await optionTexts(page, 'department')).not.toContain('Billing');

    await app.core.users.update(admin, String(bruna._id), { active: false });
    await expect.poll(() => optionTexts(page, 'assignee'), { timeout: 10_000 }).not.toContain('Bruna Costa');
    await screenshot(page, 'directory-live-pickers.png');
  });
});
