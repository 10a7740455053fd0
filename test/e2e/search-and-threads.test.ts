import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '../../src/core/users/viewer.js';
import { modelsOf } from '../../src/core/models/models-of.js';
import { createInbox, createUser, smsEvent } from '../support/test-core.js';
import { launchBrowser, screenshot, signInToConsole } from './support/browser.js';
import { startApp, type RunningApp } from './support/start-app.js';

/**
 * Issue 14 "Search" in real Chromium against the whole app: tickets arrive through ingest; an agent types in
 * the ticket list's search box and gets the ticket whose message body (not its subject) has the words,
 * accent- and case-insensitive, as prefixes, solved tickets included; the box asks the server once the typing
 * pauses (debounced), and clearing it brings the open-work list back.
 */
let app: RunningApp;
let b: { browser: Browser; close(): Promise<void> };
let admin: Viewer & { password: string };
const contexts: BrowserContext[] = [];
const numbers: Record<string, number> = {};

async function login(user: { email: string; password: string }): Promise<Page> {
  const ctx = await b.browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'pt-BR' });
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.setDefaultTimeout(15_000);
  return signInToConsole(page, app.url, user);
}

beforeAll(async () => {
  app = await startApp();
  admin = await createUser(app.core, 'admin');
  const inbox = String((await createInbox(app.core, 'sms'))._id);
  const events = [
    { sid: 'SM-e2e-tampa', from: '+5511955550001', name: 'Iñaki Muñoz', text: 'O pedido chegou com a TAMPA quebrada, quero trocar.' },
    { sid: 'SM-e2e-boleto', from: '+5511955550002', name: 'Ana Lima', text: 'Não recebi o boleto deste mês.' },
    { sid: 'SM-e2e-senha', from: '+5511955550003', name: 'Rui Gomes', text: 'Esqueci minha senha do aplicativo.' },
  ];
  for (const e of events) {
    const ev = smsEvent(inbox, { sid: e.sid, from: e.from, text: e.text });
    await app.core.ingest.accept([{ ...ev, sender: { ...ev.sender, displayName: e.name } }]);
  }
  await app.core.ingest.drain();
  // A long thread on the first ticket, so opening it directly must scroll.
  for (let i = 1; i <= 30; i++) {
    // One follow-up in the middle has CJK text and a ß: found by the search box like any other word.
    const extra = i === 15 ? ' Endereço: 東京都に住んでいます, Große Straße 5.' : '';
    await app.core.ingest.accept([smsEvent(inbox, { sid: `SM-e2e-tampa-${i}`, from: '+5511955550001', text: `Mais um detalhe, parte ${i}.${extra}\nSegunda linha.` })]);
  }
  await app.core.ingest.drain();
  await app.core.search.settled();
  for (const t of await modelsOf(app.core).Ticket.find({}).lean()) numbers[t.replyTo.phone ?? t.replyTo.handle] = t.number;
  // The boleto ticket is solved: a search still finds it, the open-work list does not show it.
  const boleto = await modelsOf(app.core).Ticket.findOne({ number: numbers['+5511955550002'] }).lean();
  await app.core.tickets.setStatus(admin, String(boleto!._id), 'solved');
  b = await launchBrowser();
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await b?.close();
  await app?.stop();
});

const ticketIdOf = async (number: number) => String((await modelsOf(app.core).Ticket.findOne({ number }).lean())!._id);

const listedNumbers = async (page: Page) =>
  (await page.locator('[data-testid=ticket-row]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-number'))))).sort();

describe('ticket search in the console', () => {
  let page: Page;

  it('typing words of a message body finds its ticket (accents and case ignored, prefixes), asking the server once typing pauses', async () => {
    page = await login(admin);
    await page.click('[data-testid=view-all]');
    const searches: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/search/tickets')) searches.push(new URL(r.url()).searchParams.get('q') ?? '');
    });
    await page.locator('[data-testid=ticket-search]').pressSequentially('tâmpa queb', { delay: 40 });
    await page.waitForSelector('[data-testid=search-note]');
    await expect.poll(() => listedNumbers(page)).toEqual([numbers['+5511955550001']]);
    await screenshot(page, 'search-body-text.png');
    // The row's second line is the newest message's text (the last of the 30 follow-ups), on one line.
    await expect(page.locator('[data-testid=ticket-preview]').first().textContent()).resolves.toBe('Mais um detalhe, parte 30. Segunda linha.');
    // Ten keystrokes, typed faster than the debounce: the server was asked for the whole text, not per letter.
    expect(searches.at(-1)).toBe('tâmpa queb');
    expect(searches.length).toBeLessThan(4);
  });

  it("the contact's name without its accents, text inside a CJK run and ß typed as ss find the ticket; a solved ticket is found too", async () => {
    await page.fill('[data-testid=ticket-search]', 'inaki munoz');
    await expect.poll(() => listedNumbers(page)).toEqual([numbers['+5511955550001']]);
    await page.fill('[data-testid=ticket-search]', 'BOLETO');
    await expect.poll(() => listedNumbers(page)).toEqual([numbers['+5511955550002']]);
    await expect(page.locator('[data-testid=ticket-row] .status, [data-testid=ticket-row]').first().textContent()).resolves.toMatch(/solved|resolvido|resuelto/i);
    // Inside a CJK run (no spaces to split at), and ß typed as ss: the server's answer to each is the tampa ticket.
    for (const q of ['住んで', 'grosse strasse']) {
      const answered = page.waitForResponse((r) => r.url().includes('/api/search/tickets') && new URL(r.url()).searchParams.get('q') === q);
      await page.fill('[data-testid=ticket-search]', q);
      const body = (await (await answered).json()) as { items: Array<{ number: number }> };
      expect(body.items.map((x) => x.number)).toEqual([numbers['+5511955550001']]);
      await expect.poll(() => listedNumbers(page)).toEqual([numbers['+5511955550001']]);
    }
    await screenshot(page, 'search-cjk-and-sz.png');
  });

  it('a text nothing has says so; clearing the box brings back the open-work list', async () => {
    await page.fill('[data-testid=ticket-search]', 'zebra');
    await page.waitForSelector('text=Nenhum ticket corresponde a “zebra”.');
    await screenshot(page, 'search-no-match.png');
    await page.fill('[data-testid=ticket-search]', '');
    await expect.poll(() => page.locator('[data-testid=search-note]').count()).toBe(0);
    await expect.poll(() => listedNumbers(page)).toEqual([numbers['+5511955550001'], numbers['+5511955550003']].sort());
  });
});

describe('day-one fixes in the console', () => {
  let page: Page;

  it('a ticket URL opened directly shows the thread at the newest message, with why each message joined the ticket', async () => {
    page = await login(admin);
    const id = await ticketIdOf(numbers['+5511955550001']!);
    await page.goto(`${app.url}/console/#/t/${id}`);
    await page.reload();
    await page.waitForSelector('[data-testid=connection][data-state=online]');
    await expect.poll(() => page.locator('[data-testid=thread] [data-testid=message]').count()).toBe(31);
    const atBottom = () =>
      page.locator('[data-testid=thread]').evaluate((el) => Math.abs(el.scrollHeight - el.clientHeight - el.scrollTop) < 4 && el.scrollHeight > el.clientHeight);
    await expect.poll(atBottom).toBe(true);
    await expect(page.locator('[data-testid=thread-reason]').first().textContent()).resolves.toContain('Nova conversa');
    await expect(page.locator('[data-testid=thread-reason]').last().textContent()).resolves.toContain('Mesma conversa');
    await screenshot(page, 'thread-opened-at-newest.png');
  });

  it('the ticket type is set in the side panel; the note mode does not carry over to the next ticket', async () => {
    await page.fill('[data-testid=ticket-type]', 'incident');
    await page.press('[data-testid=ticket-type]', 'Enter');
    const id = await ticketIdOf(numbers['+5511955550001']!);
    await expect.poll(async () => (await modelsOf(app.core).Ticket.findById(id).lean())!.type).toBe('incident');
    await page.click('[data-testid=mode-note]');
    expect(await page.getAttribute('[data-testid=mode-note]', 'aria-selected')).toBe('true');
    await page.goto(`${app.url}/console/#/t/${await ticketIdOf(numbers['+5511955550003']!)}`);
    await expect.poll(() => page.locator('[data-testid=ticket-view]').getAttribute('data-ticket-id')).toBe(await ticketIdOf(numbers['+5511955550003']!));
    expect(await page.getAttribute('[data-testid=mode-reply]', 'aria-selected')).toBe('true');
  });

  it('a snoozed ticket leaves the open view and is listed under Snoozed until it wakes', async () => {
    await page.click('[data-testid=view-all]');
    const senha = numbers['+5511955550003']!;
    await expect.poll(() => listedNumbers(page)).toContain(senha);
    await app.core.tickets.snooze(admin, await ticketIdOf(senha), new Date(Date.now() + 3_600_000));
    await expect.poll(() => listedNumbers(page)).not.toContain(senha);
    await page.click('[data-testid=view-snoozed]');
    await expect.poll(() => listedNumbers(page)).toEqual([senha]);
    await screenshot(page, 'snoozed-view.png');
    await app.core.tickets.endSnooze(await ticketIdOf(senha), new Date(Date.now() + 3_600_000));
    await expect.poll(() => listedNumbers(page)).toEqual([]);
    await page.click('[data-testid=view-all]');
    await expect.poll(() => listedNumbers(page)).toContain(senha);
  });

  it('merging asks for confirmation and says the two tickets belong to different customers; cancel merges nothing', async () => {
    const from = await ticketIdOf(numbers['+5511955550003']!);
    const into = await ticketIdOf(numbers['+5511955550001']!);
    await page.goto(`${app.url}/console/#/t/${from}`);
    await expect.poll(() => page.locator('[data-testid=ticket-view]').getAttribute('data-ticket-id')).toBe(from);
    await page.fill('[data-testid=merge-into]', `#${numbers['+5511955550001']}`);
    await page.click('[data-testid=merge-find]');
    await page.waitForSelector('[data-testid=merge-confirm]');
    const warning = await page.locator('[data-testid=merge-different-customers]').textContent();
    expect(warning).toContain('Iñaki Muñoz');
    expect(warning).toContain('clientes diferentes');
    await screenshot(page, 'merge-confirm-different-customers.png');
    await page.click('[data-testid=merge-cancel]');
    expect(await page.locator('[data-testid=merge-confirm]').count()).toBe(0);
    expect((await modelsOf(app.core).Ticket.findById(from).lean())!.mergedInto).toBeUndefined();

    await page.click('[data-testid=merge-find]');
    await page.click('[data-testid=merge-confirm-button]');
    await expect.poll(async () => String((await modelsOf(app.core).Ticket.findById(from).lean())!.mergedInto)).toBe(into);
    await expect.poll(() => page.locator('[data-testid=ticket-view]').getAttribute('data-ticket-id')).toBe(into);
  });
});
