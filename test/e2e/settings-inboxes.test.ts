import net from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { encode } from 'uqr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '../../src/core/users/viewer.js';
import { isDovecotInstalled, startDovecot, type DovecotStandin } from '../standins/dovecot.js';
import { startSmtpCapture, type SmtpCapture } from '../standins/smtp-capture.js';
import { startTelegramBotApi, type TelegramBotApiStandin } from '../standins/telegram-bot-api.js';
import { createUser, smsEvent } from '../support/test-core.js';
import { launchBrowser, screenshot, signInToConsole } from './support/browser.js';
import { startApp, type RunningApp } from './support/start-app.js';
import { modelsOf } from '../../src/core/models/models-of.js';
import { until } from '../support/until.js';

/**
 * Issue 14 "Settings → Inboxes" (and the console parts of issues 12/13) in real Chromium against the whole app
 * with the channel catalogue running: an admin creates an email inbox whose connection test fails (closed
 * port: IMAP and SMTP errors shown), fixes it against Debian's Dovecot and an SMTP capture, sees the test pass
 * and the inbox's health turn ok live; disables and deletes an inbox (refused while it has tickets); copies the
 * website chat snippet; sees a WhatsApp pairing QR arrive live. Supervisors look without changing; agents have
 * no entry.
 */
if (!(await isDovecotInstalled())) throw new Error('dovecot-imapd is not installed: apt-get install -y dovecot-imapd');

let app: RunningApp;
let b: { browser: Browser; close(): Promise<void> };
let dovecot: DovecotStandin;
let smtp: SmtpCapture;
let closedPort: number;
let bot: TelegramBotApiStandin;
let waPort: number;
let admin: Viewer & { password: string };
let supervisor: Viewer & { password: string };
let agent: Viewer & { password: string };
const contexts: BrowserContext[] = [];

/** A port nothing listens on: bound once, then released. */
async function freeClosedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function login(user: { email: string; password: string }): Promise<Page> {
  const ctx = await b.browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-US', permissions: ['clipboard-read', 'clipboard-write'] });
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.setDefaultTimeout(15_000);
  return signInToConsole(page, app.url, user);
}


const row = (page: Page, name: string) => page.locator('[data-testid=inbox-row]', { hasText: name });

beforeAll(async () => {
  [dovecot, smtp, closedPort, bot, waPort] = await Promise.all([
    startDovecot(),
    startSmtpCapture(),
    freeClosedPort(),
    startTelegramBotApi(),
    freeClosedPort(),
  ]);
  app = await startApp({ TELEGRAM_API_ROOT: bot.apiRoot }, { catalogue: true });
  admin = await createUser(app.core, 'admin');
  supervisor = await createUser(app.core, 'supervisor');
  agent = await createUser(app.core, 'agent');
  b = await launchBrowser();
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await b?.close();
  await app?.stop();
  await smtp?.stop();
  await dovecot?.stop();
  await bot?.stop();
});

describe('settings → inboxes', () => {
  let page: Page;
  let emailId: string;

  it('an admin creates an email inbox from the generated form; the connection test shows the IMAP and SMTP errors', async () => {
    page = await login(admin);
    await page.click('[data-testid=open-settings]');
    await row(page, 'Website chat').waitFor();
    await page.click('[data-testid=new-inbox]');
    await page.waitForSelector('[data-testid=kind-telegram]');
    await screenshot(page, 'settings-inbox-kinds.png');
    await page.click('[data-testid=kind-email]');
    await page.waitForSelector('[data-testid=inbox-editor] fieldset[data-group=imap]');
    // Defaults from the description: IMAP port 993 over TLS, SMTP 587.
    expect(await page.inputValue('[name="imap.port"]')).toBe('993');
    expect(await page.isChecked('[name="imap.secure"]')).toBe(true);

    // Required fields are checked before anything is sent.
    await page.click('[data-testid=save-inbox]');
    await expect(page.locator('[data-testid="field-imap.host"] .field-problem').textContent()).resolves.toBe('Required');

    await page.fill('[name=name]', 'Support mail');
    await page.fill('[name=fromAddress]', 'support@ponte.test');
    await page.fill('[name="imap.host"]', '127.0.0.1');
    await page.fill('[name="imap.port"]', String(closedPort));
    await page.uncheck('[name="imap.secure"]');
    await page.fill('[name="imap.user"]', dovecot.user);
    await page.fill('[name="imap.password"]', dovecot.password);
    await page.fill('[name="smtp.host"]', '127.0.0.1');
    await page.fill('[name="smtp.port"]', String(closedPort));
    await screenshot(page, 'settings-inbox-new-email.png');

    await page.click('[data-testid=test-connection]'); // saves first, then tests what is stored
    const report = page.locator('[data-testid=test-report]');
    await report.waitFor();
    expect(await report.getAttribute('data-ok')).toBe('false');
    expect(await page.getAttribute('[data-testid=check-imap]', 'data-ok')).toBe('false');
    expect(await page.getAttribute('[data-testid=check-smtp]', 'data-ok')).toBe('false');
    expect(await page.textContent('[data-testid=check-imap]')).toContain(String(closedPort));
    expect(await page.textContent('[data-testid=check-smtp]')).toMatch(/ECONNREFUSED|refused/i);

    emailId = /#\/settings\/inboxes\/([0-9a-f]{24})/.exec(page.url())![1]!;
    const stored = await app.core.inboxes.get(emailId);
    expect(stored).toMatchObject({ kind: 'email', name: 'Support mail', secretKeys: expect.arrayContaining(['imap.password']) });
    expect(stored.settings).toMatchObject({ fromAddress: 'support@ponte.test', imap: { host: '127.0.0.1', port: closedPort, secure: false } });
    // The password is write-only: shown as set, never sent back.
    await page.locator('[data-testid="field-imap.password"] [data-testid=secret-set]').waitFor();
    expect(await page.content()).not.toContain(dovecot.password);
    await screenshot(page, 'settings-inbox-test-failed.png');

    // The running adapter hits the same wall: the list shows the inbox's health and its last error, live.
    await page.click('a.link.back');
    const r = row(page, 'Support mail');
    await r.locator('[data-testid=health-detail]').waitFor();
    expect(await r.locator('[data-testid=health]').getAttribute('data-status')).toMatch(/down|degraded/);
    await screenshot(page, 'settings-inboxes-list-error.png');
    await r.locator('a').click();
    await page.waitForSelector('[data-testid=inbox-editor] fieldset[data-group=imap]');
  });

  it('fixed against Dovecot and the SMTP capture the test passes, and the list shows the inbox healthy, live', async () => {
    await page.fill('[name="imap.port"]', String(dovecot.port));
    await page.fill('[name="smtp.port"]', String(smtp.port));
    await page.click('[data-testid=test-connection]');
    await page.waitForSelector('[data-testid=test-report][data-ok=true]');
    expect(await page.getAttribute('[data-testid=check-imap]', 'data-ok')).toBe('true');
    expect(await page.getAttribute('[data-testid=check-smtp]', 'data-ok')).toBe('true');
    // The stored password was kept (only typed secrets are sent).
    expect((await app.core.inboxes.runtimeSettings(emailId)).imap).toMatchObject({ password: dovecot.password, port: dovecot.port });
    await screenshot(page, 'settings-inbox-test-passed.png');

    await page.click('a.link.back');
    const r = row(page, 'Support mail');
    // The runtime restarted the adapter on save; its IMAP session reports ok over the socket.
    await r.locator('[data-testid=health][data-status=ok]').waitFor();
    await expect(r.locator('[data-testid=session-holder]').textContent()).resolves.not.toBe('—');
    await screenshot(page, 'settings-inboxes-list.png');
  });

  it('an inbox with tickets cannot be deleted (disable is offered); disabled and then deleted when empty', async () => {
    // A ticket on a spare inbox: deleting it is refused.
    const spare = await app.core.inboxes.create(admin, { kind: 'email', name: 'Old mail', enabled: false, settings: {}, secrets: {}, departmentId: null });
    await row(page, 'Old mail').waitFor(); // created elsewhere: the open list learns it from `inbox.changed`
    await app.core.ingest.accept([{ ...smsEvent(spare.id, { sid: 'E2E-DEL', from: '+5511900002222', text: 'old' }), providerKey: 'e2e:del:1' }]);
    await app.core.ingest.drain();
    await page.goto(`${app.url}/console/#/settings/inboxes/${spare.id}`);
    await page.click('[data-testid=delete-inbox]');
    await page.click('[data-testid=confirm-delete]');
    await page.waitForSelector('[data-testid=delete-refused]');
    await screenshot(page, 'settings-inbox-delete-refused.png');
    expect(await app.core.inboxes.get(spare.id)).toMatchObject({ name: 'Old mail' });

    // The email inbox has no tickets: disable it, then delete it.
    await page.goto(`${app.url}/console/#/settings/inboxes/${emailId}`);
    await page.click('[data-testid=toggle-enabled]');
    await page.waitForSelector('[data-testid=toggle-enabled]:has-text("Enable")');
    expect((await app.core.inboxes.get(emailId)).enabled).toBe(false);
    await page.click('a.link.back');
    await row(page, 'Support mail').locator('[data-testid=inbox-enabled][data-enabled=false]').waitFor();
    await screenshot(page, 'settings-inboxes-disabled.png');

    await row(page, 'Support mail').locator('a').click();
    await page.click('[data-testid=delete-inbox]');
    await page.click('[data-testid=confirm-delete]');
    await page.waitForURL(/#\/settings\/inboxes$/);
    await row(page, 'Old mail').waitFor();
    expect(await row(page, 'Support mail').count()).toBe(0);
    await expect(app.core.inboxes.get(emailId)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('the website chat inbox shows its widget.js snippet to copy, and its title and greeting are edited here', async () => {
    await row(page, 'Website chat').locator('a').click();
    const snippet = page.locator('[data-testid=widget-snippet]');
    await snippet.waitFor();
    const base = app.core.config.publicUrl.replace(/\/$/, '');
    expect(await snippet.inputValue()).toBe(
      `<script src="${base}/chat/widget.js" data-inbox="${app.webchatInboxId}" data-color="#2563eb" async></script>`,
    );
    // In Portuguese: the console's own strings and the field labels the description translates.
    await page.selectOption('[data-testid=language]', 'pt');
    await page.waitForSelector('[data-testid="field-title"] .field-label:has-text("Título")');
    await page.waitForSelector('.settings-card h2:has-text("Código para o site")');
    await page.fill('.snippet-options input:not([type=color])', 'Fale conosco');
    expect(await snippet.inputValue()).toContain('data-label="Fale conosco"');
    await page.fill('[name=title]', 'Ajuda Ponte');
    await page.fill('[name=greeting]', 'Olá! Como podemos ajudar?');
    await page.click('[data-testid=save-inbox]');
    await expect.poll(async () => (await app.core.inboxes.get(app.webchatInboxId)).settings).toMatchObject({ title: 'Ajuda Ponte', greeting: 'Olá! Como podemos ajudar?' });
    await screenshot(page, 'settings-inbox-webchat-pt.png');
    await page.selectOption('[data-testid=language]', 'en');
  });

  it('a Telegram inbox made here registers its webhook with the secret token, turns healthy, keeps its token write-only', async () => {
    await page.click('a.link.back');
    await page.click('[data-testid=new-inbox]');
    await page.click('[data-testid=kind-telegram]');
    await page.fill('[name=name]', 'Bot de vendas');
    await page.fill('[name=botToken]', bot.token);
    // Telegram only calls HTTPS webhooks: the address the platform sees, in front of this test hub.
    await page.fill('[name=publicUrl]', 'https://help.example.com');
    await page.fill('[name=reopenWindowDays]', '3');
    await page.click('[data-testid=save-inbox]');
    const url = page.locator('[data-testid=webhook-url]');
    await url.waitFor();
    const id = /#\/settings\/inboxes\/([0-9a-f]{24})/.exec(page.url())![1]!;
    const base = 'https://help.example.com';
    expect(await url.inputValue()).toBe(`${base}/webhooks/telegram/${id}`);
    // The runtime started the inbox: setWebhook reached the Bot API with our URL and the inbox's secret token.
    const registered = await until(async () => bot.webhook);
    expect(registered.url).toBe(`${base}/webhooks/telegram/${id}`);
    expect(registered.secret_token).toBe((await app.core.inboxes.runtimeSettings(id)).webhookSecret);
    const stored = await app.core.inboxes.get(id);
    expect(stored).toMatchObject({ kind: 'telegram', reopenWindowDays: 3, settings: { mode: 'webhook' }, secretKeys: expect.arrayContaining(['botToken']) });
    await page.locator('[data-testid=field-botToken] [data-testid=secret-set]').waitFor();
    expect(await page.content()).not.toContain(bot.token.split(':')[1]!);
    await page.click('[data-testid=webhook-url-copy]');
    await page.waitForSelector('[data-testid=webhook-url-copy]:has-text("Copied")');
    expect(await page.evaluate(() => (globalThis as any).navigator.clipboard.readText())).toBe(`${base}/webhooks/telegram/${id}`);
    await screenshot(page, 'settings-inbox-webhook-kind.png');
    // Its health shows in the list, live.
    await page.click('a.link.back');
    await row(page, 'Bot de vendas').locator('[data-testid=health][data-status=ok]').waitFor();
    await screenshot(page, 'settings-inboxes-telegram-ok.png');
  });

  it('a WhatsApp inbox made here shows its pairing QR live to admins, then the state; log out brings a new QR; supervisors look without QR or changes', async () => {
    // The real WhatsApp channel with its simulator driver (never reaches WhatsApp): the session, the QR and the
    // pairing are the channel's own; only the phone is played over the driver's loopback port.
    await page.click('[data-testid=new-inbox]');
    await page.click('[data-testid=kind-whatsapp]');
    await page.fill('[name=name]', 'WhatsApp Vendas');
    await page.selectOption('[name=driver]', 'fake');
    await page.fill('[name=fakePort]', String(waPort));
    await page.click('[data-testid=save-inbox]');
    await page.waitForSelector('[data-testid=pairing][data-state=wa_qr] [data-testid=qr]', { timeout: 30_000 });
    const waId = /#\/settings\/inboxes\/([0-9a-f]{24})/.exec(page.url())![1]!;
    const phone = `http://127.0.0.1:${waPort}`;
    const qrText = ((await (await fetch(`${phone}/state`)).json()) as { qr: string }).qr;
    // The drawn modules are the encoding of the session's QR text.
    const qr = encode(qrText, { ecc: 'L', border: 2 });
    let d = '';
    qr.data.forEach((line, y) => line.forEach((dark, x) => dark && (d += `M${x} ${y}h1v1h-1z`)));
    expect(await page.getAttribute('[data-testid=qr] path', 'd')).toBe(d);
    await screenshot(page, 'settings-inbox-whatsapp-qr.png');

    // Supervisors get the state, never the pairing code itself.
    const sup = await login(supervisor);
    await sup.goto(`${app.url}/console/#/settings/inboxes/${waId}`);
    await sup.waitForSelector('[data-testid=pairing]:has-text("Scan the QR code")');
    expect(await sup.locator('[data-testid=qr]').count()).toBe(0);
    expect(await sup.locator('[data-testid=save-inbox], [data-testid=delete-inbox], [data-testid=wa-reset]').count()).toBe(0);
    expect(await sup.content()).not.toContain(qrText);
    await screenshot(sup, 'settings-inbox-supervisor.png');

    // The phone scans: the session is ready, the QR goes away.
    expect((await fetch(`${phone}/scan`, { method: 'POST' })).status).toBeLessThan(300);
    await page.waitForSelector('[data-testid=pairing][data-state=wa_ready]', { timeout: 30_000 });
    expect(await page.locator('[data-testid=qr]').count()).toBe(0);
    await screenshot(page, 'settings-inbox-whatsapp-ready.png');

    // Log out / new QR: the phone is unlinked and a new code is offered.
    await page.click('[data-testid=wa-reset]');
    await page.click('[data-testid=wa-reset-confirm]');
    await page.waitForSelector('[data-testid=pairing][data-state=wa_qr] [data-testid=qr]', { timeout: 30_000 });
    await screenshot(page, 'settings-inbox-whatsapp-new-qr.png');

    const agentPage = await login(agent);
    expect(await agentPage.locator('[data-testid=open-settings]').count()).toBe(0);
  });
});
