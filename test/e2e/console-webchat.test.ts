import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Types } from 'mongoose';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawEmailToEvents } from '../../src/channels/email/inbound-events.js';
import type { Viewer } from '../../src/core/users/viewer.js';
import { createInbox, createUser } from '../support/test-core.js';
import { launchBrowser, screenshot, signInToConsole } from './support/browser.js';
import { startApp, type RunningApp } from './support/start-app.js';
import { modelsOf } from '../../src/core/models/models-of.js';
import { applyTicketPatch } from '../../src/web/tickets/apply-ticket-patch.js';

/**
 * Issue 3, "What must be shown", in real Chromium against the whole app:
 * visitor → live ticket in the console → agent reply → visitor; notes never
 * reach the visitor; another department never sees the ticket (list and a
 * forced `ticket:join`); a forced socket disconnect during traffic still
 * shows every message exactly once; hostile email HTML renders inert.
 */
let app: RunningApp;
let b: { browser: Browser; close(): Promise<void> };
let sales: Types.ObjectId;
let billing: Types.ObjectId;
let ana: Viewer & { password: string };
let bruno: Viewer & { password: string };
let admin: Viewer;
const contexts: BrowserContext[] = [];

async function newPage(): Promise<Page> {
  const ctx = await b.browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US' });
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.setDefaultTimeout(15_000);
  return page;
}

async function login(user: { email: string; password: string }): Promise<Page> {
  const page = await newPage();
  return signInToConsole(page, app.url, user);
}

async function openChat(): Promise<Page> {
  const page = await newPage();
  await page.goto(`${app.url}/chat`);
  await page.waitForSelector('#title:not(:empty)');
  return page;
}

async function visitorSays(chat: Page, text: string) {
  await chat.fill('#text', text);
  await chat.press('#text', 'Enter');
}

const rowFor = (page: Page, ticketId: string) => page.locator(`[data-testid=ticket-row][data-ticket-id="${ticketId}"]`);

async function ticketOfVisitorText(text: string) {
  for (let i = 0; i < 100; i++) {
    const m = await modelsOf(app.core).Message.findOne({ text, direction: 'inbound' }).lean();
    if (m) return (await modelsOf(app.core).Ticket.findById(m.ticketId).lean())!;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no ticket for "${text}"`);
}

/** The reply's stored delivery and the web chat receipts the hub took in, for a failed wait on the ticks. */
async function whereTheReceiptIs(ticketId: string): Promise<string> {
  const models = modelsOf(app.core);
  const replies = await models.Message.find({ ticketId, direction: 'outbound' }, { text: 1, providerMessageId: 1, delivery: 1 }).lean();
  const receipts = await models.InboundEvent.find({ inboxId: app.webchatInboxId }, { type: 1, status: 1, attempts: 1, lastError: 1, receivedAt: 1, payloadJson: 1 }).lean();
  return JSON.stringify({ replies, receipts: receipts.filter((r) => r.type !== 'message.received') }, null, 1);
}

beforeAll(async () => {
  app = await startApp();
  const deps = await modelsOf(app.core).Department.insertMany([{ name: 'Sales' }, { name: 'Billing' }]);
  sales = deps[0]!._id;
  billing = deps[1]!._id;
  admin = await createUser(app.core, 'admin');
  await app.core.inboxes.update(admin, app.webchatInboxId, { departmentId: String(sales) });
  ana = await createUser(app.core, 'agent', [sales]);
  bruno = await createUser(app.core, 'agent', [billing]);
  await modelsOf(app.core).User.updateOne({ _id: ana.id }, { $set: { name: 'Ana Souza' } });
  await modelsOf(app.core).User.updateOne({ _id: bruno.id }, { $set: { name: 'Bruno Lima' } });
  ana.name = 'Ana Souza';
  b = await launchBrowser();
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await b?.close();
  await app?.stop();
});

describe('website chat ↔ agent console', () => {
  let anaPage: Page;
  let chat: Page;
  let ticketId: string;
  const frames: string[] = [];

  it('a visitor message appears in the logged-in agent inbox without reload; the visitor sees the ticket number', async () => {
    anaPage = await login(ana);
    await anaPage.waitForSelector('[data-testid=ticket-list]');
    const navigations: string[] = [];
    anaPage.on('framenavigated', (f) => f === anaPage.mainFrame() && navigations.push(f.url()));

    chat = await openChat();
    chat.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(String(f.payload))));
    await chat.click('#intro-summary');
    await chat.fill('#name', 'Carla Mendes');
    await visitorSays(chat, 'Olá! My order #A-1001 has not arrived yet.');
    const ticket = await ticketOfVisitorText('Olá! My order #A-1001 has not arrived yet.');
    ticketId = String(ticket._id);

    await rowFor(anaPage, ticketId).waitFor();
    expect(navigations.filter((u) => !u.includes('#'))).toEqual([]); // live insertion, no reload
    await expect(rowFor(anaPage, ticketId).locator('[data-testid=unread-badge]').textContent()).resolves.toBe('1');
    await chat.waitForSelector(`text=Ticket #${ticket.number}`);

    // A second conversation so the inbox screenshot looks like a working day.
    const other = await openChat();
    await visitorSays(other, 'Hi, can I change the delivery address for my order?');
    await ticketOfVisitorText('Hi, can I change the delivery address for my order?');
    await anaPage.waitForFunction(() => (globalThis as any).document.querySelectorAll('[data-testid=ticket-row]').length >= 2);
    await screenshot(anaPage, 'inbox.png');
  });

  it('the agent replies; the visitor sees it live with the agent typing first; the console shows delivery ticks', async () => {
    await rowFor(anaPage, ticketId).click();
    await anaPage.waitForSelector('[data-testid=message][data-direction=inbound]');
    const input = anaPage.locator('[data-testid=composer-input]');
    await input.click();
    await input.pressSequentially('Hi Carla, ', { delay: 10 });
    await chat.waitForSelector('#typing:not([hidden])');
    await input.pressSequentially('I am checking order A-1001 with the carrier right now.', { delay: 2 });
    await input.press('Control+Enter');
    // Optimistic first, then the stored message with its delivery state.
    await anaPage.waitForSelector('[data-testid=message][data-direction=outbound]');
    await chat.waitForSelector('[data-testid=agent-message]:has-text("checking order A-1001")');
    // The visitor sees who answered (live, and again from the history after a reload below).
    await expect(chat.locator('[data-testid=agent-message]:has-text("checking order A-1001") [data-testid=agent-name]').textContent()).resolves.toBe('Ana Souza');
    await anaPage
      .waitForSelector('[data-testid=message][data-direction=outbound] [data-testid=ticks][data-status=read], [data-testid=message][data-direction=outbound] [data-testid=ticks][data-status=delivered]')
      .catch(async (err: Error) => {
        // This wait has failed rarely in CI and never locally: say where the receipt was when it did.
        throw new Error(`${err.message}\n${await whereTheReceiptIs(ticketId)}`);
      });
    await visitorSays(chat, 'Thank you! It was supposed to arrive on Monday.');
    await anaPage.waitForSelector('[data-testid=message-text]:has-text("supposed to arrive on Monday")');
    await screenshot(anaPage, 'ticket-view.png');
    await screenshot(chat, 'visitor-chat.png');
  });

  it('an internal note is shown as a note in the console and never reaches the visitor', async () => {
    const secret = `Internal: customer is VIP, refund approved ${Date.now()}`;
    await anaPage.click('[data-testid=mode-note]');
    const input = anaPage.locator('[data-testid=composer-input]');
    await input.fill(secret);
    await input.press('Control+Enter');
    const note = anaPage.locator('[data-testid=message][data-kind=note]', { hasText: secret });
    await note.waitFor();
    // The optimistic copy is replaced by the stored note; the stored note must look like a note.
    await expect
      .poll(() => note.evaluate((el) => (globalThis as any).getComputedStyle(el).borderTopStyle), { timeout: 10_000 })
      .toBe('dashed');
    // Typing a note must not show "typing…" to the visitor either.
    await anaPage.waitForTimeout(1500);
    expect(await chat.locator('body').textContent()).not.toContain(secret);
    expect(frames.join('\n')).not.toContain(secret);
    await chat.reload();
    await chat.waitForSelector('[data-testid=agent-message]');
    expect(await chat.locator('body').textContent()).not.toContain(secret);
    await expect(chat.locator('[data-testid=agent-message] [data-testid=agent-name]').first().textContent()).resolves.toBe('Ana Souza');
    // The core never handed it to the adapter: no delivery state, not in the visitor's history.
    const stored = await modelsOf(app.core).Message.findOne({ text: secret }).lean();
    expect(stored).toMatchObject({ kind: 'note', direction: 'internal', delivery: { status: 'none', attempts: 0 } });
    const history = await app.webchat.channel.conversations.history(app.webchatInboxId, (await modelsOf(app.core).Ticket.findById(ticketId).lean())!.replyTo.conversationId!);
    expect(history.messages.map((m) => m.text)).not.toContain(secret);
    await anaPage.click('[data-testid=mode-reply]');
  });

  it('an agent of another department never sees the ticket: not in the list, refused on a forced ticket:join, 404 by URL', async () => {
    const brunoPage = await login(bruno);
    await visitorSays(chat, 'Are you still there?');
    await anaPage.waitForSelector('[data-testid=message-text]:has-text("Are you still there?")');
    await brunoPage.waitForTimeout(800);
    expect(await rowFor(brunoPage, ticketId).count()).toBe(0);
    const forced = await brunoPage.evaluate(
      (id) => (globalThis as any).ponteSocket.timeout(5000).emitWithAck('ticket:join', { ticketId: id }),
      ticketId,
    );
    expect(forced).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const status = await brunoPage.evaluate(async (id) => (await fetch(`/api/tickets/${id}`)).status, ticketId);
    expect(status).toBe(404);
    await brunoPage.goto(`${app.url}/console/#/t/${ticketId}`);
    await brunoPage.waitForSelector('[data-testid=connection][data-state=online]');
    expect(await brunoPage.locator('[data-testid=ticket-view]').count()).toBe(0);
    expect(await brunoPage.locator('body').textContent()).not.toContain('Are you still there?');
  });

  it('after a forced socket disconnect during incoming traffic, every message shows exactly once', async () => {
    const texts = Array.from({ length: 14 }, (_, i) => `burst message ${String(i + 1).padStart(2, '0')}`);
    const anaSockets = () => [...app.realtime.io.of('/').sockets.values()].filter((s) => (s.data as { viewer?: Viewer }).viewer?.id === ana.id);
    const before = new Set(anaSockets().map((s) => s.id));
    expect(before.size).toBeGreaterThan(0);
    for (const [i, text] of texts.entries()) {
      if (i === 4) for (const s of anaSockets()) s.conn.close(); // transport dies; the client reconnects by itself
      await chat.evaluate(
        async ({ text, inboxId }) => {
          const res = await fetch('/chat/api/messages', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ inboxId, clientMessageId: crypto.randomUUID(), text }) });
          if (res.status !== 202) throw new Error(`POST ${res.status}`);
        },
        { text, inboxId: app.webchatInboxId },
      );
      await new Promise((r) => setTimeout(r, 120));
    }
    await anaPage.waitForSelector('[data-testid=connection][data-state=online]');
    await anaPage.waitForFunction(
      (expected) => {
        const shown = [...(globalThis as any).document.querySelectorAll('[data-testid=message-text]')].map((e: any) => e.textContent ?? '');
        return expected.every((t) => shown.includes(t));
      },
      texts,
      { timeout: 30_000 },
    );
    const after = new Set(anaSockets().map((s) => s.id));
    expect([...after].some((id) => !before.has(id))).toBe(true); // it really reconnected
    const shown = await anaPage.$$eval('[data-testid=message-text]', (els) => els.map((e) => e.textContent ?? ''));
    for (const t of texts) expect(shown.filter((s) => s === t)).toHaveLength(1);
    const ids = await anaPage.$$eval('[data-testid=message]', (els) => els.map((e) => e.getAttribute('data-message-id')));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('hostile email HTML (<script>, onerror=) renders inert in a sandboxed frame', async () => {
    const inbox = await createInbox(app.core, 'email', { departmentId: sales, name: 'support-mail' });
    const html =
      '<p>Dear support,</p><p>Please see the <b>invoice</b> below.</p>' +
      '<img src="x" onerror="window.parent.__pwned = \'onerror\'; window.__frameRan = 1">' +
      '<script>window.parent.__pwned = "script"; window.__frameRan = 2;</script>' +
      '<a href="javascript:window.parent.__pwned=\'link\'">click</a>';
    await app.core.ingest.accept([
      {
        type: 'message.received',
        providerKey: `mail:${String(inbox._id)}:<evil-1@example.com>`,
        inboxId: String(inbox._id),
        occurredAt: new Date(),
        sender: { handle: 'mallory@example.com', email: 'mallory@example.com', displayName: 'Mallory' },
        text: 'Dear support, please see the invoice below.',
        html,
        attachments: [],
        threading: { conversationId: '<evil-1@example.com>', messageId: '<evil-1@example.com>', subject: 'Invoice question', participants: ['support@example.com'] },
      },
    ]);
    const ticket = await ticketOfVisitorText('Dear support, please see the invoice below.');
    const dialogs: string[] = [];
    anaPage.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await anaPage.goto(`${app.url}/console/#/t/${String(ticket._id)}`);
    const frame = anaPage.locator('[data-testid=email-frame]');
    await frame.waitFor();
    expect(await frame.getAttribute('sandbox')).not.toContain('allow-scripts');
    expect(await frame.getAttribute('sandbox')).not.toContain('allow-same-origin');
    await expect(anaPage.frameLocator('[data-testid=email-frame]').locator('b').textContent()).resolves.toBe('invoice');
    await anaPage.frameLocator('[data-testid=email-frame]').locator('a').click().catch(() => undefined);
    await anaPage.waitForTimeout(800);
    expect(await anaPage.evaluate(() => (globalThis as any).__pwned)).toBeUndefined();
    const inner = anaPage.frames().find((f) => f !== anaPage.mainFrame());
    if (inner) expect(await inner.evaluate(() => (globalThis as any).__frameRan).catch(() => undefined)).toBeUndefined();
    expect(dialogs).toEqual([]);
  });

  it('remote images stay blocked until "Show images"; inline cid: images are shown from their attachment', async () => {
    const inbox = await createInbox(app.core, 'email', { departmentId: sales, name: 'images-mail' });
    const fixture = (name: string) => readFileSync(path.resolve(import.meta.dirname, '../fixtures/email', `${name}.eml`));
    const ticketFor = async (name: string) => {
      const { events } = await rawEmailToEvents(fixture(name), { inboxId: String(inbox._id), ownAddresses: ['support@ponte.test'] });
      await app.core.ingest.accept(events);
      await app.core.ingest.drain();
      const m = (await modelsOf(app.core).Message.findOne({ providerKey: events[0]!.providerKey }).lean())!;
      return String(m.ticketId);
    };
    // Nothing may leave 127.0.0.1, even after "Show images": remote requests are recorded and refused.
    const remote: string[] = [];
    await anaPage.context().route(/^https:\/\//, (route) => {
      remote.push(route.request().url());
      return route.abort();
    });
    const srcdoc = () => anaPage.locator('[data-testid=email-frame]').getAttribute('srcdoc');

    await anaPage.goto(`${app.url}/console/#/t/${await ticketFor('43-html-only-table-remote-images')}`);
    await anaPage.locator('[data-testid=images-blocked]').waitFor();
    expect(await srcdoc()).not.toContain(' src="https://');
    expect(await srcdoc()).toContain("img-src data:;");
    await anaPage.click('[data-testid=show-images]');
    await anaPage.locator('[data-testid=images-blocked]').waitFor({ state: 'detached' });
    expect(await srcdoc()).toContain('src="https://track.loja.example.com/open/9031.gif"');
    expect(await srcdoc()).toContain('img-src data: https:;');

    await anaPage.goto(`${app.url}/console/#/t/${await ticketFor('44-outlook-inline-image-placeholder')}`);
    await anaPage.waitForFunction(() => {
      const doc: string = (globalThis as any).document.querySelector('[data-testid=email-frame]')?.getAttribute('srcdoc') ?? '';
      return (doc.match(/src="data:image\/png;base64,/g) ?? []).length === 2;
    });
    expect(await srcdoc()).not.toContain('src="cid:');
    expect(await anaPage.locator('[data-testid=images-blocked]').count()).toBe(0);
    expect(remote.every((u) => u.startsWith('https://cdn.loja.example.com/') || u.startsWith('https://track.loja.example.com/'))).toBe(true);
  });
  it('solving the ticket tells the visitor (in the chat language) that writing again reopens it; writing again hides it', async () => {
    await anaPage.goto(`${app.url}/console/#/t/${ticketId}`);
    await anaPage.selectOption('[data-testid=status]', 'solved');
    const notice = chat.locator('[data-testid=solved-notice]');
    await notice.waitFor();
    expect(await notice.textContent()).toBe('This conversation was marked solved — write again to reopen');
    await screenshot(chat, 'visitor-chat-solved.png');
    // Still told after a reload (from the session), and gone once the visitor writes again (reopened).
    await chat.reload();
    await notice.waitFor();
    await visitorSays(chat, 'One more thing about the order');
    await notice.waitFor({ state: 'hidden' });
    await expect.poll(async () => (await modelsOf(app.core).Ticket.findById(ticketId).lean())!.status).not.toBe('solved');
  });

  it('the chat speaks the browser language (PT, ES, EN) by default; an inbox title and greeting of its own are shown as given', async () => {
    const chatIn = async (locale: string) => {
      const ctx = await b.browser.newContext({ viewport: { width: 420, height: 720 }, locale });
      contexts.push(ctx);
      const page = await ctx.newPage();
      await page.goto(`${app.url}/chat`);
      await page.waitForSelector('#title:not(:empty)');
      await page.waitForSelector('.bubble.greeting');
      return page;
    };
    const pt = await chatIn('pt-BR');
    expect(await pt.textContent('#title')).toBe('Fale conosco');
    expect(await pt.textContent('.bubble.greeting')).toBe('Olá! Como podemos ajudar você hoje?');
    const es = await chatIn('es-ES');
    expect(await es.textContent('#title')).toBe('Chatea con nosotros');
    expect(await es.textContent('.bubble.greeting')).toBe('¡Hola! ¿Cómo podemos ayudarte hoy?');
    const en = await chatIn('en-GB');
    expect(await en.textContent('#title')).toBe('Chat with us');
    await screenshot(pt, 'visitor-chat-pt-default.png');

    // PT solved notice, from the session of a solved conversation.
    await visitorSays(pt, 'Oi, preciso de ajuda');
    const t = await ticketOfVisitorText('Oi, preciso de ajuda');
    await applyTicketPatch(app.core, admin, String(t._id), { status: 'solved' });
    await pt.locator('[data-testid=solved-notice]').waitFor();
    expect(await pt.textContent('[data-testid=solved-notice]')).toBe('Esta conversa foi marcada como resolvida — escreva de novo para reabrir');

    await app.core.inboxes.update(admin, app.webchatInboxId, { settings: { title: 'Ajuda Loja', greeting: 'Bem-vindo à Loja!' } });
    // The chat router serves its inbox list for 5 s, then refreshes it in the background (the stale list answers
    // meanwhile): wait until a page load sees the new title.
    await expect
      .poll(async () => ((await (await fetch(`${app.url}/chat/api/session`)).json()) as { inbox: { title: string | null } }).inbox.title, { timeout: 40_000, interval: 500 })
      .toBe('Ajuda Loja');
    const own = await chatIn('es-ES');
    expect(await own.textContent('#title')).toBe('Ajuda Loja');
    expect(await own.textContent('.bubble.greeting')).toBe('Bem-vindo à Loja!');
  });
});
