import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, smsEvent } from '../support/test-core.js';
import { launchBrowser, screenshot, signInToConsole } from './support/browser.js';
import { startApp, type RunningApp } from './support/start-app.js';
import { modelsOf } from '../../src/core/models/models-of.js';

/**
 * Issue 14, contacts in real Chromium: search with and without accents, edit a contact, merge it into
 * another with a preview of what moves, and undo the merge (both contacts and their tickets back).
 */
let app: RunningApp;
let b: { browser: Browser; close(): Promise<void> };
let page: Page;

async function customer(sid: string, phone: string, name: string): Promise<string> {
  await app.core.ingest.accept([{ ...smsEvent(app.webchatInboxId, { sid, from: phone, text: `hi, ${name}` }), providerKey: `e2e:c:${sid}`, sender: { handle: phone, displayName: name } }]);
  await app.core.ingest.drain();
  const m = (await modelsOf(app.core).Message.findOne({ providerKey: `e2e:c:${sid}` }).lean())!;
  return String((await modelsOf(app.core).Ticket.findById(m.ticketId).lean())!.contactId);
}
const rows = async () => (await page.locator('[data-testid=contact-row]').evaluateAll((els) => els.map((e) => e.getAttribute('data-name')))).sort();
async function search(q: string, expected: string[]) {
  await page.fill('[data-testid=contact-search]', q);
  const end = Date.now() + 10_000;
  while (JSON.stringify(await rows()) !== JSON.stringify(expected) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  expect(await rows()).toEqual(expected);
}

beforeAll(async () => {
  app = await startApp();
  b = await launchBrowser();
});
afterAll(async () => {
  await b?.close();
  await app?.stop();
});

describe('contacts page', () => {
  it('search with and without accents, edit, merge with preview, undo', async () => {
    const maria = await customer('1', '+5511900004441', 'María Pérez');
    const other = await customer('2', '+5511900004442', 'Maria WhatsApp');
    await customer('3', '+5511900004443', 'Bruno Lima');
    const supervisor = await createUser(app.core, 'supervisor');
    const ctx = await b.browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-US' });
    page = await ctx.newPage();
    page.setDefaultTimeout(15_000);
    await signInToConsole(page, app.url, supervisor);
    await page.click('[data-testid=contacts-link]');
    await search('maria', ['Maria WhatsApp', 'María Pérez']);
    await search('MARÍA pé', ['María Pérez']);
    await screenshot(page, 'contacts-search-accents.png');
    await search('perez', ['María Pérez']);

    await page.click('[data-testid=contact-row][data-name="María Pérez"] a');
    await page.waitForSelector(`[data-testid=contact-detail][data-contact-id="${maria}"]`);
    await page.fill('[data-testid=contact-form] input[name=email]', 'maria@example.com');
    await page.fill('[data-testid=contact-form] textarea[name=notes]', 'Prefers WhatsApp');
    await page.click('[data-testid=save-contact]');
    await page.waitForSelector('[data-testid=contact-note]');
    expect((await modelsOf(app.core).Contact.findById(maria).lean())).toMatchObject({ email: 'maria@example.com', notes: 'Prefers WhatsApp' });

    await page.fill('[data-testid=merge-search]', 'whatsapp');
    await page.click('[data-testid=merge-candidate]');
    await page.waitForSelector('[data-testid=merge-preview]');
    expect(await page.textContent('[data-testid=merge-preview]')).toContain('visitor:+5511900004441');
    await screenshot(page, 'contacts-merge-preview.png');
    await page.click('[data-testid=confirm-merge]');
    await page.waitForSelector('[data-testid=undo-merge]');
    expect(String((await modelsOf(app.core).Contact.findById(maria).lean())!.mergedInto)).toBe(other);
    await screenshot(page, 'contacts-merged.png');
    await page.click('[data-testid=undo-merge]');
    await page.waitForSelector('[data-testid=merge-message] >> text=Merge undone');
    expect((await modelsOf(app.core).Contact.findById(maria).lean())!.mergedInto).toBeUndefined();
    expect(await modelsOf(app.core).Ticket.countDocuments({ contactId: (await modelsOf(app.core).Contact.findById(maria).lean())!._id })).toBe(1);
    await screenshot(page, 'contacts-merge-undone.png');
  });
});
