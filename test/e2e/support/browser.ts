import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * Debian's chromium (installed by .ci/run), never a downloaded browser; no network beyond loopback.
 * playwright's launch() always starts Chromium on a fresh temporary --user-data-dir of its own (and
 * refuses the flag); `profile` is the TMPDIR it creates it in, removed afterwards.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * One Chromium per test process: the browser suite runs its files one after another in one process
 * (vitest.e2e.config.ts, `isolate: false`), and starting and closing Chromium for each of 36 files cost
 * ~2.5 s a file. A file still starts clean: `close()` closes every context it opened (cookies, storage,
 * pages), and a browser that died is launched again. Playwright kills the browser when the process exits.
 */
let shared: Promise<Browser> | undefined;

async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  const profile = mkdtempSync(path.join(os.tmpdir(), 'ponte-chromium-'));
  process.once('exit', () => rmSync(profile, { recursive: true, force: true }));
  return chromium.launch({
    executablePath: CHROMIUM,
    env: { ...process.env, TMPDIR: profile },
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

export async function launchBrowser(): Promise<{ browser: Browser; close(): Promise<void> }> {
  let browser = shared ? await shared.catch(() => undefined) : undefined;
  if (!browser?.isConnected()) {
    shared = launchChromium();
    browser = await shared;
  }
  const mine = browser;
  return {
    browser: mine,
    async close() {
      await Promise.all(mine.contexts().map((c) => c.close().catch(() => undefined)));
    },
  };
}

export const artifactsDir = path.resolve('test-artifacts');

export async function screenshot(page: Page, name: string) {
  mkdirSync(artifactsDir, { recursive: true });
  await page.screenshot({ path: path.join(artifactsDir, name), fullPage: false });
}

/** Signs a user in on the console in `page` and waits until its live connection is up. */
export async function signInToConsole(page: Page, appUrl: string, user: { email: string; password: string }): Promise<Page> {
  await page.goto(`${appUrl}/console/`);
  await page.fill('input[name=email]', user.email);
  await page.fill('input[name=password]', user.password);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=connection][data-state=online]');
  return page;
}
