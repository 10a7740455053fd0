import { crc32, deflateSync } from 'node:zlib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../src/core/models/models-of.js';
import type { Viewer } from '../../src/core/users/viewer.js';
import { createUser } from '../support/test-core.js';
import { launchBrowser, screenshot, signInToConsole } from './support/browser.js';
import { startApp, type RunningApp } from './support/start-app.js';

/**
 * Issue 14, "a visitor uploading a file", in real Chromium against the whole app: the visitor attaches a
 * screenshot and a PDF with the attach button, sees them in the chat and opens their own file; the agent
 * sees both in the console thread and opens them. A file over the limit is refused in the widget with a
 * message in the visitor's language — at once from the limits the page knows, and from the server's 413.
 */
const MAX_FILE = 200_000;
let app: RunningApp;
let b: { browser: Browser; close(): Promise<void> };
let admin: Viewer & { password: string };
const contexts: BrowserContext[] = [];

/** A real PNG (a colour gradient with a dark band), so the console has a picture to show. */
function png(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      const band = y > height * 0.4 && y < height * 0.6;
      row.set(band ? [30, 41, 59] : [Math.round((x / width) * 255), 120, Math.round((y / height) * 255)], 1 + x * 3);
    }
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const SCREENSHOT = png(320, 180);
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

async function newPage(locale = 'en-US'): Promise<Page> {
  const ctx = await b.browser.newContext({ viewport: { width: 1280, height: 800 }, locale });
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.setDefaultTimeout(15_000);
  return page;
}

async function openChat(locale?: string): Promise<Page> {
  const page = await newPage(locale);
  await page.goto(`${app.url}/chat`);
  await page.waitForSelector('#title:not(:empty)');
  return page;
}

/** Picks files through the attach button's file chooser, as a visitor does. */
async function attach(chat: Page, files: Array<{ name: string; mimeType: string; buffer: Buffer }>) {
  const [chooser] = await Promise.all([chat.waitForEvent('filechooser'), chat.click('[data-testid=attach]')]);
  await chooser.setFiles(files);
}

beforeAll(async () => {
  app = await startApp({ MAX_ATTACHMENT_BYTES: String(MAX_FILE) });
  admin = await createUser(app.core, 'admin');
  await modelsOf(app.core).User.updateOne({ _id: admin.id }, { $set: { name: 'Ana Souza' } });
  b = await launchBrowser();
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await b?.close();
  await app?.stop();
});

describe('website chat: a visitor uploading a file', () => {
  let chat: Page;
  let agent: Page;
  let ticketId: string;

  it('the visitor attaches a screenshot and a PDF with a caption; the chat shows them and opens their own file', async () => {
    chat = await openChat();
    await chat.click('#intro-summary');
    await chat.fill('#name', 'Carla Mendes');
    await chat.fill('#text', 'The checkout fails with this error — screenshot and my invoice attached.');
    await attach(chat, [
      { name: 'checkout-error.png', mimeType: 'image/png', buffer: SCREENSHOT },
      { name: 'invoice-A-1001.pdf', mimeType: 'application/pdf', buffer: PDF },
    ]);
    await expect(chat.locator('[data-testid=staged-file]').allTextContents()).resolves.toEqual([
      expect.stringContaining('checkout-error.png'),
      expect.stringContaining('invoice-A-1001.pdf'),
    ]);
    await chat.click('#send');
    await expect.poll(() => chat.locator('[data-testid=staged-file]').count()).toBe(0);

    // The stored copy replaces the one on its way: links to this visitor's own files, with their sizes.
    const links = chat.locator('[data-testid=visitor-message] [data-testid=chat-attachment]');
    await expect.poll(() => links.count(), { timeout: 15_000 }).toBe(2);
    await expect(links.first().textContent()).resolves.toMatch(/checkout-error\.png · \d+(\.\d)? KB/);
    const stored = (await modelsOf(app.core).Message.findOne({ 'attachments.fileName': 'checkout-error.png' }).lean())!;
    expect(stored.text).toBe('The checkout fails with this error — screenshot and my invoice attached.');
    expect(stored.attachments.map((a) => [a.fileName, a.mimeType, a.size])).toEqual([
      ['checkout-error.png', 'image/png', SCREENSHOT.length],
      ['invoice-A-1001.pdf', 'application/pdf', PDF.length],
    ]);
    ticketId = String(stored.ticketId);

    // The visitor opens their screenshot: a new tab with the image.
    const [popup] = await Promise.all([chat.waitForEvent('popup'), links.first().click()]);
    await popup.waitForLoadState();
    expect(popup.url()).toContain(`/chat/api/attachments/${String(stored._id)}/0`);
    // The tab shows the picture itself (an image document), not an error page.
    await expect.poll(() => popup.evaluate(() => (globalThis as any).document.querySelector('img')?.naturalWidth ?? 0)).toBe(320);
    const bytes = await chat.evaluate(async (href) => (await (await fetch(href)).arrayBuffer()).byteLength, (await links.first().getAttribute('href'))!);
    expect(bytes).toBe(SCREENSHOT.length);
    await popup.close();
    await screenshot(chat, 'webchat-upload-visitor.png');
  });

  it('the agent sees both files in the console thread and opens them', async () => {
    agent = await signInToConsole(await newPage(), app.url, admin);
    await agent.goto(`${app.url}/console/#/t/${ticketId}`);
    const message = agent.locator('[data-testid=message][data-direction=inbound]', { hasText: 'checkout fails' });
    await message.waitFor();
    const image = message.locator('.att-image img');
    await image.waitFor();
    await expect.poll(() => image.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(320);
    await expect(message.locator('.att-file').textContent()).resolves.toContain('invoice-A-1001.pdf');

    // Opening: the screenshot in a new tab, the PDF as a download — both the visitor's bytes.
    const [popup] = await Promise.all([agent.waitForEvent('popup'), message.locator('.att-image').click()]);
    await popup.waitForLoadState();
    expect(popup.url()).toMatch(/\/api\/attachments\/[0-9a-f]{24}$/);
    await popup.close();
    const [download] = await Promise.all([agent.waitForEvent('download'), message.locator('.att-file').click()]);
    expect(download.suggestedFilename()).toBe('invoice-A-1001.pdf');
    const path = await download.path();
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(path).equals(PDF)).toBe(true);
    await message.scrollIntoViewIfNeeded();
    await screenshot(agent, 'webchat-upload-console.png');
  });

  it('the agent answers with a file; the visitor sees it on the reply and downloads it', async () => {
    const label = Buffer.from('%PDF-1.4\n% return label for order A-1001\n%%EOF\n');
    await agent.setInputFiles('[data-testid=composer] input[type=file]', { name: 'return-label.pdf', mimeType: 'application/pdf', buffer: label });
    const input = agent.locator('[data-testid=composer-input]');
    await input.fill('Thanks Carla — here is a return label for the order.');
    await input.press('Control+Enter');
    const file = chat.locator('[data-testid=agent-message]', { hasText: 'return label' }).locator('[data-testid=chat-attachment]');
    await file.waitFor();
    await expect(file.textContent()).resolves.toMatch(/return-label\.pdf · \d+ B/);
    const [download] = await Promise.all([chat.waitForEvent('download'), file.click()]);
    expect(download.suggestedFilename()).toBe('return-label.pdf');
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(await download.path()).equals(label)).toBe(true);
    await screenshot(chat, 'webchat-upload-agent-reply.png');
  });

  it('files dropped on the chat or pasted into the message box are attached too; a picked file can be removed', async () => {
    const files = (names: string[]) =>
      chat.evaluateHandle((list) => {
        const g = globalThis as any;
        const dt = new g.DataTransfer();
        for (const n of list) dt.items.add(new g.File([`contents of ${n}`], n, { type: 'text/plain' }));
        return dt;
      }, names);
    await chat.dispatchEvent('.chat', 'drop', { dataTransfer: await files(['dropped-notes.txt', 'oops.txt']) });
    await chat.evaluate(
      (dt) => {
        const area = (globalThis as any).document.getElementById('text');
        area.dispatchEvent(new (globalThis as any).ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
      },
      await files(['pasted-log.txt']),
    );
    const chips = chat.locator('[data-testid=staged-file]');
    await expect.poll(() => chips.count()).toBe(3);
    await screenshot(chat, 'webchat-upload-staged.png');
    await chips.filter({ hasText: 'oops.txt' }).locator('button').click();
    await expect.poll(() => chips.count()).toBe(2);
    await chat.click('#send');
    const bubble = chat.locator('[data-testid=visitor-message]', { hasText: 'dropped-notes.txt' });
    await expect
      .poll(() => bubble.locator('[data-testid=chat-attachment]').allTextContents(), { timeout: 15_000 })
      .toEqual([expect.stringContaining('dropped-notes.txt'), expect.stringContaining('pasted-log.txt')]);
    const stored = (await modelsOf(app.core).Message.findOne({ 'attachments.fileName': 'dropped-notes.txt' }).lean())!;
    expect(stored.attachments.map((a) => a.fileName)).toEqual(['dropped-notes.txt', 'pasted-log.txt']);
    expect(stored.text).toBe('');
  });

  it('a file over the limit is refused in the widget, in the visitor’s language; nothing is sent', async () => {
    const before = await modelsOf(app.core).Message.countDocuments({ channel: 'webchat' });
    const pt = await openChat('pt-BR');
    await attach(pt, [{ name: 'video-do-erro.mp4', mimeType: 'video/mp4', buffer: Buffer.alloc(MAX_FILE * 1.5, 1) }]);
    const error = pt.locator('[data-testid=upload-error]');
    await error.waitFor();
    await expect(error.textContent()).resolves.toBe('“video-do-erro.mp4” é grande demais — arquivos de até 195 KB');
    expect(await pt.locator('[data-testid=staged-file]').count()).toBe(0);
    await screenshot(pt, 'webchat-upload-too-large.png');

    // A page that believes in a larger limit (the server's changed since it loaded): the server's 413, worded.
    await chat.route('**/chat/api/session*', async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { limits: { maxFileBytes: number; maxMessageBytes: number } };
      await route.fulfill({ response, json: { ...body, limits: { ...body.limits, maxFileBytes: 10 * MAX_FILE, maxMessageBytes: 10 * MAX_FILE } } });
    });
    await chat.reload();
    await chat.waitForSelector('#title:not(:empty)');
    await attach(chat, [{ name: 'huge-log.txt', mimeType: 'text/plain', buffer: Buffer.alloc(MAX_FILE * 1.5, 'a') }]);
    await chat.click('#send');
    const refused = chat.locator('[data-testid=upload-refused]');
    await refused.waitFor();
    await expect(refused.textContent()).resolves.toBe('Too large to send — files may be up to 195 KB');
    await expect(chat.locator('[data-testid=chat-attachment-pending]', { hasText: 'huge-log.txt' }).count()).resolves.toBe(1);
    await screenshot(chat, 'webchat-upload-refused.png');
    expect(await modelsOf(app.core).Message.countDocuments({ channel: 'webchat' })).toBe(before);
  });
});
