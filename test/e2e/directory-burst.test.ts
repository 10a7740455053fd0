import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '../../src/core/users/viewer.js';
import { createUser, smsEvent } from '../support/test-core.js';
import { modelsOf } from '../../src/core/models/models-of.js';
import { launchBrowser, screenshot, signInToConsole } from './support/browser.js';
import { startApp, type RunningApp } from './support/start-app.js';

/**
 * An admin imports 50 agents: every open console re-read `GET /api/users` once per `directory.changed`, 50 reads
 * each at once. The console now reads once per burst (and the server sends a burst as two events).
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

describe('a burst of directory changes', () => {
  it('costs an open console one or two reads of the list, and the list ends complete', async () => {
    await app.core.ingest.accept([{ ...smsEvent(app.webchatInboxId, { sid: 'E2E-DIRB', from: '+5511900004445', text: 'oi' }), providerKey: 'e2e:dirb:1' }]);
    await app.core.ingest.drain();
    const ticketId = String((await modelsOf(app.core).Message.findOne({ providerKey: 'e2e:dirb:1' }).lean())!.ticketId);
    const ctx = await b.browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-US' });
    const page = await signInToConsole(await ctx.newPage(), app.url, agent);
    page.setDefaultTimeout(15_000);
    await page.goto(`${app.url}/console/#/t/${ticketId}`);
    await page.waitForSelector('[data-testid=assignee]');
    let reads = 0;
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/users') reads++;
    });

    // 50 events straight from the server (whatever the projector does): the console's own coalescing.
    for (let i = 0; i < 50; i++) app.realtime.io.to('agents').emit('directory.changed', { what: 'users', at: new Date().toISOString() });
    await new Promise((r) => setTimeout(r, 3000));
    expect(reads).toBeGreaterThanOrEqual(1);
    expect(reads).toBeLessThanOrEqual(2);

    // A real import: 50 agents created one after the other.
    reads = 0;
    const started = Date.now();
    for (let i = 0; i < 50; i++) {
      await app.core.users.create(admin, { name: `Imported Agent ${String(i).padStart(2, '0')}`, email: `import-${i}@example.com`, role: 'agent', departmentIds: [], password: 'a long enough password' });
    }
    const took = Date.now() - started;
    await expect.poll(() => optionTexts(page, 'assignee'), { timeout: 10_000 }).toContain('Imported Agent 49');
    await new Promise((r) => setTimeout(r, 2000));
    const names = await optionTexts(page, 'assignee');
    for (let i = 0; i < 50; i++) expect(names).toContain(`Imported Agent ${String(i).padStart(2, '0')}`);
    // Created one after the other (password hashing: seconds on a busy machine): a read every 5 s at most while
    // it goes on, and one after it, not one per agent.
    expect(reads).toBeLessThanOrEqual(Math.ceil(took / 5000) + 2);
    expect(reads).toBeLessThan(50);
    await screenshot(page, 'directory-burst.png');
    await ctx.close();
  });
});
